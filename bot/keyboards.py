"""Inline keyboards whose callback data is an opaque stored key (see core.chat.buttons)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.button_dispatch import Payload
from bot.context import BotContext
from core.chat import buttons


@dataclass(frozen=True)
class Button:
    """A button as stored: its action's name and payload dict. Build it from a typed payload
    with `Button.of` (bot.button_dispatch.Payload), which writes both."""

    label: str
    action: str
    payload: dict[str, Any] = field(default_factory=dict)
    single_use: bool = True

    @classmethod
    def of(cls, label: str, payload: Payload, *, single_use: bool = True) -> Button:
        return cls(label, payload.action, payload.as_dict(), single_use)


def page_row(payload: Payload, *, at: int, step: int, end: int, key: str = "offset") -> list[list[Button]]:
    """◀ ▶ to the previous and next page of a list (as a row to add, or none on a single page):
    `payload` is the current page's, `at` its field `key` — the page ("page", step 1) or the
    offset ("offset", step = page size) — and `end` the page count or the number of items."""
    nav = []
    page: Any = payload  # a dataclass instance (every Payload is)
    if at > 0:
        nav.append(Button.of("◀", dataclasses.replace(page, **{key: max(at - step, 0)}), single_use=False))
    if at + step < end:
        nav.append(Button.of("▶", dataclasses.replace(page, **{key: at + step}), single_use=False))
    return [nav] if nav else []


async def markup(
    context: BotContext, rows: list[list[Button]], *, ttl: timedelta = buttons.DEFAULT_TTL
) -> InlineKeyboardMarkup:
    """Store one action key per button (for the current user only) and build the keyboard."""
    flat = [b for row in rows for b in row]
    specs = [buttons.ButtonSpec(b.action, b.payload, b.single_use) for b in flat]
    keys = await context.run(
        buttons.issue_many, user_id=context.me.id, specs=specs, now=context.services.clock.now(), ttl=ttl
    )
    by_button = iter(keys)
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=next(by_button)) for b in row] for row in rows]
    )


@dataclass(frozen=True)
class Draft:
    """A keyboard whose keys are not stored yet: show it, then `store` it in the transaction that
    records the message (one commit instead of two). Safe because a chat's updates are handled one
    at a time (bot.ordering): the keys are stored before that chat's next update — a press — runs."""

    markup: InlineKeyboardMarkup
    keys: list[str]
    specs: list[buttons.ButtonSpec]
    ttl: timedelta

    def store(self, session: Any, user_id: int, now: Any) -> None:
        buttons.store(session, user_id=user_id, keys=self.keys, specs=self.specs, now=now, ttl=self.ttl)


def draft(rows: list[list[Button]], *, ttl: timedelta = buttons.DEFAULT_TTL) -> Draft:
    flat = [b for row in rows for b in row]
    keys = buttons.new_keys(len(flat))
    by_button = iter(keys)
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=next(by_button)) for b in row] for row in rows]
    )
    return Draft(keyboard, keys, [buttons.ButtonSpec(b.action, b.payload, b.single_use) for b in flat], ttl)

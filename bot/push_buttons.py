"""The buttons of a message the bot sends on its own, drawn when it is sent: core says what each
line of the message offers (core.chat.messages.Offer: log, done, snooze, resolve, review, …);
this module says which buttons that makes — labels, action names, what the action is given and
whether its key is single-use. One row per line, in the order of the lines; labels carry no
words (the sender does not translate labels), just the line's number and a sign.

A row stored in the outbox by an older version carries ready buttons ("buttons": rows of
{label, action, payload, single_use}); `rows_of` draws those as they were stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.keyboards import Button
from core.chat.messages import Act, Offer, OutboxMessage

SNOOZES = ("1d", "3d")  # a pushed follow-up is moved on by a day or three
# ✓ and snooze on these redraw the message they sit on (bot/handlers/agenda.py `_refresh`)
VIEWS = {"reminders/digest": "digest", "reminders/nudge": "nudge"}


def rows(message: OutboxMessage) -> list[list[Button]]:
    """The keyboard's rows for what `message` offers (none: no keyboard)."""
    view = VIEWS.get(message.template)
    by_line: dict[int | None, list[Button]] = {}
    for offer in message.offers:
        by_line.setdefault(offer.line, []).extend(buttons(offer, view))
    return [row for row in by_line.values() if row]


def rows_of(payload: Mapping[str, Any]) -> list[list[Button]]:
    """The rows of a stored outbox payload: drawn from its offers, or — a row written by an older
    version — its stored buttons as they are."""
    stored = payload.get("buttons")
    if stored:
        return [
            [
                Button(str(b["label"]), str(b["action"]), dict(b.get("payload") or {}), bool(b.get("single_use", True)))
                for b in row
            ]
            for row in stored
            if row
        ]
    return rows(OutboxMessage.from_payload(payload))


def buttons(offer: Offer, view: str | None = None) -> list[Button]:
    """The buttons of one offer; `view` (digest | nudge) lets ✓ and snooze redraw the message."""
    mark = "" if offer.line is None else f"{offer.line} "
    target = offer.target
    seen = {"view": view} if view else {}
    match offer.act:
        case Act.LOG:
            return [Button(f"{mark}✍", "customer.log", {"id": target["customer"]}, single_use=False)]
        case Act.DONE:
            return [Button(f"{mark}✓", "followup.done", {"id": target["follow_up"], **seen})]
        case Act.SNOOZE:
            return [
                Button(f"{mark}+{by}", "followup.snooze", {"id": target["follow_up"], "by": by, **seen})
                for by in SNOOZES
            ]
        case Act.RESOLVE:
            return [Button(f"{mark}✓", "feedback.resolve", {"id": target["complaint"]}, single_use=False)]
        case Act.REVIEW:
            return [Button(f"{mark}🗂", "followup.review", {}, single_use=False)]
        case Act.GREETING_SENT:
            occasion = {"occasion": target["occasion"], "name": target["name"]}
            return [Button(f"{mark}✓", "greeting.sent", {"customer_id": target["customer"], **occasion})]
        case Act.GREETING_SKIPPED:
            return [Button(f"{mark}✗", "greeting.skip", {"customer_id": target["customer"]})]
        case Act.OPEN_SUMMARY:
            return [Button(f"{mark}📊", "summary.open", {"period": target["period"]}, single_use=False)]

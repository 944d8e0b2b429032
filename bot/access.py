"""The gate every update passes before any handler (group -1).

- Group chats: one line saying the bot works in private chat only.
- Unknown or deactivated users: one short polite refusal in their language, nothing else —
  except `/start <code>`, which is how a person is onboarded.
- Known users: `context.account` is set for the handlers; writing to the bot clears "blocked".
What a known user may see is checked again in core for every customer they touch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session
from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot import updatelog
from bot.app import BotContext
from core import accounts, buttons, flows, people

log = logging.getLogger(__name__)


async def gate(update: Update, context: BotContext) -> None:
    user = update.effective_user
    chat = update.effective_chat
    if user is None or user.is_bot:
        raise ApplicationHandlerStop  # channel posts, service updates: nothing to do
    lang = accounts.pick_language(None, user.language_code)
    if chat is not None and chat.type != ChatType.PRIVATE:
        await _refuse(update, context, "access/private_only", lang)
        raise ApplicationHandlerStop
    query = update.callback_query
    arrival = await context.run(_arrive, user.id, user.language_code, user.username, context.now(),
                                query.data or "" if query is not None else None)
    account = arrival.account
    if account is None:
        if _is_start_with_code(update):
            return  # the onboarding handler redeems the code
        await _refuse(update, context, "access/deactivated" if arrival.deactivated else "access/unknown_user", lang)
        raise ApplicationHandlerStop
    context.account = account
    context.flow = arrival.flow
    context.pressed = arrival.pressed


@dataclass(frozen=True, slots=True)
class Arrival:
    account: accounts.Account | None
    flow: flows.Pending | None = None
    pressed: buttons.Press | None = None
    deactivated: bool = False  # a known person whose access was turned off (told so, politely)


def _arrive(session: Session, telegram_id: int, language: str | None, username: str | None, now: datetime,
            key: str | None) -> Arrival:
    """One transaction per update for what every handler needs first: who it is, their pending
    flow, and for a button press the claimed key (see core.buttons.press)."""
    account = accounts.recognise(session, telegram_id, language, username)
    if account is None:
        return Arrival(None, deactivated=people.is_deactivated(session, telegram_id))
    pressed = buttons.press(session, key=key, user_id=account.id, now=now) if key is not None else None
    return Arrival(account, flows.current(session, account.id, now), pressed)


def _is_start_with_code(update: Update) -> bool:
    text = update.message.text if update.message and update.message.text else ""
    parts = text.split()
    return len(parts) == 2 and parts[0].split("@")[0] == "/start"


async def _refuse(update: Update, context: BotContext, template: str, lang: str) -> None:
    updatelog.mark("refused", "gate-refused")
    text = context.services.renderer.render(lang, template)
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)

"""The gate every update passes before any handler (group -1).

- Every text a user sends (message text and caption, a document's name, their own name, a
  button's data) loses its C0 control characters here, once (core.text): PostgreSQL refuses
  NUL, and no handler below needs to think about them.
- Group chats: one line saying the bot works in private chat only.
- Unknown or deactivated users: one short polite refusal in their language, then an hour of
  silence (core.team.strangers; a pressed button only stops spinning) — except `/start <code>`,
  which is how a person is onboarded and is always read.
- Known users: `context.account` is set for the handlers; writing to the bot clears "blocked".
What a known user may see is checked again in core for every customer they touch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session
from telegram import Message, MessageEntity, TelegramObject, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot import updatelog
from bot.context import BotContext
from core import accounts
from core.chat import buttons, flows
from core.team import people, strangers
from core.text import CONTROL, strip_controls
from core.tier_records.policy_store import PolicyHolder

log = logging.getLogger(__name__)


async def gate(update: Update, context: BotContext) -> None:
    strip_control_characters(update)
    user = update.effective_user
    chat = update.effective_chat
    if user is None or user.is_bot:
        raise ApplicationHandlerStop  # channel posts, service updates: nothing to do
    lang = accounts.pick_language(None, user.language_code)
    if chat is not None and chat.type != ChatType.PRIVATE:
        await _refuse(update, context, "access/private_only", lang)
        raise ApplicationHandlerStop
    query = update.callback_query
    joining = _is_start_with_code(update)
    arrival = await context.run(
        _arrive,
        context.services.policies,
        user.id,
        user.language_code,
        user.username,
        context.now(),
        query.data or "" if query is not None else None,
        joining,
    )
    account = arrival.account
    if account is None:
        if joining:
            return  # the onboarding handler redeems the code
        if arrival.refuse:
            await _refuse(update, context, "access/deactivated" if arrival.deactivated else "access/unknown_user", lang)
        else:
            await _stay_silent(update)
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
    refuse: bool = False  # no account, and not refused within the hour: say so once


def _arrive(
    session: Session,
    policies: PolicyHolder,
    telegram_id: int,
    language: str | None,
    username: str | None,
    now: datetime,
    key: str | None,
    joining: bool = False,
) -> Arrival:
    """One transaction per update for what every handler needs first: who it is, their pending
    flow, and for a button press the resolved key (claimed later, with the action's write: see
    bot.button_dispatch). The policy's periodic check rides along, off the event loop. For someone
    without an account, whether this message gets the refusal (`joining`: an invite code, which
    the onboarding handler answers, and which uses up no refusal)."""
    policies.refresh_if_due(session, now)
    account = accounts.recognise(session, telegram_id, language, username)
    if account is None:
        refuse = not joining and strangers.may_refuse(session, telegram_id, now)
        return Arrival(None, deactivated=people.is_deactivated(session, telegram_id), refuse=refuse)
    pressed = buttons.press(session, key=key, user_id=account.id, now=now) if key is not None else None
    return Arrival(account, flows.current(session, account.id, now), pressed)


def strip_control_characters(update: Update) -> None:
    """Clean, in place, what the user typed; the handlers (and CommandHandler's arguments,
    computed after this group) read the cleaned values. Entity offsets move with the text."""
    for message in (update.message, update.edited_message):
        if message is not None:
            _clean_message(message)
    if update.effective_user is not None:
        _clean_fields(update.effective_user, "first_name", "last_name")
    if update.callback_query is not None:
        _clean_fields(update.callback_query, "data")


def _clean_message(message: Message) -> None:
    for field, entities_field in (("text", "entities"), ("caption", "caption_entities")):
        text = getattr(message, field)
        if text and CONTROL.search(text):
            entities = _moved(text, getattr(message, entities_field))
            with message._unfrozen():  # noqa: SLF001 - PTB objects are frozen; the gate is the one place that edits one
                setattr(message, field, strip_controls(text))
                setattr(message, entities_field, entities)
    if message.document is not None:
        _clean_fields(message.document, "file_name")


def _clean_fields(obj: TelegramObject, *fields: str) -> None:
    for field in fields:
        value = getattr(obj, field)
        if value and CONTROL.search(value):
            with obj._unfrozen():  # noqa: SLF001 - as above
                setattr(obj, field, strip_controls(value))


def _moved(text: str, entities: tuple[MessageEntity, ...]) -> tuple[MessageEntity, ...]:
    """The entities of `text` (offsets in UTF-16 units) placed on strip_controls(text)."""
    if not entities:
        return entities
    after = [0]  # after[u]: the cleaned offset of the original UTF-16 offset u
    for index, char in enumerate(text):
        removed = (text[index + 1 : index + 2] == "\n") if char == "\r" else bool(CONTROL.match(char))
        width = 2 if ord(char) > 0xFFFF else 1
        after += [after[-1] + (0 if removed else width)] * width
    moved = []
    for entity in entities:
        last = len(after) - 1
        start, end = after[min(entity.offset, last)], after[min(entity.offset + entity.length, last)]
        if end > start:
            moved.append(
                MessageEntity(
                    entity.type,
                    start,
                    end - start,
                    url=entity.url,
                    user=entity.user,
                    language=entity.language,
                    custom_emoji_id=entity.custom_emoji_id,
                )
            )
    return tuple(moved)


def _is_start_with_code(update: Update) -> bool:
    text = update.message.text if update.message and update.message.text else ""
    parts = text.split()
    return len(parts) == 2 and parts[0].split("@")[0] == "/start"


async def _stay_silent(update: Update) -> None:
    """Within a stranger's hour of silence: nothing is sent; a pressed button is answered
    without text, so that it stops spinning."""
    updatelog.mark("refused", "gate-silent")
    if update.callback_query is not None:
        await update.callback_query.answer()


async def _refuse(update: Update, context: BotContext, template: str, lang: str) -> None:
    updatelog.mark("refused", "gate-refused")
    text = context.services.renderer.render(lang, template)
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)

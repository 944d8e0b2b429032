"""Sending rendered HTML: long texts split at 4,096 characters, the keyboard on the last part."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.render import split_message


async def reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> Message:
    chat = update.effective_chat
    assert chat is not None
    parts = split_message(text)
    message: Message | None = None
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        message = await chat.send_message(
            part,
            parse_mode=ParseMode.HTML,
            reply_markup=markup if last else None,
            disable_web_page_preview=True,
        )
    assert message is not None
    return message


async def edit(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Replace the message a button sits on; fall back to a new message when it cannot be edited."""
    query = update.callback_query
    if query is None or query.message is None or len(text) > 4096:
        await reply(update, text, markup)
        return
    try:
        await query.edit_message_text(
            text, parse_mode=ParseMode.HTML, reply_markup=markup, disable_web_page_preview=True
        )
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            await reply(update, text, markup)

"""The last line of defence: log the failure, tell the user plainly, never show a traceback."""

from __future__ import annotations

import logging

from telegram import Update

from bot.app import BotContext
from core.accounts import pick_language

log = logging.getLogger("tierbot.errors")


async def on_error(update: object, context: BotContext) -> None:
    log.error("update failed: %s", context.error, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    user = update.effective_user
    lang = context.account.language if context.account else pick_language(None, user.language_code if user else None)
    text = context.services.renderer.render(lang, "errors/unexpected")
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        else:
            await update.effective_chat.send_message(text)
    except Exception:  # noqa: BLE001 - the network may be why we are here; the log has it
        log.warning("could not tell the user about the failure", exc_info=True)

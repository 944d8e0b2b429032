"""The last line of defence: log the failure, tell the user plainly, never show a traceback."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot import ops, updatelog
from bot.button_dispatch import FailedAfterAnswer
from bot.context import BotContext
from core.accounts import pick_language
from core.faults import database_fault

log = logging.getLogger("tierbot.errors")


async def on_error(update: object, context: BotContext) -> None:
    updatelog.mark("error")
    error: BaseException | None = context.error
    answered = isinstance(error, FailedAfterAnswer)
    if answered and error is not None and error.__cause__ is not None:
        error = error.__cause__
    # A busy or full database is the database's state, not a bug: a short answer, no traceback.
    fault = database_fault(error)
    if update is None and isinstance(error, TelegramError):
        # polling could not reach the Bot API (refused, 5xx, timeout, not JSON): PTB retries with
        # back-off; one line each, and the admins hear of it when it lasts (bot.ops)
        fault = "bot_api"
        log.warning("Bot API: %s: %s", type(error).__name__, error)
    elif fault is None:
        log.error("update failed: %s", error, exc_info=error)
    else:
        log.warning("update failed: database %s (%s)", fault, error)
    reason = str(getattr(error, "orig", None) or error).strip().splitlines() or [""]
    kind = "bot_api" if fault == "bot_api" else f"db_{fault}" if fault else "errors"
    await ops.note_failure(context.application, kind, f"{type(error).__name__}: {reason[0]}")
    await _tell(update, context, fault, answered)
    # Stop here: an update whose gate failed (a busy database) must not reach the handlers, which
    # would run without an account and fail a second time.
    raise ApplicationHandlerStop


async def _tell(update: object, context: BotContext, fault: str | None, answered: bool) -> None:
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    user = update.effective_user
    lang = context.account.language if context.account else pick_language(None, user.language_code if user else None)
    text = context.services.renderer.render(
        lang, {"busy": "errors/busy", "full": "errors/storage_full"}.get(fault or "", "errors/unexpected")
    )
    try:
        if update.callback_query is not None and not answered:
            await update.callback_query.answer(text, show_alert=True)
        else:
            await update.effective_chat.send_message(text)
    except Exception:  # the network may be why we are here; the log has it
        log.warning("could not tell the user about the failure", exc_info=True)

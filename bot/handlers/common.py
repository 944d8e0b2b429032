"""/cancel, plain text outside any flow, unknown commands, and what the bot does not read."""

from __future__ import annotations

from telegram import Update

from bot import flow_dispatch
from bot.context import BotContext
from bot.handlers import log
from bot.replies import reply


async def cancel(update: Update, context: BotContext) -> None:
    had_flow = await flow_dispatch.finish(context)
    await reply(update, context.render("common/cancelled", had_flow=had_flow))


async def text(update: Update, context: BotContext) -> None:
    """Plain text, or a photo's caption: the answer a pending flow waits for, else a new log."""
    message = update.effective_message
    assert message is not None
    content = message.text if message.text is not None else (message.caption or "")
    if await flow_dispatch.take_input(update, context, content):
        return
    await log.on_text(update, context, content)


async def unknown_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    command = (message.text or "").split()[0][:64] if message and message.text else "/"
    await reply(update, context.render("common/unknown_command", command=command))


async def unsupported(update: Update, context: BotContext) -> None:
    message = update.effective_message
    kind = "other"
    if message is not None and message.document is not None:
        kind = "document"
    elif message is not None and message.photo:
        kind = "photo"
    elif message is not None and (message.voice or message.audio):
        kind = "voice"
    await reply(update, context.render("common/unsupported", kind=kind))

"""/cancel, plain text outside any flow, unknown commands, and what the bot does not read."""

from __future__ import annotations

from telegram import Update

from bot import flows
from bot.app import BotContext
from bot.replies import reply


async def cancel(update: Update, context: BotContext) -> None:
    had_flow = await flows.finish(context)
    await reply(update, context.render("common/cancelled", had_flow=had_flow))


async def text(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    if await flows.take_input(update, context, message.text or ""):
        return
    await reply(update, context.render("common/text_hint"))


async def unknown_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    command = (message.text or "").split()[0][:64] if message and message.text else "/"
    await reply(update, context.render("common/unknown_command", command=command))


async def unsupported(update: Update, context: BotContext) -> None:
    message = update.effective_message
    kind = "document" if message is not None and message.document is not None else "other"
    await reply(update, context.render("common/unsupported", kind=kind))

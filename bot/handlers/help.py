"""/help, by role."""

from telegram import Update

from bot.context import BotContext
from bot.replies import reply


async def show(update: Update, context: BotContext) -> None:
    await reply(update, context.render("help/main", role=context.me.role))

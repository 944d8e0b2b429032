"""Typed input for multi-step flows: the pending card (in the database) names the flow waiting
for text; a feature registers its input handler with `@expects("…")`. A refusal the handler
raises is answered from its area (bot.error_replies, "chat" unless it names one), and ends the
flow when the area says so (by default: what the question was about is gone)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update

from bot import error_replies
from bot.context import BotContext
from core.chat import flows
from core.errors import Refusal

InputHandler = Callable[[Update, BotContext, str, dict[str, Any]], Awaitable[None]]
_INPUTS: dict[str, InputHandler] = {}


def expects(flow: str) -> Callable[[InputHandler], InputHandler]:
    def register(handler: InputHandler) -> InputHandler:
        _INPUTS[flow] = handler
        return handler

    return register


async def take_input(update: Update, context: BotContext, text: str) -> bool:
    """Give `text` to the user's pending flow; False when no flow is waiting for it."""
    pending = context.flow
    handler = _INPUTS.get(pending.flow) if pending else None
    if handler is None or pending is None:
        return False
    try:
        await handler(update, context, text, pending.data)
    except Refusal as error:
        area = error_replies.area_of(handler, "chat")
        if context.flow is not None and error_replies.ends_flow(area, error):
            await finish(context)
        await error_replies.tell(update, context, area, error)
    return True


async def pending(context: BotContext) -> flows.Pending | None:
    """The user's pending flow: read by the gate with the account, kept current by begin/finish
    (updates of one chat are handled one at a time, see bot.ordering)."""
    return context.flow


async def begin(context: BotContext, flow: str, data: dict[str, Any]) -> None:
    await context.run(flows.start, user_id=context.me.id, flow=flow, data=data, now=context.services.clock.now())
    started(context, flow, data)


def started(context: BotContext, flow: str, data: dict[str, Any]) -> None:
    """Record in the update's context a flow stored by a caller's own transaction."""
    context.flow = flows.Pending(flow, dict(data), None, None)


async def finish(context: BotContext) -> bool:
    had = await context.run(flows.clear, context.me.id)
    finished(context)
    return had


def finished(context: BotContext) -> None:
    """Record in the update's context a flow cleared by a caller's own transaction."""
    context.flow = None

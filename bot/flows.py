"""Typed input for multi-step flows: the pending card (in the database) names the flow waiting
for text; a feature registers its input handler with `@expects("…")`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update

from bot.app import BotContext
from core import flows

InputHandler = Callable[[Update, BotContext, str, dict[str, Any]], Awaitable[None]]
_INPUTS: dict[str, InputHandler] = {}


def expects(flow: str) -> Callable[[InputHandler], InputHandler]:
    def register(handler: InputHandler) -> InputHandler:
        _INPUTS[flow] = handler
        return handler

    return register


async def take_input(update: Update, context: BotContext, text: str) -> bool:
    """Give `text` to the user's pending flow; False when no flow is waiting for it."""
    pending = await context.run(flows.current, context.me.id, context.services.clock.now())
    handler = _INPUTS.get(pending.flow) if pending else None
    if handler is None or pending is None:
        return False
    await handler(update, context, text, pending.data)
    return True


async def pending(context: BotContext) -> flows.Pending | None:
    return await context.run(flows.current, context.me.id, context.services.clock.now())


async def begin(context: BotContext, flow: str, data: dict[str, Any]) -> None:
    await context.run(flows.start, user_id=context.me.id, flow=flow, data=data, now=context.services.clock.now())


async def finish(context: BotContext) -> bool:
    return await context.run(flows.clear, context.me.id)

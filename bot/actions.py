"""Button presses: one CallbackQueryHandler resolves the stored key, re-checks the presser and
dispatches to the feature that registered the action name with `@action("…")`. A handler
returns the text of a short notice to show the presser, or None."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import CallbackQuery, Update
from telegram.error import BadRequest

from bot.app import BotContext
from core import buttons
from core.errors import InvalidInput, NotFound

ActionHandler = Callable[[Update, BotContext, dict[str, Any]], Awaitable[str | None]]


class FailedAfterAnswer(Exception):
    """An action that answered its press at once (a long import) failed later: Telegram takes
    one answer per press, so the error handler tells the user in a new message. The failure
    itself is the `__cause__`."""


_ACTIONS: dict[str, ActionHandler] = {}
_REFUSALS = {
    buttons.PressStatus.UNKNOWN: "buttons.unknown",
    buttons.PressStatus.NOT_YOURS: "buttons.not_yours",
    buttons.PressStatus.DONE: "buttons.done",
    buttons.PressStatus.EXPIRED: "buttons.expired",
}


def action(name: str) -> Callable[[ActionHandler], ActionHandler]:
    def register(handler: ActionHandler) -> ActionHandler:
        if name in _ACTIONS:
            raise ValueError(f"action {name!r} registered twice")
        _ACTIONS[name] = handler
        return handler

    return register


async def on_press(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    pressed = context.pressed  # claimed by the gate, in the transaction that read the account
    if pressed is None:
        pressed = await context.run(buttons.press, key=query.data or "", user_id=context.me.id,
                                    now=context.services.clock.now())
    handler = _ACTIONS.get(pressed.action) if pressed.status is buttons.PressStatus.OK else None
    if handler is None:
        status = pressed.status if pressed.status is not buttons.PressStatus.OK else buttons.PressStatus.UNKNOWN
        await query.answer(context.label(_REFUSALS[status]), show_alert=status is not buttons.PressStatus.DONE)
        return
    try:
        notice = await handler(update, context, pressed.payload or {})
    except NotFound:  # the thing behind the button is gone (undone, deleted, reassigned)
        await _answer(query, context.label("buttons.gone"), alert=True)
        return
    except InvalidInput as exc:
        await context.run(buttons.release, key=pressed.key)  # a bad value: the button can be pressed again
        await _answer(query, context.render("log/invalid", code=exc.code), alert=True)
        return
    except Exception:
        await context.run(buttons.release, key=pressed.key)  # the action failed: pressable again
        raise
    await _answer(query, notice)


async def _answer(query: CallbackQuery, text: str | None, *, alert: bool = False) -> None:
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest:  # a long action (an import, a policy) answered at once itself, or the query timed out
        pass

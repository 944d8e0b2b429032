"""Button presses: one CallbackQueryHandler resolves the stored key, re-checks the presser and
dispatches to the feature that registered the action name with `@action("…")`. A handler
returns the text of a short notice to show the presser, or None; a refusal it raises (NotFound,
InvalidInput, …) is answered from its area (bot.error_replies, "buttons" unless it names one).

A single-use key is claimed in the first transaction of its action that writes (bot.app), so a
process killed at any moment leaves the button either done with its write, or pressable with
nothing written. An action that fails leaves it pressable (its transaction rolled back the
claim); one that writes nothing claims it once it has run."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import CallbackQuery, Message, Update
from telegram.error import BadRequest

from bot import error_replies
from bot.context import BotContext, PendingClaim
from core.chat import buttons
from core.errors import AlreadyDone, Refusal

ActionHandler = Callable[[Update, BotContext, dict[str, Any]], Awaitable[str | None]]


class FailedAfterAnswer(Exception):
    """An action that answered its press at once (a long import) failed later: Telegram takes
    one answer per press, so the error handler tells the user in a new message. The failure
    itself is the `__cause__`."""


_ACTIONS: dict[str, ActionHandler] = {}
_WHEN_DONE: dict[str, ActionHandler] = {}
_REFUSALS = {
    buttons.PressStatus.UNKNOWN: "buttons.unknown",
    buttons.PressStatus.NOT_YOURS: "buttons.not_yours",
    buttons.PressStatus.EXPIRED: "buttons.expired",
}


def action(name: str, *, when_done: ActionHandler | None = None) -> Callable[[ActionHandler], ActionHandler]:
    """Register `name`'s handler. `when_done` redraws the message of a single-use button pressed
    again after its work was committed: a process killed between the commit and the edit of the
    card left the card as it was, and the next press shows what was done instead of a stale card."""

    def register(handler: ActionHandler) -> ActionHandler:
        if name in _ACTIONS:
            raise ValueError(f"action {name!r} registered twice")
        _ACTIONS[name] = handler
        if when_done is not None:
            _WHEN_DONE[name] = when_done
        return handler

    return register


async def on_press(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    # resolved by the gate, in the transaction that read the account
    pressed: buttons.Press = (
        context.pressed
        if context.pressed is not None
        else await context.run(
            buttons.press, key=query.data or "", user_id=context.me.id, now=context.services.clock.now()
        )
    )
    if pressed.status is buttons.PressStatus.DONE:
        await _already_done(update, context, pressed.action, pressed.payload or {})
        return
    handler = _ACTIONS.get(pressed.action) if pressed.status is buttons.PressStatus.OK else None
    if handler is None:
        status = pressed.status if pressed.status is not buttons.PressStatus.OK else buttons.PressStatus.UNKNOWN
        await query.answer(context.label(_REFUSALS[status]), show_alert=True)
        return
    if pressed.single_use:
        context.claim = PendingClaim(pressed.key, context.services.clock.now())
    # A failure rolls back the transaction it happened in, with the claim if it was in it: the
    # button stays pressable unless what it did was committed before the failure.
    try:
        notice = await handler(update, context, pressed.payload or {})
    except AlreadyDone:  # another worker's press of the same key committed first
        await _already_done(update, context, pressed.action, pressed.payload or {})
        return
    except Refusal as error:  # gone meanwhile, a bad value, not allowed: nothing claimed, pressable again
        await error_replies.tell(update, context, error_replies.area_of(handler, "buttons"), error)
        return
    await _claim_unwritten(context)
    await _answer(query, notice)


async def _already_done(update: Update, context: BotContext, name: str, payload: dict[str, Any]) -> None:
    """A single-use button whose work was committed: show the done state again where the action
    knows how (`when_done`), and say so."""
    redraw = _WHEN_DONE.get(name)
    if redraw is not None and _still_offered(update.callback_query):
        await redraw(update, context, payload)  # nothing to show (undone since): it leaves the card
    assert update.callback_query is not None
    await _answer(update.callback_query, context.label("buttons.done"))


def _still_offered(query: CallbackQuery | None) -> bool:
    """The pressed button is still on its message: the action's own edit never happened (a
    double tap after a normal save finds the saved card, which is left as it is)."""
    if query is None or not isinstance(query.message, Message) or query.message.reply_markup is None:
        return False
    rows = query.message.reply_markup.inline_keyboard
    return any(button.callback_data == query.data for row in rows for button in row)


async def _claim_unwritten(context: BotContext) -> None:
    """A single-use action that wrote nothing through `context.run` (it only showed something,
    or its work is idempotent and ran elsewhere, like a policy's activation) is done now."""
    claim = context.claim
    if claim is None or claim.claimed:
        return
    try:
        await context.services.run(buttons.claim, key=claim.key, now=claim.now)
    except AlreadyDone:  # a press racing this one: the action ran, either answer is true
        pass
    claim.claimed = True


async def _answer(query: CallbackQuery, text: str | None, *, alert: bool = False) -> None:
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest:  # a long action (an import, a policy) answered at once itself, or the query timed out
        pass

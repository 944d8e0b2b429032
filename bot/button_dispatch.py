"""Button presses: one CallbackQueryHandler resolves the stored key, re-checks the presser and
dispatches to the feature that registered the action name with `@action("…")`. A handler
returns the text of a short notice to show the presser, or None; a refusal it raises (NotFound,
InvalidInput, …) is answered from its area (bot.error_replies, "buttons" unless it names one).

A single-use key is claimed in the first transaction of its action that writes (bot.app), so a
process killed at any moment leaves the button either done with its write, or pressable with
nothing written. An action that fails leaves it pressable (its transaction rolled back the
claim); one that writes nothing claims it once it has run.

Payloads are typed. Each action's payload is a frozen stdlib dataclass that names its action —
`@dataclass(frozen=True) class PickField(Payload, action="log.pick"): field: str; msg: int` —
declared next to its handler, which is registered with the class: `@action(PickField)` and then
reads `payload.field`. The class is the one place the action's name is written: a button is built
from an instance (`Button.of(label, PickField(field="kind", msg=m))`, bot.keyboards), so the name
cannot drift from the payload and a mistyped field fails mypy, not a press. The stored dict is the
instance's fields by name (an alias where the stored name is a Python keyword: `from`), so keys
issued by core (core.reminders, core.reports.weekly, core.team.reassign) with plain dicts parse into
the same classes. The dict is parsed once, here, before the handler runs (pydantic, strict, from
its JSON form: ints are ints, a list fits a tuple, unknown fields are ignored); a payload that does
not fit — a stale key from an older shape, a forged row, a missing or mistyped field — is answered
like an unknown key ("buttons.unknown"), and the handler never runs. `when_done` redrawers get the
same typed payload.

An action whose payload comes in several shapes (team.confirm: a reassignment, an archive, a merge,
a people change) is registered with a class naming the action, and each shape subclasses it
naming none: `class ConfirmArchive(TeamConfirm): op: Literal["archive"]; id: int`. The stored dict
is parsed as whichever shape fits (a required Literal field tells them apart), and the handler
tells them apart with isinstance; each shape stores only its own fields."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar, Union

from pydantic import TypeAdapter, ValidationError
from telegram import CallbackQuery, Message, Update
from telegram.error import BadRequest

from bot import error_replies
from bot.context import BotContext, PendingClaim
from core.chat import buttons
from core.errors import AlreadyDone, Refusal

log = logging.getLogger(__name__)


class Payload:
    """Base of every button payload: subclass it as a frozen dataclass naming its action
    (`class Card(Payload, action="customer.card")`). `as_dict` is what the key stores."""

    action: ClassVar[str]
    _adapter: ClassVar[TypeAdapter[Any]]

    def __init_subclass__(cls, *, action: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if action is not None:
            cls.action = action
            return
        # no action named: one shape of the parent's action (its payload is one of its shapes)
        _SHAPES.setdefault(cls.__mro__[1], []).append(cls)

    def as_dict(self) -> dict[str, Any]:
        return dict(_adapter(type(self)).dump_python(self, mode="json", by_alias=True))


@dataclass(frozen=True)
class NoPayload(Payload, action=""):
    """The payload of an action that needs nothing: subclass it with the action's name."""


P = TypeVar("P", bound=Payload)
Handler = Callable[[Update, BotContext, P], Awaitable[str | None]]
ActionHandler = Callable[[Update, BotContext, Any], Awaitable[str | None]]


class FailedAfterAnswer(Exception):
    """An action that answered its press at once (a long import) failed later: Telegram takes
    one answer per press, so the error handler tells the user in a new message. The failure
    itself is the `__cause__`."""


_ACTIONS: dict[str, ActionHandler] = {}
_WHEN_DONE: dict[str, ActionHandler] = {}
_PAYLOADS: dict[str, type[Payload]] = {}
_SHAPES: dict[type, list[type[Payload]]] = {}  # a payload class → its shapes, if it has any
_REFUSALS = {
    buttons.PressStatus.UNKNOWN: "buttons.unknown",
    buttons.PressStatus.NOT_YOURS: "buttons.not_yours",
    buttons.PressStatus.EXPIRED: "buttons.expired",
}


def action(payload: type[P], *, when_done: Handler[P] | None = None) -> Callable[[Handler[P]], Handler[P]]:
    """Register the handler of `payload`'s action. `when_done` redraws the message of a
    single-use button pressed again after its work was committed: a process killed between the
    commit and the edit of the card left the card as it was, and the next press shows what was
    done instead of a stale card."""
    name = payload.action

    def register(handler: Handler[P]) -> Handler[P]:
        if not name or name in _ACTIONS:
            raise ValueError(f"action {name!r} unnamed or registered twice")
        _adapter(payload)  # built now: a payload class pydantic cannot read fails at import
        _ACTIONS[name] = handler
        _PAYLOADS[name] = payload
        if when_done is not None:
            _WHEN_DONE[name] = when_done
        return handler

    return register


def _adapter(cls: type[Payload]) -> TypeAdapter[Any]:
    adapter = cls.__dict__.get("_adapter")
    if adapter is None:
        shapes: Any = Union[tuple(_SHAPES[cls])] if cls in _SHAPES else cls  # noqa: UP007 - built at run time
        adapter = TypeAdapter(shapes)
        cls._adapter = adapter
    return adapter


def parse(name: str, stored: dict[str, Any] | None) -> Payload | None:
    """The stored dict as `name`'s payload class, or None when the action is unknown or the
    dict does not fit it."""
    cls = _PAYLOADS.get(name)
    if cls is None:
        return None
    try:
        parsed: Payload = _adapter(cls).validate_json(json.dumps(stored or {}), strict=True)
    except ValidationError as error:
        log.info("a %s key whose payload does not fit: %s", name, error.errors(include_input=False))
        return None
    return parsed


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
        await _already_done(update, context, pressed.action, pressed.payload)
        return
    handler = _ACTIONS.get(pressed.action) if pressed.status is buttons.PressStatus.OK else None
    payload = parse(pressed.action, pressed.payload) if handler is not None else None
    if handler is None or payload is None:
        status = pressed.status if pressed.status is not buttons.PressStatus.OK else buttons.PressStatus.UNKNOWN
        await query.answer(context.label(_REFUSALS[status]), show_alert=True)
        return
    if pressed.single_use:
        context.claim = PendingClaim(pressed.key, context.services.clock.now())
    # A failure rolls back the transaction it happened in, with the claim if it was in it: the
    # button stays pressable unless what it did was committed before the failure.
    try:
        notice = await handler(update, context, payload)
    except AlreadyDone:  # another worker's press of the same key committed first
        await _already_done(update, context, pressed.action, pressed.payload)
        return
    except Refusal as error:  # gone meanwhile, a bad value, not allowed: nothing claimed, pressable again
        await error_replies.tell(update, context, error_replies.area_of(handler, "buttons"), error)
        return
    await _claim_unwritten(context)
    await _answer(query, notice)


async def _already_done(update: Update, context: BotContext, name: str, stored: dict[str, Any] | None) -> None:
    """A single-use button whose work was committed: show the done state again where the action
    knows how (`when_done`), and say so."""
    redraw = _WHEN_DONE.get(name)
    payload = parse(name, stored) if redraw is not None else None
    if redraw is not None and payload is not None and _still_offered(update.callback_query):
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

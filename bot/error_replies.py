"""The one mapping from the refusals core raises (core.errors.Refusal: NotFound, Forbidden,
InvalidInput, ImportFileError, AlreadyDone) to the reply the user sees.

A handler names its feature area with `@answers("team")`. The three dispatchers catch a refusal
the handler did not catch itself and answer it from `AREAS` — bot.button_dispatch for button presses
(area "buttons" unless the action names one), bot.flow_dispatch for typed answers to a pending flow
(where `ends_flow` says whether the question is over) and `guard`, which bot.handlers wraps round
every command and message handler (these two: area "chat" unless the handler names one). Any other exception is a bug: it goes on to
bot.handlers.errors.on_error, which logs it and apologises without a traceback.

Each area says which template (or, `label=True`, which strings key) answers each refusal, and
how: `reply` sends a new message, `say` edits the message a pressed button sits on (a new message
for a typed command), `alert` answers the press in a pop-up. An area that does not name a refusal
answers it as `BASE` does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, TypeVar

from telegram import Update
from telegram.error import BadRequest

from bot.context import BotContext
from bot.import_texts import file_problem
from bot.render import Renderer
from bot.replies import edit, reply
from core.errors import AlreadyDone, Forbidden, ImportFileError, InvalidInput, NotFound, PolicyPinned, Refusal

H = TypeVar("H", bound=Callable[..., Any])
Channel = Literal["reply", "say", "alert"]


@dataclass(frozen=True)
class Say:
    """One answer: a template (a strings key with `label=True`) and its fixed parameters; an
    InvalidInput's `code` and `params` are added (and override these defaults). `channel`, when
    given, overrides the area's."""

    name: str
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    label: bool = False
    channel: Channel | None = None


def _not_found(error: Refusal) -> bool:
    return isinstance(error, NotFound)


def _gone_or_closed(error: Refusal) -> bool:
    return isinstance(error, NotFound) or (isinstance(error, InvalidInput) and error.code == "opportunity_closed")


@dataclass(frozen=True)
class Area:
    replies: Mapping[type[Refusal], Say]
    channel: Channel = "reply"
    # a typed answer to a flow that ends in this refusal ends the flow (else the question stays open)
    ends_flow: Callable[[Refusal], bool] = _not_found


NOT_FOUND = Say("customers/not_found")
NOT_ALLOWED = Say("common/not_allowed", {"need": "manager"})
LOG_INVALID = Say("log/invalid")
GONE_ALERT = Say("buttons.gone", label=True, channel="alert")  # the thing behind a button is gone

BASE: Mapping[type[Refusal], Say] = {
    Refusal: Say("errors/unexpected"),  # a refusal no table names more closely
    InvalidInput: Say("errors/invalid"),
    NotFound: NOT_FOUND,
    Forbidden: NOT_ALLOWED,
    PolicyPinned: Say("policy/pinned"),
    ImportFileError: Say("imports/problem", channel="reply"),  # a sentence or two: too long for a pop-up
    AlreadyDone: Say("buttons.done", label=True),
}

AREAS: Mapping[str, Area] = {
    # a command, a message or a typed answer whose handler names no area
    "chat": Area({}),
    # a button press whose action names no area: nothing written, the button can be pressed again
    "buttons": Area({InvalidInput: LOG_INVALID, NotFound: GONE_ALERT}, channel="alert"),
    "log": Area({InvalidInput: LOG_INVALID}),
    # ✅ on a log card: the customer gone meanwhile is "no such customer" like a misspelt one
    "log.save": Area({InvalidInput: LOG_INVALID, NotFound: Say("log/invalid", {"code": "no_customer"})}),
    "customers": Area({InvalidInput: Say("customers/invalid")}),
    "feedback.resolution": Area(
        {InvalidInput: LOG_INVALID, NotFound: Say("log/invalid", {"code": "not_found"})}, ends_flow=lambda error: True
    ),
    "opportunities": Area({InvalidInput: LOG_INVALID}, ends_flow=_gone_or_closed),
    "overrides": Area({InvalidInput: Say("overrides/invalid")}),
    "settings": Area({InvalidInput: Say("errors/invalid")}),
    "away": Area({InvalidInput: Say("agenda/away_usage", {"value": None})}),
    "summary": Area({InvalidInput: Say("summary/usage", {"value": None}), NotFound: GONE_ALERT}),
    # a drill-down button of a summary: the short form of the usage
    "summary.drill": Area({InvalidInput: Say("summary/usage", {"value": None, "brief": True}), NotFound: GONE_ALERT}),
    # a typed answer to a /team prompt that names no one (or no customer) leaves the prompt open
    "team": Area(
        {InvalidInput: Say("team/error"), NotFound: Say("team/error", {"code": "team_gone"})},
        channel="say",
        ends_flow=lambda error: False,
    ),
    # a policy's buttons: one gone is said in a pop-up, a refusal (pinned, not a manager) in a message
    "policy": Area({NotFound: GONE_ALERT}),
}

_AREA_OF: dict[Callable[..., Any], str] = {}


def answers(area: str) -> Callable[[H], H]:
    """Mark a handler: the refusals it raises are answered as `area` says."""
    if area not in AREAS:
        raise ValueError(f"no error area {area!r}")

    def mark(handler: H) -> H:
        _AREA_OF[handler] = area
        return handler

    return mark


def area_of(handler: Callable[..., Any], default: str) -> str:
    return _AREA_OF.get(handler, default)


def answer_for(area: str, error: Refusal) -> tuple[Say, dict[str, Any]]:
    """The answer to `error` in `area`: what to say, and the parameters the error brings."""
    replies = AREAS[area].replies
    say = next(replies.get(cls) or BASE[cls] for cls in type(error).__mro__ if cls in replies or cls in BASE)
    params = dict(say.params)
    if isinstance(error, InvalidInput):
        params = {**params, **error.params, "code": error.code}
    return say, params


def text_for(renderer: Renderer, lang: str, area: str, error: Refusal, *, policy_file: Path | None = None) -> str:
    """The words of the answer in `lang` (`policy_file`: the pinned policy a PolicyPinned names)."""
    say, params = answer_for(area, error)
    if isinstance(error, ImportFileError):
        params["problem"] = file_problem(renderer, lang, error)
    if isinstance(error, PolicyPinned):
        params["path"] = str(policy_file)
    text = renderer.label(lang, say.name, **params) if say.label else renderer.render(lang, say.name, **params)
    # a code the area's template has no words for (its short form, say): the generic answer, not
    # an empty message Telegram would refuse
    return text if text.strip() else renderer.render(lang, BASE[Refusal].name)


async def tell(update: Update, context: BotContext, area: str, error: Refusal) -> None:
    """Answer `error` as `area` says; a press is always answered, so its button stops spinning."""
    services = context.services
    say, _ = answer_for(area, error)
    text = text_for(services.renderer, context.me.language, area, error, policy_file=services.settings.policy_file)
    channel = say.channel or AREAS[area].channel
    query = update.callback_query
    if query is not None and channel == "alert":
        await _answer_press(update, text, alert=True)
        return
    if query is not None and channel == "say":
        await edit(update, text)
    else:
        await reply(update, text)
    await _answer_press(update, None)


async def _answer_press(update: Update, text: str | None, *, alert: bool = False) -> None:
    if update.callback_query is None:
        return
    try:
        await update.callback_query.answer(text, show_alert=alert)
    except BadRequest:  # answered already (a long action answers at once), or the query timed out
        pass


def ends_flow(area: str, error: Refusal) -> bool:
    return AREAS[area].ends_flow(error)


def guard(handler: Callable[[Update, BotContext], Any]) -> Callable[[Update, BotContext], Any]:
    """Wrap a command or message handler: a refusal it raises is answered from its area."""
    area = area_of(handler, "chat")

    @wraps(handler)
    async def run(update: Update, context: BotContext) -> Any:
        try:
            return await handler(update, context)
        except Refusal as error:
            await tell(update, context, area, error)
            return None

    return run

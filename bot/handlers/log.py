"""Logging by free text: a plain message → parsed → one confirmation card → ✅ → saved.

The card's draft lives in the pending card (database), keyed to the Telegram message it came
from: every part can be changed by a button, an edit of the original message re-reads it, and
saving is idempotent on (chat, message, customer) — a repeated delivery or a double tap saves
once, and one message may log several customers.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest

from bot.button_dispatch import Payload, action
from bot.context import BotContext
from bot.error_replies import answers
from bot.flow_dispatch import begin, expects, finish, finished, pending, started
from bot.keyboards import Button, Draft, markup
from bot.keyboards import draft as keyboard_draft
from bot.payloads import (
    CustomerLog,
    FollowupCloseMany,
    LogAsk,
    LogBack,
    LogCancel,
    LogCreateCustomer,
    LogCreateNamed,
    LogFact,
    LogOther,
    LogPick,
    LogReached,
    LogSave,
    LogSet,
    LogSetFollowup,
)
from bot.replies import edit, reply
from core.chat import buttons
from core.chat import flows as core_flows
from core.customers import contact_facts, registry
from core.errors import InvalidInput
from core.interactions import feedback, logbook
from core.interactions.logbook import LogDraft
from core.models import INTERACTION_KINDS
from core.names import book
from core.parsing import ParsedLog
from core.values import parse_amount

FLOW = "log.confirm"
LOG_KINDS = tuple(k for k in INTERACTION_KINDS if k != "other")
MAX_TEXT = 4000


async def on_text(update: Update, context: BotContext, text: str, *, forced_customer: int | None = None) -> None:
    """A message that is not a command and not the answer to a pending question."""
    message = update.effective_message
    assert message is not None
    if not _has_words(text):  # empty, or only emoji and punctuation: nothing to log
        await reply(update, context.render("log/hint"))
        return
    parsed = await _read(context, text[:MAX_TEXT])
    draft = _draft(parsed, text[:MAX_TEXT], forced_customer)
    data = {
        "draft": draft.to_json(),
        "chat_id": message.chat_id,
        "message_id": message.message_id,
        "forced_customer": forced_customer,
        "candidates": [[c.customer_id, c.name] for c in parsed.candidates[:6]],
        "approximate": parsed.amount_approximate,
        "problems": list(parsed.problems),
    }
    data = _with_more(parsed, data)
    text_out, keyboard = await _card(context, data)
    card = await reply(update, text_out, keyboard.markup)
    data["card_id"] = card.message_id
    await _opened(context, data, keyboard)


async def _read(context: BotContext, text: str) -> ParsedLog:
    zone = context.me.timezone or context.services.settings.timezone
    now, currency = context.now(), context.services.settings.currency
    index = book.cached(context.me)
    if index is not None:  # the usual case: no database work at all, only the parse off the loop
        return await asyncio.to_thread(book.read_in, index, context.me, text, now=now, timezone=zone, currency=currency)
    return await context.run(book.read, context.me, text, now=now, timezone=zone, currency=currency)


def _draft(parsed: ParsedLog, text: str, forced_customer: int | None) -> LogDraft:
    sure = parsed.candidates and not parsed.ambiguous
    customer_id = forced_customer or (parsed.candidates[0].customer_id if sure else None)
    feedback_kind = parsed.feedback.kind if parsed.feedback else None
    if feedback_kind is None and parsed.satisfaction is not None:
        feedback_kind = feedback.kind_for_score(parsed.satisfaction)
    follow_up = parsed.follow_up
    return LogDraft(
        customer_id=customer_id,
        kind=parsed.kind,
        channel=parsed.channel,
        occurred_at=parsed.occurred_at.isoformat(),
        summary=parsed.summary or text.strip(),
        amount=str(parsed.amount) if parsed.amount is not None else None,
        currency=parsed.currency,
        follow_up_due=follow_up.due.isoformat() if follow_up else None,
        follow_up_has_time=follow_up.has_time if follow_up else False,
        follow_up_text=follow_up.text if follow_up else None,
        feedback_kind=feedback_kind,
        feedback_text=parsed.feedback.text if parsed.feedback else None,
        satisfaction=parsed.satisfaction,
        customer_text=_unknown_name(parsed),
        attempt=parsed.attempt,
        money=parsed.money,
        expected_by=parsed.expected_by.isoformat() if parsed.expected_by else None,
    ).coherent()


async def _opened(context: BotContext, data: dict[str, Any], keyboard: Draft) -> None:
    """The card is on screen: store its buttons and the pending card in one transaction."""
    try:
        await context.run(
            core_flows.open_card,
            user_id=context.me.id,
            flow=FLOW,
            data=data,
            now=context.now(),
            keys=keyboard.keys,
            specs=keyboard.specs,
            ttl=keyboard.ttl,
        )
    except Exception:
        # Nothing was stored (database busy or full): take the buttons off the card shown, so
        # none answers "unknown"; the error handler tells the rep what happened.
        try:
            await context.bot.edit_message_reply_markup(
                chat_id=int(data["chat_id"]), message_id=int(data["card_id"]), reply_markup=None
            )
        except Exception:  # noqa: BLE001 - best effort; the original failure is what matters
            pass
        raise
    started(context, FLOW, data)


async def _card(context: BotContext, data: dict[str, Any]) -> tuple[str, Draft]:
    draft = LogDraft.from_json(data["draft"])
    zone = ZoneInfo(context.me.timezone or context.services.settings.timezone)
    name = next((n for cid, n in data.get("candidates", []) if cid == draft.customer_id), None)
    if draft.customer_id is not None and name is None:
        name = await context.run(registry.name_or_none, context.me, draft.customer_id)
    text = context.render(
        "log/confirm",
        d=draft,
        customer=name,
        candidates=data.get("candidates", []),
        when=datetime.fromisoformat(draft.occurred_at).astimezone(zone),
        follow_up=datetime.fromisoformat(draft.follow_up_due).astimezone(zone) if draft.follow_up_due else None,
        approximate=data.get("approximate", False),
        problems=data.get("problems", []),
        currency=draft.currency or context.services.settings.currency,
        more=_more_view(data),
    )
    return text, keyboard_draft(_buttons(context, draft, data))


def _msg(data: dict[str, Any]) -> int:
    """The message the card is about: every button of the card carries it (see `_current`)."""
    return int(data["message_id"])


def _buttons(context: BotContext, draft: LogDraft, data: dict[str, Any]) -> list[list[Button]]:
    msg = _msg(data)

    def button(key: str, payload: Payload) -> Button:
        return Button.of(context.label(f"log.{key}"), payload, single_use=False)

    rows: list[list[Button]] = []
    if draft.customer_id is None:
        choices = [
            Button.of(name, LogSet(field="customer_id", value=cid, msg=msg), single_use=False)
            for cid, name in data.get("candidates", [])
        ]
        rows += [choices[i : i + 3] for i in range(0, len(choices), 3)]
        if draft.customer_text:
            rows.append([Button.of(context.label("log.create"), LogCreateCustomer(msg=msg))])
        rows.append([button("search", LogAsk(field="customer", msg=msg))])
    else:
        rows.append([Button.of(context.label("log.save"), LogSave(msg=msg))])
    rows += _more_buttons(context, draft, data)
    rows.append(
        [
            button("customer", LogAsk(field="customer", msg=msg)),
            button("kind", LogPick(field="kind", msg=msg)),
            button("date", LogPick(field="date", msg=msg)),
        ]
    )
    rows.append(
        [
            button("amount", LogAsk(field="amount", msg=msg)),
            button("followup", LogPick(field="followup", msg=msg)),
            button("feedback", LogPick(field="feedback", msg=msg)),
        ]
    )
    if draft.amount is not None:  # booked, expected or a refund: one tap to say which
        rows.append([button("money", LogPick(field="money", msg=msg))])
    rows.append([button("cancel", LogCancel(msg=msg))])
    return rows


class _OfCard(Protocol):
    """A card button's payload, as `_current` reads it (every one of them carries `msg`)."""

    @property
    def msg(self) -> int: ...


async def _current(update: Update, context: BotContext, payload: _OfCard) -> dict[str, Any] | None:
    """The open card's data — only for buttons of that card: a button of an older card (whose
    draft was replaced by a newer message) must not change or save the newer draft."""
    flow = await pending(context)
    if flow is None or flow.flow != FLOW or payload.msg != flow.data.get("message_id"):
        await edit(update, context.render("common/flow_gone"))
        return None
    return flow.data


async def _redraw(update: Update, context: BotContext, data: dict[str, Any], *, as_new: bool = False) -> None:
    text, keyboard = await _card(context, data)
    if as_new:
        card = await reply(update, text, keyboard.markup)
        data["card_id"] = card.message_id
    else:
        await edit(update, text, keyboard.markup)
    await _opened(context, data, keyboard)


@action(LogSet)
async def set_part(update: Update, context: BotContext, payload: LogSet) -> None:
    data = await _current(update, context, payload)
    if data is None:
        return
    draft = LogDraft.from_json(data["draft"])
    field, value = payload.field, payload.value
    if field == "kind" and value == "deal" and draft.money_kind == "expected":
        draft = draft.replace(money="booked")  # the rep says it was signed
    draft = draft.replace(**{field: value}).coherent()
    if field == "customer_id":
        data["picked"] = True  # the rep chose: the message's name for it may be learned (see _to_learn)
    if field == "kind" and value not in ATTEMPT_KINDS:
        draft = draft.replace(attempt=False)  # a meeting is no attempt
    data["draft"] = draft.to_json()
    await _redraw(update, context, data)


@action(LogPick)
async def pick(update: Update, context: BotContext, payload: LogPick) -> None:
    """Buttons for one part: kind, date, follow-up or feedback."""
    data = await _current(update, context, payload)
    if data is None:
        return
    field, msg = payload.field, payload.msg
    zone = ZoneInfo(context.me.timezone or context.services.settings.timezone)
    today = context.now().astimezone(zone)
    options: list[Button]
    if field == "kind":
        options = [
            Button.of(context.label(f"kinds.{k}"), LogSet(field="kind", value=k, msg=msg), single_use=False)
            for k in LOG_KINDS
        ]
    elif field == "date":
        options = [
            Button.of(
                context.label(f"log.days_ago_{n}"),
                LogSet(field="occurred_at", value=(today - timedelta(days=n)).isoformat(), msg=msg),
                single_use=False,
            )
            for n in range(3)
        ]
        options.append(Button.of(context.label("log.type"), LogAsk(field="date", msg=msg), single_use=False))
    elif field == "money":
        options = [
            Button.of(context.label(f"log.money_{m}"), LogSet(field="money", value=m, msg=msg), single_use=False)
            for m in logbook.MONEY
        ]
    elif field == "followup":
        options = [
            Button.of(context.label(f"log.in_{n}"), LogSetFollowup(days=n, msg=msg), single_use=False)
            for n in (1, 3, 7)
        ]
        options += [
            Button.of(context.label("log.none"), LogSetFollowup(days=0, msg=msg), single_use=False),
            Button.of(context.label("log.type"), LogAsk(field="followup", msg=msg), single_use=False),
        ]
    else:
        options = [
            Button.of(
                context.label(f"feedback_kinds.{k}"), LogSet(field="feedback_kind", value=k, msg=msg), single_use=False
            )
            for k in ("complaint", "suggestion", "praise", "question")
        ]
        options.append(
            Button.of(context.label("log.none"), LogSet(field="feedback_kind", value=None, msg=msg), single_use=False)
        )
    rows = [options[i : i + 3] for i in range(0, len(options), 3)]
    rows.append([Button.of(context.label("log.back"), LogBack(msg=msg), single_use=False)])
    await edit(update, context.render("log/pick", field=field), await markup(context, rows))


@action(LogBack)
async def back(update: Update, context: BotContext, payload: LogBack) -> None:
    data = await _current(update, context, payload)
    if data is not None:
        await _redraw(update, context, data)


@action(LogSetFollowup)
async def set_followup(update: Update, context: BotContext, payload: LogSetFollowup) -> None:
    data = await _current(update, context, payload)
    if data is None:
        return
    days = payload.days
    draft = LogDraft.from_json(data["draft"])
    if days == 0:
        draft = draft.replace(follow_up_due=None, follow_up_has_time=False)
    else:
        zone = ZoneInfo(context.me.timezone or context.services.settings.timezone)
        day = context.now().astimezone(zone).date() + timedelta(days=days)
        draft = draft.replace(
            follow_up_due=datetime.combine(day, time(9, 0), zone).isoformat(), follow_up_has_time=False
        )
    data["draft"] = draft.to_json()
    await _redraw(update, context, data)


@action(LogAsk)
async def ask(update: Update, context: BotContext, payload: LogAsk) -> None:
    """Ask for one part to be typed (customer name, amount, date, follow-up)."""
    data = await _current(update, context, payload)
    if data is None:
        return
    data["asking"] = payload.field
    await begin(context, FLOW, data)
    await reply(update, context.render("log/ask", field=payload.field))


@expects(FLOW)
async def typed(update: Update, context: BotContext, text: str, data: dict[str, Any]) -> None:
    """Text while a card is open: the answer to a question, or else a new log (the card is replaced)."""
    asking = data.pop("asking", None)
    message = update.effective_message
    if asking is None:
        if message is not None and message.message_id == int(data.get("message_id", 0)):
            return  # the same message delivered again: its card is already open
        await on_text(update, context, text)
        return
    draft = LogDraft.from_json(data["draft"])
    try:
        draft, data = await _answer(context, asking, text, draft, data)
    except InvalidInput as exc:  # the question is asked again: the flow is stored with it (not a mere reply)
        data["asking"] = asking
        await begin(context, FLOW, data)
        await reply(update, context.render("log/invalid", code=exc.code))
        return
    data["draft"] = draft.to_json()
    await _redraw(update, context, data, as_new=True)


async def _answer(
    context: BotContext, field: str, text: str, draft: LogDraft, data: dict[str, Any]
) -> tuple[LogDraft, dict[str, Any]]:
    if field == "amount":
        return draft.replace(amount=_amount(text)), {**data, "approximate": False}
    if field == "customer":
        return await _typed_customer(context, text, draft, data)
    parsed = await _read(context, text)
    if field == "date":
        if not parsed.occurred_date_given or parsed.problems:
            raise InvalidInput("bad_date")
        return draft.replace(occurred_at=parsed.occurred_at.isoformat()), data
    if parsed.follow_up is None:
        raise InvalidInput("bad_followup")
    return draft.replace(
        follow_up_due=parsed.follow_up.due.isoformat(),
        follow_up_has_time=parsed.follow_up.has_time,
        follow_up_text=parsed.follow_up.text,
    ), data


def _amount(text: str) -> str | None:
    if text.strip() in ("-", "0", "—"):
        return None
    try:
        amount = parse_amount(text.strip())
    except (ValueError, InvalidOperation):
        raise InvalidInput("bad_amount") from None
    if amount is None or amount <= 0:
        raise InvalidInput("bad_amount")
    return str(amount.quantize(Decimal("0.01")))


@action(LogCancel)
async def cancel(update: Update, context: BotContext, payload: LogCancel) -> None:
    flow = await pending(context)
    applied = flow is not None and flow.flow == FLOW and any(f.get("applied") for f in flow.data.get("facts", []))
    await finish(context)
    await edit(update, context.render("log/cancelled_kept" if applied else "log/cancelled"))


@action(LogCreateCustomer)
async def create_customer(update: Update, context: BotContext, payload: LogCreateCustomer) -> None:
    data = await _current(update, context, payload)
    if data is None:
        return
    draft = LogDraft.from_json(data["draft"])
    name = (draft.customer_text or "").strip()
    if not name or draft.customer_id is not None:
        return
    customer_id = await context.run(
        registry.create_and_tier,
        context.me,
        registry.NewCustomer(name),
        context.as_of(),
    )
    data["draft"] = draft.replace(customer_id=customer_id).to_json()
    data["candidates"] = [[customer_id, name]]
    data["picked"] = True
    await _redraw(update, context, data)


async def _saved_before(update: Update, context: BotContext, payload: LogSave) -> str | None:
    """✅ pressed again after its save was committed (the process may have died before the card
    was redrawn): show what the message was saved as."""
    query = update.callback_query
    if query is None or query.message is None:
        return None
    logged = await context.run(
        logbook.logged_from_message, context.me, chat_id=query.message.chat.id, message_id=payload.msg
    )
    if logged:
        await edit(update, context.render("log/saved_before", logged=logged))
    return None


@action(LogSave, when_done=_saved_before)
@answers("log.save")
async def save(update: Update, context: BotContext, payload: LogSave) -> str | None:
    data = await _current(update, context, payload)
    if data is None:
        return None
    settings = context.services.settings
    draft = LogDraft.from_json(data["draft"])
    # a refusal (bot.error_replies, "log.save"): nothing saved, nothing claimed, ✅ can be pressed again
    logged = await context.run(
        logbook.save_and_close,
        context.me,
        draft,
        chat_id=int(data["chat_id"]),
        message_id=int(data["message_id"]),
        as_of=context.as_of(),
        currency=settings.currency,
        others=_chosen_others(draft, data),
        learn=_to_learn(draft, data),
    )
    finished(context)
    policy, lang = context.services.policy, context.me.language
    changes = [
        (
            policy.model(c.model).name.get(lang),
            _tier_name(policy, c.model, c.old, lang),
            _tier_name(policy, c.model, c.new, lang),
        )
        for c in logged.changes
    ]
    text = context.render(
        "log/saved",
        d=draft,
        saved=logged.saved,
        next_due=logged.next_due,
        next_visit_due=logged.next_visit_due,
        changes=changes,
        logged=logged,
    )
    text, keyboard = await _follow_ups_block(context, text, logged)
    await edit(update, text, keyboard)
    return None


async def _follow_ups_block(
    context: BotContext, text: str, logged: logbook.LoggedResult
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Follow-up life cycle under the saved reply: what the log answered, and one ✓ to close the
    customer's other open follow-ups."""
    if not (logged.closed_follow_ups or logged.open_follow_ups):
        return text, None
    text += "\n\n" + context.render(
        "log/follow_ups", closed=logged.closed_follow_ups, still_open=logged.open_follow_ups
    )
    if not logged.open_follow_ups:
        return text, None
    ids = [f.id for f in logged.open_follow_ups]
    row = [Button.of(context.label("followups.close_open", n=len(ids)), FollowupCloseMany(ids=tuple(ids)))]
    return text, await markup(context, [row], ttl=buttons.REMINDER_TTL)


def _tier_name(policy: Any, model: str, tier: str | None, lang: str) -> str:
    spec = policy.tier(model, tier) if tier else None
    return spec.name.get(lang) if spec else (tier or "—")


async def undo(update: Update, context: BotContext) -> None:
    undone = await context.run(
        logbook.undo_last,
        context.me,
        context.as_of(),
    )
    await reply(update, context.render("log/undone", undone=undone))


async def on_edited(update: Update, context: BotContext) -> None:
    """The rep edited a message whose card is still open: read it again and redraw the card."""
    message: Message | None = update.edited_message
    if message is None:
        return
    flow = await pending(context)
    if flow is None or flow.flow != FLOW or int(flow.data.get("message_id", 0)) != message.message_id:
        return
    text = (message.text or message.caption or "")[:MAX_TEXT]
    parsed = await _read(context, text)
    data = {
        **flow.data,
        "draft": _draft(parsed, text, flow.data.get("forced_customer")).to_json(),
        "candidates": [[c.customer_id, c.name] for c in parsed.candidates[:6]],
        "approximate": parsed.amount_approximate,
        "problems": list(parsed.problems),
    }
    data = _with_more(parsed, {k: v for k, v in data.items() if k not in _MORE_KEYS})
    text_out, keyboard = await _card(context, data)
    try:
        await context.bot.edit_message_text(
            text_out,
            chat_id=message.chat_id,
            message_id=int(data["card_id"]),
            parse_mode="HTML",
            reply_markup=keyboard.markup,
        )
    except BadRequest as exc:  # "message is not modified" (an edit that changed nothing we read)
        if "not modified" not in str(exc).lower():
            raise
    await _opened(context, data, keyboard)


@action(CustomerLog)
async def log_for_customer(update: Update, context: BotContext, payload: CustomerLog) -> None:
    """The card's Log button: the next message is a log for this customer."""
    await begin(context, "log.for_customer", {"id": payload.id})
    await reply(update, context.render("log/ask", field="note"))


@expects("log.for_customer")
async def log_for_customer_typed(update: Update, context: BotContext, text: str, data: dict[str, Any]) -> None:
    await finish(context)
    await on_text(update, context, text, forced_customer=int(data["id"]))


# --- issue 11: unknown customers, names typed like /find, learned aliases, several customers
# in one message, attempts, facts stated about contacts. Kept apart from the card above; the
# card calls in through _with_more, _more_view, _more_buttons, _typed_customer, _to_learn and
# _chosen_others, and ✅ still saves through _save_and_close alone.

ATTEMPT_KINDS = ("call", "message", "visit")  # what can fail to reach anyone (没人接, 没见到人)
_MORE_KEYS = ("named", "named_finds", "others", "facts", "picked", "new_customer")
MIN_NAME, MAX_NAME = 2, 200
_WORDLIKE = re.compile(r"[^\W_]")  # a letter or digit of any script (emoji and punctuation are not)


def _has_words(text: str) -> bool:
    return _WORDLIKE.search(text or "") is not None


def _unknown_name(parsed: ParsedLog) -> str | None:
    """The name the card offers to ➕ Create (when no customer is chosen): the company the
    parser found not in the book, else the name-like span it read."""
    return parsed.new_customer or parsed.customer_text


def _with_more(parsed: ParsedLog, data: dict[str, Any]) -> dict[str, Any]:
    """What the card keeps besides the draft: the text the message named the customer by (and
    whom that text already finds), further customers, facts about contacts."""
    named = parsed.candidates[0].matched if parsed.candidates else (parsed.new_customer or parsed.customer_text)
    first = parsed.candidates[0].customer_id if parsed.candidates else None
    facts = [
        {"kind": f.kind, "contact": f.contact, "value": f.value, "customer_id": f.customer_id, "applied": False}
        for f in parsed.facts
    ]
    problems = data.get("problems", [])
    if any(f.kind == "birthday" for f in parsed.facts):
        problems = [p for p in problems if p != "future_date"]  # 生日是3月5号 is no date of the log
    return {
        **data,
        "problems": problems,
        "named": named,
        "new_customer": parsed.new_customer,
        "named_finds": [c.customer_id for c in parsed.candidates if c.matched == named],
        "others": [[c.customer_id, c.name, False] for c in parsed.others if c.customer_id != first],
        "facts": facts,
    }


def _more_view(data: dict[str, Any]) -> dict[str, Any]:
    return {"others": data.get("others", []), "facts": data.get("facts", []), "new_customer": data.get("new_customer")}


def _more_buttons(context: BotContext, draft: LogDraft, data: dict[str, Any]) -> list[list[Button]]:
    msg = _msg(data)
    rows: list[list[Button]] = []
    if draft.customer_id is not None and data.get("new_customer"):  # a company not in the book besides the one chosen
        rows.append(
            [Button.of(context.label("log_card.create", name=str(data["new_customer"])[:30]), LogCreateNamed(msg=msg))]
        )
    others = [
        Button.of(
            context.label("log_card.also_on" if chosen else "log_card.also", name=name),
            LogOther(index=i, msg=msg),
            single_use=False,
        )
        for i, (cid, name, chosen) in enumerate(data.get("others", []))
        if cid != draft.customer_id
    ]
    rows += [others[i : i + 2] for i in range(0, len(others), 2)]
    for i, fact in enumerate(data.get("facts", [])):
        if not fact.get("applied") and (fact.get("customer_id") or draft.customer_id):
            rows.append(
                [
                    Button.of(
                        context.label(
                            f"log_card.apply_{fact['kind']}", contact=fact["contact"][:20], value=fact["value"]
                        ),
                        LogFact(index=i, msg=msg),
                    )
                ]
            )
    if draft.attempt:
        rows.append([Button.of(context.label("log_card.reached"), LogReached(msg=msg), single_use=False)])
    return rows


def _chosen_others(draft: LogDraft, data: dict[str, Any]) -> list[int]:
    return [int(cid) for cid, _, chosen in data.get("others", []) if chosen and cid != draft.customer_id]


def _to_learn(draft: LogDraft, data: dict[str, Any]) -> str | None:
    """The message's name for the customer, when the rep picked (or typed, or created) a
    customer that name did not already find: 阿里 for 阿里巴巴. Never for a card opened from a
    customer (Log on the card): the sentence may name the customer any way."""
    named = data.get("named")
    if not named or not data.get("picked") or data.get("forced_customer") or draft.customer_id is None:
        return None
    return None if draft.customer_id in data.get("named_finds", []) else str(named)


def _typed_name(text: str) -> str:
    name = " ".join(text.split())
    if not _has_words(name):
        raise InvalidInput("no_name")
    if len(re.sub(r"[\W_]", "", name)) < MIN_NAME:
        raise InvalidInput("name_too_short")
    if len(name) > MAX_NAME:
        raise InvalidInput("name_too_long")
    return name


async def _typed_customer(
    context: BotContext, text: str, draft: LogDraft, data: dict[str, Any]
) -> tuple[LogDraft, dict[str, Any]]:
    """🔎 Type a name: matched like /find (fuzzy, pinyin, aliases). One clear fit is taken;
    several are offered as choices; none → the card offers ➕ Create with the name typed."""
    name = _typed_name(text)
    found = await context.run(book.search, context.me, name, 6)
    data = {**data, "picked": True, "candidates": [[c.customer_id, c.name] for c in found]}
    if not found:
        return draft.replace(customer_id=None, customer_text=name), data
    sure = len(found) == 1 or found[0].score - found[1].score >= 10
    return draft.replace(customer_id=found[0].customer_id if sure else None), data


@action(LogOther)
async def toggle_other(update: Update, context: BotContext, payload: LogOther) -> None:
    """➕ also Fabrikam: log the same message for a further customer it names (or not)."""
    data = await _current(update, context, payload)
    if data is None:
        return
    others = data.get("others", [])
    index = payload.index
    if 0 <= index < len(others):
        others[index][2] = not others[index][2]
    await _redraw(update, context, data)


@action(LogReached)
async def reached(update: Update, context: BotContext, payload: LogReached) -> None:
    """The parser read a missed call, the rep says they did talk: a contact after all."""
    data = await _current(update, context, payload)
    if data is None:
        return
    data["draft"] = LogDraft.from_json(data["draft"]).replace(attempt=False).to_json()
    await _redraw(update, context, data)


@action(LogFact)
async def apply_fact(update: Update, context: BotContext, payload: LogFact) -> str | None:
    """🎂 / 📱 Apply: set the contact's birthday or phone (the log itself waits for ✅)."""
    data = await _current(update, context, payload)
    if data is None:
        return None
    facts = data.get("facts", [])
    index = payload.index
    draft = LogDraft.from_json(data["draft"])
    if not 0 <= index < len(facts) or facts[index].get("applied"):
        return None
    fact = facts[index]
    customer_id = fact.get("customer_id") or draft.customer_id
    if customer_id is None:
        return None
    await context.run(
        contact_facts.apply,
        context.me,
        int(customer_id),
        fact["kind"],
        fact["contact"],
        fact["value"],
        now=context.now(),
    )
    fact["applied"] = True
    await _redraw(update, context, data)
    return context.label("log_card.applied")


@action(LogCreateNamed)
async def create_named(update: Update, context: BotContext, payload: LogCreateNamed) -> None:
    """➕ Create the company the sentence named (not in the book) instead of the customer chosen."""
    data = await _current(update, context, payload)
    if data is None or not data.get("new_customer"):
        return
    name = str(data.pop("new_customer"))
    customer_id = await context.run(
        registry.create_and_tier,
        context.me,
        registry.NewCustomer(name),
        context.as_of(),
    )
    data["draft"] = LogDraft.from_json(data["draft"]).replace(customer_id=customer_id).to_json()
    data["candidates"] = [[customer_id, name]]
    data["picked"] = True
    await _redraw(update, context, data)

"""/today (the rep's ranked agenda, paginated), follow-ups (/remind, Done, Snooze) and
feedback (/feedback, status changes, resolution notes)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update

from bot import push_buttons
from bot.app_links import table_view, with_open_button
from bot.button_dispatch import action
from bot.context import BotContext
from bot.error_replies import answers
from bot.flow_dispatch import begin, expects, finish
from bot.keyboards import Button, markup, page_row
from bot.payloads import (
    AwayDelegate,
    CustomerCard,
    CustomerLog,
    FeedbackKind,
    FeedbackProgress,
    FeedbackResolve,
    FeedbackStart,
    FollowupCloseMany,
    FollowupDone,
    FollowupReview,
    FollowupSnooze,
    FollowupStart,
    GreetingSent,
    GreetingSkip,
    TodayPage,
)
from bot.replies import edit, reply
from core import accounts
from core.chat import buttons
from core.interactions import feedback, followups, logbook
from core.names import book
from core.reminders import agenda, planner

PAGE = 6  # agenda lines per message (each with its own buttons)
REVIEW_SHOWN = 10  # old follow-ups listed by the review button
AWAY_CHOICES = 12  # colleagues offered as delegates by /away


# --- /today ------------------------------------------------------------------------------------


async def today(update: Update, context: BotContext) -> None:
    await _show_page(update, context, 0, new=True)


@action(TodayPage)
async def page(update: Update, context: BotContext, payload: TodayPage) -> None:
    await _show_page(update, context, payload.page, new=False)


async def _show_page(update: Update, context: BotContext, number: int, *, new: bool) -> None:
    settings = context.services.settings
    policy = context.services.policy
    items = await context.run(agenda.build, context.me, context.as_of())
    zone = ZoneInfo(context.me.timezone or settings.timezone)
    entries = [planner.line_entry(line, zone) for line in items.lines]
    pages = max(1, -(-len(entries) // PAGE))
    number = min(max(number, 0), pages - 1)
    shown = entries[number * PAGE : (number + 1) * PAGE]
    text = context.render(
        "agenda/today",
        entries=shown,
        start=number * PAGE,
        page=number + 1,
        pages=pages,
        empty=items.empty,
        counts=planner.digest_counts(items),
        old_follow_ups=len(items.old_follow_ups),
        rollup_days=policy.reminders.rollup_days,
    )
    rows = [_item_buttons(index, entry) for index, entry in enumerate(shown, start=number * PAGE + 1)]
    if items.old_follow_ups:
        rows.append([Button.of("🗂", FollowupReview(), single_use=False)])
    rows += page_row(TodayPage(page=number), at=number, step=1, end=pages, key="page")
    keyboard = await markup(context, rows, ttl=buttons.REMINDER_TTL) if rows else None
    # the table of the same customers: this person's overdue and due contacts, most urgent first
    keyboard = with_open_button(
        update, context, keyboard, table_view(cadence="overdue,due", person=context.me.id, sort="next_due")
    )
    if new:
        await reply(update, text, keyboard)
    else:
        await edit(update, text, keyboard)


def _item_buttons(index: int, entry: dict[str, Any]) -> list[Button]:
    """One row per customer line: ✍ log, then its follow-up's ✓ and snoozes, or its complaint's
    ✓, or the customer card."""
    log = [] if entry["personal"] else [Button.of(f"{index} ✍", CustomerLog(id=entry["customer_id"]), single_use=False)]
    if entry["followup"]:
        follow_up, page = entry["followup"]["id"], (index - 1) // PAGE
        return [
            *log,
            Button.of(f"{index} ✓", FollowupDone(id=follow_up, view="today", page=page)),
            *[
                Button.of(f"{index} +{d}", FollowupSnooze(id=follow_up, by=d, view="today", page=page))
                for d in ("1d", "3d", "1w")
            ],
        ]
    if entry["complaint"]:
        return [*log, Button.of(f"{index} ✓", FeedbackResolve(id=entry["complaint"]["id"]), single_use=False)]
    return [*log, Button.of(f"{index} 📇", CustomerCard(id=entry["customer_id"]), single_use=False)]


@action(FollowupReview)
async def review_old(update: Update, context: BotContext, payload: FollowupReview) -> None:
    """The follow-ups rolled up as "old" in the digest and /today, each with ✓ and +1w."""
    settings = context.services.settings
    policy = context.services.policy
    items = await context.run(agenda.build, context.me, context.as_of())
    old = items.old_follow_ups
    today, zone = items.today or context.now().date(), items.zone or settings.timezone  # build sets both
    shown = [
        {"name": f.customer_name, "text": f.text[:80], "id": f.id, "late": agenda.follow_up_age(f, today, zone)}
        for f in old[:REVIEW_SHOWN]
    ]
    rows = [
        [
            Button.of(f"{n} ✓", FollowupDone(id=f.id)),
            Button.of(f"{n} +1w", FollowupSnooze(id=f.id, by="1w")),
        ]
        for n, f in enumerate(old[:REVIEW_SHOWN], start=1)
    ]
    await reply(
        update,
        context.render("agenda/old_followups", items=shown, total=len(old), rollup_days=policy.reminders.rollup_days),
        await markup(context, rows, ttl=buttons.REMINDER_TTL) if rows else None,
    )


# --- greetings (buttons on the greeting reminders) -------------------------------------------------------


@action(GreetingSent)
async def greeting_sent(update: Update, context: BotContext, payload: GreetingSent) -> str:
    name = payload.name or {}
    label = name.get(context.me.language) or name.get("en") or payload.occasion
    customer_id = payload.customer_id
    await context.run(
        logbook.mark_greeting_sent,
        context.me,
        customer_id,
        payload.occasion,
        label,
        context.as_of(),
    )
    return context.label("agenda.greeting_logged")


@action(GreetingSkip)
async def greeting_skip(update: Update, context: BotContext, payload: GreetingSkip) -> str:
    return context.label("agenda.greeting_skipped")


# --- /away ---------------------------------------------------------------------------------------------


@answers("away")
async def away(update: Update, context: BotContext) -> None:
    """/away until 2026-12-10 [@delegate or a name] · /away off — digests and nudges pause;
    priority-customer reminders go to the delegate (else the manager), escalations to both.
    Without a delegate, buttons offer the team and the manager."""
    args = context.args or []
    zone = ZoneInfo(context.me.timezone or context.services.settings.timezone)
    today = context.now().astimezone(zone).date()
    if args and args[0].lower() in ("off", "back", "结束", "回来"):
        await context.run(accounts.set_away, context.me.id, None, None, today)
        await reply(update, context.render("agenda/away", until=None, delegate=None))
        return
    words = [w for w in args if w.lower() not in ("until", "到", "至")]
    until = next((day for day in map(_iso_day, words) if day is not None), None)
    if until is None:  # bare, or no date we read (`/away tomorrow`): the usage, naming what was not a date
        await reply(
            update, context.render("agenda/away_usage", code="no_date" if words else None, value=" ".join(words)[:64])
        )
        return
    delegate = " ".join(w for w in words if _iso_day(w) is None) or None  # @username, a name, an id
    until, delegate_name = await context.run(accounts.set_away, context.me.id, until, delegate, today)
    team = [] if delegate_name else await context.run(accounts.teammates, context.me.id)
    rows = [[Button.of(name, AwayDelegate(id=uid))] for uid, name in team[:AWAY_CHOICES]]
    await reply(
        update,
        context.render("agenda/away", until=until, delegate=delegate_name, choose=bool(rows)),
        await markup(context, rows) if rows else None,
    )


def _iso_day(word: str) -> date | None:
    try:
        return date.fromisoformat(word)
    except ValueError:
        return None


@action(AwayDelegate)
async def away_delegate(update: Update, context: BotContext, payload: AwayDelegate) -> None:
    """A colleague picked from the /away button list takes over escalations and priority reminders."""
    zone = ZoneInfo(context.me.timezone or context.services.settings.timezone)
    today = context.now().astimezone(zone).date()
    until, name = await context.run(accounts.set_delegate, context.me.id, payload.id, today)
    await edit(update, context.render("agenda/away", until=until, delegate=name, choose=False))


# --- follow-ups -------------------------------------------------------------------------------------


async def remind(update: Update, context: BotContext) -> None:
    """/remind Acme Friday send the quote — customer, when (a time of day is kept), what."""
    text = " ".join(context.args or []).strip()
    if not text:
        await reply(update, context.render("agenda/remind_usage"))
        return
    result = await _remind(context, text, None)
    if result.status == "ambiguous":
        await reply(update, context.render("agenda/remind_no_customer", text=text[:200], names=list(result.names)))
        return
    await _reminder_reply(update, context, result)


async def _remind(context: BotContext, text: str, customer_id: int | None) -> followups.Reminder:
    settings = context.services.settings
    return await context.run(
        followups.remind,
        context.me,
        text,
        customer_id=customer_id,
        now=context.now(),
        timezone=context.me.timezone or settings.timezone,
        currency=settings.currency,
    )


async def _reminder_reply(update: Update, context: BotContext, result: followups.Reminder) -> None:
    if result.status == "no_date" or result.due is None:
        await reply(update, context.render("agenda/remind_no_date"))
        return
    zone = context.me.timezone or context.services.settings.timezone
    await reply(
        update,
        context.render(
            "agenda/reminder_set",
            customer=result.customer,
            text=result.text,
            due=result.due.astimezone(ZoneInfo(zone)),
            has_time=result.has_time,
        ),
    )


@action(FollowupStart)
async def followup_start(update: Update, context: BotContext, payload: FollowupStart) -> None:
    await begin(context, "followup.for_customer", {"id": payload.id})
    await reply(update, context.render("agenda/followup_prompt"))


@expects("followup.for_customer")
@answers("log")
async def followup_typed(update: Update, context: BotContext, text: str, data: dict[str, Any]) -> None:
    # a customer reassigned or archived meanwhile: NotFound ends the question (bot.error_replies)
    result = await _remind(context, text, int(data["id"]))
    if result.status == "set":
        await finish(context)
    await _reminder_reply(update, context, result)


@action(FollowupDone)
async def followup_done(update: Update, context: BotContext, payload: FollowupDone) -> str:
    item = await context.run(followups.done, context.me, payload.id, context.now())
    await _refresh(update, context, payload.view, payload.page)
    return context.label("agenda.done", name=item.customer_name)


@action(FollowupSnooze)
async def followup_snooze(update: Update, context: BotContext, payload: FollowupSnooze) -> str:
    item = await context.run(followups.snooze, context.me, payload.id, payload.by, context.now())
    zone = ZoneInfo(context.me.timezone or context.services.settings.timezone)
    await _refresh(update, context, payload.view, payload.page)
    return context.label("agenda.snoozed", name=item.customer_name, due=item.due_at.astimezone(zone).strftime("%m-%d"))


@action(FollowupCloseMany)
async def followup_close_many(update: Update, context: BotContext, payload: FollowupCloseMany) -> str:
    """✓ under a saved log: close the customer's other open follow-ups; the button goes away."""
    closed = await context.run(followups.close_many, context.me, list(payload.ids), context.now())
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.edit_message_reply_markup(None)
    return context.label("followups.closed", n=closed)


async def _refresh(update: Update, context: BotContext, view: str | None, page: int) -> None:
    """Redraw the digest, nudge or /today page a ✓ or snooze was pressed on, as of now (the
    message of a button without a view — a timed follow-up — stays as it is)."""
    if view == "today":
        await _show_page(update, context, page, new=False)
        return
    if view not in ("digest", "nudge"):
        return
    settings, policy = context.services.settings, context.services.policy
    now = context.now()
    items = await context.run(agenda.build, context.me, context.as_of(now))
    zone = ZoneInfo(context.me.timezone or settings.timezone)
    message = (
        planner.digest_payload(items, zone, policy, morning=now.astimezone(zone).time() < planner.MORNING_ENDS)
        if view == "digest" and not items.empty
        else planner.nudge_payload(items, zone, policy)
        if view == "nudge"
        else None
    )
    if message is None:
        await edit(update, context.render("agenda/all_done"))
        return
    rows = push_buttons.rows(message)
    await edit(
        update,
        context.render(message.template, **message.params),
        await markup(context, rows, ttl=buttons.REMINDER_TTL) if rows else None,
    )


# --- feedback --------------------------------------------------------------------------------------


async def feedback_command(update: Update, context: BotContext) -> None:
    """/feedback NAME — record feedback for a customer; /feedback alone lists the open ones."""
    query = " ".join(context.args or []).strip()
    if not query:
        await _feedback_list(update, context, new=True)
        return
    found = await context.run(book.search, context.me, query, 6)
    if not found:
        await reply(update, context.render("customers/none_found", query=query[:100]))
        return
    rows = [[Button.of(c.name, FeedbackStart(id=c.customer_id), single_use=False)] for c in found]
    await reply(
        update, context.render("customers/found", query=query[:100], count=len(found)), await markup(context, rows)
    )


async def _feedback_list(update: Update, context: BotContext, *, new: bool) -> None:
    """The open feedback with ▶ in progress and ✓ resolve; ▶ redraws this list in place."""
    items = await context.run(feedback.open_items, context.me)
    rows = [
        [
            Button.of(f"{i} ▶", FeedbackProgress(id=f.id, view="feedback"), single_use=False),
            Button.of(f"{i} ✓", FeedbackResolve(id=f.id), single_use=False),
        ]
        for i, f in enumerate(items[:10], start=1)
    ]
    text = context.render("feedback/open", items=items[:10], total=len(items))
    keyboard = await markup(context, rows) if rows else None
    if new:
        await reply(update, text, keyboard)
    else:
        await edit(update, text, keyboard)


@action(FeedbackStart)
async def feedback_start(update: Update, context: BotContext, payload: FeedbackStart) -> None:
    kinds = [
        Button.of(context.label(f"feedback_kinds.{k}"), FeedbackKind(id=payload.id, kind=k), single_use=False)
        for k in ("complaint", "suggestion", "praise", "question")
    ]
    await reply(update, context.render("feedback/kind"), await markup(context, [kinds[:2], kinds[2:]]))


@action(FeedbackKind)
async def feedback_kind(update: Update, context: BotContext, payload: FeedbackKind) -> None:
    await begin(context, "feedback.text", {"id": payload.id, "kind": payload.kind})
    await edit(update, context.render("feedback/text_prompt", kind=payload.kind))


@expects("feedback.text")
@answers("log")
async def feedback_text(update: Update, context: BotContext, text: str, data: dict[str, Any]) -> None:
    score = _trailing_score(text)
    # a bad value keeps the question open; the customer gone meanwhile ends it (bot.error_replies)
    await context.run(
        feedback.record,
        context.me,
        int(data["id"]),
        kind=str(data["kind"]),
        text=text,
        satisfaction=score,
        now=context.now(),
        severity="high" if data["kind"] == "complaint" else "medium",
    )
    await finish(context)
    await reply(update, context.render("feedback/saved", kind=data["kind"], score=score))


def _trailing_score(text: str) -> int | None:
    """ "…, 满意度3" / "satisfaction 4" at the end gives the satisfaction score."""
    match = re.search(r"(?:满意度|satisfaction)\s*[:：]?\s*([1-5])\s*分?\s*$", text.strip(), re.I)
    return int(match.group(1)) if match else None


@action(FeedbackProgress)
async def feedback_progress(update: Update, context: BotContext, payload: FeedbackProgress) -> str:
    item = await context.run(feedback.set_status, context.me, payload.id, "in_progress", context.now())
    if payload.view == "feedback":
        await _feedback_list(update, context, new=False)
    return context.label("feedback.in_progress", name=item.customer_name)


@action(FeedbackResolve)
async def feedback_resolve(update: Update, context: BotContext, payload: FeedbackResolve) -> None:
    await begin(context, "feedback.resolution", {"id": payload.id})
    await reply(update, context.render("feedback/resolution_prompt"))


@expects("feedback.resolution")
@answers("feedback.resolution")
async def feedback_resolution(update: Update, context: BotContext, text: str, data: dict[str, Any]) -> None:
    item = await context.run(
        feedback.set_status, context.me, int(data["id"]), "resolved", context.now(), resolution=text
    )
    await finish(context)
    await reply(update, context.render("feedback/resolved", item=item))

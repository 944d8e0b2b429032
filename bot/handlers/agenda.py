"""/today (the rep's ranked agenda, paginated), follow-ups (/remind, Done, Snooze) and
feedback (/feedback, status changes, resolution notes)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update

from bot.app_links import table_view, with_open_button
from bot.button_dispatch import action
from bot.context import BotContext
from bot.error_replies import answers
from bot.flow_dispatch import begin, expects, finish
from bot.keyboards import Button, markup, page_row
from bot.replies import edit, reply
from core import accounts
from core.chat import buttons
from core.customers import registry
from core.interactions import feedback, followups, logbook
from core.names import book
from core.reminders import agenda, planner

PAGE = 6  # agenda lines per message (each with its own buttons)
REVIEW_SHOWN = 10  # old follow-ups listed by the review button
AWAY_CHOICES = 12  # colleagues offered as delegates by /away


# --- /today ------------------------------------------------------------------------------------


async def today(update: Update, context: BotContext) -> None:
    await _show_page(update, context, 0, new=True)


@action("today.page")
async def page(update: Update, context: BotContext, payload: dict[str, Any]) -> None:
    await _show_page(update, context, int(payload.get("page", 0)), new=False)


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
        rows.append([Button("🗂", "followup.review", {}, single_use=False)])
    rows += page_row("today.page", {}, at=number, step=1, end=pages, key="page")
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
    log = (
        []
        if entry["personal"]
        else [Button(f"{index} ✍", "customer.log", {"id": entry["customer_id"]}, single_use=False)]
    )
    if entry["followup"]:
        here = {"id": entry["followup"]["id"], "view": "today", "page": (index - 1) // PAGE}
        return [
            *log,
            Button(f"{index} ✓", "followup.done", here),
            *[Button(f"{index} +{d}", "followup.snooze", {**here, "by": d}) for d in ("1d", "3d", "1w")],
        ]
    if entry["complaint"]:
        return [*log, Button(f"{index} ✓", "feedback.resolve", {"id": entry["complaint"]["id"]}, single_use=False)]
    return [*log, Button(f"{index} 📇", "customer.card", {"id": entry["customer_id"]}, single_use=False)]


@action("followup.review")
async def review_old(update: Update, context: BotContext, payload: dict[str, Any]) -> None:
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
            Button(f"{n} ✓", "followup.done", {"id": i["id"]}),
            Button(f"{n} +1w", "followup.snooze", {"id": i["id"], "by": "1w"}),
        ]
        for n, i in enumerate(shown, start=1)
    ]
    await reply(
        update,
        context.render("agenda/old_followups", items=shown, total=len(old), rollup_days=policy.reminders.rollup_days),
        await markup(context, rows, ttl=buttons.REMINDER_TTL) if rows else None,
    )


# --- greetings (buttons on the greeting reminders) -------------------------------------------------------


@action("greeting.sent")
async def greeting_sent(update: Update, context: BotContext, payload: dict[str, Any]) -> str:
    name = payload.get("name") or {}
    label = name.get(context.me.language) or name.get("en") or str(payload["occasion"])
    customer_id = int(payload["customer_id"])
    await context.run(
        logbook.mark_greeting_sent,
        context.me,
        customer_id,
        str(payload["occasion"]),
        label,
        context.as_of(),
    )
    return context.label("agenda.greeting_logged")


@action("greeting.skip")
async def greeting_skip(update: Update, context: BotContext, payload: dict[str, Any]) -> str:
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
    rows = [[Button(name, "away.delegate", {"id": uid})] for uid, name in team[:AWAY_CHOICES]]
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


@action("away.delegate")
async def away_delegate(update: Update, context: BotContext, payload: dict[str, Any]) -> None:
    """A colleague picked from the /away button list takes over escalations and priority reminders."""
    zone = ZoneInfo(context.me.timezone or context.services.settings.timezone)
    today = context.now().astimezone(zone).date()
    until, name = await context.run(accounts.set_delegate, context.me.id, int(payload["id"]), today)
    await edit(update, context.render("agenda/away", until=until, delegate=name, choose=False))


# --- follow-ups -------------------------------------------------------------------------------------


async def remind(update: Update, context: BotContext) -> None:
    """/remind Acme Friday send the quote — customer, when (a time of day is kept), what."""
    text = " ".join(context.args or []).strip()
    if not text:
        await reply(update, context.render("agenda/remind_usage"))
        return
    settings = context.services.settings
    zone = context.me.timezone or settings.timezone
    parsed = await context.run(
        book.read,
        context.me,
        f"提醒 {text}" if _is_chinese(text) else f"remind me {text}",
        now=context.now(),
        timezone=zone,
        currency=settings.currency,
    )
    if parsed.ambiguous:
        await reply(
            update,
            context.render("agenda/remind_no_customer", text=text[:200], names=[c.name for c in parsed.candidates[:5]]),
        )
        return
    if parsed.follow_up is None:
        await reply(update, context.render("agenda/remind_no_date"))
        return
    customer = parsed.candidates[0] if parsed.candidates else None  # none named: a personal reminder
    what = parsed.follow_up.text or text
    await context.run(
        followups.create,
        context.me,
        customer.customer_id if customer else None,
        due_at=parsed.follow_up.due,
        has_time=parsed.follow_up.has_time,
        text=what,
        now=context.now(),
    )
    await reply(
        update,
        context.render(
            "agenda/reminder_set",
            customer=customer.name if customer else None,
            text=what,
            due=parsed.follow_up.due.astimezone(ZoneInfo(zone)),
            has_time=parsed.follow_up.has_time,
        ),
    )


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@action("followup.start")
async def followup_start(update: Update, context: BotContext, payload: dict[str, Any]) -> None:
    await begin(context, "followup.for_customer", {"id": int(payload["id"])})
    await reply(update, context.render("agenda/followup_prompt"))


@expects("followup.for_customer")
@answers("log")
async def followup_typed(update: Update, context: BotContext, text: str, data: dict[str, Any]) -> None:
    settings = context.services.settings
    zone = context.me.timezone or settings.timezone
    parsed = await context.run(
        book.read,
        context.me,
        f"remind me {text}" if not _is_chinese(text) else f"提醒 {text}",
        now=context.now(),
        timezone=zone,
        currency=settings.currency,
    )
    if parsed.follow_up is None:
        await reply(update, context.render("agenda/remind_no_date"))
        return
    await finish(context)
    # reassigned or archived meanwhile (or never visible): NotFound says so (bot.error_replies)
    await context.run(
        followups.create,
        context.me,
        int(data["id"]),
        due_at=parsed.follow_up.due,
        has_time=parsed.follow_up.has_time,
        text=parsed.follow_up.text or text,
        now=context.now(),
    )
    name = await context.run(registry.name_of, context.me, int(data["id"]))
    await reply(
        update,
        context.render(
            "agenda/reminder_set",
            customer=name,
            text=parsed.follow_up.text or text,
            due=parsed.follow_up.due.astimezone(ZoneInfo(zone)),
            has_time=parsed.follow_up.has_time,
        ),
    )


@action("followup.done")
async def followup_done(update: Update, context: BotContext, payload: dict[str, Any]) -> str:
    item = await context.run(followups.done, context.me, int(payload["id"]), context.now())
    await _refresh(update, context, payload)
    return context.label("agenda.done", name=item.customer_name)


@action("followup.snooze")
async def followup_snooze(update: Update, context: BotContext, payload: dict[str, Any]) -> str:
    item = await context.run(followups.snooze, context.me, int(payload["id"]), str(payload["by"]), context.now())
    zone = ZoneInfo(context.me.timezone or context.services.settings.timezone)
    await _refresh(update, context, payload)
    return context.label("agenda.snoozed", name=item.customer_name, due=item.due_at.astimezone(zone).strftime("%m-%d"))


@action("followup.close_many")
async def followup_close_many(update: Update, context: BotContext, payload: dict[str, Any]) -> str:
    """✓ under a saved log: close the customer's other open follow-ups; the button goes away."""
    closed = await context.run(
        followups.close_many, context.me, [int(i) for i in payload.get("ids", [])], context.now()
    )
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.edit_message_reply_markup(None)
    return context.label("followups.closed", n=closed)


async def _refresh(update: Update, context: BotContext, payload: dict[str, Any]) -> None:
    """Redraw the digest, nudge or /today page a ✓ or snooze was pressed on, as of now (the
    message of a button without a view — a timed follow-up — stays as it is)."""
    view = payload.get("view")
    if view == "today":
        await _show_page(update, context, int(payload.get("page", 0)), new=False)
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
    rows = [
        [Button(b["label"], b["action"], b.get("payload", {}), single_use=b.get("single_use", True)) for b in row]
        for row in message["buttons"]
    ]
    await edit(
        update,
        context.render(message["template"], **message["params"]),
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
    rows = [[Button(c.name, "feedback.start", {"id": c.customer_id}, single_use=False)] for c in found]
    await reply(
        update, context.render("customers/found", query=query[:100], count=len(found)), await markup(context, rows)
    )


async def _feedback_list(update: Update, context: BotContext, *, new: bool) -> None:
    """The open feedback with ▶ in progress and ✓ resolve; ▶ redraws this list in place."""
    items = await context.run(feedback.open_items, context.me)
    rows = [
        [
            Button(f"{i} ▶", "feedback.progress", {"id": f.id, "view": "feedback"}, single_use=False),
            Button(f"{i} ✓", "feedback.resolve", {"id": f.id}, single_use=False),
        ]
        for i, f in enumerate(items[:10], start=1)
    ]
    text = context.render("feedback/open", items=items[:10], total=len(items))
    keyboard = await markup(context, rows) if rows else None
    if new:
        await reply(update, text, keyboard)
    else:
        await edit(update, text, keyboard)


@action("feedback.start")
async def feedback_start(update: Update, context: BotContext, payload: dict[str, Any]) -> None:
    kinds = [
        Button(
            context.label(f"feedback_kinds.{k}"),
            "feedback.kind",
            {"id": int(payload["id"]), "kind": k},
            single_use=False,
        )
        for k in ("complaint", "suggestion", "praise", "question")
    ]
    await reply(update, context.render("feedback/kind"), await markup(context, [kinds[:2], kinds[2:]]))


@action("feedback.kind")
async def feedback_kind(update: Update, context: BotContext, payload: dict[str, Any]) -> None:
    await begin(context, "feedback.text", {"id": int(payload["id"]), "kind": payload["kind"]})
    await edit(update, context.render("feedback/text_prompt", kind=payload["kind"]))


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


@action("feedback.progress")
async def feedback_progress(update: Update, context: BotContext, payload: dict[str, Any]) -> str:
    item = await context.run(feedback.set_status, context.me, int(payload["id"]), "in_progress", context.now())
    if payload.get("view") == "feedback":
        await _feedback_list(update, context, new=False)
    return context.label("feedback.in_progress", name=item.customer_name)


@action("feedback.resolve")
async def feedback_resolve(update: Update, context: BotContext, payload: dict[str, Any]) -> None:
    await begin(context, "feedback.resolution", {"id": int(payload["id"])})
    await reply(update, context.render("feedback/resolution_prompt"))


@expects("feedback.resolution")
@answers("feedback.resolution")
async def feedback_resolution(update: Update, context: BotContext, text: str, data: dict[str, Any]) -> None:
    item = await context.run(
        feedback.set_status, context.me, int(data["id"]), "resolved", context.now(), resolution=text
    )
    await finish(context)
    await reply(update, context.render("feedback/resolved", item=item))

"""Sweeps: named jobs on python-telegram-bot's JobQueue that ask `core` what is due as of the
clock's `now`. The database is the source of truth, so a sweep that runs late (after a restart)
catches up, and running one twice changes nothing.

`run_between` drives the same sweeps for a moved clock (the console's `:advance`, the tests):
every scheduled instant passed over runs, in order, with the clock set to that instant.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import Forbidden, RetryAfter
from telegram.ext import Application

from bot import ops, push_buttons
from bot.context import BotContext
from bot.keyboards import Button
from bot.render import Renderer, split_message
from core import accounts
from core.chat import buttons, outbox, plans
from core.chat.messages import OutboxMessage
from core.clock import ManualClock
from core.imports import uploads
from core.reminders import planner
from core.reports import weekly
from core.team import strangers
from core.tier_records import overrides, policy_store, retier, review_cycle

log = logging.getLogger("tierbot.jobs")
SweepFn = Callable[[Application, datetime], Awaitable[None]]
EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday, so weekly instants fall on Mondays


@dataclass(frozen=True)
class Sweep:
    name: str
    every: timedelta
    run: SweepFn
    every_worker: bool = False  # refreshes this process's own caches: runs on followers too


OUTBOX_PER_SWEEP = 200
OUTBOX_CLAIM = 25  # rows claimed at a time: a sender that dies holds at most these until the lease ends


async def send_outbox(app: Application, now: datetime) -> None:
    """Deliver due outbox rows, each rendered in the recipient's language at send time, with its
    buttons' keys issued for the recipient (valid 14 days). Rows are claimed first
    (core.chat.outbox.claim), so two senders never send the same row."""
    services = app.bot_data.services
    lease = timedelta(seconds=services.settings.outbox_lease_seconds)
    handled = 0
    while handled < OUTBOX_PER_SWEEP:
        batch = await services.run(outbox.claim, services.clock.now(), OUTBOX_CLAIM, lease)
        if not batch:
            return
        handled += len(batch)
        for position, message in enumerate(batch):
            if not await _deliver(app, message, now):
                await services.run(outbox.release, [m.id for m in batch[position:]])
                return


async def _deliver(app: Application, message: outbox.OutgoingMessage, now: datetime) -> bool:
    """Send one claimed row; False when Telegram asks the sender to stop for now."""
    services = app.bot_data.services
    account = await services.run(accounts.get_account, message.recipient_id)
    try:
        text = render_payload(services.renderer, account.language, message.payload)
        markup = await _markup(services, account.id, push_buttons.rows_of(message.payload), now)
        sent = None
        parts = split_message(text)
        # Resume after the parts a previous attempt already sent (the last part always goes).
        for index in range(min(message.parts_sent, len(parts) - 1), len(parts)):
            last = index == len(parts) - 1
            sent = await app.bot.send_message(
                message.telegram_id, parts[index], parse_mode=ParseMode.HTML, reply_markup=markup if last else None
            )
            if not last:
                await services.run(outbox.mark_part_sent, message.id, index + 1)
        await services.run(outbox.mark_sent, message.id, sent.message_id if sent else None, now)
    except Forbidden:
        await services.run(outbox.mark_recipient_blocked, message.recipient_id, now)
    except RetryAfter:
        return False  # the rate limiter already retried; the rest waits for the next sweep
    except Exception as exc:  # noqa: BLE001 - one bad row must not stop the sweep
        # TimedOut included: Telegram may or may not have delivered it. No immediate resend; the
        # row backs off like any failure and a later sweep retries it, so at most this one
        # message (or part) can arrive twice — at-least-once for the message in flight.
        log.warning("outbox %s failed: %s", message.dedupe_key, exc)
        await services.run(outbox.mark_failed, message.id, f"{type(exc).__name__}: {exc}", now)
    return True


def render_payload(renderer: Renderer, lang: str, payload: OutboxMessage | Mapping[str, Any]) -> str:
    """The message text of an outbox message (or of its stored payload); a template that fails
    falls back to plain text."""
    message = payload if isinstance(payload, OutboxMessage) else OutboxMessage.from_payload(payload)
    template = message.template
    try:
        return renderer.render(lang, template, **dict(message.params))
    except Exception:  # a broken template (edited by a manager) must not stop sending
        log.exception("template %s failed; sending the plain fallback", template)
        return renderer.render(lang, "reminders/fallback", kind=template)


async def _markup(services: Any, user_id: int, rows: list[list[Button]], now: datetime) -> InlineKeyboardMarkup | None:
    """The keyboard of a pushed message, its keys issued for the recipient (bot.push_buttons
    says which buttons)."""
    if not rows:
        return None
    specs = [buttons.ButtonSpec(b.action, b.payload, b.single_use) for row in rows for b in row]
    keys = iter(await services.run(buttons.issue_many, user_id=user_id, specs=specs, now=now, ttl=buttons.REMINDER_TTL))
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=next(keys)) for b in row] for row in rows]
    )


async def plan_and_enqueue(app: Application, now: datetime, planner: Any) -> None:
    services = app.bot_data.services
    await services.run(_plan_and_enqueue, planner, services.policy, services.settings, now)


def _plan_and_enqueue(session: Any, planner: Any, policy: Any, settings: Any, now: datetime) -> int:
    return plans.enqueue(session, planner(session, policy, settings, now), now)


async def digest(app: Application, now: datetime) -> None:
    await plan_and_enqueue(app, now, planner.plan_digests)


async def nudges(app: Application, now: datetime) -> None:
    await plan_and_enqueue(app, now, planner.plan_afternoon)


async def greetings(app: Application, now: datetime) -> None:
    await plan_and_enqueue(app, now, planner.plan_greetings)


async def greetings_on_time(app: Application, now: datetime) -> None:
    """Greetings of the people whose digest minute just came (the hourly pass catches up)."""
    await plan_and_enqueue(app, now, partial(planner.plan_greetings, just_reached=timedelta(minutes=1)))


async def escalations(app: Application, now: datetime) -> None:
    await plan_and_enqueue(app, now, planner.plan_escalations)


async def review(app: Application, now: datetime) -> None:
    services = app.bot_data.services
    await asyncio.to_thread(review_cycle.run_review, services.db, services.policy, services.settings, now)


async def housekeeping(app: Application, now: datetime) -> None:
    services = app.bot_data.services
    purged = await services.run(buttons.purge_expired, now)
    if purged:
        log.info("purged %d expired button keys", purged)
    expired = await services.run(uploads.purge_stale, now)  # previews never confirmed: up to 10 MB each
    if expired:
        log.info("expired %d upload previews older than a day", expired)
    await services.run(strangers.purge, now)  # their hour of silence is over: they'd be answered anyway


async def weekly_summaries(app: Application, now: datetime) -> None:
    await plan_and_enqueue(app, now, weekly.plan_weekly)


async def refresh_tier_stats(app: Application, now: datetime) -> None:
    """Rebuild the book's ranking statistics in the background, so no rep's message pays for it."""
    services = app.bot_data.services
    await services.run(retier.refresh_stats, services.as_of(now))


async def refresh_policy(app: Application, now: datetime) -> None:
    """Swap in a policy version another process activated (the check is one small query; doing it
    here, off the loop, keeps handlers from ever paying for it)."""
    services = app.bot_data.services
    await asyncio.to_thread(services.policies.refresh, now)


async def settle_tiers(app: Application, now: datetime) -> None:
    """Pins that ran out hand their models back to the scores; a policy activation whose
    re-tiering was cut short (the process died) is finished."""
    services = app.bot_data.services
    settings = services.settings
    await asyncio.to_thread(policy_store.retier_pending, services.db, settings, now)
    await services.run(overrides.expire_due, services.as_of(now))


# Order matters when several fall on one instant (the console's :advance): plan first, send last.
SWEEPS = (
    # first: the others use the policy in force; more often than the holder's own 30-s check, so
    # handlers seldom make that check on the event loop. It and the ranking statistics are this
    # process's own caches, refreshed on every worker; the rest runs on the leader only.
    Sweep("policy", timedelta(seconds=20), refresh_policy, every_worker=True),
    Sweep("settle_tiers", timedelta(hours=1), settle_tiers),
    Sweep("review", timedelta(hours=1), review),
    Sweep("tier_stats", timedelta(hours=1), refresh_tier_stats, every_worker=True),
    Sweep("digest", timedelta(minutes=1), digest),
    Sweep("nudges", timedelta(minutes=1), nudges),
    Sweep("greetings_on_time", timedelta(minutes=1), greetings_on_time),  # at each rep's digest minute
    Sweep("greetings", timedelta(hours=1), greetings),  # catch-up: restarts, quiet hours ending, late changes
    Sweep("escalations", timedelta(hours=1), escalations),
    Sweep("housekeeping", timedelta(hours=1), housekeeping),
    Sweep("backup", timedelta(hours=1), ops.nightly_backup),  # SQLite, from 03:00 organisation time, last 7 kept
    Sweep("alerts", timedelta(hours=1), ops.check_outbox),  # messages given up on → one notice to admins
    Sweep("weekly", timedelta(minutes=1), weekly_summaries),  # managers, Monday 09:00 local (core.reports.weekly)
    Sweep("outbox", timedelta(seconds=10), send_outbox),
)


def schedule(app: Application) -> None:
    """Register every sweep on the JobQueue (runs only when the application is started)."""
    if app.job_queue is None:
        return
    for sweep in SWEEPS:
        app.job_queue.run_repeating(
            _job(sweep),
            interval=sweep.every,
            first=5,
            name=sweep.name,
            # a sweep that missed its instant (busy loop, suspended host) still runs, once
            job_kwargs={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )


def _job(sweep: Sweep) -> Callable[[BotContext], Coroutine[Any, Any, None]]:
    async def run(context: BotContext) -> None:
        app = context.application
        leadership = app.bot_data.leadership
        if not sweep.every_worker and leadership is not None and not await leadership.confirm():
            return  # another worker leads (bot.leader): it runs the sweeps and sends the outbox
        try:
            await ops.run_recorded(app, sweep.name, sweep.run, app.bot_data.services.clock.now())  # JobRun
        except Exception:  # a failing sweep logs and tries again next time
            log.exception("sweep %s failed", sweep.name)

    return run


def instants(every: timedelta, start: datetime, end: datetime) -> list[datetime]:
    """The sweep's scheduled instants in (start, end], aligned to EPOCH."""
    first = EPOCH + ((start - EPOCH) // every + 1) * every
    out = []
    while first <= end:
        out.append(first)
        first += every
    return out


async def run_between(app: Application, clock: ManualClock, end: datetime) -> int:
    """Move `clock` to `end`, running each sweep at every instant passed over; returns runs.

    The minute sweeps (digest, nudges, outbox) run at the minutes where their answer can change
    (core.reminders.planner.wakeups) rather than at all 1,440 minutes of a day: the same messages, at the
    same minutes, without minutes of waiting when the console jumps a week ahead."""
    start = clock.now()
    services = app.bot_data.services
    marks = await services.run(planner.wakeups, services.settings, start, end)
    minutes = sorted({_ceil_minute(m) for m in marks} | {_ceil_minute(end)} if end > start else set())
    plan = []
    for index, sweep in enumerate(SWEEPS):
        if sweep.every <= timedelta(minutes=1):
            plan += [(at, index) for at in minutes if start < at <= end]
        else:
            plan += [(at, index) for at in instants(sweep.every, start, end)]
    for at, index in sorted(plan):
        clock.set(at)
        await SWEEPS[index].run(app, at)
        if SWEEPS[index].name != "outbox":
            clock.set(at)
            await send_outbox(app, at)  # whatever a planner queued goes out at once, as the sender would
    clock.set(end)
    return len(plan)


def _ceil_minute(moment: datetime) -> datetime:
    floor = moment.replace(second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(minutes=1)

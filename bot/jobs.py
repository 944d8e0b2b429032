"""Sweeps: named jobs on python-telegram-bot's JobQueue that ask `core` what is due as of the
clock's `now`. The database is the source of truth, so a sweep that runs late (after a restart)
catches up, and running one twice changes nothing.

`run_between` drives the same sweeps for a moved clock (the console's `:advance`, the tests):
every scheduled instant passed over runs, in order, with the clock set to that instant.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from telegram.constants import ParseMode
from telegram.error import Forbidden, RetryAfter
from telegram.ext import Application, ContextTypes

from bot.render import split_message
from core import accounts, buttons, outbox, tiers
from core.clock import ManualClock

log = logging.getLogger("tierbot.jobs")
SweepFn = Callable[[Application, datetime], Awaitable[None]]
EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday, so weekly instants fall on Mondays


@dataclass(frozen=True)
class Sweep:
    name: str
    every: timedelta
    run: SweepFn


async def send_outbox(app: Application, now: datetime) -> None:
    """Deliver due outbox rows, each rendered in the recipient's language at send time."""
    services = app.bot_data.services
    for message in await services.run(outbox.due, now, 200):
        account = await services.run(accounts.get_account, message.recipient_id)
        template = str(message.payload.get("template", ""))
        params = dict(message.payload.get("params", {}))
        try:
            text = services.renderer.render(account.language, template, **params)
            sent = None
            for part in split_message(text):
                sent = await app.bot.send_message(message.telegram_id, part, parse_mode=ParseMode.HTML)
            await services.run(outbox.mark_sent, message.id, sent.message_id if sent else None, now)
        except Forbidden:
            await services.run(outbox.mark_recipient_blocked, message.recipient_id, now)
        except RetryAfter:
            return  # the rate limiter already retried; the rest waits for the next sweep
        except Exception as exc:  # noqa: BLE001 - one bad row must not stop the sweep
            log.warning("outbox %s failed: %s", message.dedupe_key, exc)
            await services.run(outbox.mark_failed, message.id, f"{type(exc).__name__}: {exc}", now)


async def housekeeping(app: Application, now: datetime) -> None:
    purged = await app.bot_data.services.run(buttons.purge_expired, now)
    if purged:
        log.info("purged %d expired button keys", purged)


async def refresh_tier_stats(app: Application, now: datetime) -> None:
    """Rebuild the book's ranking statistics in the background, so no rep's message pays for it."""
    services = app.bot_data.services
    await services.run(tiers.refresh_stats, services.policy, now, services.settings.timezone)


SWEEPS = (
    Sweep("outbox", timedelta(seconds=30), send_outbox),
    Sweep("tier_stats", timedelta(minutes=30), refresh_tier_stats),
    Sweep("housekeeping", timedelta(hours=1), housekeeping),
)


def schedule(app: Application) -> None:
    """Register every sweep on the JobQueue (runs only when the application is started)."""
    if app.job_queue is None:
        return
    for sweep in SWEEPS:
        app.job_queue.run_repeating(
            _job(sweep), interval=sweep.every, first=5, name=sweep.name,
            # a sweep that missed its instant (busy loop, suspended host) still runs, once
            job_kwargs={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )


def _job(sweep: Sweep) -> Callable[[ContextTypes.DEFAULT_TYPE], Awaitable[None]]:
    async def run(context: ContextTypes.DEFAULT_TYPE) -> None:
        app = context.application
        try:
            await sweep.run(app, app.bot_data.services.clock.now())
        except Exception:  # noqa: BLE001 - a failing sweep logs and tries again next time
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
    """Move `clock` to `end`, running each sweep at every instant passed over; returns runs."""
    start = clock.now()
    plan = sorted((at, index) for index, sweep in enumerate(SWEEPS) for at in instants(sweep.every, start, end))
    for at, index in plan:
        clock.set(at)
        await SWEEPS[index].run(app, at)
    clock.set(end)
    return len(plan)

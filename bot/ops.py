"""Operations glue of the running bot: every sweep run recorded (`JobRun`, shown by `tierbot
stats`), persistent failures turned into one admin notice per kind and hour (core.ops.alerts), and the
sweeps of durability — the nightly SQLite backup and the check for messages given up on.

"Persistent" means: the same kind of failure THRESHOLD times within WINDOW (THRESHOLDS for some) (a lock held too long
once is weather; three times in ten minutes is an operator's business), a sweep failing
THRESHOLD runs in a row, a full disk at once.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from telegram.ext import Application

from core.ops import alerts, backup, stats

if TYPE_CHECKING:
    from bot.context import Services

log = logging.getLogger("tierbot.ops")
THRESHOLD = 3
WINDOW = timedelta(minutes=10)
AT_ONCE = {"db_full"}
# Polling retries an unreachable Bot API with back-off (1 s, 1.5 s, … 30 s): 15 failures are
# about four minutes of outage, not a blip.
THRESHOLDS = {"bot_api": 15}


class _Failures:
    def __init__(self) -> None:
        self.times: dict[str, deque[datetime]] = {}
        self.streaks: dict[str, int] = {}
        self.unsent: dict[str, dict[str, object]] = {}  # notices the database could not take yet

    def add(self, key: str, now: datetime) -> int:
        times = self.times.setdefault(key, deque())
        times.append(now)
        while times and now - times[0] > WINDOW:
            times.popleft()
        return len(times)


_failures: weakref.WeakKeyDictionary[Application, _Failures] = weakref.WeakKeyDictionary()


def _of(app: Application) -> _Failures:
    if app not in _failures:
        _failures[app] = _Failures()
    return _failures[app]


async def note_failure(app: Application, kind: str, detail: str) -> bool:
    """Count a failure of `kind`; when it has become persistent, queue the admins' notice.
    True when a notice was queued (False: not yet persistent, already told this hour, or the
    database itself cannot take the row — the log has it then)."""
    services = app.bot_data.services
    now = services.clock.now()
    if kind not in AT_ONCE and _of(app).add(kind, now) < THRESHOLDS.get(kind, THRESHOLD):
        return False
    return await _alert(app, kind, now, detail=detail[:200])


async def _alert(app: Application, kind: str, now: datetime, **params: object) -> bool:
    try:
        queued = await app.bot_data.services.run(alerts.alert_admins, kind, now, **params)
    except Exception:  # a full or locked database cannot take the notice either
        log.critical(
            "persistent failure %s (%s); the admins' notice is queued when the database lets it",
            kind,
            params,
            exc_info=True,
        )
        _of(app).unsent[kind] = params  # the alerts sweep tries again
        return False
    _of(app).unsent.pop(kind, None)
    if queued:
        log.warning("admins told about a persistent failure: %s %s", kind, params)
    return bool(queued)


async def run_recorded(
    app: Application, name: str, run: Callable[[Application, datetime], Awaitable[None]], now: datetime
) -> None:
    """Run one sweep, recording its start, end and outcome; a failure is re-raised after that."""
    services = app.bot_data.services
    await _record(services, stats.sweep_started, name, now)
    try:
        await run(app, now)
    except Exception as exc:
        failures = _of(app)
        failures.streaks[name] = failures.streaks.get(name, 0) + 1
        await _record(services, stats.sweep_finished, name, services.clock.now(), f"error: {type(exc).__name__}: {exc}")
        if failures.streaks[name] >= THRESHOLD:
            await _alert(
                app, "sweep_failed", services.clock.now(), sweep=name, error=f"{type(exc).__name__}: {exc}"[:200]
            )
        raise
    _of(app).streaks[name] = 0
    await _record(services, stats.sweep_finished, name, services.clock.now(), "ok")


async def _record(services: Services, fn: Callable[..., None], *args: object) -> None:
    try:
        await services.run(fn, *args)
    except Exception:  # bookkeeping must never stop a sweep
        log.warning("could not record sweep run %s", args[0], exc_info=True)


async def nightly_backup(app: Application, now: datetime) -> None:
    """Hourly: from NIGHTLY_HOUR organisation time on, today's SQLite backup once (a bot that was
    down at that hour makes it when it is back), keeping the last backup.KEEP."""
    services = app.bot_data.services
    settings = services.settings
    # the database the bot has open (its engine), not a re-read of the setting
    database = backup.sqlite_path(services.db.engine.url.render_as_string(hide_password=False))
    if database is None:
        return  # PostgreSQL: pg_dump from cron (README "Run in production")
    directory = backup.backup_dir(settings.backup_dir, database)
    local = now.astimezone(ZoneInfo(settings.timezone))
    if directory is None or local.hour < backup.NIGHTLY_HOUR:
        return
    made = await asyncio.to_thread(backup.nightly, database, directory, local.date())
    if made is not None:
        log.info("nightly backup written: %s", made)


async def check_outbox(app: Application, now: datetime) -> None:
    """Hourly: messages the sender gave up on since the last notice → one notice to the admins;
    and the notices a busy or full database could not take when they were due."""
    for kind, params in list(_of(app).unsent.items()):
        await _alert(app, kind, now, **params)
    queued = await app.bot_data.services.run(alerts.check_outbox, now)
    if queued:
        log.warning("outbox: messages failed for good; %d admin notice(s) queued", queued)

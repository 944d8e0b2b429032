"""One leader among several `tierbot run` workers on one PostgreSQL database.

Sweeps (planning digests, nudges, reviews…) and the outbox sender run on the leader only, so the
one rate limiter in that process keeps Telegram's global limit and nothing is planned twice at
once. The leader is whoever holds a PostgreSQL *session-level* advisory lock on a connection of
its own: every worker tries to take it every TIERBOT_LEADER_CHECK_SECONDS; when the leader dies
(even with kill -9) the server ends its session, the lock frees, and the next try of another
worker takes it. Before each sweep the leader runs a query on that connection: a connection that
no longer answers means the lock may be gone, so the sweep is skipped and leadership dropped.

A stale leader (it lost the lock but has not noticed yet) can at worst finish a sweep in flight:
planning is idempotent (dedupe keys) and outbox rows are claimed (core.chat.outbox.claim), so that
never sends a row twice.

On SQLite there is no Leadership: one `tierbot run` per file (bot.instance_lock) is the leader.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

log = logging.getLogger("tierbot.leader")

# Any constant works; it only has to be the same in every tierbot process (and differ from the
# migration lock in core.db).
LEADER_LOCK_ID = 0x7469_6572_6C65_6164  # "tierlead"
QUERY_TIMEOUT_SECONDS = 10.0


class Leadership:
    def __init__(self, engine: Engine) -> None:
        # Its own engine without a pool: the lock's connection is never handed to a session (it
        # would carry the lock with it), and closing it really ends the server session.
        self._engine = create_engine(engine.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        self._last_error: str | None = None
        self._connection: Connection | None = None
        self._held = False
        self._mutex = threading.Lock()  # one query at a time on the dedicated connection

    @property
    def is_leader(self) -> bool:
        return self._held

    async def refresh(self) -> bool:
        """Take the lock if free (or confirm we still hold it); True when this worker leads."""
        return await self._in_thread(self._refresh)

    async def confirm(self) -> bool:
        """Before a sweep: do we hold the lock on a connection that still answers?"""
        if not self._held:
            return False
        return await self._in_thread(self._confirm)

    def close(self) -> None:
        """Give up leadership (closing the session frees the lock for another worker)."""
        with self._mutex:
            self._drop(reason=None)
        self._engine.dispose()

    async def _in_thread(self, fn: Any) -> bool:
        try:
            return bool(await asyncio.wait_for(asyncio.to_thread(fn), QUERY_TIMEOUT_SECONDS))
        except TimeoutError:
            # A connection that hangs (half-open TCP) cannot prove the lock: act as a follower.
            # The thread finishes or fails on its own; the next refresh reconnects.
            log.warning("leader: the lock connection did not answer within %ss", QUERY_TIMEOUT_SECONDS)
            self._held = False
            return False

    def _refresh(self) -> bool:
        if not self._mutex.acquire(timeout=QUERY_TIMEOUT_SECONDS):
            return False
        try:
            if self._held:
                return self._ping()
            if self._connection is None:
                self._connection = self._engine.connect()  # autocommit: never idle in a transaction
            got = bool(
                self._connection.execute(text("SELECT pg_try_advisory_lock(:id)"), {"id": LEADER_LOCK_ID}).scalar()
            )
            if got:
                self._held = True
                log.info("leader: this worker now runs the sweeps and sends the outbox")
            self._last_error = None
            return got
        except Exception as exc:  # noqa: BLE001 - database away: follow, and try again next time
            reason = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
            if reason != self._last_error:  # once per kind of failure, not every few seconds
                log.warning("leader: cannot take the lock (%s)", reason)
            self._last_error = reason
            self._drop(reason=reason)
            return False
        finally:
            self._mutex.release()

    def _confirm(self) -> bool:
        if not self._mutex.acquire(timeout=QUERY_TIMEOUT_SECONDS):
            return False
        try:
            return self._held and self._ping()
        finally:
            self._mutex.release()

    def _ping(self) -> bool:
        try:
            assert self._connection is not None
            self._connection.execute(text("SELECT 1"))
            return True
        except Exception as exc:  # noqa: BLE001 - the session (and with it the lock) may be gone
            self._drop(reason=f"{type(exc).__name__}: {exc}")
            return False

    def _drop(self, *, reason: str | None) -> None:
        if self._held and reason is not None:
            log.warning("leader: lost the lock (%s); another worker takes over", reason)
        self._held = False
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:  # noqa: BLE001 - already broken
                pass
            self._connection = None


def install(application: Any, leadership: Leadership, every_seconds: float) -> None:
    """Gate the sweeps on `leadership` (bot.jobs) and try to take it every `every_seconds`."""
    application.bot_data.leadership = leadership

    async def refresh(_context: Any) -> None:
        await leadership.refresh()

    if application.job_queue is not None:
        application.job_queue.run_repeating(
            refresh,
            interval=every_seconds,
            first=0,
            name="leadership",
            job_kwargs={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )

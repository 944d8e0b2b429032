"""One structured log line per update, and duplicate deliveries dropped.

    update id=812 user=5000001 handler=log.on_text action=- ms=41.7 outcome=ok

python-telegram-bot has no hook after an update, so the update processor (bot.ordering) wraps
each update's coroutine with `observed`: it drops an update id seen moments ago (a redelivery),
starts a timer, and logs once the coroutine is done. What handled it is filled in on the way:
`note_handler` (a TypeHandler in group -2, before the gate) names the group-0 callback that
matches, the gate marks refusals, the error handler marks errors; a button press also names its
action. Logger `tierbot.updates`, key=value so `grep`/`awk` and log shippers read it as it is.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from telegram import Update

log = logging.getLogger("tierbot.updates")
RECENT_UPDATES = 10_000  # a redelivery comes within seconds; ids seen longer ago are forgotten


@dataclass
class Record:
    user: int | None
    handler: str = "-"
    outcome: str = "ok"
    context: Any = None  # the handlers' context, read at the end for the pressed action


_current: ContextVar[Record | None] = ContextVar("tierbot_update", default=None)


class RecentUpdates:
    """The update ids one application saw lately (each update processor keeps its own: two bots
    in one process — tests, the console — must not drop each other's updates)."""

    def __init__(self, size: int = RECENT_UPDATES) -> None:
        self.size = size
        self._ids: OrderedDict[int, None] = OrderedDict()

    def seen_before(self, update_id: int) -> bool:
        """Remember `update_id`; True when it came already (Telegram redelivers after a timeout)."""
        if update_id in self._ids:
            return True
        self._ids[update_id] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return False


async def observed(update: object, coroutine: Awaitable[Any], recent: RecentUpdates) -> None:
    """Run one update's processing, timed and logged (the update processor awaits this)."""
    if not isinstance(update, Update):
        await coroutine
        return
    user = update.effective_user.id if update.effective_user else None
    if recent.seen_before(update.update_id):
        close = getattr(coroutine, "close", None)
        if close is not None:
            close()  # never started: nothing ran, nothing to await
        log.info("update id=%s user=%s handler=- action=- ms=0 outcome=duplicate", update.update_id, user)
        return
    record = Record(user)
    token = _current.set(record)
    started = time.perf_counter()
    try:
        await coroutine
    except BaseException:
        record.outcome = "error"
        raise
    finally:
        _current.reset(token)
        elapsed = (time.perf_counter() - started) * 1000
        pressed = getattr(record.context, "pressed", None)
        action = getattr(pressed, "action", None) or "-"
        log.info(
            "update id=%s user=%s handler=%s action=%s ms=%.1f outcome=%s",
            update.update_id,
            user,
            record.handler,
            action,
            elapsed,
            record.outcome,
        )


def current() -> Record | None:
    return _current.get()


def mark(outcome: str, handler: str | None = None) -> None:
    record = _current.get()
    if record is not None:
        record.outcome = outcome
        if handler is not None:
            record.handler = handler


async def note_handler(update: Update, context: Any) -> None:
    """Group -2: name the group-0 callback that will take this update (the first whose check
    matches, as python-telegram-bot picks it)."""
    record = _current.get()
    if record is None:
        return
    record.context = context
    for handler in context.application.handlers.get(0, []):
        check = handler.check_update(update)
        if check is not None and check is not False:
            callback = handler.callback
            module = callback.__module__.rsplit(".", 1)[-1]
            record.handler = f"{module}.{callback.__name__}"
            return

"""One log line per interval for errors that come in floods.

A flood of slow or broken connections makes asyncio and aiohttp log the same error once per
connection, or (CPython's accept loop on EMFILE, python/cpython#151615, unfixed in 3.11) many
times per millisecond: 49 MB of "Too many open files" tracebacks in 30 s. `OncePerInterval`,
a `logging.Filter` put on those loggers, lets the first record of a kind through, drops the
same kind for `interval` seconds while counting, and adds the count to the next one it lets
through: `… [412 more like this in the last 60 s]`. An `OSError` (EMFILE, a reset, a timeout)
loses its traceback on the way: the error's name says all there is to say, and a traceback per
connection is what filled the disk.

The kind of a record is its logger, its exception's class and errno (when it has one), else its
unformatted message, so "refused a connection from %s" is one kind whatever the address.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

LOG_INTERVAL_SECONDS = 60.0
FLOODED_LOGGERS = ("asyncio", "aiohttp.server", "aiohttp.web", "tierbot.webhook")


class OncePerInterval(logging.Filter):
    def __init__(self, interval: float = LOG_INTERVAL_SECONDS, *, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.interval = interval
        self._clock = clock
        self._kinds: dict[tuple[object, ...], tuple[float, int]] = {}  # kind → (let through at, dropped since)

    def filter(self, record: logging.LogRecord) -> bool:
        kind = _kind(record)
        now = self._clock()
        last = self._kinds.get(kind)
        if last is not None and now - last[0] < self.interval:
            self._kinds[kind] = (last[0], last[1] + 1)
            return False
        self._kinds[kind] = (now, 0)
        _shorten(record)
        if last is not None and last[1]:
            record.msg = f"{record.getMessage()} [{last[1]} more like this in the last {now - last[0]:.0f} s]"
            record.args = None
        return True


def _kind(record: logging.LogRecord) -> tuple[object, ...]:
    exc = record.exc_info[1] if record.exc_info else None
    if exc is not None:
        return record.name, type(exc).__name__, getattr(exc, "errno", None)
    return record.name, str(record.msg)


def _shorten(record: logging.LogRecord) -> None:
    """An OSError's traceback says nothing its name does not: keep one line."""
    exc = record.exc_info[1] if record.exc_info else None
    if isinstance(exc, OSError):
        first_line = record.getMessage().splitlines()[0]
        record.msg = f"{first_line} ({type(exc).__name__}: {exc})"
        record.args = None
        record.exc_info = None
        record.exc_text = None


def install(names: Iterable[str] = FLOODED_LOGGERS, interval: float = LOG_INTERVAL_SECONDS) -> OncePerInterval:
    """Put one shared filter on each logger named (idempotent: a filter already there is replaced)."""
    throttle = OncePerInterval(interval)
    for name in names:
        logger = logging.getLogger(name)
        for old in [f for f in logger.filters if isinstance(f, OncePerInterval)]:
            logger.removeFilter(old)
        logger.addFilter(throttle)
    return throttle

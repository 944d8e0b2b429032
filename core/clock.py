"""The one source of "now" for core and the jobs (DESIGN: one clock).

Production uses `SystemClock`; the console and the tests use `ManualClock`, whose time moves only
when told, so `:advance 1d` and a frozen test time make the sweeps fire exactly as they would.
"""

from __future__ import annotations

import abc
from datetime import UTC, datetime, timedelta


class Clock(abc.ABC):
    @abc.abstractmethod
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""


class SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock(Clock):
    def __init__(self, start: datetime) -> None:
        self._now = as_utc(start)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = as_utc(moment)

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now


def as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: tierbot keeps every instant timezone-aware")
    return moment.astimezone(UTC)

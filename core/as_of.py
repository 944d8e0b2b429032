"""`AsOf`: the moment a request or a sweep reads the book at — the policy in force, the instant
`now` and the organisation's timezone — built once by its caller (bot.context's `as_of()`, a
sweep in bot.jobs, the Mini App, the CLI) and passed down whole instead of three parameters.

It also holds what follows from the three and every caller used to work out again: the
organisation's zone (`zone`) and its local date at `now` (`today`).

Core's groups use it; it uses only the pure engine's `Policy` (so it sits one layer above the
kernel, below every group that reads the database: pyproject's "core's groups point down").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from core.tiering import Policy


@dataclass(frozen=True, slots=True)
class AsOf:
    policy: Policy
    now: datetime  # timezone-aware
    timezone: str  # the organisation's IANA name (settings.timezone, already checked)
    zone: ZoneInfo = field(init=False, repr=False, compare=False)
    today: date = field(init=False, repr=False, compare=False)  # the organisation's local date at `now`

    def __post_init__(self) -> None:
        if self.now.tzinfo is None or self.now.utcoffset() is None:
            raise ValueError("naive datetime: tierbot keeps every instant timezone-aware")
        zone = ZoneInfo(self.timezone)
        object.__setattr__(self, "zone", zone)
        object.__setattr__(self, "today", self.now.astimezone(zone).date())

"""Local dates: cadences and greetings are about the customer's calendar, not UTC's."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = UTC


@lru_cache(maxsize=1024)
def zone(name: str) -> tuple[tzinfo, bool]:
    """The zone for an IANA name and whether it was known; unknown names fall back to UTC
    (and the engine flags `unknown_timezone`) rather than failing a whole recompute."""
    try:
        return ZoneInfo(name), True
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return UTC, False


def as_utc(moment: datetime) -> datetime:
    """Aware datetimes as they are; a naive one is taken to be UTC, as the database stores it."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def local_date(moment: datetime, zone_info: tzinfo) -> date:
    return as_utc(moment).astimezone(zone_info).date()

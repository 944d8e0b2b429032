"""Dates worth a greeting: public holidays of a region (from the `holidays` package, lunar ones
included), birthdays and contract anniversaries."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=256)
def holidays_ahead(region: str | None, today: date, days: int) -> tuple[tuple[date, str], ...]:
    """Public holidays of `region` in [today, today + days]; an unknown region has none."""
    if not region:
        return ()
    try:
        calendar = holidays.country_holidays(region.upper(), years=range(today.year, (today + timedelta(days)).year + 1))
    except (NotImplementedError, KeyError):
        return ()
    end = today + timedelta(days=days)
    found = sorted((day, name) for day, name in calendar.items() if today <= day <= end)
    return tuple(_first_day_of_each(found))


def _first_day_of_each(days: list[tuple[date, str]]) -> list[tuple[date, str]]:
    """A holiday spanning several days (国庆 1–7 Oct) is one occasion, on its first day."""
    kept: list[tuple[date, str]] = []
    for day, name in days:
        if kept and kept[-1][1] == name and (day - kept[-1][0]).days <= 7:
            continue
        kept.append((day, name))
    return kept


def next_anniversary(origin: date, today: date, *, skip_first: bool = False) -> date | None:
    """The next date (today included) with `origin`'s month and day; 29 Feb falls on 28 Feb in
    common years. With `skip_first`, the origin date itself does not count (day 0 of a contract)."""
    for year in (today.year, today.year + 1):
        day = _same_day_in(origin, year)
        if day >= today and not (skip_first and day == origin):
            return day
    return None


def _same_day_in(origin: date, year: int) -> date:
    try:
        return origin.replace(year=year)
    except ValueError:  # 29 February in a common year
        return date(year, 2, 28)

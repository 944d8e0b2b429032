"""Dates worth a greeting: public holidays of a region (from the `holidays` package, lunar ones
included), birthdays and contract anniversaries.

Which holidays are greeted:
- CN: 元旦, 春节, 元宵, 清明, 端午, 中秋, 国庆 (`CN_GREETED`). 元宵 is not a public holiday, so the
  package lacks it: it is the 15th day of the first lunar month, 14 days after 春节's first day.
  Left out on purpose: 农历除夕 (the eve; the 春节 greeting covers the season and a second
  message one day apart would crowd the customer), 劳动节 (a day off rather than a greeting
  occasion in B2B) and the package's substitute days off (休息日（由…调休）). Add a line to
  `CN_GREETED` (and templates) to greet one of them.
- Any other region: every public holiday of the package except substitute days off; New Year's
  Day uses the `new_year` templates, Chinese New Year the `spring_festival` ones, the rest the
  generic `holiday` ones.
A holiday spanning several days (国庆 1–7 Oct) is one occasion, on its first day; observed
(补假) days are not occasions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType

import holidays

# English holiday name in the package → template occasion code.
CN_GREETED = MappingProxyType(
    {
        "New Year's Day": "new_year",
        "Chinese New Year (Spring Festival)": "spring_festival",
        "Tomb-Sweeping Day": "qingming",
        "Dragon Boat Festival": "dragon_boat",
        "Mid-Autumn Festival": "mid_autumn",
        "National Day": "national_day",
    }
)
ANY_REGION_CODES = MappingProxyType({"New Year's Day": "new_year", "Chinese New Year": "spring_festival"})
LANTERN_AFTER_SPRING_FESTIVAL = timedelta(days=14)  # 正月十五 = 正月初一 + 14 days
# The package has no 元宵; its names, like the package's own, are data of the calendar.
LANTERN_NAMES = MappingProxyType({"zh": "元宵节", "en": "Lantern Festival"})
SAME_HOLIDAY_WITHIN = timedelta(days=7)  # the same name again within a week continues the holiday


@dataclass(frozen=True, slots=True)
class Holiday:
    """One greeting occasion of a region: `code` chooses the templates, `key` is stable
    (the code, or a slug of the English name for generic holidays)."""

    code: str
    key: str
    day: date
    names: Mapping[str, str]  # {"zh": ..., "en": ...}


def greeting_holidays(region: str | None, year: int) -> tuple[Holiday, ...]:
    """The holidays of `region` greeted in `year` (first days in that year), sorted by date.
    An unknown or empty region has none."""
    return _greeting_holidays((region or "").strip().upper(), year)


@lru_cache(maxsize=1024)
def _greeting_holidays(region: str, year: int) -> tuple[Holiday, ...]:
    calendars = _calendars(region, year)
    if calendars is None:
        return ()
    english, chinese = calendars
    skip_prefix = _substitute_prefix(english)
    found: list[Holiday] = []
    seen: dict[str, date] = {}  # English name → last day it was seen
    for day in sorted(english):
        zh_names = chinese.get_list(day)
        en_names = english.get_list(day)
        if len(zh_names) != len(en_names):
            zh_names = en_names
        for en_name, zh_name in zip(en_names, zh_names, strict=True):
            if skip_prefix and en_name.startswith(skip_prefix):
                continue
            continues = en_name in seen and day - seen[en_name] <= SAME_HOLIDAY_WITHIN
            seen[en_name] = day
            if continues or day.year != year:
                continue
            code = _code(region, en_name)
            if code is None:
                continue
            names = MappingProxyType({"zh": zh_name, "en": en_name})
            found.append(Holiday(code, code if code != "holiday" else _slug(en_name), day, names))
            if region == "CN" and code == "spring_festival":
                found.append(Holiday("lantern", "lantern", day + LANTERN_AFTER_SPRING_FESTIVAL, LANTERN_NAMES))
    return tuple(sorted(found, key=lambda h: (h.day, h.key)))


def _calendars(region: str, year: int) -> tuple[holidays.HolidayBase, holidays.HolidayBase] | None:
    """The region's public holidays of `year` and the year before (to tell a holiday's first day
    across New Year), in English and in Chinese (English where the package has no Chinese)."""
    if not region:
        return None
    years = [year - 1, year]
    try:
        english = holidays.country_holidays(region, years=years, language="en_US", observed=False)
        languages = getattr(english, "supported_languages", ()) or ()
        chinese = (
            holidays.country_holidays(region, years=years, language="zh_CN", observed=False)
            if "zh_CN" in languages
            else english
        )
    except (NotImplementedError, KeyError, ValueError):
        return None
    return english, chinese


def _substitute_prefix(calendar: holidays.HolidayBase) -> str:
    """The start of the names of substitute days off ("Day off (substituted from %s)")."""
    label = getattr(calendar, "substituted_label", None)
    if not label:
        return ""
    return str(calendar.tr(label)).split("%s")[0]


def _code(region: str, en_name: str) -> str | None:
    if region == "CN":
        return CN_GREETED.get(en_name)
    return ANY_REGION_CODES.get(en_name, "holiday")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:60] or "holiday"


def holidays_on(region: str | None, days: frozenset[date] | set[date]) -> dict[date, tuple[Holiday, ...]]:
    """The greeted holidays of `region` falling on any of `days`, by day."""
    found: dict[date, list[Holiday]] = {}
    for year in sorted({day.year for day in days}):
        for holiday in greeting_holidays(region, year):
            if holiday.day in days:
                found.setdefault(holiday.day, []).append(holiday)
    return {day: tuple(items) for day, items in found.items()}


@lru_cache(maxsize=1024)  # asked once per customer of a book, for a handful of (region, day)
def holidays_ahead(region: str | None, today: date, days: int) -> tuple[tuple[date, str], ...]:
    """Greeted holidays of `region` in [today, today + days] with their names (Chinese for CN,
    else English); an unknown region has none. A holiday that began before `today` is not
    announced again on its later days."""
    return tuple((day, names[_language(region)]) for day, names in holidays_ahead_named(region, today, days))


@lru_cache(maxsize=1024)
def holidays_ahead_named(region: str | None, today: date, days: int) -> tuple[tuple[date, Mapping[str, str]], ...]:
    """As `holidays_ahead`, with each holiday's names in both languages."""
    end = today + timedelta(days=days)
    return tuple(
        (h.day, h.names)
        for year in range(today.year, end.year + 1)
        for h in greeting_holidays(region, year)
        if today <= h.day <= end
    )


def _language(region: str | None) -> str:
    return "zh" if (region or "").strip().upper() == "CN" else "en"


def key_of(english_name: str) -> str:
    """The stable key of a holiday by its English name: its template code, else a slug."""
    return ANY_REGION_CODES.get(english_name) or _slug(english_name)


def next_anniversary(origin: date, today: date, *, skip_first: bool = False) -> date | None:
    """The next date (today included) with `origin`'s month and day; 29 Feb falls on 28 Feb in
    common years. With `skip_first`, the origin date itself does not count (day 0 of a contract)."""
    for year in (today.year, today.year + 1):
        day = same_day_in(origin, year)
        if day >= today and not (skip_first and day == origin):
            return day
    return None


def falls_on(origin: date, day: date) -> bool:
    """Whether `day` is `origin`'s yearly return (29 Feb → 28 Feb in common years)."""
    return same_day_in(origin, day.year) == day


def same_day_in(origin: date, year: int) -> date:
    try:
        return origin.replace(year=year)
    except ValueError:  # 29 February in a common year
        return date(year, 2, 28)

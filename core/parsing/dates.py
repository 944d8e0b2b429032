"""Dates and times in a message, and which of them is when it happened versus the follow-up.

All the calendar rules live here, in one place:

* Weeks start on Monday. 上周X / last X = weekday X of the previous calendar week; 本周X / 这周X /
  this X = weekday X of this week; 下周X / next X = weekday X of the next calendar week
  (下周三 said on Tuesday 2026-11-24 is 2026-12-02); 下下周X one week later again.
* A bare weekday (周五, 星期五, Friday, by Friday) is the coming one when it is the follow-up — this
  week if still ahead, else next week (on a Friday, 周五 is next week's) — and the latest past
  one (today included) when it is when the interaction happened.
* 月底 / end of month = last day of this month; 下个月 / 下月 / next month = the 1st of next month;
  月初 = the 1st of next month; 年底 = 31 Dec; 下周 / next week (no weekday) = next Monday;
  上周 / last week = the same weekday a week ago; 周末 / weekend = Saturday.
* Month and day without a year: for the follow-up the next such day (today included), for the
  interaction the one nearest to today (so 12月28日 written on 3 January is last year's).
* Numeric forms: 2026-11-20, 2026/11/20, 2026年11月20日, 11月20日/号, 11.20 and 11/20 in a Chinese
  message (month.day),
  11/20 (month/day; day/month when the first number is over 12), Nov 20, 20 Nov, November 20th.
* Times: 10:00, 10点, 10点半, 上午10点, 下午3点, 3pm, 3:30 pm, at 3. A bare hour from 1 to 6 is
  taken as afternoon (nobody books a 3 a.m. call). Part of day alone: morning 09:00, noon
  12:00, afternoon 14:00, evening 19:00.
* Roles: a date that can only be past (昨天, last Friday, 3 days ago) is when it happened; one
  that can only be future (明天, 下周三, in 3 days, 3天后, 月底) is the follow-up; one that can be
  either (today, a bare weekday, an explicit date) is the follow-up when its clause carries a
  follow-up cue (回访, 跟进, 提醒, follow up, remind, by, will …) and when it happened otherwise.

dateparser reads neither 下周五 nor 11月30日 and costs ~0.5 ms a call, so everything above is read
by hand; dateparser only gets the English phrases left over that look like dates (ordinals such
as "the 3rd", "a fortnight", "… ago" / "… from now" with words we do not count ourselves), with
PREFER_DATES_FROM past for when it happened and future for follow-ups, RELATIVE_BASE = local now.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from .text import EN_NUMBER_WORDS, to_int

PAST, FUTURE, EITHER = "past", "future", "either"


@dataclass(frozen=True, slots=True)
class DateMention:
    start: int
    end: int
    direction: str  # past | future | either
    past_day: date | None  # the reading when it is when the interaction happened
    future_day: date | None  # the reading when it is the follow-up
    invalid: bool = False  # written but impossible (2月30日)


@dataclass(frozen=True, slots=True)
class TimeMention:
    start: int
    end: int
    at: time
    exact: bool  # False for a part of day (上午, evening)


ZH_NUM = r"(?:\d{1,2}|[一二两三四五六七八九十]{1,3})"
ZH_COUNT = r"(?:\d{1,3}|[一二两三四五六七八九十百半]{1,4})"
_ZH_WEEKDAY = {
    "一": 0,
    "二": 1,
    "三": 2,
    "四": 3,
    "五": 4,
    "六": 5,
    "日": 6,
    "天": 6,
    "末": 5,
    "1": 0,
    "2": 1,
    "3": 2,
    "4": 3,
    "5": 4,
    "6": 5,
    "7": 6,
}
_EN_WEEKDAY = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tue": 1,
    "tues": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
    "weekend": 5,
}
_MONTHS = {
    "jan": 1,
    "january": 1,
    "feb": 2,
    "february": 2,
    "mar": 3,
    "march": 3,
    "apr": 4,
    "april": 4,
    "may": 5,
    "jun": 6,
    "june": 6,
    "jul": 7,
    "july": 7,
    "aug": 8,
    "august": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "oct": 10,
    "october": 10,
    "nov": 11,
    "november": 11,
    "dec": 12,
    "december": 12,
}
MONTH = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"


def month_number(name: str) -> int | None:
    """'Mar', 'march', 'Sept' → 3, 3, 9."""
    return _MONTHS.get(name.lower().rstrip("."))


FULL_WEEKDAY = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
SHORT_WEEKDAY = "tues|thurs|thur|mon|tue|wed|thu|fri|sat|sun|weekend"
EN_COUNT = rf"(?:\d{{1,3}}|{EN_NUMBER_WORDS})"
_NOT_AMOUNT = r"(?!\s*(?:[kmw万亿千百元块分星%]|stars?\b|points?\b|out of|/|\.\d|,\d))"

# Each (pattern, reader) is tried in this order; a later match overlapping an earlier one is
# dropped, so the specific forms (下周三) win over the general ones (周三).
_ZH_RELATIVE_DAYS = {
    "大前天": -3,
    "前天": -2,
    "前日": -2,
    "昨天": -1,
    "昨日": -1,
    "昨晚": -1,
    "昨儿": -1,
    "昨早": -1,
    "今天": 0,
    "今日": 0,
    "今早": 0,
    "今晨": 0,
    "今晚": 0,
    "今儿": 0,
    "刚才": 0,
    "刚刚": 0,
    "明天": 1,
    "明日": 1,
    "明早": 1,
    "明晚": 1,
    "明儿": 1,
    "后天": 2,
    "大后天": 3,
}
_EN_RELATIVE_DAYS = {
    "the day before yesterday": -2,
    "day before yesterday": -2,
    "yesterday": -1,
    "last night": -1,
    "last evening": -1,
    "today": 0,
    "tonight": 0,
    "this morning": 0,
    "this afternoon": 0,
    "this evening": 0,
    "earlier today": 0,
    "just now": 0,
    "the day after tomorrow": 2,
    "day after tomorrow": 2,
    "tomorrow": 1,
    "tmrw": 1,
    "tmr": 1,
    "ytd": -1,
    "yday": -1,
    "yest": -1,
    "yda": -1,
}


def _direction(offset: int) -> str:
    return PAST if offset < 0 else FUTURE if offset > 0 else EITHER


def _at(today: date, offset_days: int) -> tuple[str, date, date]:
    day = today + timedelta(days=offset_days)
    return _direction(offset_days), day, day


def _weekday(today: date, weekday: int, week_shift: int | None) -> tuple[str, date | None, date | None]:
    """week_shift None: bare weekday (two readings); else weekday of the week `shift` away."""
    monday = today - timedelta(days=today.weekday())
    if week_shift is None:
        back = (today.weekday() - weekday) % 7
        ahead = (weekday - today.weekday()) % 7 or 7
        return EITHER, today - timedelta(days=back), today + timedelta(days=ahead)
    day = monday + timedelta(weeks=week_shift, days=weekday)
    return _direction((day - today).days), day, day


def _month_day(today: date, month: int, day: int, year: int | None) -> tuple[str, date, date] | None:
    """None when the date does not exist (2月30日)."""
    if year is not None:
        try:
            fixed = date(year, month, day)
        except ValueError:
            return None
        return _direction((fixed - today).days), fixed, fixed
    readings = []
    for candidate_year in (today.year - 1, today.year, today.year + 1):
        try:
            readings.append(date(candidate_year, month, day))
        except ValueError:
            continue
    if not readings:
        return None
    nearest = min(readings, key=lambda d: abs((d - today).days))
    upcoming = min((d for d in readings if d >= today), default=nearest)
    return EITHER, nearest, upcoming


def _nth_of_month(today: date, day: int) -> tuple[str, date | None, date | None] | str | None:
    """20号 / the 20th: this month's when it is past, else last month's; as a follow-up, this
    month's when still ahead, else next month's."""
    if not 1 <= day <= 31:
        return "skip"
    readings = []
    for shift in (-1, 0, 1):
        first = _add_months(today.replace(day=1), shift)
        if day <= calendar.monthrange(first.year, first.month)[1]:
            readings.append(first.replace(day=day))
    if not readings:
        return None
    past = max((d for d in readings if d <= today), default=None)
    future = min((d for d in readings if d >= today), default=None)
    return EITHER if past and future else PAST if past else FUTURE, past, future


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _span(today: date, count: int, unit: str, sign: int) -> tuple[str, date, date]:
    if unit in ("月", "month", "months"):
        day = _add_months(today, sign * count)
    elif unit in ("年", "year", "years"):
        day = _add_months(today, sign * 12 * count)
    elif unit in ("周", "星期", "礼拜", "week", "weeks", "wk", "wks"):
        day = today + timedelta(weeks=sign * count)
    else:
        day = today + timedelta(days=sign * count)
    return _direction(sign * count), day, day


def _end_of_month(today: date, months_ahead: int) -> tuple[str, date, date]:
    first = _add_months(today.replace(day=1), months_ahead)
    day = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return FUTURE if day >= today else PAST, day, day


def _first_of_month(today: date, months_ahead: int) -> tuple[str, date, date]:
    day = _add_months(today.replace(day=1), months_ahead)
    return _direction((day - today).days), day, day


_WEEK_SHIFT_ZH = {"上上": -2, "上": -1, "本": 0, "这": 0, "下下": 2, "下": 1}
_WEEK_SHIFT_EN = {
    "last": -1,
    "past": -1,
    "previous": -1,
    "this": 0,
    "next": 1,
    "coming": None,
    "on": None,
    "by": None,
    "until": None,
    "till": None,
    "before": None,
    "this coming": None,
}


def _zh_count(word: str) -> float | None:
    if word == "半":
        return 0.5
    return to_int(word)


def _zh_rules(today: date):
    """(regex, reader(match) → (direction, past_day, future_day) | None for invalid)."""

    def relative(m):
        return _at(today, _ZH_RELATIVE_DAYS[m.group(1)])

    def later_today(m):
        return FUTURE, None, today

    def week_day(m):
        prefix = (m.group(1) or "").replace("个", "")
        return _weekday(today, _ZH_WEEKDAY[m.group(3)], _WEEK_SHIFT_ZH.get(prefix) if prefix else None)

    def week_only(m):
        shift = _WEEK_SHIFT_ZH[m.group(1)]
        if shift > 0:
            return _weekday(today, 0, shift)
        return _at(today, 7 * shift) if shift < 0 else _at(today, 0)

    def full_date(m):
        return _month_day(today, int(m.group(2)), int(m.group(3)), int(m.group(1)))

    def month_day(m):
        month, day = to_int(m.group(1)), to_int(m.group(2))
        if month is None or day is None or not 1 <= month <= 12:
            return None
        return _month_day(today, month, day, None)

    def prefixed_day(m):
        shift = {"上": -1, "本": 0, "这": 0, "下": 1}[m.group(1)[0]]
        day = to_int(m.group(2))
        first = _add_months(today.replace(day=1), shift)
        return _month_day(today, first.month, day or 0, first.year)

    def dotted(m):
        month, day = int(m.group(1)), int(m.group(2))
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return "skip"
        return _month_day(today, month, day, None)

    def day_only(m):
        day = to_int(m.group(1))
        if day is None or not 1 <= day <= 31:
            return "skip"
        return _nth_of_month(today, day)

    def count_span(m):
        count = _zh_count(m.group(1))
        if count is None:
            return "skip"
        unit, way = m.group(2).lstrip("个"), m.group(3)
        sign = -1 if way in ("前", "以前", "之前") else 1
        if count == 0.5:
            return (
                _span(today, 15, "天", sign) if unit == "月" else _span(today, 3 if unit != "年" else 182, "天", sign)
            )
        return _span(today, int(count), unit, sign)

    def month_edge(m):
        prefix, edge = m.group(1) or "", m.group(2)
        ahead = 1 if prefix.startswith("下") else -1 if prefix.startswith("上") else 0
        if edge in ("底", "末"):
            return _end_of_month(today, ahead)
        return _first_of_month(today, ahead if prefix else 1)

    def next_month(m):
        return _first_of_month(today, 1)

    def year_end(m):
        day = date(today.year, 12, 31)
        return FUTURE, day, day

    return [
        (re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?"), full_date),
        (
            re.compile(
                r"(大前天|前天|前日|昨天|昨日|昨晚|昨儿|昨早|今天|今日|今早|今晨|今晚|今儿|刚才|刚刚"
                r"|明天|明日|明早|明晚|明儿|大后天|后天)"
            ),
            relative,
        ),
        (
            re.compile(
                r"(晚点|晚些|稍后|待会儿?|等会儿?|等下|等一下|回头|过\s*(?:半|一|两|几|\d+)\s*个?小时|(?<![昨前明后])晚上(?=\s*再))(?=\s*(?:再|打|联系|回|发|问|去|跟))"
            ),
            later_today,
        ),
        (re.compile(r"((?:上上|上|本|这|下下|下)个?)?(周|星期|礼拜)([一二三四五六日天1-7末])"), week_day),
        (re.compile(rf"({ZH_COUNT})\s*(天|日|周|个?星期|个?礼拜|个?月|年)\s*(以后|之后|后|以前|之前|前)"), count_span),
        (re.compile(rf"过\s*({ZH_COUNT})\s*(天|周|个?星期|个?礼拜|个?月)()"), count_span),  # 过两周回访
        (re.compile(r"(上个?|本|这个?|下个?)?月(底|末|初)"), month_edge),
        (re.compile(rf"({ZH_NUM})\s*月\s*({ZH_NUM})\s*[日号]"), month_day),
        (re.compile(rf"(上个?月|这个?月|本月|下个?月)\s*({ZH_NUM})\s*[日号]"), prefixed_day),
        (re.compile(r"(下个月|下月)"), next_month),
        (re.compile(r"(年底|年末)"), year_end),
        (re.compile(r"(上上|上|本|这|下下|下)(?:个)?(?:周|星期|礼拜)(?![一二三四五六日天1-7末])"), week_only),
        (re.compile(rf"(?<![\d.$¥€£/])(\d{{1,2}})[./](\d{{1,2}})(?![\d/]){_NOT_AMOUNT}"), dotted),
        (re.compile(rf"(?<![\d月.])({ZH_NUM})\s*[号](?![楼线])"), day_only),
    ]


def _en_rules(today: date):
    def relative(m):
        return _at(today, _EN_RELATIVE_DAYS[m.group(1)])

    def later_today(m):
        return FUTURE, None, today

    def weekday(m):
        qualifier = (m.group(1) or "").strip()
        shift = _WEEK_SHIFT_EN.get(qualifier) if qualifier else None
        day = _EN_WEEKDAY[m.group(2)]
        if qualifier == "this" and m.group(2) == "weekend":
            return _weekday(today, 5, 0)
        return _weekday(today, day, shift)

    def weekday_of_week(m):  # "wed next week"
        if m.group(1) == "weekend":
            return None
        return _weekday(today, _EN_WEEKDAY[m.group(1)], _WEEK_SHIFT_EN.get(m.group(2)))

    def iso(m):
        return _month_day(today, int(m.group(2)), int(m.group(3)), int(m.group(1)))

    def day_month(m):
        year = int(m.group(3)) if m.group(3) else None
        return _month_day(today, _MONTHS[m.group(2).rstrip(".")], int(m.group(1)), year)

    def month_day(m):
        year = int(m.group(3)) if m.group(3) else None
        return _month_day(today, _MONTHS[m.group(1).rstrip(".")], int(m.group(2)), year)

    def slashed(m):
        first, second = int(m.group(1)), int(m.group(2))
        month, day = (second, first) if first > 12 else (first, second)
        year = m.group(3)
        if year is not None:
            year = int(year) + (2000 if len(year) == 2 else 0)
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return "skip"
        return _month_day(today, month, day, year)

    def in_count(m):
        count = to_int(m.group(1))
        return _span(today, count, m.group(2), 1) if count else "skip"

    def count_ago(m):
        count = to_int(m.group(1))
        if not count:
            return "skip"
        return _span(today, count, m.group(2), -1 if m.group(3) == "ago" else 1)

    def week_only(m):
        if m.group(1) in ("last", "past", "previous"):
            return _at(today, -7)
        if m.group(1) == "this":
            return _at(today, 0)
        return _weekday(today, 0, 1)

    def month_only(m):
        return _first_of_month(today, 1) if m.group(1) == "next" else "skip"

    def end_of(m):
        unit = m.group(1) or {"eom": "month", "eoy": "year", "eow": "week"}[m.group(2)]
        if unit == "month":
            return _end_of_month(today, 0)
        if unit == "year":
            day = date(today.year, 12, 31)
            return FUTURE, day, day
        return _weekday(today, 4, 0) if today.weekday() <= 4 else _weekday(today, 4, 1)

    def day_of_month(m):
        return _nth_of_month(today, int(m.group(1)))

    rules = [
        (re.compile(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b"), iso),
        (
            re.compile(
                r"\b(the day before yesterday|day before yesterday|the day after tomorrow|"
                r"day after tomorrow|yesterday|last night|last evening|today|tonight|this morning|this afternoon|"
                r"this evening|earlier today|just now|tomorrow|tmrw|tmr|ytd|yday|yest|yda)\b"
            ),
            relative,
        ),
        (re.compile(r"\b(later today|later this (?:afternoon|evening)|this arvo)\b"), later_today),
        (re.compile(r"(?:(?<=\bback )|(?<=\bagain ))(later)\b"), later_today),  # "call back later", "try again later"
        (
            re.compile(
                rf"\b(?:on\s+)?(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+({MONTH})(?![a-z])"
                r"(?:,?\s*(\d{4}))?"
            ),
            day_month,
        ),
        (
            re.compile(rf"\b({MONTH})(?<![a-z]{{4}}may)\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!:)(?:,?\s*(\d{{4}}))?"),
            month_day,
        ),
        (re.compile(r"\b(?:end of (?:the )?(month|year|week)|(eom|eoy|eow))\b"), end_of),
        (  # not "the 3rd unanswered email", "the 2nd call": a count
            re.compile(
                r"\b(?:on\s+|by\s+)?the\s+(\d{1,2})(?:st|nd|rd|th)\b(?!\s+of)"
                r"(?!\s+(?:\w+\s+)?(?:emails?|calls?|time|times|attempts?|tries|try|messages?|texts?|"
                r"reminders?|follow-?ups?|voicemails?|visits?|meetings?|round|order|quote|invoice)\b)"
            ),
            day_of_month,
        ),
        (re.compile(rf"\b({FULL_WEEKDAY}|{SHORT_WEEKDAY})\s+(next|this|last) week\b"), weekday_of_week),
        (
            re.compile(
                rf"\b(this coming|last|past|previous|this|next|coming|on|by|until|till|before)\s+"
                rf"({FULL_WEEKDAY}|{SHORT_WEEKDAY})\b"
            ),
            weekday,
        ),
        (
            re.compile(rf"\b()({FULL_WEEKDAY}|thurs|thur|thu|tues|tue|weds|wed|fri)\b(?!\s+(?:next|this|last) week)"),
            weekday,
        ),
        (re.compile(rf"\b(?:in|within|after)\s+({EN_COUNT})\s*(days?|weeks?|wks?|months?|years?)\b"), in_count),
        (re.compile(rf"\b({EN_COUNT})\s+(days?|weeks?|months?|years?)\s+(ago|from now|later|after)\b"), count_ago),
        (re.compile(r"\b(last|past|previous|this|next)\s+week\b"), week_only),
        (re.compile(r"\b(last|this|next)\s+month\b"), month_only),
        (re.compile(rf"(?<![\d.$¥€£/])\b(\d{{1,2}})/(\d{{1,2}})(?:/(\d{{4}}|\d{{2}}))?\b(?!/){_NOT_AMOUNT}"), slashed),
    ]
    # ASCII word boundaries: an English date glued to Chinese (next tue再跟进) still counts.
    return [
        (re.compile(pattern.pattern, (pattern.flags & ~re.UNICODE) | re.ASCII), reader) for pattern, reader in rules
    ]


# English phrases that look like dates but are not read above; these go to dateparser.
_EN_LEFTOVER = re.compile(
    r"\b(?:(?:in|within)\s+)?(?:a|an|one|half an?|a couple of|\w+)\s+(?:fortnight|hours?)"
    r"(?:\s+(?:ago|from now|later))?\b"
    r"|\b\w+\s+(?:days?|weeks?|months?)\s+(?:ago|from now|later)\b"
)


@lru_cache(maxsize=1)
def _dateparser():
    import dateparser  # imported on first need: ~80 ms, and most messages never reach it

    return dateparser


def _via_dateparser(phrase: str, local_now: datetime) -> tuple[str, date | None, date | None] | None:
    base = local_now.replace(tzinfo=None)
    readings = {}
    for prefer in ("past", "future"):
        parsed = _dateparser().parse(
            phrase,
            languages=["en"],
            settings={"PREFER_DATES_FROM": prefer, "RELATIVE_BASE": base, "RETURN_AS_TIMEZONE_AWARE": False},
        )
        readings[prefer] = parsed.date() if parsed else None
    past, future = readings["past"], readings["future"]
    if past is None and future is None:
        return None
    past = past if past is None or past <= base.date() else None
    future = future if future is None or future >= base.date() else None
    direction = EITHER if past and future else PAST if past else FUTURE
    return direction, past, future


def find_dates(low: str, local_now: datetime, lang_en: bool, lang_zh: bool) -> list[DateMention]:
    """Date mentions in lower-cased, normalised text, in reading order, never overlapping."""
    today = local_now.date()
    rules = (_zh_rules(today) if lang_zh else []) + (_en_rules(today) if lang_en else [])
    found: list[DateMention] = []
    for pattern, reader in rules:
        for m in pattern.finditer(low):
            if any(m.start() < d.end and d.start < m.end() for d in found):
                continue
            result = reader(m)
            if result == "skip":
                continue
            if result is None:
                found.append(DateMention(m.start(), m.end(), EITHER, None, None, invalid=True))
            else:
                found.append(DateMention(m.start(), m.end(), *result))
    if lang_en:
        for m in _EN_LEFTOVER.finditer(low):
            if any(m.start() < d.end and d.start < m.end() for d in found):
                continue
            result = _via_dateparser(m.group(), local_now)
            if result is not None:
                found.append(DateMention(m.start(), m.end(), *result))
    return sorted(found, key=lambda d: d.start)


_PART_OF_DAY = [
    (re.compile(r"(上午|早上|早晨|清早|今早|明早|昨早|今晨|\bmorning\b)", re.ASCII), time(9)),
    (re.compile(r"(中午|\bnoon\b|\bmidday\b|\blunchtime\b)", re.ASCII), time(12)),
    (re.compile(r"(下午|\bafternoon\b|\barvo\b)", re.ASCII), time(14)),
    (re.compile(r"(傍晚|晚上|今晚|明晚|昨晚|夜里|\bevening\b|\btonight\b|\blast night\b)", re.ASCII), time(19)),
]
# Meals say when it happened when nothing else does (lunch w/ Pepper → 12:00). ASCII word
# boundaries: an English word glued to Chinese (lunch聊了一下) still counts.
_MEALS = [
    (re.compile(r"早餐|早饭|早茶|\bbreakfast\b", re.ASCII), time(8)),
    (re.compile(r"午餐|午饭|\blunch\b", re.ASCII), time(12)),
    (re.compile(r"晚餐|晚饭|宵夜|\bdinner\b|\bdrinks\b", re.ASCII), time(19)),
]


def part_of_day(text: str, meals: bool = False) -> time | None:
    """The hour a part of day (or, with `meals`, a meal) written in `text` stands for."""
    for pattern, at in _PART_OF_DAY + (_MEALS if meals else []):
        if pattern.search(text):
            return at
    return None


_ZH_TIME = re.compile(
    rf"(上午|早上|早晨|中午|下午|傍晚|晚上|今晚|明晚|明早|今早|夜里)?\s*({ZH_NUM})\s*(?:点|點|时)"
    rf"(?:\s*(半|一刻|三刻|(\d{{1,2}}|[一二三四五六七八九十]{{1,3}})\s*分))?"
    r"(?![零一二两三四五六七八九十\d万亿千百元块])"
)  # 一点五万 is money, not 1:05
_CLOCK = re.compile(r"(?<![\d.:/])(\d{1,2}):(\d{2})(?![\d/])(?:\s*(am|pm|a\.m\.|p\.m\.))?")
_EN_TIME = re.compile(
    r"\b(?:at\s+)?(\d{1,2})(?:\.(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)(?![a-z])|\bat\s+(\d{1,2})\b(?![:\d./%]|\s*(?:units?|pcs|people|stores?|sites?))"
)


def _hour(hour: int, part: str | None) -> int:
    if part in ("下午", "傍晚", "晚上", "今晚", "明晚", "夜里", "pm", "p.m.") and hour < 12:
        return hour + 12
    if part in ("中午",) and hour < 6:
        return hour + 12
    if part in ("am", "a.m.") and hour == 12:
        return 0
    if part is None and 1 <= hour <= 6:
        return hour + 12
    return hour


def find_times(low: str) -> list[TimeMention]:
    found: list[TimeMention] = []

    def add(start: int, end: int, hour: int, minute: int, exact: bool) -> None:
        if 0 <= hour <= 23 and 0 <= minute <= 59 and not any(start < t.end and t.start < end for t in found):
            found.append(TimeMention(start, end, time(hour, minute), exact))

    for m in _ZH_TIME.finditer(low):
        hour = to_int(m.group(2))
        if hour is None:
            continue
        minute_word = m.group(3)
        minute = (
            30
            if minute_word == "半"
            else 15
            if minute_word == "一刻"
            else 45
            if minute_word == "三刻"
            else (to_int(m.group(4)) or 0)
            if minute_word
            else 0
        )
        add(m.start(), m.end(), _hour(hour, m.group(1)), minute, True)
    for m in _CLOCK.finditer(low):
        add(
            m.start(),
            m.end(),
            _hour(int(m.group(1)), m.group(3) or ("" if int(m.group(1)) > 6 else None)),
            int(m.group(2)),
            True,
        )
    for m in _EN_TIME.finditer(low):
        if m.group(1):
            add(m.start(), m.end(), _hour(int(m.group(1)), m.group(3)), int(m.group(2) or 0), True)
        else:
            add(m.start(), m.end(), _hour(int(m.group(4)), None), 0, True)
    for pattern, at in _PART_OF_DAY:
        for m in pattern.finditer(low):
            add(m.start(), m.end(), at.hour, 0, False)
    return sorted(found, key=lambda t: t.start)

"""Cell values of an imported row: dates in the formats CRMs and spreadsheets write, amounts,
ratings and words for stages and kinds. Each parser raises `BadValue(code, **params)`.

E-mail addresses are checked by email-validator (syntax only: no DNS look-up), phone numbers by
hand (digits, +, spaces, dashes, brackets; a Chinese mobile number has 11 digits). A refusal
names its own code and never carries a library's message, so it is said in the uploader's
language.

Dates: ISO, 2024/3/8, 2024.03.08, 2024年3月8日, 20240308, 8 Mar 2024, Mar 8, 2024, Excel serial
numbers, and day/month/year or month/day/year. For the last two the column decides: a value whose
first number is over 12 makes the whole column day-first, one whose second is over 12
month-first; a value like 03/04/2025 in a column that shows neither is refused as ambiguous
(written by hand: dateparser would guess silently, and is too slow for 50k rows).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

from core.money import NotMoney, parse_money

EXCEL_EPOCH = date(1899, 12, 30)


class BadValue(ValueError):
    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL = re.compile(r"^\d{5}(\.\d+)?$")
_TIME_TAIL = re.compile(r"^(.*?)(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([ap]\.?m\.?)?)$", re.I)
_NAMED_FORMATS = ("%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y", "%d-%b-%Y", "%d-%b-%y", "%Y-%b-%d")


def day_first_of(values: Iterable[str]) -> bool | None:
    """True if the column writes day/month/year, False for month/day/year, None if it does not show."""
    day_first = month_first = False
    for value in values:
        match = _DMY.match(value.strip().split(" ")[0])
        if match:
            first, second = int(match[1]), int(match[2])
            day_first |= first > 12
            month_first |= second > 12
    if day_first != month_first:
        return day_first
    return None


def parse_date(text: str, day_first: bool | None = None) -> date | None:
    text = text.strip()
    if not text:
        return None
    head = _TIME_TAIL.match(text)
    core = head[1].strip() if head and head[2] else text
    try:
        return _date(core, day_first)
    except ValueError as exc:
        if isinstance(exc, BadValue):
            raise
        raise BadValue("date", value=text) from None


def _date(text: str, day_first: bool | None) -> date:
    if match := _YMD.match(text) or _COMPACT.match(text):
        return date(int(match[1]), int(match[2]), int(match[3]))
    if match := _DMY.match(text):
        first, second, year = int(match[1]), int(match[2]), int(match[3])
        year += 2000 if year < 100 else 0
        if first > 12 or (day_first and second <= 12):
            return date(year, second, first)
        if second > 12 or day_first is False or first == second:
            return date(year, first, second)
        raise BadValue("date_ambiguous", value=text)
    if _SERIAL.match(text) and 20_000 <= float(text) <= 80_000:
        return EXCEL_EPOCH + timedelta(days=int(float(text)))
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        pass
    cleaned = re.sub(r"[,\s]+", " ", text.replace(".", " ")).strip()
    for pattern in _NAMED_FORMATS:
        try:
            return datetime.strptime(cleaned, pattern).date()  # noqa: DTZ007 - only the day is kept
        except ValueError:
            continue
    raise BadValue("date", value=text)


def parse_instant(text: str, zone: ZoneInfo, day_first: bool | None = None) -> datetime:
    """A date with or without a time (HH:MM[:SS], am/pm); without an offset it is local time
    in `zone`; a date alone is noon. Returned in UTC."""
    text = text.strip()
    if not text:
        raise BadValue("required")
    try:
        moment = datetime.fromisoformat(text)
        if len(text) <= 10:
            moment = datetime.combine(moment.date(), time(12, 0))
    except ValueError:
        match = _TIME_TAIL.match(text)
        day = parse_date(match[1] if match and match[2] else text, day_first)
        assert day is not None
        clock = time(12, 0)
        if match and match[2]:
            hour, minute, second = int(match[2]), int(match[3]), int(match[4] or 0)
            if match[5]:
                hour = hour % 12 + (12 if match[5].lower().startswith("p") else 0)
            try:
                clock = time(hour, minute, second)
            except ValueError:
                raise BadValue("date", value=text) from None
        moment = datetime.combine(day, clock)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def parse_rating(text: str) -> int | None:
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BadValue("rating", value=text) from None
    if not value.is_finite() or value != value.to_integral_value() or not 1 <= value <= 5:
        raise BadValue("rating", value=text)
    return int(value)


def parse_amount(text: str) -> Decimal | None:
    """An amount as reps and CRMs write it (120,000.00 · ¥12万 · 35w · 50k · 1.2M · 800万元); its
    currency comes from the file's currency column, not from here. The chat's own reader
    (core.money) does the work, so a file takes what a message takes."""
    if not text:
        return None
    try:
        amount, _ = parse_money(text, "CNY")
    except NotMoney:
        raise BadValue("amount", value=text) from None
    if abs(amount) >= Decimal("1e13"):
        raise BadValue("amount", value=text)
    return amount


def parse_choice(text: str, allowed: Iterable[str], words: dict[str, str], code: str = "choice") -> str:
    """A code (`active`) or one of its words (服务中, Customer); compared case-insensitively.
    `code` names the refusal, whose text lists the words the reader knows (choice_stage …)."""
    key = text.strip().lower()
    codes = tuple(allowed)
    if key.replace(" ", "_") in codes:
        return key.replace(" ", "_")
    if key in words:
        return words[key]
    raise BadValue(code, value=text[:60])


# The plain ASCII form nearly every address has: dot-atoms of letters, digits and the few signs
# RFC 5322 allows, a domain of letter-or-digit labels and a letter TLD. What matches it (within
# the lengths, and outside the special-use domains) email-validator accepts too — tested — so
# only the rest pays for the library's full check (about 50 µs an address: 2.5 s of a 50k file).
_PLAIN_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)


def parse_email(text: str) -> str | None:
    """An e-mail address as written (stripped), or BadValue `email`: one @, a local part, a
    domain with a dot (contact@@example and contact@example are refused). Syntax only, by
    email-validator (no DNS look-up)."""
    text = text.strip()
    if not text:
        return None
    if not _plain_email(text):
        try:
            validate_email(text, check_deliverability=False)
        except EmailNotValidError:
            raise BadValue("email", value=text[:60]) from None
    return text


def _plain_email(text: str) -> bool:
    if len(text) > 254 or not _PLAIN_EMAIL.fullmatch(text):
        return False
    local, _, domain = text.rpartition("@")
    # "--" in a label (xn--, ab--) is Punycode's business: the library judges those
    return len(local) <= 64 and "--" not in domain and domain.rsplit(".", 1)[-1].lower() not in SPECIAL_USE_DOMAIN_NAMES


_PHONE_CHARS = re.compile(r"^\+?[\d\s\-()./]+$")
_CN_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def parse_phone(text: str, region: str | None = "CN") -> str | None:
    """A phone number as written: digits with +, spaces, dashes, dots or brackets, 5 to 20 digits
    (an extension after `ext`/`转` is kept). In China (the row's region, or +86) a number that
    starts with 13–19 is a mobile number and must have 11 digits (138 0013 8000)."""
    text = text.strip()
    if not text:
        return None
    main = re.split(r"\s*(?:ext\.?|x|转|分机)\s*\d+$", text, flags=re.I)[0]
    if not _PHONE_CHARS.match(main):
        raise BadValue("phone", value=text[:40])
    digits = re.sub(r"\D", "", main)
    if not 5 <= len(digits) <= 20:
        raise BadValue("phone", value=text[:40])
    international = main.startswith("+") or main.startswith("00")
    national = digits
    if international:
        national = digits[2:] if main.startswith("00") else digits
        if not national.startswith("86"):
            return text
        national = national[2:]
    elif (region or "CN").upper() != "CN":
        return text
    if re.match(r"1[3-9]", national) and not _CN_MOBILE.match(national):  # 10…: Beijing's area code
        raise BadValue("phone_cn_mobile", value=text[:40], digits=len(national))
    return text


def parse_region(text: str) -> str | None:
    if not text:
        return None
    code = _COUNTRIES.get(text.strip().lower(), text.strip().upper())
    if not re.fullmatch(r"[A-Z]{2}", code):
        raise BadValue("region", value=text)
    return code


_COUNTRIES = {
    "中国": "CN",
    "中国大陆": "CN",
    "china": "CN",
    "美国": "US",
    "united states": "US",
    "usa": "US",
    "英国": "GB",
    "united kingdom": "GB",
    "uk": "GB",
    "新加坡": "SG",
    "singapore": "SG",
    "日本": "JP",
    "japan": "JP",
    "德国": "DE",
    "germany": "DE",
    "香港": "HK",
    "中国香港": "HK",
    "hong kong": "HK",
}


def parse_attribute(text: str) -> str | None:
    """A policy input's value: a number (50000, 5万, 1,200.5), stored as a Decimal string."""
    if not text:
        return None
    try:
        amount = parse_amount(text)
    except BadValue:
        raise BadValue("attribute", value=text[:60]) from None
    return format(amount.normalize(), "f") if amount is not None else None  # 600000, not 6E+5

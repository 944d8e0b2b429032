"""Facts about a contact stated in a message: a birthday (瑞丰医疗李总生日是3月5号, Pepper's
birthday is March 5) and a new phone number (李总换了新号码 138…, Bob's new number is …).

Read before dates and amounts, and blanked out, so 3月5号 is no follow-up and 138… no amount.
The contact is the book's contact named nearest the fact in its clause, else a surname and
title (李总, 唐工) or a capitalised name (Don Draper) next to it; a fact with no person to attach
it to is not proposed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .dates import month_number
from .text import to_int
from .words import SURNAMES as _SURNAMES

# A surname and a title: 李总, 王经理, 唐工 (the person a fact is about when the book has no
# such contact yet).
_PERSON_ZH = re.compile(
    rf"[{_SURNAMES}](?:总监|总|经理|主任|老板|董事长|董|工|姐|哥|老师|先生|女士|小姐|秘书|部长|处长|科长|局长|院长|书记|助理)"
)
_PERSON_EN = re.compile(r"\b([A-Z][a-z]+(?: [A-Z][a-z]+)?)(?:'s|’s)?\s*$")
_ZH_DAY = (
    r"(?P<m>\d{1,2}|[一二三四五六七八九十]{1,2})\s*(?:月|[./-])\s*(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})\s*[日号]?"
)
_EN_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_EN_DAY = (
    rf"(?:(?P<mn>{_EN_MONTHS})\.?\s+(?P<dn>\d{{1,2}})(?:st|nd|rd|th)?\b|"
    rf"(?P<dn2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mn2>{_EN_MONTHS})\b|(?P<m3>\d{{1,2}})/(?P<d3>\d{{1,2}})\b)"
)
# "turns 30 on feb 14" says a birthday as plainly as the word does.
_BIRTHDAY_WORD = r"(?:生日|生辰|\bbirthday\b|\bb-?day\b|\bbday\b|\bdob\b|\bturns \d{1,3}(?= on\b))"
_BIRTHDAY = re.compile(
    rf"{_BIRTHDAY_WORD}[^\d\n]{{0,30}}?(?:\d{{4}}\s*[年./-]\s*)?(?:{_ZH_DAY}|{_EN_DAY})"
    rf"|(?:农历)?(?P<m4>\d{{1,2}})\s*月\s*(?P<d4>\d{{1,2}})\s*[日号]?\s*(?:是|过)?\s*(?:他|她)?的?{_BIRTHDAY_WORD}",
    re.IGNORECASE,
)
BIRTHDAY_WORD = re.compile(_BIRTHDAY_WORD, re.IGNORECASE)
# A birthday on a named day: "born on Valentine's Day", 生日是圣诞节.
_HOLIDAYS = {
    "valentine": "02-14",
    "情人节": "02-14",
    "christmas eve": "12-24",
    "平安夜": "12-24",
    "christmas": "12-25",
    "圣诞": "12-25",
    "new year's eve": "12-31",
    "new year": "01-01",
    "元旦": "01-01",
    "halloween": "10-31",
    "国庆": "10-01",
    "儿童节": "06-01",
    "劳动节": "05-01",
    "妇女节": "03-08",
    "愚人节": "04-01",
}
_ON_A_HOLIDAY = re.compile(
    r"(?:\bborn on|\b(?:birthday|bday|b-day) (?:is )?(?:on )?|生日(?:是|在|刚好是|正好是)?)\s*(?:the )?"
    r"(valentine'?s(?: day)?|christmas eve|christmas(?: day)?|new year'?s eve|new year'?s(?: day)?|halloween|"
    r"情人节|平安夜|圣诞节?|元旦|国庆节?|儿童节|劳动节|妇女节|愚人节)",
    re.IGNORECASE,
)
_PHONE = re.compile(
    r"(?:手机号码|手机号|手机|电话号码|号码|新号|换号|联系方式|微信号|微信同号|同号|座机|电话|\bphone\b|\bmobile\b|\bcell\b|\bnumber\b|"
    r"\bdirect line\b|\bno\.|\bnew\s*#|\b(?:phone|tel|cell)\s*#)"
    r"[^\d\n+(]{0,24}?(?P<number>(?:\+|\()?\d[\d ().-]{5,18}\d)",
    re.IGNORECASE,
)
# A changed number, or one the rep is told to use from now on (以后直接打这个, 同号, direct line).
_PHONE_CHANGED = re.compile(
    r"换|新|改|更新|以后|今后|直接打|存一下|记一下|同号|\bnew\b|\bchanged?\b|\bnow\b|\bupdated?\b|"
    r"\bdirect line\b|\bfrom now on\b|\breach (?:him|her|them) at\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class FactSpan:
    kind: str  # birthday | phone
    value: str
    start: int
    end: int


def find_facts(text: str) -> list[FactSpan]:
    """Birthdays and changed phone numbers in normalised text (case kept)."""
    found: list[FactSpan] = []
    for m in _BIRTHDAY.finditer(text):
        month, day = _month_day(m)
        if month is None or not (1 <= month <= 12 and 1 <= day <= 31):
            continue
        found.append(FactSpan("birthday", f"{month:02d}-{day:02d}", m.start(), m.end()))
    for m in _ON_A_HOLIDAY.finditer(text):
        name = m.group(1).lower().replace("’", "'")
        value = next(v for k, v in _HOLIDAYS.items() if name.startswith(k) or k in name)
        found.append(FactSpan("birthday", value, m.start(), m.end()))
    for m in _PHONE.finditer(text):
        digits = re.sub(r"[ ().-]", "", m.group("number"))
        if not 7 <= len(digits.lstrip("+")) <= 15:
            continue
        # stated: "电话：…", "手机是…", or a keyword and the number ending the message (中兴周经理手机 139…)
        stated = re.search(r"(?:[:：是为]|\bis)\s*[+(]?\d", text[m.start() : m.end()]) or (
            re.fullmatch(r"\D{0,14}?\s*", text[m.start() : m.start("number")]) is not None
            and not text[m.end() :].strip(" .。!！")
        )
        if not stated and not _PHONE_CHANGED.search(text, max(0, m.start() - 12), min(len(text), m.end() + 6)):
            continue
        found.append(FactSpan("phone", digits, m.start(), m.end()))
    return found


# A new contact named before their number: 新的对接人 小周 电话 135…, "new contact Amy Lee, cell …".
_NEW_PERSON = re.compile(
    r"(?:新的?(?:对接人|联系人|负责人)|\bnew (?:contact|poc|point of contact)\b)[:：,\s]*"
    r"(小[\u4e00-\u9fff]|老[\u4e00-\u9fff]|[\u4e00-\u9fff]{2,3}(?=\s)|[A-Z][a-z]+(?: [A-Z][a-z]+)?)"
)


def new_person_before(text: str, start: int) -> tuple[int, int] | None:
    """The new contact a phone number belongs to, named just before it (within 24 characters)."""
    m = None
    for m in _NEW_PERSON.finditer(text, max(0, start - 24), start):  # noqa: B007 - the last one
        pass
    return m.span(1) if m else None


def person_before(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The written person a fact at text[start:end] is about, when the book names no contact:
    the nearest surname + title in its clause (李总生日是…, 生日…李总), else a capitalised name
    right before it (Don Draper's birthday)."""
    near = [m for m in _PERSON_ZH.finditer(text, max(0, start - 16), min(len(text), end + 8))]
    if near:
        best = min(near, key=lambda m: (m.end() > start, abs(m.end() - start)))
        return best.span()
    m = _PERSON_EN.search(text[max(0, start - 40) : start])
    if m and m.group(1).split()[0].lower() not in ("new", "the", "his", "her", "their", "my", "our"):
        offset = max(0, start - 40)
        return offset + m.start(1), offset + m.end(1)
    return None


def _month_day(m: re.Match[str]) -> tuple[int | None, int]:
    if m.group("m4"):
        return int(m.group("m4")), int(m.group("d4"))
    if m.group("m"):
        return to_int(m.group("m")), to_int(m.group("d")) or 0
    if m.group("m3"):
        return int(m.group("m3")), int(m.group("d3"))
    name, day = (m.group("mn"), m.group("dn")) if m.group("mn") else (m.group("mn2"), m.group("dn2"))
    return month_number(name), int(day)

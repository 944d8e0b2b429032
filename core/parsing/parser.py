"""parse(): one free-text message → a ParsedLog the rep confirms with one tap.

Readers run in this order, each blanking out what it took so the next cannot misread it:
customers (a customer called 3M is not an amount) → satisfaction (满意度4 is not a date or
money) → dates and times → amount → kind and feedback (follow-up words do not set the kind).

Times of the interaction: a written date with no time is 12:00 local on that day, except today,
which keeps now's local time of day (the rep is usually logging what just happened). A written
time is kept. A follow-up with no time is due at 09:00 local; a part of day sets its hour
(上午 09:00, 中午 12:00, 下午 14:00, 晚上 19:00) and counts as a time. A date that cannot exist
(2月30日) or an interaction in the future falls back to now, with a problem code, and
occurred_date_given is then False.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rapidfuzz import fuzz

from .amounts import find_amount
from .customers import CustomerIndex, sounds_like_start
from .dates import EITHER, FUTURE, DateMention, TimeMention, find_dates, find_times, part_of_day
from .facts import BIRTHDAY_WORD, FactSpan, find_facts, new_person_before, person_before
from .model import Fact, Feedback, FollowUp, ParsedLog
from .money import BOOKED, EXPECTED, REFUND, money_role, signing_only
from .signals import (
    COMING_TO_US,
    FOLLOW_UP_CUE,
    JOINT,
    MINE,
    NEUTRAL,
    SAID,
    SELF_NOTE,
    THEIRS,
    TODO_CALL,
    TOOL_NAMES,
    detect_attempt,
    detect_feedback,
    detect_kind,
    detect_satisfaction,
    follow_up_text,
    introduced_name,
    jieba_tokenizer,
    plan_owner,
    said_in_past,
    unknown_name,
)
from .tasks import task_text
from .text import clause_bounds, clause_of, fold_speech, has_cjk, lower, normalise

MAX_CANDIDATES = 8
NOON = time(12)
FOLLOW_UP_HOUR = time(9)
DEFAULT_TEXT_CHARS = 60
CUSTOMER_FILLER = "\x00"


def warm_up() -> None:
    """Load jieba's dictionary and dateparser now (about a second) rather than on the first
    message that needs them; call once at start-up."""
    jieba_tokenizer()
    find_dates("in a fortnight", datetime(2000, 1, 1), lang_en=True, lang_zh=False)  # noqa: DTZ001 - any instant warms it


@lru_cache(maxsize=256)
def _zone(name: str) -> tzinfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return None


def _blank(text: str, start: int, end: int, filler: str = " ") -> str:
    return text[:start] + filler * (end - start) + text[end:]


def parse(
    text: str, index: CustomerIndex, *, now: datetime, timezone: str, currency: str = "CNY", lang: str = "zh"
) -> ParsedLog:
    """Read one message. Never raises on any text; `now` is aware (a naive one is taken as UTC).
    `lang` is the rep's language; both languages are read whatever it is."""
    problems: list[str] = []
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now
    zone = _zone(timezone)
    if zone is None:
        problems.append("unknown_timezone")
        zone = UTC
    local_now = now.astimezone(zone)
    summary = (text or "").strip()
    norm = normalise(summary)
    low = fold_speech(lower(norm))
    bounds = clause_bounds(low)

    products = [m.span() for m in TOOL_NAMES.finditer(low)]
    mentions = [
        m
        for m in index.scan(norm)  # 腾讯会议 is a meeting tool, not the customer 腾讯
        if not any(s <= m.start and m.end <= e and (m.start, m.end) != (s, e) for s, e in products)
    ]
    served = _used_as_a_service(low, mentions)
    if served:  # 样机已经顺丰寄出了, 在京东下单了礼物, 机票已订 东航的: the courier, shop or airline used
        mentions = [m for m in mentions if (m.start, m.end) not in {(s, e) for s, e, _ in served}]
    negated = [m.span() for m in _NOT_THAT_ONE.finditer(low)]
    if negated:  # 同花顺的徐总（不是华为那个）: the 徐总 of another company, not 华为's
        mentions = [m for m in mentions if not any(s <= m.start < e for s, e in negated)]
    resolved = index.resolve(mentions, norm)
    ranked = list(resolved.candidates[:MAX_CANDIDATES])
    masked = low
    for mention in mentions:  # not blanks: a name is not the start of a clause ("Hooli visit …")
        masked = _blank(masked, mention.start, mention.end, CUSTOMER_FILLER)

    for start, _, end in served:
        masked = _blank(masked, start, end)
    facts, masked = _read_facts(norm, masked, mentions, ranked, bounds, local_now)

    satisfaction = detect_satisfaction(masked)
    if satisfaction:
        masked = _blank(masked, satisfaction.start, satisfaction.end)
        if satisfaction.value is None:
            problems.append("invalid_satisfaction")

    when = _read_when(masked, bounds, local_now, problems)
    for start, end in when.spans:
        masked = _blank(masked, start, end)

    amount = find_amount(masked, bounds)

    kind_text = masked
    on_the_day = _birthday_task(norm, masked, bounds, facts, local_now, ranked[0].name if ranked else "")
    if on_the_day is not None:  # 到时候送个蛋糕: what the rep will do on the day is no greeting yet
        kind_text = _blank(kind_text, *on_the_day[2])
    if when.follow_up_span:
        kind_text = _blank(kind_text, *_plan_span(masked, low, clause_bounds(low, spaces=False), when.follow_up_span))
    if when.their_plan is not None:  # what the customer will do is no contact or deal yet (郑经理说下个月初付款)
        plan_at = when.their_plan[1].start
        kind_text = _blank(kind_text, plan_at, clause_of(bounds, plan_at)[1])
    for asked in _ASKED_FOR.finditer(kind_text):  # "wants a demo" asks for one; none was held
        kind_text = _blank(kind_text, asked.start(), asked.end())
    for moved in _MOVED_EVENT.finditer(masked):  # 会议推到12月7号, 约了去虹桥拜访: not held (yet)
        kind_text = _blank(kind_text, moved.start(), moved.end())
    kind, channel = detect_kind(kind_text)
    planned = _PLANNED.match(low)
    if (
        planned
        and kind in ("meeting", "call", "visit")
        and when.follow_up_span is not None
        and not when.occurred_given
        and not said_in_past(masked, planned.end(), len(masked))
        and re.fullmatch(r"[^,，:：;；.。]{1,24}", low[planned.end() : when.follow_up_span[0]])
    ):
        kind, channel = "note", None  # "meeting w/ jared tmr 2pm": a plan, kept as its follow-up
    attempt = detect_attempt(kind_text) or detect_attempt(
        _blank(masked, *when.follow_up_span) if when.follow_up_span else masked
    )
    # (一直无人接听😓 周五再打: the plan's span may reach back over what happened)
    if (
        kind not in ("note", "deal", "greeting")
        and not attempt
        and SELF_NOTE.search(kind_text)
        and not said_in_past(masked, 0, len(masked))
    ):
        kind, channel = "note", None
    if attempt and kind == "note":  # "Went to Harborview Bank, nobody showed up": a visit that reached no one
        kind = "visit" if re.search(r"\b(?:went|drove|walked) (?:out |over )?to\b|去了|跑了一趟", kind_text) else "call"
    if (
        kind in ("meeting", "call", "visit")
        and not attempt
        and when.follow_up_span is not None
        and _REMINDER.search(masked)
        and not said_in_past(_REMINDER.sub(lambda m: " " * len(m.group()), masked), 0, len(masked))
    ):
        kind, channel = "note", None  # 周四下午三点 顺丰冯总电话会议 别忘了: a reminder of what is ahead

    money = expected_by = None
    if amount:
        money = money_role(masked, bounds, amount.start, deal=kind == "deal")
        if (
            money == BOOKED
            and any(
                clause_of(bounds, at) == clause_of(bounds, amount.start)
                for at in (
                    when.follow_up_span[0] if when.follow_up_span else None,
                    when.their_plan[1].start if when.their_plan else None,
                )
                if at is not None
            )
            and _PAID_LATER.search(masked, *clause_of(bounds, amount.start))
            and not said_in_past(masked, *clause_of(bounds, amount.start))
        ):
            money = EXPECTED  # 尾款这周五到账, 预付款三十万明天打: paid on a day ahead, not yet
        if money == REFUND:  # booked as a negative amount against the customer's deals
            kind, channel = "deal", channel
        elif money != BOOKED and kind == "deal":
            kind, channel = (channel, None) if channel else ("note", None)
        if (
            money == EXPECTED
            and when.follow_up_due is not None
            and when.follow_up_span is not None
            and signing_only(masked, clause_of(bounds, when.follow_up_span[0]))
        ):
            expected_by, when.follow_up_due = when.follow_up_due.date(), None
        elif (
            money == EXPECTED
            and when.their_plan is not None
            and signing_only(masked, clause_of(bounds, when.their_plan[1].start))
        ):
            expected_by = when.their_plan[0]  # "they want to sign 1.2m by Jan 15"

    cue = detect_feedback(kind_text)
    feedback = None
    if cue:
        start, end = clause_of(bounds, cue.start)
        feedback = Feedback(cue.kind, norm[start:end].strip() or norm[cue.start : cue.end])

    new_customer = None
    if not ranked or all(c.is_contact for c in ranked):
        new_customer = unknown_name(norm)
        if new_customer and any(new_customer in c.matched or c.matched in new_customer for c in ranked):
            new_customer = None  # the person is a contact in the book (张总), not a company
        elif new_customer and any(
            new_customer[0] == c.name[0]
            and fuzz.partial_ratio(new_customer, c.name) >= 50
            or sounds_like_start(new_customer, c.name)
            for c in ranked
        ):
            new_customer = None  # 蒙午王经理, 梦牛的王经理: a slip for the contact's own company (蒙牛乳业)
        elif new_customer and ranked:  # 恒达集团的李总: the 李总 of a company not in the book
            ranked = []
    else:  # 华为林工介绍了立讯精密的采购: the card is 华为's, 立讯精密 is offered beside it
        new_customer = introduced_name(norm)
        if new_customer and any(new_customer in c.matched or c.matched in new_customer for c in ranked):
            new_customer = None
    introduced = bool(new_customer and ranked)
    if new_customer and (at := norm.find(new_customer)) >= 0 and len(norm) == len(summary):
        typed = summary[at : at + len(new_customer)]  # 統一企業 is created as the rep typed it
        new_customer = typed if normalise(typed) == new_customer else new_customer

    follow_up = None
    if when.follow_up_due is not None:
        if introduced and new_customer:  # …约了明天打电话: the next step is with the company introduced
            names = [new_customer]
        else:
            names = (
                [c.name for c in ranked[:1]] + [c.name for c in resolved.others]
                if ranked
                else [new_customer]
                if new_customer
                else []
            )

        follow_up = FollowUp(
            when.follow_up_due.astimezone(UTC),
            when.follow_up_has_time,
            _follow_up_words(norm, masked, when, ranked, names, attempt, _lead_contact(norm, mentions, ranked, names)),
        )
        if follow_up.due < now - timedelta(minutes=1):
            problems.append("follow_up_in_past")

    if follow_up is None and on_the_day is not None:
        due = datetime.combine(on_the_day[0], FOLLOW_UP_HOUR, tzinfo=local_now.tzinfo)
        follow_up = FollowUp(due.astimezone(UTC), False, on_the_day[1][:DEFAULT_TEXT_CHARS])

    return ParsedLog(
        candidates=tuple(ranked),
        customer_text=ranked[0].matched if ranked else new_customer,
        ambiguous=resolved.ambiguous and bool(ranked),
        kind=kind,
        channel=channel,
        occurred_at=when.occurred.astimezone(UTC),
        occurred_date_given=when.occurred_given,
        amount=amount.value if amount else None,
        currency=(amount.currency or currency.upper()) if amount else None,
        amount_approximate=amount.approximate if amount else False,
        follow_up=follow_up,
        feedback=feedback,
        satisfaction=satisfaction.value if satisfaction else None,
        summary=summary,
        problems=tuple(dict.fromkeys(problems)),
        attempt=attempt,
        money=money,
        expected_by=expected_by,
        others=resolved.others if ranked else (),
        new_customer=new_customer,
        facts=facts,
    )


_ASKED_FOR = re.compile(
    r"\b(?:wants?|wanted|asked for|asking for|requested|would like|needs?) (?:a |an |another )?"
    r"(?:demo|meeting|call|visit|walkthrough)\b"
    # meetings to come: "wants to meet thurs", "invited us to their demo day", "call set for thu"
    r"|\b(?:wants?|would like|asked) to (?:meet|move|reschedule|push|set up|schedule)\b[^,.;]*"
    r"|\binvited (?:us|me) to\b[^,.;]*"
    r"|\b(?:call|meeting|mtg|demo|visit|lunch|zoom) (?:is )?(?:set|scheduled|booked|planned) for\b"
    r"|(?:要|想要|想看|约)\s*(?:demo|演示)"
)
# An event moved, cancelled or arranged for later is no contact held: 会议推到12月7号, 的会取消了,
# 约了去虹桥拜访, "the call was moved", "meeting cancelled".
_MOVED_EVENT = re.compile(
    r"(?:会议|会|拜访|见面|电话会议?|饭局)\s*(?:推到|改到|挪到|推迟|延期|延到|改期|取消)|"
    r"约(?:了|好了?)\s*(?:去|来)?[^，,。；;\s]{0,6}?(?:拜访|见面|面谈|吃饭|开会)|"
    r"\b(?:meeting|mtg|call|visit|demo|lunch|dinner)\s+(?:was |is |got |has been )?(?:cancell?ed|moved|pushed|postponed)\b"
)
# A message that opens with the meeting it plans: "meeting w/ jared tmr 2pm", "lunch with bob fri".
_PLANNED = re.compile(r"^(?:meeting|mtg|call|lunch|dinner|coffee|zoom|demo|visit)\s+(?:w/?|with)\s")
_PHONE_LABEL = re.compile(
    r"(?:手机号?|电话号?码?|微信同号|微信|号码|新号码?|(?:new |direct |cell |mobile )?(?:number|line|phone|cell)"
    r")[\s:：是为改成换成]*$"
)


_NOT_THAT_ONE = re.compile(r"不是[^，,。；;()（）\s]{2,10}?(?:那个|那位|那边的|家的)|\bnot the [\w ]{2,20}? one\b")
_SERVICE_AFTER = re.compile(r"\s*的?\s*(?:机票|航班|快递|寄出|寄了|寄过去|寄的|发货|发的货|下单|下的单|买的|订的|上买)")
_SERVICE_BEFORE = re.compile(r"(?:机票|航班|快递)[^，,。；;]{0,4}$|(?:坐|搭|寄)\s*$")  # not 在华为: a place


def _used_as_a_service(low: str, mentions) -> list[tuple[int, int, int]]:
    """Customers named only as the courier, shop or airline the rep used, beside another
    customer the message is about: (mention start, mention end, end of the service words)."""
    out = []
    for m in mentions:
        if m.is_contact:
            continue
        after = _SERVICE_AFTER.match(low, m.end)
        if after or _SERVICE_BEFORE.search(low, max(0, m.start - 8), m.start):
            out.append((m.start, m.end, after.end() if after else m.end))
    spans = {(s, e) for s, e, _ in out}
    if not any(not m.is_contact and (m.start, m.end) not in spans for m in mentions):
        return []  # the only customer named: 顺丰寄出了 alone may be about 顺丰 itself
    return out


def _read_facts(norm: str, masked: str, mentions, ranked, bounds, local_now: datetime) -> tuple[tuple[Fact, ...], str]:
    """Birthdays and phone numbers stated about contacts; their spans are blanked so the date
    is no follow-up and the number no amount."""
    facts = []
    found_all = find_facts(norm)
    found_all += _relative_birthdays(masked, found_all, bounds, local_now)
    for found in found_all:
        masked = _blank(masked, found.start, found.end)
        label = _PHONE_LABEL.search(masked[: found.start]) if found.kind == "phone" else None
        if label:  # 唐工电话 189…, 微信同号 139…: the number's label is no call or message
            masked = _blank(masked, label.start(), label.end())
        contact, customer_id = _fact_person(norm, found, mentions, ranked, bounds)
        if contact:
            facts.append(Fact(found.kind, contact, found.value, customer_id))
    return tuple(facts), masked


def _birthday_task(
    norm: str, masked: str, bounds, facts: tuple[Fact, ...], local_now: datetime, customer: str
) -> tuple[date, str, tuple[int, int]] | None:
    """A birthday stated with what the rep will do on the day (格力小孙生日12月8号 到时候送个蛋糕):
    the day it next falls on, the task, and the span of what the rep will do."""
    cue = _ON_THE_DAY.search(masked)
    birthday = next((f for f in facts if f.kind == "birthday"), None)
    if cue is None or birthday is None:
        return None
    month, day = (int(part) for part in birthday.value.split("-"))
    today = local_now.date()
    try:
        due = date(today.year, month, day)
        if due < today:
            due = date(today.year + 1, month, day)
    except ValueError:  # 02-29 in a year without it
        return None
    start, end = clause_of(bounds, cue.start())
    if has_cjk(norm[start:end]):
        rest = norm[cue.end() : end].strip(" ，,。.")
        who = birthday.contact if customer in birthday.contact else customer + birthday.contact
        return due, f"{who}生日" + (f"：{rest}" if rest else ""), (cue.start(), end)
    who = f"{birthday.contact} ({customer})" if customer and customer not in birthday.contact else birthday.contact
    return due, f"Wish {who} a happy birthday", (cue.start(), end)


def _dates(masked: str, local_now: datetime) -> list[DateMention]:
    return find_dates(masked, local_now, lang_en=re.search(r"[a-z]", masked) is not None, lang_zh=has_cjk(masked))


_AGE_TODAY = re.compile(
    r"今天(?:满|刚满|就)?[\d一二三四五六七八九十百]+岁|今天是?.{0,8}?[\d一二三四五六七八九十]+岁生日|"
    r"\btoday is [\w .'’\x00]{0,30}?(?:'s|’s) \d{1,3}(?:st|nd|rd|th)\b|\bturns? \d{1,3} today\b"
)


def _relative_birthdays(masked: str, found: list[FactSpan], bounds, local_now: datetime) -> list[FactSpan]:
    """A birthday given by a relative day (小米宋经理这周六生日, 今天是黄总生日, his bday is next
    friday): the day it falls on this time, read like any other date in its clause."""
    today = [  # 他今天五十岁, "Today is Art Vandelay's 60th 🎂": the birthday is today
        FactSpan("birthday", f"{local_now.month:02d}-{local_now.day:02d}", m.start(), m.end())
        for m in _AGE_TODAY.finditer(masked)
        if not any(f.kind == "birthday" for f in found)
    ][:1]
    words = [m for m in BIRTHDAY_WORD.finditer(masked) if not any(f.start <= m.start() < f.end for f in found)]
    if today or not words:
        return today
    dates = _dates(masked, local_now)
    out = []
    for word in words:
        start, end = clause_of(bounds, word.start())
        near = [d for d in dates if start <= d.start < end and not d.invalid and (d.future_day or d.past_day)]
        if not near:
            continue
        mention = min(near, key=lambda d: abs(d.start - word.start()))
        day = mention.future_day or mention.past_day
        assert day is not None  # `near` holds only dates with a day
        out.append(FactSpan("birthday", f"{day.month:02d}-{day.day:02d}", mention.start, mention.end))
    return out


def _fact_person(norm: str, found, mentions, ranked, bounds) -> tuple[str | None, int | None]:
    """The book's contact nearest the fact (in its clause first, then before it), else a person
    written next to it, who belongs to the customer the message is about."""
    start, end = clause_of(bounds, found.start)
    contacts = [m for m in mentions if m.is_contact]
    lead = ranked[0].customer_id if ranked else None
    new = new_person_before(norm, found.start) if found.kind == "phone" else None
    if new is not None:  # 发来了新的对接人 小周 电话 …: the number is 小周's, not 郑经理's
        return norm[new[0] : new[1]], lead
    if contacts:
        best = min(
            contacts,
            key=lambda m: (
                not start <= m.start < max(end, found.end),
                m.start > found.start,
                abs(m.start - found.start),
                m.customer_id != lead,
            ),
        )
        return norm[best.start : best.end], best.customer_id
    span = person_before(norm, found.start, found.end)
    if span is None:
        return None, None
    return norm[span[0] : span[1]], lead


@dataclass(slots=True)
class _When:
    occurred: datetime  # local; now when nothing usable was written
    occurred_given: bool = False
    follow_up_due: datetime | None = None  # local
    follow_up_has_time: bool = False
    follow_up_span: tuple[int, int] | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)  # every date and time read
    their_plan: _Reading | None = None  # a future date that is the customer's plan


_Reading = tuple[date, DateMention]
# A reminder to oneself anywhere in the message cues every date in it: "周四下午三点 … 别忘了".
# "Then" after the customer's day, and what the rep will do on it (到时候再约, 届时再联系).
_THEN_AGAIN = re.compile(r"(?:到时候|届时|到时)\s*(?:再|我们?再?)?(?:约|联系|跟进|打|去|问|确认|沟通)")
# A birthday, then what the rep will do on the day (到时候送个蛋糕, "set a reminder to wish her").
_ON_THE_DAY = re.compile(r"到时候|届时|到那天|当天|提醒我|\bset (?:a )?reminder\b|\bremind me\b")
# Money that arrives on a day ahead (尾款这周五到账, 预付款三十万明天打, "payment lands Friday").
_PAID_LATER = re.compile(
    r"到账|打款|打过来|转过来|汇过来|付款|(?<=[万元\d\s])打\s*$|\b(?:lands?|arrives?|clears?|wire)\b"
)
_CANCELLED = re.compile(r"取消|\bcancell?(?:ed|s)?\b|\bcalled off\b")
_RESCHEDULED_TO = re.compile(
    r"改到|推到|挪到|延到|改成|改为|\b(?:moved|pushed|rescheduled|postponed|bumped)\b[^,.;]{0,20}\b(?:to|until|for)\b"
)
_REMINDER = re.compile(r"别忘了?|别忘记|\bdon'?t forget\b")


def _read_when(masked: str, bounds: list[tuple[int, int]], local_now: datetime, problems: list[str]) -> _When:
    mentions = _dates(masked, local_now)
    times = find_times(_blank_all(masked, [(d.start, d.end) for d in mentions]))
    if any(d.invalid for d in mentions):
        problems.append("invalid_date")
    occurred, follow_up, their_plan = _roles(masked, bounds, mentions, local_now.date())
    then = _THEN_AGAIN.search(masked, their_plan[1].end) if follow_up is None and their_plan is not None else None
    if then is not None:
        follow_up, their_plan = their_plan, None  # 林工说测试环境下周一才能准备好 到时候再约: the rep's day too
    attached = _attach_times(times, mentions, bounds)
    occurred, follow_up = _lone_times(masked, bounds, times, attached, occurred, follow_up, local_now)
    when = _When(
        local_now, spans=[(d.start, d.end) for d in mentions] + [(t.start, t.end) for t in times], their_plan=their_plan
    )
    if occurred is not None:
        mention = occurred[1]
        hint = part_of_day(masked[mention.start : mention.end]) or part_of_day(
            masked[slice(*clause_of(bounds, mention.start))], meals=True
        )
        moment = _occurred_moment(occurred, _time_for(mention, attached), local_now, hint)
        own = part_of_day(masked[mention.start : mention.end])  # "dinner with Hank tonight", 今晚 at 09:00
        if own is not None and occurred[0] == local_now.date() and own > local_now.time().replace(tzinfo=None):
            moment = datetime.combine(occurred[0], own, tzinfo=local_now.tzinfo)
        if moment > local_now + timedelta(minutes=1):
            plain = _blank_all(masked, when.spans)  # "today" alone says nothing of the past
            if follow_up is None and moment.date() == local_now.date() and not said_in_past(plain, 0, len(plain)):
                follow_up = occurred  # "3pm today mtg w bob at acme" at 09:00: a plan for later today
            else:
                problems.append("future_date")
        else:
            when.occurred, when.occurred_given = moment, True
    else:
        planned = [clause_of(bounds, m.start()) for m in FOLLOW_UP_CUE.finditer(masked)]  # 下午再试: the plan's
        hint = part_of_day(
            _blank_all(masked, [(d.start, d.end) for d in mentions if d.future_day] + planned), meals=True
        )
        if hint is not None:
            # A meal or part of day still ahead today was yesterday's: at 09:00, "晚饭 w/ 韩总
            # 喝多了" is last night's dinner (a log is never in the future).
            # A meal in the clause of a future date is part of the plan ("Initech lunch tmrw").
            ahead = hint > local_now.time().replace(tzinfo=None)
            if (
                ahead
                and part_of_day(
                    _blank_all(masked, [clause_of(bounds, d.start) for d in mentions if d.future_day]), meals=True
                )
                is None
            ):
                hint = None
            if hint is not None:
                day = local_now.date() - timedelta(days=1) if ahead else local_now.date()
                when.occurred = datetime.combine(day, hint, tzinfo=local_now.tzinfo)
                when.occurred_given = ahead
    if follow_up is not None:
        day, mention = follow_up
        at = _time_for(mention, attached)
        when.follow_up_due = datetime.combine(day, at.at if at else FOLLOW_UP_HOUR, tzinfo=local_now.tzinfo)
        when.follow_up_has_time = at is not None
        when.follow_up_span = _follow_up_span(masked, bounds, mention)
        if then is not None:  # the task is what the rep will do then (再约)
            when.follow_up_span = (then.start(), clause_of(bounds, then.start())[1])
    return when


def _roles(
    masked: str, bounds, mentions: list[DateMention], today: date
) -> tuple[_Reading | None, _Reading | None, _Reading | None]:
    """The first date that says when it happened and the first that says when to follow up
    (the rules are in dates.py)."""
    occurred = None
    ahead_of: dict[str, _Reading] = {}  # whose plan a future date is: mine | neutral | theirs
    for mention in mentions:
        if mention.invalid or (
            masked.startswith(("'s ", "’s "), mention.end)
            and not re.search(r"\b(?:in|at|during|after)\s+$", masked[max(0, mention.start - 8) : mention.start])
        ):
            continue  # "a recap of yesterday's call": a date that names another event ("in yesterday's meeting" is this one)
        clause = clause_of(bounds, mention.start)
        if _CANCELLED.search(masked, *clause) and not _RESCHEDULED_TO.search(masked, *clause):
            continue  # 12/1 的 meeting 取消: a day that no longer holds anything
        cued = (
            FOLLOW_UP_CUE.search(masked, *clause) is not None
            or _REMINDER.search(masked) is not None
            or (TODO_CALL.search(masked, *clause) is not None and not said_in_past(masked, 0, len(masked)))
        )
        ahead = (
            mention.direction == FUTURE
            or mention.past_day is None
            or (mention.direction == EITHER and cued)
            or (mention.past_day > today and SAID.search(masked, *clause) is not None)
            or (  # 微信说12月3号来
                mention.direction == EITHER
                and COMING_TO_US.search(masked, *clause) is not None
                and mention.future_day is not None
                and mention.future_day > today
                and not said_in_past(SAID.sub(lambda m: " " * len(m.group()), masked), *clause)
            )
        )
        # 周五来看样品, 李经理说周五来看样品, 微信加上了 说周五来看样品: they come on Friday (what they
        # said, or did in another clause, is no past of theirs)
        if ahead and mention.future_day is not None:
            moved = _RESCHEDULED_TO.search(masked, max(clause[0], mention.start - 6), mention.start)
            owner = MINE if moved else plan_owner(masked, *clause, mention.start)  # 拜访改到12月9号: the new day
            ahead_of.setdefault(owner, (mention.future_day, mention))
        elif not ahead and occurred is None and mention.past_day is not None:
            occurred = (mention.past_day, mention)
    # The rep's own task wins; a date that is only the customer's plan (他们下个月招标, he'll call
    # me back tmr) is no follow-up of the rep's.
    return occurred, ahead_of.get(MINE) or ahead_of.get(NEUTRAL) or ahead_of.get(JOINT), ahead_of.get(THEIRS)


def _lone_times(masked, bounds, times, attached, occurred, follow_up, local_now):
    """A time with no date in its clause is today's: the follow-up's when the clause asks for
    one (提醒我下午3点…; tomorrow's if that hour has passed), else when it happened."""
    today = local_now.date()
    for moment in times:
        if moment in attached:
            continue
        if follow_up is None and FOLLOW_UP_CUE.search(masked, *clause_of(bounds, moment.start)):
            day = today if moment.at > local_now.time() else today + timedelta(days=1)
            follow_up = (day, DateMention(moment.start, moment.end, FUTURE, None, day))
            attached[moment] = follow_up[1]
        elif occurred is None and moment.exact:
            occurred = (today, DateMention(moment.start, moment.end, EITHER, today, today))
            attached[moment] = occurred[1]
    return occurred, follow_up


def _occurred_moment(reading: _Reading, at: TimeMention | None, local_now: datetime, hint: time | None) -> datetime:
    """A written time; else the part of day or meal said (昨晚 → 19:00, this morning → 09:00,
    lunch → 12:00) unless that is still ahead today; else now for today, noon for another day."""
    day = reading[0]
    today = day == local_now.date()
    now_clock = local_now.time().replace(tzinfo=None)
    if at is not None and (at.exact or not today):
        clock = at.at
    elif hint is not None and not (today and hint > now_clock):
        clock = hint
    elif at is not None and at.at <= now_clock:
        clock = at.at
    else:
        clock = now_clock if today else NOON
    return datetime.combine(day, clock, tzinfo=local_now.tzinfo)


def _blank_all(text: str, spans: list[tuple[int, int]]) -> str:
    for start, end in spans:
        text = _blank(text, start, end)
    return text


def _attach_times(times: list[TimeMention], mentions: list[DateMention], bounds) -> dict[TimeMention, DateMention]:
    """Each time of day goes with the nearest date in its clause (明天上午10点, tomorrow 10:00)."""
    attached: dict[TimeMention, DateMention] = {}
    for moment in times:
        start, end = clause_of(bounds, moment.start)
        near = [d for d in mentions if start <= d.start < end and not d.invalid]
        if near:
            attached[moment] = min(near, key=lambda d: abs(d.start - moment.start))
    return attached


def _time_for(mention: DateMention, attached: dict[TimeMention, DateMention]) -> TimeMention | None:
    mine = sorted((t for t, d in attached.items() if d is mention), key=lambda t: not t.exact)
    return mine[0] if mine else None


def _follow_up_span(masked: str, bounds, mention) -> tuple[int, int]:
    """From the earliest follow-up cue or the date itself, whichever comes first, to the end of
    the clause: "Called Acme and will follow up Friday" keeps "Called Acme" for the kind."""
    start, end = clause_of(bounds, mention.start)
    cue = FOLLOW_UP_CUE.search(masked, start, end)
    begin = min(mention.start, cue.start()) if cue else mention.start
    return begin, end


_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff])\s+|\s+(?=[\u4e00-\u9fff])")


def _plan_span(masked: str, low: str, bounds, follow_up_span: tuple[int, int]) -> tuple[int, int]:
    """What the kind must not read: the follow-up span, or — when its clause says nothing in the
    past tense ("Globex call tomorrow 10:00", "约我下周四吃饭") — the clause up to the follow-up,
    back to the last space a Chinese message uses as punctuation."""
    start, end = clause_of(bounds, follow_up_span[0])
    if said_in_past(masked, start, end):
        return follow_up_span
    gaps = [m.end() for m in _CJK_GAP.finditer(low, start, follow_up_span[0])]  # names and dates unmasked
    return (gaps[-1] if gaps else start), end


def _lead_contact(norm: str, mentions, ranked, names: list[str]) -> str:
    """The lead customer's person named in the message (美的集团's 曹经理), for the task's who."""
    if not ranked or not names or names[0] != ranked[0].name:
        return ""
    lead = ranked[0].customer_id
    person = next((m for m in mentions if m.is_contact and m.customer_id == lead), None)
    written = norm[person.start : person.end] if person else ""
    if not written or written.lower() in names[0].lower() or not (has_cjk(written) or " " in written.strip()):
        return ""  # a lone first name (peter) adds nothing to the customer's name
    return written


def _follow_up_words(
    norm: str, masked: str, when: _When, ranked, names: list[str], attempt: bool, contact: str = ""
) -> str:
    """The task: what to do and with whom (tasks.py); `names` are the customers the message is
    about, the first one the lead (several: 跟进小米、京东物流)."""
    start, end = when.follow_up_span or (0, 0)
    piece = norm[start:end]
    for s, e in when.spans:
        if start <= s < end:
            piece = _blank(piece, s - start, min(e, end) - start)
    said = follow_up_text(piece)
    around = next((masked[s:e] for s, e in clause_bounds(masked) if s <= start < e), "")
    letters = re.sub(r"[\W\d_\x00]", "", masked[start:end])
    zh = has_cjk(letters) if letters else has_cjk(norm)  # "张总 asked …, send by Fri": an English task
    if ranked and ranked[0].matched:
        said = said.replace(ranked[0].matched, ranked[0].name)
    if (
        contact and len(names) == 1 and contact.lower() not in said.lower() and names[0].lower() not in said.lower()
    ):  # 接待东方航空吴经理来访: whom to ask for
        if zh and has_cjk(contact):
            names = [names[0] + contact]
        else:
            contact = f"（{contact}）" if zh else f" ({contact})"  # Meet 东方航空 (吴经理): after the task
    else:
        contact = ""
    customer = ("、" if zh else " and ").join(names)
    task = re.sub(r"\s{2,}", " ", task_text(said, masked[start:end], masked, customer, zh, attempt, around))
    if contact.startswith((" (", "（")) and task and contact.strip(" ()（）").lower() not in task.lower():
        task += contact
    return task[:DEFAULT_TEXT_CHARS]

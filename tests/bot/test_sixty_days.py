"""Sixty days of a rep with 60 customers, through the whole bot, under each of three policies
(the shipped default and sponsor policies, and the partner test policy with 战略 / 金牌 / 银牌).

The rep writes about eight realistic messages each working day (visits, calls, meetings, deals,
complaints, follow-ups), works through the customers whose turn it is, neglects three
priority-tier customers for the first weeks, leaves most follow-ups open, closes some from the
digest and resolves complaints on Fridays. Every day the test checks what the bot sent:

- the digest never has more lines or button rows than the policy's `digest_lines`, and lists no
  follow-up older than `rollup_days` on its own;
- every priority-tier customer past its maximum interval (worked out here from the stored tiers,
  the policy's cadences and the interactions) is in that afternoon's nudge, and each is escalated
  to the manager exactly once per overdue episode once it is 1.5× past;
- on Mondays the manager's summary counts exactly the overdue customers the digest counts, per tier;
- every message is in its reader's language and shows no tier or model code.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot import push_buttons
from bot.testing import Harness, Person
from core.as_of import AsOf
from core.clock import ManualClock
from core.db import Database
from core.models import Customer, CustomerTier, Interaction, Notification, User
from core.names import book
from core.reminders import agenda, planner
from core.reports import scoping, summary
from tests.core.test_vocabulary import store_tiers
from tests.vocabulary import POLICY_DIR, SHIPPED_DIR, VOCABULARIES, Vocabulary

ZONE = ZoneInfo("Asia/Shanghai")
START = date(2027, 2, 1)  # a Monday; no policy reviews in February or March; 春节 on 6 Feb
DAYS = 60
PER_DAY = 8
NEGLECTED = 3  # priority-tier customers the rep leaves alone for the first weeks
NEGLECT_UNTIL = START + timedelta(days=40)
CJK = re.compile(r"[\u3400-\u9fff]")

ZH_NAMES = [
    p + s
    for p, s in zip(
        [
            "华星",
            "蓝海",
            "金山",
            "青云",
            "银河",
            "东方",
            "北辰",
            "南风",
            "西岭",
            "中天",
            "长江",
            "黄河",
            "泰山",
            "峨眉",
            "昆仑",
            "天山",
            "珠江",
            "太湖",
            "洞庭",
            "鄱阳",
            "紫金",
            "白云",
            "翠湖",
            "碧水",
            "红枫",
            "绿洲",
            "朝阳",
            "晨光",
            "星火",
            "曙光",
            "远航",
            "启明",
            "恒信",
            "宏达",
            "鼎盛",
            "瑞丰",
            "嘉禾",
            "安泰",
            "德润",
            "富源",
            "广和",
            "海纳",
            "锦程",
            "聚力",
            "凯旋",
            "隆兴",
            "茂源",
            "宁远",
            "鹏程",
            "齐心",
            "荣达",
            "盛世",
            "天成",
            "万通",
            "祥和",
            "永利",
            "卓越",
            "智联",
            "众诚",
            "博雅",
        ],
        ["科技", "物流", "实业", "集团", "制造"] * 12,
        strict=True,
    )
]
EN_NAMES = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Vandelay",
    "Stark",
    "Wayne",
    "Wonka",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Gringotts",
    "Oscorp",
    "Mathers",
    "Aperture",
    "Blackwood",
    "Monarch",
    "Virtucon",
    "Nakatomi",
    "Bertram",
    "Krusty",
    "Sterling",
    "Piedmont",
    "Dunder",
    "Prescott",
    "Bluth",
    "Wernham",
    "Gekko",
    "Rekall",
    "Zorg",
    "Kessel",
    "Oceanic",
    "Dharma",
    "Veidt",
    "Abstergo",
    "Omnicorp",
    "Ingen",
    "Yoyodyne",
    "Spacely",
    "Cogswell",
    "Gadgetron",
    "Lacuna",
    "Macrosoft",
    "Nuka",
    "Pemberton",
    "Quarkton",
    "Roxxon",
    "Sirius",
    "Tessier",
    "Ultor",
    "Vought",
    "Weyland",
    "Xanatos",
    "Yutani",
    "Zenith",
    "Axiom",
    "Brawndo",
    "Caldera",
    "Duras",
]
ZH_MESSAGES = [
    "拜访了{n}，聊了二期方案",
    "给{n}打了电话，下周三回访",
    "和{n}开会讨论报价",
    "给{n}打电话确认需求",
    "拜访{n}，下周五再联系",
    "给{n}发邮件确认合同",
    "{n}签约20万",
    "微信联系{n}，对交货时间不满意",
]
EN_MESSAGES = [
    "Visited {n}, talked about phase two",
    "Called {n}, follow up next Wednesday",
    "Met {n} to discuss the quote",
    "Called {n} to confirm the requirements",
    "Visited {n}, follow up next Friday",
    "Emailed {n} to confirm the contract",
    "Signed a 200k deal with {n}",
    "Messaged {n}, they complained about late delivery",
]
# (policy, the rep's language)
RUNS = [("default", "zh"), ("sponsor", "en"), ("partner", "zh")]


def _at(day: date, clock: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), ZONE).astimezone(UTC)


class Book:
    """The 60 customers: 8 of the priority tier, 20 of the middle one, 32 of the lowest."""

    def __init__(self, db: Database, vocabulary: Vocabulary, rep: Person, names: list[str]) -> None:
        self.vocabulary, self.rng = vocabulary, random.Random(13)
        tiers = [vocabulary.top] * 8 + [vocabulary.middle] * 20 + [vocabulary.lowest] * 32
        self.ids: dict[str, int] = {}
        self.tier: dict[int, str] = {}
        added = _at(START, "09:00") - timedelta(days=20)
        with db.session() as session:
            for name, tier in zip(names, tiers, strict=True):
                row = Customer(
                    name=name,
                    owner_id=rep.account.id,
                    stage="active",
                    added_at=added,
                    region="CN",
                    language=rep.account.language,
                )
                session.add(row)
                session.flush()
                self.ids[name] = row.id or 0
                self.tier[row.id or 0] = tier
                # everyone was visited in the fortnight before: nobody starts overdue
                session.add(
                    Interaction(
                        customer_id=row.id or 0,
                        rep_id=rep.account.id,
                        kind="visit",
                        occurred_at=_at(START, "10:00") - timedelta(days=self.rng.randint(1, 12)),
                        created_at=added,
                    )
                )
                store_tiers(session, vocabulary, row.id or 0, tier)
        self.neglected = [cid for cid, tier in self.tier.items() if tier == vocabulary.top][:NEGLECTED]
        self.name_of = {cid: name for name, cid in self.ids.items()}


def overdue_by_hand(db: Database, vocabulary: Vocabulary, now: datetime) -> dict[int, float]:
    """Customers of a priority tier past a maximum interval, with how many maximum intervals
    they are late (2.0: twice), from first principles: the last interaction that is not a note
    (any contact) and the last visit (or deal made in a visit), counted in local days, against
    the cadence of the stored tier (only the main model's tiers set cadences in these books)."""
    policy, today = vocabulary.policy, now.astimezone(ZONE).date()
    late: dict[int, float] = {}
    with db.session() as session:
        stored = {
            (t.customer_id): t.tier
            for t in session.exec(select(CustomerTier).where(CustomerTier.model == vocabulary.main)).all()
        }
        rows = session.exec(select(Interaction).where(Interaction.occurred_at <= now)).all()
        added = {c.id: c.added_at for c in session.exec(select(Customer)).all()}
    last_any: dict[int, datetime] = {}
    last_visit: dict[int, datetime] = {}
    for row in rows:
        if row.kind != "note":
            last_any[row.customer_id] = max(last_any.get(row.customer_id, row.occurred_at), row.occurred_at)
        if row.kind == "visit" or (row.kind == "deal" and row.channel == "visit"):
            last_visit[row.customer_id] = max(last_visit.get(row.customer_id, row.occurred_at), row.occurred_at)
    for cid, tier in stored.items():
        spec = policy.tier(vocabulary.main, tier)
        if not policy.is_priority(vocabulary.main, tier) or spec is None or spec.cadence is None:
            continue
        for interval, last in ((spec.cadence.any, last_any), (spec.cadence.visit, last_visit)):
            if interval is None:
                continue
            since = (today - (last.get(cid) or added[cid]).astimezone(ZONE).date()).days
            if since > interval.max:
                late[cid] = max(late.get(cid, 0.0), since / interval.max)
    return late


def assert_in_words(text: str, lang: str, vocabulary: Vocabulary) -> None:
    """In the reader's language, and no raw tier or model code."""
    if lang == "zh":
        assert CJK.search(text), text
    else:
        assert not CJK.search(text), text
    assert f"{vocabulary.main}:" not in text, text
    for code in vocabulary.tiers:
        assert not re.search(rf"(?<![A-Za-z]){re.escape(code)}(?![A-Za-z])", text), (code, text)


class Day:
    """What the bot sent one person today (the outbox rows of the day by kind)."""

    def __init__(self, db: Database, user_id: int, day: date) -> None:
        since, until = _at(day, "00:00"), _at(day + timedelta(days=1), "00:00")
        with db.session() as session:
            self.rows = session.exec(
                select(Notification).where(
                    Notification.recipient_id == user_id,
                    Notification.created_at >= since,
                    Notification.created_at < until,
                )
            ).all()

    def of(self, kind: str) -> list[Notification]:
        return [row for row in self.rows if row.kind == kind]


async def _log(harness: Harness, rep: Person, text: str, save: str) -> None:
    await harness.send(rep, text)
    card = harness.last(rep)
    labels = [label for label, _ in card.buttons]
    assert any(save in label for label in labels), (text, card.text, labels)
    await harness.press(rep, save, card)


async def _resolve_complaints(harness: Harness, rep: Person, lang: str) -> int:
    await harness.send(rep, "/feedback")
    listing = harness.last(rep)
    if not any(label == "1 ✓" for label, _ in listing.buttons):
        return 0
    await harness.press(rep, "1 ✓", listing)
    await harness.send(rep, "已道歉并补发" if lang == "zh" else "apologised and sent a replacement")
    return 1


@pytest.mark.parametrize(("policy_name", "lang"), RUNS, ids=[name for name, _ in RUNS])
async def test_sixty_days_of_a_rep(any_db: Database, policy_name: str, lang: str) -> None:
    vocabulary = VOCABULARIES[policy_name]
    policy_path = (POLICY_DIR if policy_name == "partner" else SHIPPED_DIR) / f"{policy_name}.toml"
    clock = ManualClock(_at(START, "07:00"))
    harness = await Harness.start(
        any_db,
        clock,
        _env_file=None,
        telegram_bot_token=None,
        bot_username="tierbot_test_bot",
        policy_file=str(policy_path),
    )
    try:
        await _run(harness, any_db, vocabulary, lang)
    finally:
        await harness.stop()
        book.invalidate()


async def _run(harness: Harness, db: Database, vocabulary: Vocabulary, lang: str) -> None:
    policy = vocabulary.policy
    limit, rollup = policy.reminders.digest_lines, policy.reminders.rollup_days
    manager = await harness.person("manager", name="王芳" if lang == "zh" else "Grace", language=lang, team="East")
    rep = await harness.person("rep", name="李伟" if lang == "zh" else "Sam", language=lang, team="East")
    with db.session() as session:  # the rep reports to the manager; both chose their language
        for person in (rep, manager):
            user = session.get(User, person.account.id)
            user.language = lang
            user.manager_id = manager.account.id if person is rep else None
            session.add(user)
    rep, manager = (Person(p.telegram, replace(p.account, language=lang)) for p in (rep, manager))
    customers = Book(db, vocabulary, rep, ZH_NAMES if lang == "zh" else EN_NAMES)
    book.invalidate()
    messages, save = (ZH_MESSAGES, "保存") if lang == "zh" else (EN_MESSAGES, "Save")
    turn = 0
    seen: dict[str, int] = {
        "digests": 0,
        "nudged": 0,
        "escalated": 0,
        "rolled_up": 0,
        "summaries": 0,
        "complaints_resolved": 0,
    }
    escalated: dict[int, list[str]] = {}
    for offset in range(DAYS):
        day = START + timedelta(days=offset)
        await harness.advance_to(_at(day, "09:05"))  # the night's hourly sweeps, then the digest
        works = planner.working_day("CN", day)
        today = Day(db, rep.account.id, day)
        for row in today.of("digest"):
            seen["digests"] += 1
            entries = row.payload["params"]["entries"]
            rows = push_buttons.rows_of(row.payload)
            assert len(entries) + (1 if row.payload["params"]["old_follow_ups"] else 0) <= limit
            assert len(rows) <= limit
            assert all(e["followup"] is None or e["followup"]["late"] < rollup for e in entries)
            seen["rolled_up"] += bool(row.payload["params"]["old_follow_ups"])
        if works and day.weekday() == 0 and today.of("digest"):
            # the rep closes the first follow-up of Monday's digest from the digest itself
            [row] = today.of("digest")
            first = next((n for n, e in enumerate(row.payload["params"]["entries"], start=1) if e["followup"]), None)
            digest = next(s for s in reversed(harness.sent(rep)) if "☀️" in s.text)
            if first is not None:
                await harness.press(rep, f"{first} ✓", digest)
        if works:
            # about eight messages, to the customers whose turn it is (the neglected ones wait)
            clock_at = _at(day, "10:00")
            with db.session() as session:
                last = dict(
                    session.exec(
                        select(Interaction.customer_id, Interaction.occurred_at).order_by(Interaction.occurred_at)
                    ).all()
                )
            waiting = sorted(
                (cid for cid in customers.tier if day >= NEGLECT_UNTIL or cid not in customers.neglected),
                key=lambda cid: (last.get(cid), cid),
            )
            for cid in waiting[:PER_DAY]:
                harness.clock.set(clock_at)
                await _log(harness, rep, messages[turn % len(messages)].format(n=customers.name_of[cid]), save)
                turn += 1
                clock_at += timedelta(minutes=25)
            if day.weekday() == 4:
                seen["complaints_resolved"] += await _resolve_complaints(harness, rep, lang)
        await harness.advance_to(_at(day, "15:05"))  # the afternoon nudge
        late = overdue_by_hand(db, vocabulary, _at(day, "15:05"))
        nudges = Day(db, rep.account.id, day).of("nudge")
        if works and late:
            [nudge] = nudges
            nudged = {e["customer_id"] for e in nudge.payload["params"]["entries"]}
            assert set(late) <= nudged, (day, sorted(late), sorted(nudged))
            seen["nudged"] += len(late)
        for row in Day(db, manager.account.id, day).of("escalation"):
            if row.dedupe_key.startswith("escalation:overdue:"):
                cid = int(row.dedupe_key.split(":")[2])
                escalated.setdefault(cid, []).append(row.dedupe_key)
        for cid, times in late.items():
            if times > planner.ESCALATE_FACTOR:
                assert len(escalated.get(cid, [])) >= 1, (day, cid, times)
        if day.weekday() == 0 and works:
            await _check_numbers_agree(harness, db, vocabulary, manager, rep, _at(day, "15:06"))
            seen["summaries"] += 1
        harness.clock.set(_at(day + timedelta(days=1), "07:00"))
    # once per overdue episode: one escalation per (customer, due date), none for other tiers
    for cid, keys in escalated.items():
        assert len(keys) == len(set(keys)) and policy.is_priority(vocabulary.main, customers.tier[cid])
        seen["escalated"] += 1
    assert set(customers.neglected) <= set(escalated)
    assert all(len(escalated[cid]) == 1 for cid in customers.neglected)  # one long episode each: once
    for person, reader in ((rep, lang), (manager, lang)):
        for sent in harness.sent(person):
            assert_in_words(sent.text, reader, vocabulary)
    print(vocabulary.label, seen)
    assert seen["digests"] >= 35 and seen["nudged"] and seen["rolled_up"] and seen["summaries"] >= 6, seen
    assert seen["complaints_resolved"] >= 4, seen


async def _check_numbers_agree(
    harness: Harness, db: Database, vocabulary: Vocabulary, manager: Person, rep: Person, now: datetime
) -> None:
    """The summary's "contacted on time" per tier counts the customers the rep's agenda (the
    digest's source) counts overdue, and its overdue total is the digest's."""
    with db.session() as session:
        scope = scoping.resolve_scope(session, manager.account, scoping.Request())
        result = summary.build(session, manager.account, AsOf(vocabulary.policy, now, "Asia/Shanghai"), scope=scope)
        items = agenda.build(session, rep.account, AsOf(vocabulary.policy, now, "Asia/Shanghai"))
        stored = dict(
            session.exec(
                select(CustomerTier.customer_id, CustomerTier.tier).where(CustomerTier.model == vocabulary.main)
            ).all()
        )
    figures = next(m for m in result.models if m.code == vocabulary.main)
    in_summary = {t.code: t.with_cadence - t.covered for t in figures.tiers}
    in_agenda = {code: sum(1 for c in items.overdue if stored[c.customer_id] == code) for code in in_summary}
    assert in_summary == in_agenda
    assert result.overdue_total == planner.digest_counts(items)["overdue"]

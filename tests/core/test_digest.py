"""The morning digest is a short ranked list: one line per customer with its reasons merged, at
most the policy's `digest_lines` lines and button rows, priority-tier customers overdue first,
old follow-ups rolled up, and no "good morning" in a catch-up sent after noon."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import push_buttons
from bot.jobs import render_payload
from bot.render import Renderer
from core import accounts
from core.chat import plans
from core.db import Database
from core.models import Customer, CustomerTier, Feedback, FollowUp, Interaction
from core.reminders import planner
from core.settings import load_settings
from tests.vocabulary import VOCABULARIES

SETTINGS = load_settings(_env_file=None)
SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT = VOCABULARIES["default"].policy
NOW = datetime.combine(date(2026, 11, 24), time(9, 0), SHANGHAI).astimezone(UTC)


def _rep(session) -> int:
    manager = accounts.add_user(session, telegram_id=1, name="Wang", role="manager", team="East", now=NOW)
    return accounts.add_user(
        session, telegram_id=2, name="Li", role="rep", team="East", now=NOW, manager_id=manager.id
    ).id


def _customer(
    session,
    rep_id: int,
    name: str,
    *,
    tiers: dict[str, str],
    last_call_days: float,
    stage: str = "active",
    visit_days: float | None = None,
) -> int:
    row = Customer(name=name, owner_id=rep_id, stage=stage, added_at=NOW - timedelta(days=400))
    session.add(row)
    session.flush()
    session.add(
        Interaction(
            customer_id=row.id,
            rep_id=rep_id,
            kind="call",
            occurred_at=NOW - timedelta(days=last_call_days),
            created_at=NOW,
        )
    )
    session.add(
        Interaction(
            customer_id=row.id,
            rep_id=rep_id,
            kind="visit",
            occurred_at=NOW - timedelta(days=last_call_days if visit_days is None else visit_days),
            created_at=NOW,
        )
    )
    for model, tier in tiers.items():
        session.add(
            CustomerTier(
                customer_id=row.id,
                model=model,
                tier=tier,
                policy_version=DEFAULT.version,
                assigned_at=NOW - timedelta(days=300),
            )
        )
    return row.id  # type: ignore[return-value]


ACTIVE = {"rfm": "others", "service": "E"}


def _digest(db: Database, now: datetime = NOW) -> plans.Planned:
    with db.session() as session:
        [digest] = planner.plan_digests(session, DEFAULT, SETTINGS, now)
    return digest


def test_one_line_per_customer_with_the_reasons_merged(any_db: Database) -> None:
    with any_db.session() as session:
        rep = _rep(session)
        vip = _customer(session, rep, "华为", tiers={"value": "vip", **ACTIVE}, last_call_days=30)
        session.add(
            Feedback(
                customer_id=vip,
                rep_id=rep,
                kind="complaint",
                text="发货延迟",
                status="open",
                created_at=NOW - timedelta(days=2),
            )
        )
        session.add(
            FollowUp(
                customer_id=vip,
                rep_id=rep,
                due_at=NOW - timedelta(days=3),
                text="回访",
                created_at=NOW - timedelta(days=10),
            )
        )
    digest = _digest(any_db)
    [line] = digest.payload.params["entries"]
    assert line["contact"]["status"] == "overdue" and line["complaint"]["text"] == "发货延迟"
    assert line["followup"] == {"id": line["followup"]["id"], "text": "回访", "late": 3, "due": ""}
    assert len(push_buttons.rows(digest.payload)) == 1
    zh = render_payload(Renderer(), "zh", digest.payload)
    assert zh.count("华为") == 1 and "跟进已逾期 3 天" in zh and "投诉：发货延迟" in zh


def test_at_most_digest_lines_lines_and_button_rows_ranked_by_what_matters(any_db: Database) -> None:
    with any_db.session() as session:
        rep = _rep(session)
        # 20 regular customers overdue by a lot (max 45): they must not crowd out what matters
        regulars = [
            _customer(session, rep, f"Regular {n:02}", tiers={"value": "regular", **ACTIVE}, last_call_days=200 + n)
            for n in range(20)
        ]
        # a B prospect with a tight cadence (max 10), very late, and a VIP only a little overdue
        prospect = _customer(
            session, rep, "B prospect", tiers={"pipeline": "B", "rfm": "others"}, last_call_days=300, stage="prospect"
        )
        vip = _customer(
            session, rep, "VIP a little late", tiers={"value": "vip", **ACTIVE}, last_call_days=15, visit_days=20
        )
        complained = _customer(session, rep, "Complainer", tiers={"value": "key", **ACTIVE}, last_call_days=1)
        session.add(
            Feedback(
                customer_id=complained,
                rep_id=rep,
                kind="complaint",
                text="broken",
                status="open",
                created_at=NOW - timedelta(hours=5),
            )
        )
        promised = _customer(session, rep, "Promised", tiers={"value": "key", **ACTIVE}, last_call_days=1)
        session.add(FollowUp(customer_id=promised, rep_id=rep, due_at=NOW, text="send the quote", created_at=NOW))
    params = (digest := _digest(any_db)).payload.params
    order = [e["customer_id"] for e in params["entries"]]
    assert len(order) == DEFAULT.reminders.digest_lines == len(push_buttons.rows(digest.payload)) == 10
    assert order[:3] == [vip, complained, promised]  # priority overdue, complaint, follow-up
    # then by how late: the B prospect (290 days past its 10) before the regulars, after the VIP
    assert order[3:] == ([prospect] + sorted(regulars, reverse=True))[:7]
    assert params["more"] == 24 - 10 and params["counts"]["overdue"] == 22


def test_old_follow_ups_are_rolled_up_into_one_line_and_button(any_db: Database) -> None:
    rollup = DEFAULT.reminders.rollup_days
    with any_db.session() as session:
        rep = _rep(session)
        fresh = _customer(session, rep, "Fresh", tiers={"value": "key", **ACTIVE}, last_call_days=1)
        session.add(
            FollowUp(
                customer_id=fresh,
                rep_id=rep,
                due_at=NOW - timedelta(days=rollup - 1),
                text="recent",
                created_at=NOW - timedelta(days=30),
            )
        )
        for n in range(5):
            old = _customer(session, rep, f"Old {n}", tiers={"value": "key", **ACTIVE}, last_call_days=1)
            session.add(
                FollowUp(
                    customer_id=old,
                    rep_id=rep,
                    due_at=NOW - timedelta(days=rollup + n),
                    text=f"old {n}",
                    created_at=NOW - timedelta(days=60),
                )
            )
    digest = _digest(any_db)
    params = digest.payload.params
    assert [e["customer_id"] for e in params["entries"]] == [fresh]
    assert params["entries"][0]["followup"]["late"] == rollup - 1
    assert params["old_follow_ups"] == 5
    assert [b.action for b in push_buttons.rows(digest.payload)[-1]] == ["followup.review"]
    en = render_payload(Renderer(), "en", digest.payload)
    assert "5 follow-up(s) more than 14 days overdue — review" in en and "old 0" not in en


def test_nothing_due_means_no_digest_and_a_late_catch_up_does_not_say_good_morning(any_db: Database) -> None:
    with any_db.session() as session:
        rep = _rep(session)
        _customer(session, rep, "Fine", tiers={"value": "key", **ACTIVE}, last_call_days=1)
    with any_db.session() as session:
        assert planner.plan_digests(session, DEFAULT, SETTINGS, NOW) == []
        late = _customer(session, rep, "Late", tiers={"value": "vip", **ACTIVE}, last_call_days=30)
    assert late
    morning = _digest(any_db, NOW + timedelta(hours=2, minutes=30))  # 11:30
    afternoon = _digest(any_db, NOW + timedelta(hours=5, minutes=55))  # 14:55
    renderer = Renderer()
    assert "早上好" in render_payload(renderer, "zh", morning.payload)
    assert "Good morning" in render_payload(renderer, "en", morning.payload)
    assert "早上好" not in render_payload(renderer, "zh", afternoon.payload)
    assert "morning" not in render_payload(renderer, "en", afternoon.payload).lower()

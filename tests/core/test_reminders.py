"""Reminders with a controllable clock: working days, quiet hours, timezones, digest, nudges,
timed follow-ups, escalations once per episode, review notices, and the outbox dedupe."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from core import accounts
from core.as_of import AsOf
from core.chat import plans
from core.db import Database
from core.errors import InvalidInput
from core.models import Customer, CustomerTier, Feedback, FollowUp, Interaction, Notification, User
from core.policies import default_policy_text
from core.reminders import planner
from core.settings import load_settings
from core.tier_records import review_cycle
from core.tier_records.retier import recompute
from core.tiering import parse_policy

POLICY = parse_policy(default_policy_text())
SETTINGS = load_settings(_env_file=None)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: str, clock: str, zone: ZoneInfo = SHANGHAI) -> datetime:
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), zone).astimezone(UTC)


@pytest.mark.parametrize(
    ("country", "day", "works"),
    [
        ("CN", "2026-02-14", True),  # a Saturday made a working day (Spring Festival swap)
        ("CN", "2026-10-01", False),  # National Day
        ("CN", "2026-11-28", False),  # an ordinary Saturday
        ("CN", "2026-11-24", True),
        ("US", "2026-11-26", False),  # Thanksgiving
        ("US", "2026-11-27", True),
        ("XX", "2026-11-28", False),  # unknown country: Monday–Friday
        ("XX", "2026-11-27", True),
    ],
)
def test_working_days(country: str, day: str, works: bool) -> None:
    assert planner.working_day(country, date.fromisoformat(day)) is works


def _person(any_db: Database, **user_fields) -> planner.Person:
    with any_db.session() as session:
        account = accounts.add_user(
            session, telegram_id=user_fields.pop("telegram_id", 77), name="p", role="rep", now=at("2026-11-24", "09:00")
        )
        user = session.get(User, account.id)
        for key, value in user_fields.items():
            setattr(user, key, value)
        session.add(user)
    with any_db.session() as session:
        return next(p for p in planner.people(session, SETTINGS, with_books_only=False) if p.account.id == account.id)


def test_quiet_hours(any_db: Database) -> None:
    default = _person(any_db)
    assert planner.is_quiet(default, SETTINGS, at("2026-11-24", "22:00"))
    assert planner.is_quiet(default, SETTINGS, at("2026-11-24", "07:59"))
    assert not planner.is_quiet(default, SETTINGS, at("2026-11-24", "08:00"))
    assert planner.quiet_ends(default, SETTINGS, at("2026-11-24", "22:00")) == at("2026-11-25", "08:00")
    night_owl = _person(any_db, telegram_id=78, quiet_start=time(1, 0), quiet_end=time(6, 0))
    assert not planner.is_quiet(night_owl, SETTINGS, at("2026-11-24", "22:00"))
    assert planner.is_quiet(night_owl, SETTINGS, at("2026-11-24", "03:00"))
    off = _person(any_db, telegram_id=79, quiet_off=True)
    assert not planner.is_quiet(off, SETTINGS, at("2026-11-24", "03:00"))


def _book(session: Session, *, timezone: str | None = None, digest: time = time(9, 0)) -> tuple[int, int, int]:
    """A manager and a rep with one VIP (visited 20 days ago: any-contact overdue, 14 days max)
    and one regular customer; returns ids."""
    now = at("2026-11-24", "09:00")
    manager = accounts.add_user(session, telegram_id=1, name="Wang", role="manager", team="East", now=now)
    rep = accounts.add_user(session, telegram_id=2, name="Li", role="rep", team="East", now=now, manager_id=manager.id)
    user = session.get(User, rep.id)
    user.timezone, user.digest_time = timezone, digest
    session.add(user)
    vip = Customer(name="华为", owner_id=rep.id, stage="active", added_at=now - timedelta(days=400))
    regular = Customer(name="Acme", owner_id=rep.id, stage="active", added_at=now - timedelta(days=400))
    session.add_all([vip, regular])
    session.flush()
    session.add(Interaction(customer_id=vip.id, kind="visit", occurred_at=now - timedelta(days=20), created_at=now))
    session.add(Interaction(customer_id=regular.id, kind="call", occurred_at=now - timedelta(days=2), created_at=now))
    session.flush()
    for customer_id, tier in ((vip.id, "vip"), (regular.id, "regular")):
        session.add(
            CustomerTier(
                customer_id=customer_id, model="value", tier=tier, policy_version=POLICY.version, assigned_at=now
            )
        )
    return manager.id, rep.id, vip.id


def _plan(db: Database, planner, now: datetime) -> list[plans.Planned]:
    with db.session() as session:
        return planner(session, POLICY, SETTINGS, now)


def _enqueue(db: Database, planned: list[plans.Planned], now: datetime) -> int:
    with db.session() as session:
        return plans.enqueue(session, planned, now)


def test_digest_at_digest_time_on_working_days_once(any_db: Database) -> None:
    with any_db.session() as session:
        _, rep_id, _ = _book(session)
    assert _plan(any_db, planner.plan_digests, at("2026-11-24", "08:59")) == []
    [digest] = _plan(any_db, planner.plan_digests, at("2026-11-24", "09:00"))
    assert (digest.recipient_id, digest.kind, digest.dedupe_key) == (rep_id, "digest", f"digest:{rep_id}:2026-11-24")
    names = [e["name"] for e in digest.payload.params["entries"]]
    assert names == ["华为"]  # the VIP is overdue (max 14 days); Acme was called 2 days ago
    assert _enqueue(any_db, [digest], at("2026-11-24", "09:00")) == 1
    assert _plan(any_db, planner.plan_digests, at("2026-11-24", "09:01")) == []  # sent already
    assert _plan(any_db, planner.plan_digests, at("2026-11-24", "11:30")) == []
    assert len(_plan(any_db, planner.plan_digests, at("2026-11-25", "09:00"))) == 1  # a new day


def test_digest_late_after_a_restart_but_not_in_quiet_hours_and_not_on_holidays(any_db: Database) -> None:
    with any_db.session() as session:
        _book(session)
    assert len(_plan(any_db, planner.plan_digests, at("2026-11-24", "14:00"))) == 1  # missed at 09:00: sent late
    assert _plan(any_db, planner.plan_digests, at("2026-11-24", "15:30")) == []  # the nudge has taken over
    assert _plan(any_db, planner.plan_digests, at("2026-11-24", "21:30")) == []  # quiet hours began
    assert _plan(any_db, planner.plan_digests, at("2026-10-01", "09:00")) == []  # National Day
    assert len(_plan(any_db, planner.plan_digests, at("2026-02-14", "09:00"))) == 1  # make-up working Saturday


def test_digest_follows_the_reps_timezone(any_db: Database) -> None:
    with any_db.session() as session:
        _book(session, timezone="Europe/Berlin")
    berlin = ZoneInfo("Europe/Berlin")
    assert _plan(any_db, planner.plan_digests, at("2026-11-24", "08:59", berlin)) == []
    assert len(_plan(any_db, planner.plan_digests, at("2026-11-24", "09:00", berlin))) == 1


def test_invalid_stored_timezone_falls_back(any_db: Database) -> None:
    with any_db.session() as session:
        _book(session, timezone="Mars/Olympus")
    assert len(_plan(any_db, planner.plan_digests, at("2026-11-24", "09:00"))) == 1


def test_nothing_due_no_digest_and_away_pauses(any_db: Database) -> None:
    with any_db.session() as session:
        _, rep_id, vip_id = _book(session)
        session.add(
            Interaction(
                customer_id=vip_id,
                kind="visit",
                occurred_at=at("2026-11-23", "10:00"),
                created_at=at("2026-11-23", "10:00"),
            )
        )
    assert _plan(any_db, planner.plan_digests, at("2026-11-24", "09:00")) == []
    with any_db.session() as session:
        user = session.get(User, rep_id)
        user.away_until = date(2026, 11, 30)
        session.add(user)
        session.add(
            FollowUp(
                customer_id=vip_id,
                rep_id=rep_id,
                due_at=at("2026-11-26", "09:00"),
                text="call",
                created_at=at("2026-11-24", "09:00"),
            )
        )
    assert _plan(any_db, planner.plan_digests, at("2026-11-26", "09:00")) == []  # away: paused
    assert _plan(any_db, planner.plan_digests, at("2026-11-30", "09:00")) == []  # the last day away
    assert len(_plan(any_db, planner.plan_digests, at("2026-12-01", "09:00"))) == 1  # back


def test_afternoon_nudge_lists_overdue_vips_and_todays_follow_ups(any_db: Database) -> None:
    with any_db.session() as session:
        _, rep_id, vip_id = _book(session)
        session.add(
            FollowUp(
                customer_id=vip_id,
                rep_id=rep_id,
                due_at=at("2026-11-24", "09:00"),
                text="send quote",
                created_at=at("2026-11-20", "09:00"),
            )
        )
    assert [p for p in _plan(any_db, planner.plan_afternoon, at("2026-11-24", "14:59")) if p.kind == "nudge"] == []
    [nudge] = [p for p in _plan(any_db, planner.plan_afternoon, at("2026-11-24", "15:00")) if p.kind == "nudge"]
    [line] = nudge.payload.params["entries"]  # one line per customer: the overdue VIP and its follow-up
    assert line["priority"] and line["contact"]["status"] == "overdue" and line["followup"]["text"] == "send quote"
    assert nudge.dedupe_key == f"nudge:{rep_id}:2026-11-24"


def test_follow_up_with_a_time_is_pushed_at_that_time_and_waits_for_quiet_hours_to_end(any_db: Database) -> None:
    with any_db.session() as session:
        _, rep_id, vip_id = _book(session)
        session.add(
            FollowUp(
                customer_id=vip_id,
                rep_id=rep_id,
                due_at=at("2026-11-24", "10:00"),
                has_time=True,
                text="call back",
                created_at=at("2026-11-20", "09:00"),
            )
        )
        session.add(
            FollowUp(
                customer_id=vip_id,
                rep_id=rep_id,
                due_at=at("2026-11-24", "22:30"),
                has_time=True,
                text="late one",
                created_at=at("2026-11-20", "09:00"),
            )
        )
    assert [p for p in _plan(any_db, planner.plan_afternoon, at("2026-11-24", "09:59")) if p.kind == "followup"] == []
    [timed] = [p for p in _plan(any_db, planner.plan_afternoon, at("2026-11-24", "10:00")) if p.kind == "followup"]
    assert timed.payload.params["text"] == "call back" and timed.not_before == at("2026-11-24", "10:00")
    late = [p for p in _plan(any_db, planner.plan_afternoon, at("2026-11-24", "22:30")) if p.kind == "followup"]
    assert {p.payload.params["text"]: p.not_before for p in late}["late one"] == at("2026-11-25", "08:00")


def test_vip_escalation_once_per_overdue_episode(any_db: Database) -> None:
    with any_db.session() as session:
        manager_id, _, vip_id = _book(session)
    # VIP max 14 days; 20 days since the last call = 1.43× → not yet
    assert [
        p for p in _plan(any_db, planner.plan_escalations, at("2026-11-24", "10:00")) if "overdue" in p.dedupe_key
    ] == []
    [first] = [
        p for p in _plan(any_db, planner.plan_escalations, at("2026-11-26", "10:00")) if "overdue" in p.dedupe_key
    ]
    assert first.recipient_id == manager_id and first.kind == "escalation"
    _enqueue(any_db, [first], at("2026-11-26", "10:00"))
    again = _plan(any_db, planner.plan_escalations, at("2026-11-28", "10:00"))
    assert _enqueue(any_db, again, at("2026-11-28", "10:00")) == 0  # same episode: same key, nothing new
    with any_db.session() as session:  # contacted, then overdue again: a new episode
        session.add(
            Interaction(
                customer_id=vip_id,
                kind="visit",
                occurred_at=at("2026-11-29", "10:00"),
                created_at=at("2026-11-29", "10:00"),
            )
        )
    later = [p for p in _plan(any_db, planner.plan_escalations, at("2026-12-21", "10:00")) if "overdue" in p.dedupe_key]
    assert len(later) == 1 and _enqueue(any_db, later, at("2026-12-21", "10:00")) == 1


def test_complaint_escalation_after_48_hours_and_to_the_delegate_when_away(any_db: Database) -> None:
    with any_db.session() as session:
        manager_id, rep_id, vip_id = _book(session)
        delegate = accounts.add_user(
            session, telegram_id=3, name="Zhao", role="rep", team="East", now=at("2026-11-24", "09:00")
        )
        session.add(
            Feedback(
                customer_id=vip_id,
                kind="complaint",
                text="late delivery",
                status="open",
                created_at=at("2026-11-24", "10:00"),
            )
        )

    def complaint_targets(now: datetime) -> list[int]:
        return [p.recipient_id for p in _plan(any_db, planner.plan_escalations, now) if "complaint" in p.dedupe_key]

    assert complaint_targets(at("2026-11-26", "09:59")) == []
    assert complaint_targets(at("2026-11-26", "10:00")) == [manager_id]
    with any_db.session() as session:
        user = session.get(User, rep_id)
        user.away_until, user.delegate_id = date(2026, 11, 30), delegate.id
        session.add(user)
    assert complaint_targets(at("2026-11-26", "10:00")) == [manager_id, delegate.id]  # the manager too


def test_escalations_reach_the_manager_and_the_delegate_each_once(any_db: Database) -> None:
    """Issue 12 §5: one dedupe key per recipient, so the delegate's copy never takes the manager's."""
    with any_db.session() as session:
        manager_id, rep_id, vip_id = _book(session)
        delegate = accounts.add_user(
            session, telegram_id=3, name="Zhao", role="rep", team="East", now=at("2026-11-24", "09:00")
        )
        session.add(
            Feedback(
                customer_id=vip_id,
                kind="complaint",
                text="late delivery",
                status="open",
                created_at=at("2026-11-24", "10:00"),
            )
        )
        user = session.get(User, rep_id)
        user.away_until, user.delegate_id = date(2026, 11, 30), delegate.id
        session.add(user)
    planned = _plan(any_db, planner.plan_escalations, at("2026-11-26", "10:00"))
    by_kind = {
        kind: sorted(p.recipient_id for p in planned if f":{kind}:" in p.dedupe_key)
        for kind in ("overdue", "complaint")
    }
    assert by_kind == {"overdue": sorted([manager_id, delegate.id]), "complaint": sorted([manager_id, delegate.id])}
    assert len({p.dedupe_key for p in planned}) == len(planned) == 4
    assert _enqueue(any_db, planned, at("2026-11-26", "10:00")) == 4
    with any_db.session() as session:
        stored = session.exec(select(Notification).where(Notification.kind == "escalation")).all()
    assert sorted(n.recipient_id for n in stored) == sorted([manager_id, manager_id, delegate.id, delegate.id])
    assert (
        _enqueue(any_db, _plan(any_db, planner.plan_escalations, at("2026-11-27", "10:00")), at("2026-11-27", "10:00"))
        == 0
    )  # and each only once


def test_a_delegate_of_another_team_gets_nothing_of_the_rep(any_db: Database) -> None:
    """A delegate stored before the rule (or whose team changed since) is not in the rep's team:
    escalations and VIP reminders go to the manager alone."""
    with any_db.session() as session:
        manager_id, rep_id, vip_id = _book(session)
        stranger = accounts.add_user(
            session, telegram_id=4, name="Zoe", role="rep", team="West", now=at("2026-11-24", "09:00")
        )
        session.add(
            Feedback(
                customer_id=vip_id,
                kind="complaint",
                text="late delivery",
                status="open",
                created_at=at("2026-11-24", "10:00"),
            )
        )
        user = session.get(User, rep_id)
        user.away_until, user.delegate_id = date(2026, 11, 30), stranger.id
        session.add(user)
    planned = _plan(any_db, planner.plan_escalations, at("2026-11-26", "10:00"))
    assert planned and {p.recipient_id for p in planned} == {manager_id}
    [nudge] = [p for p in _plan(any_db, planner.plan_afternoon, at("2026-11-24", "15:00")) if p.kind == "nudge"]
    assert nudge.recipient_id == manager_id


def test_away_takes_a_delegate_from_the_own_team_or_the_manager(any_db: Database) -> None:
    today = date(2026, 11, 24)
    with any_db.session() as session:
        manager_id, rep_id, _ = _book(session)
        accounts.add_user(session, telegram_id=3, name="Zhao", role="rep", team="East", now=at("2026-11-24", "09:00"))
        accounts.add_user(session, telegram_id=4, name="Zoe", role="rep", team="West", now=at("2026-11-24", "09:00"))
        accounts.add_user(
            session, telegram_id=5, name="Omar", role="manager", team="West", now=at("2026-11-24", "09:00")
        )
    for name in ("Zoe", "Omar"):
        with any_db.session() as session, pytest.raises(InvalidInput) as refused:
            accounts.set_away(session, rep_id, date(2026, 11, 30), f"@{name}", today)
        assert (refused.value.code, refused.value.params["value"]) == ("delegate_other_team", name)
    with any_db.session() as session:
        assert session.get(User, rep_id).delegate_id is None and session.get(User, rep_id).away_until is None
        assert accounts.set_away(session, rep_id, date(2026, 11, 30), "@Zhao", today) == (date(2026, 11, 30), "Zhao")
        assert accounts.set_away(session, rep_id, date(2026, 11, 30), "@Wang", today) == (date(2026, 11, 30), "Wang")
        assert session.get(User, rep_id).delegate_id == manager_id


def test_review_day_runs_once_and_tells_reps_what_changed(any_db: Database) -> None:
    with any_db.session() as session:
        _, rep_id, vip_id = _book(session)
    assert review_cycle.run_review(any_db, POLICY, SETTINGS, at("2026-12-31", "10:00")) == (0, 0)  # not a review day
    changed, notices = review_cycle.run_review(any_db, POLICY, SETTINGS, at("2027-01-01", "10:00"))
    assert changed >= 1 and notices == 1  # the stored "vip" no longer matches its live score
    assert review_cycle.run_review(any_db, POLICY, SETTINGS, at("2027-01-01", "11:00")) == (0, 0)  # once per day
    with any_db.session() as session:
        notice = session.exec(select(Notification).where(Notification.kind == "tier_changes")).one()
    assert notice.recipient_id == rep_id and notice.dedupe_key == f"tier_changes:{rep_id}:2027-01-01"
    assert any(c["customer_id"] == vip_id for c in notice.payload["params"]["changes"])


def test_dry_run_of_the_review_stores_nothing(any_db: Database) -> None:
    with any_db.session() as session:
        _book(session)
    recompute(any_db, AsOf(POLICY, at("2026-11-24", "09:00"), "Asia/Shanghai"), review=False)
    with any_db.session() as session:
        planned = review_cycle.plan_review_notices(session, POLICY, SETTINGS, at("2027-01-01", "10:00"))
        before = {(t.customer_id, t.model): t.tier for t in session.exec(select(CustomerTier)).all()}
    assert isinstance(planned, list)
    with any_db.session() as session:
        after = {(t.customer_id, t.model): t.tier for t in session.exec(select(CustomerTier)).all()}
        assert session.exec(select(Notification)).all() == []
    assert before == after


def test_vip_reminders_of_an_away_rep_go_to_the_delegate(any_db: Database) -> None:
    with any_db.session() as session:
        manager_id, rep_id, _ = _book(session)
        delegate = accounts.add_user(
            session, telegram_id=3, name="Zhao", role="rep", team="East", now=at("2026-11-24", "09:00")
        )
        user = session.get(User, rep_id)
        user.away_until, user.delegate_id = date(2026, 11, 30), delegate.id
        session.add(user)
    [nudge] = [p for p in _plan(any_db, planner.plan_afternoon, at("2026-11-24", "15:00")) if p.kind == "nudge"]
    assert nudge.recipient_id == delegate.id and nudge.payload.params["for_rep"] == "Li"
    with any_db.session() as session:
        user = session.get(User, rep_id)
        user.delegate_id = None
        session.add(user)
    [nudge] = [p for p in _plan(any_db, planner.plan_afternoon, at("2026-11-24", "15:00")) if p.kind == "nudge"]
    assert nudge.recipient_id == manager_id


def test_a_review_missed_while_down_runs_within_the_week(any_db: Database) -> None:
    with any_db.session() as session:
        _book(session)
    changed, notices = review_cycle.run_review(any_db, POLICY, SETTINGS, at("2027-01-03", "10:00"))  # 1 Jan missed
    assert changed >= 1 and notices == 1
    with any_db.session() as session:
        assert review_cycle.review_due(session, POLICY, SETTINGS, at("2027-01-04", "10:00")) is None
        assert review_cycle.review_due(session, POLICY, SETTINGS, at("2027-01-20", "10:00")) is None  # too late

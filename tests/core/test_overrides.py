"""Overrides (人工调档) in core: naming tiers in zh/en, reading `/override` arguments, pinning and
unpinning with an immediate re-tier, expiry, rights, the audit, and the pins on the card."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from core import accounts
from core.as_of import AsOf
from core.customers import cards
from core.db import Database
from core.errors import Forbidden, InvalidInput, NotFound
from core.models import AuditLog, Customer, CustomerTier, TierOverride
from core.policies import default_policy_text
from core.tier_records import overrides
from core.tier_records.retier import active_overrides as engine_overrides
from core.tiering import parse_policy
from tests.core.test_policy_versions import small_book

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # Tuesday 09:00 in Shanghai
TZ = "Asia/Shanghai"
POLICY = parse_policy(default_policy_text())
TODAY = date(2026, 11, 24)


def _value_tier(db: Database, customer_id: int) -> tuple[str | None, str]:
    with db.session() as session:
        row = session.get(CustomerTier, (customer_id, "value"))
        return row.tier, row.reason


@pytest.fixture
def people(any_db: Database):
    with any_db.session() as session:
        manager = accounts.add_user(session, telegram_id=201, name="王芳", role="manager", team="East", now=NOW)
        rep = accounts.add_user(session, telegram_id=202, name="李伟", role="rep", team="East", now=NOW)
        other = accounts.add_user(session, telegram_id=203, name="Tom", role="manager", team="West", now=NOW)
        admin = accounts.add_user(session, telegram_id=204, name="Root", role="admin", now=NOW)
    ids = small_book(any_db, owner_id=rep.id)
    return {"manager": manager, "rep": rep, "other": other, "admin": admin, "ids": ids}


def test_tiers_are_named_by_code_or_name_in_either_language() -> None:
    def named(word: str) -> list[tuple[str, str]]:
        return [(c.model, c.tier) for c in overrides.tier_choices(POLICY, word)]

    assert named("VIP") == named("vip") == named("VIP客户") == [("value", "vip")]
    assert named("重要") == named("重要客户") == named("Key") == named("key") == [("value", "key")]
    assert named("普通") == named("regular") == [("value", "regular")]
    assert named("A") == named("A类") == named("a") == [("pipeline", "A")]
    assert named("D级") == [("service", "D")]
    assert named("champions") == named("冠军客户") == [("rfm", "champions")]
    assert named("platinum") == []


def test_reading_the_command() -> None:
    args = overrides.parse_args(POLICY, "Acme Corp 重要 strategic partner until 2027-01-31", TODAY)
    assert (args.name, args.word, args.reason, args.until) == (
        "Acme Corp",
        "重要",
        "strategic partner",
        date(2027, 1, 31),
    )
    assert [(c.model, c.tier) for c in args.choices] == [("value", "key")]
    zh = overrides.parse_args(POLICY, "华为 VIP 战略客户，要到年底 至 2026-12-31", TODAY)
    assert (zh.name, zh.reason, zh.until) == ("华为", "战略客户，要到年底", date(2026, 12, 31))
    assert overrides.parse_args(POLICY, "华为 VIP 年底前保持", TODAY).until is None
    off = overrides.parse_args(POLICY, "Key Logistics off", TODAY)
    assert off.off and off.name == "Key Logistics"  # the first word is always the name
    with pytest.raises(InvalidInput) as usage:
        overrides.parse_args(POLICY, "Acme platinum because", TODAY)
    assert usage.value.code == "override_usage"
    with pytest.raises(InvalidInput) as bad:
        overrides.parse_args(POLICY, "Acme VIP reason until someday", TODAY)
    assert bad.value.code == "override_bad_date"
    with pytest.raises(InvalidInput) as past:
        overrides.parse_args(POLICY, "Acme VIP reason until 2026-11-20", TODAY)
    assert past.value.code == "override_past_date"


def test_pin_retiers_at_once_is_audited_and_shows_on_the_card(any_db: Database, people) -> None:
    manager, draco = people["manager"], people["ids"]["Draco"]
    assert _value_tier(any_db, draco) == ("regular", "initial")
    with any_db.session() as session:
        pinned = overrides.pin(
            session,
            manager,
            AsOf(POLICY, NOW, TZ),
            draco,
            "value",
            "vip",
            "  strategic   partner ",
            until=date(2027, 3, 31),
            timezone=TZ,
        )
    assert [(c.old, c.new, c.reason) for c in pinned.changes] == [("regular", "vip", "override")]
    assert _value_tier(any_db, draco) == ("vip", "override")
    assert (pinned.pin.reason, pinned.pin.by, pinned.pin.until) == ("strategic partner", "王芳", date(2027, 3, 31))
    assert pinned.pin.expires_at == datetime(2027, 3, 31, 16, 0, tzinfo=UTC)  # through 31 March in Shanghai
    with any_db.session() as session:
        [entry] = session.exec(select(AuditLog).where(AuditLog.action == "override.pin")).all()
        assert (entry.actor_id, entry.target, entry.detail["tier"]) == (manager.id, f"customer:{draco}", "vip")
        card = cards.card(session, manager, draco, AsOf(POLICY, NOW, TZ), lang="zh", currency="CNY")
    [pin] = card.pins
    assert (pin.model_name, pin.tier_name, pin.by, pin.until) == ("价值分档", "VIP客户", "王芳", date(2027, 3, 31))
    assert [b.pinned for b in card.badges if b.model == "value"] == [True]


def test_a_new_pin_replaces_the_old_and_unpin_returns_to_the_score(any_db: Database, people) -> None:
    manager, draco = people["manager"], people["ids"]["Draco"]
    with any_db.session() as session:
        overrides.pin(session, manager, AsOf(POLICY, NOW, TZ), draco, "value", "vip", "trial", until=None, timezone=TZ)
    with any_db.session() as session:
        second = overrides.pin(
            session,
            manager,
            AsOf(POLICY, NOW, TZ),
            draco,
            "value",
            "key",
            "scaled down",
            until=None,
            timezone=TZ,
        )
        assert second.replaced == "vip"
        assert [
            (o.tier, o.removed_at is None) for o in session.exec(select(TierOverride).order_by(TierOverride.id))
        ] == [("vip", False), ("key", True)]
    assert _value_tier(any_db, draco) == ("key", "override")
    with any_db.session() as session:
        name, ended, changes = overrides.unpin(session, manager, AsOf(POLICY, NOW, TZ), draco)
    assert name == "Draco" and [o.tier for o in ended] == ["key"]
    # handed back as at a review: score 0 is far under Key's 50, so down at once, not next quarter
    assert [(c.old, c.new, c.reason) for c in changes] == [("key", "regular", "downgrade")]
    with any_db.session() as session:
        assert overrides.unpin(session, manager, AsOf(POLICY, NOW, TZ), draco)[1] == []
        assert [a.action for a in session.exec(select(AuditLog).order_by(AuditLog.id))].count("override.remove") == 1


def test_an_expired_pin_stops_applying_and_is_settled(any_db: Database, people) -> None:
    manager, vega = people["manager"], people["ids"]["Vega"]
    with any_db.session() as session:
        overrides.pin(
            session,
            manager,
            AsOf(POLICY, NOW, TZ),
            vega,
            "value",
            "vip",
            "event season",
            until=date(2026, 11, 30),
            timezone=TZ,
        )
    expiry = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 1 December 00:00 in Shanghai
    with any_db.session() as session:
        assert overrides.expire_due(session, AsOf(POLICY, expiry - timedelta(minutes=1), TZ)) == 0
        assert len(overrides.active_overrides(session, None, expiry - timedelta(minutes=1), POLICY)) == 1
        assert overrides.active_overrides(session, None, expiry, POLICY) == []  # the card stops showing it
        assert engine_overrides(session, expiry) == {}  # and the engine stops applying it
        assert overrides.expire_due(session, AsOf(POLICY, expiry + timedelta(minutes=30), TZ)) == 1
    assert _value_tier(any_db, vega) == ("regular", "downgrade")  # 40: more than 5 under Key's 50
    with any_db.session() as session:
        assert session.exec(select(TierOverride)).one().removed_at is not None
        assert session.exec(select(AuditLog).where(AuditLog.action == "override.expired")).one().actor_id is None
        assert overrides.expire_due(session, AsOf(POLICY, expiry + timedelta(hours=2), TZ)) == 0


def test_rights_reps_never_managers_their_team_admins_all(any_db: Database, people) -> None:
    lyra = people["ids"]["Lyra"]
    with any_db.session() as session, pytest.raises(Forbidden):
        overrides.pin(
            session, people["rep"], AsOf(POLICY, NOW, TZ), lyra, "value", "vip", "mine", until=None, timezone=TZ
        )
    with any_db.session() as session, pytest.raises(NotFound):
        overrides.pin(
            session,
            people["other"],
            AsOf(POLICY, NOW, TZ),
            lyra,
            "value",
            "vip",
            "not my team",
            until=None,
            timezone=TZ,
        )
    with any_db.session() as session:
        overrides.pin(
            session,
            people["admin"],
            AsOf(POLICY, NOW, TZ),
            lyra,
            "value",
            "key",
            "board decision",
            until=None,
            timezone=TZ,
        )
    with any_db.session() as session:
        assert [p.customer_name for p in overrides.active_overrides(session, people["manager"], NOW, POLICY)] == [
            "Lyra"
        ]
        assert overrides.active_overrides(session, people["other"], NOW, POLICY) == []
        with pytest.raises(Forbidden):
            overrides.unpin(session, people["rep"], AsOf(POLICY, NOW, TZ), lyra)
        assert session.exec(select(TierOverride)).one().removed_at is None


def test_bad_pins_write_nothing(any_db: Database, people) -> None:
    manager, lyra = people["manager"], people["ids"]["Lyra"]
    cases = [
        ("pipeline", "A", "prospect grade", "override_model_not_applicable"),  # Lyra is active
        ("value", "gold", "no such tier", "override_bad_tier"),
        ("value", "vip", "   ", "override_no_reason"),
    ]
    for model, tier, reason, code in cases:
        with any_db.session() as session, pytest.raises(InvalidInput) as error:
            overrides.pin(session, manager, AsOf(POLICY, NOW, TZ), lyra, model, tier, reason, until=None, timezone=TZ)
        assert error.value.code == code
    with any_db.session() as session:
        assert session.exec(select(TierOverride)).all() == []
        assert overrides.models_for(session, manager, POLICY, lyra) == ["value", "rfm", "service"]
        session.get(Customer, lyra).stage = "prospect"
    with any_db.session() as session:
        assert overrides.models_for(session, manager, POLICY, lyra) == ["rfm", "pipeline"]

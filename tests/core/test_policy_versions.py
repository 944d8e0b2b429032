"""Policy versions in the database: drafts, the preview of what a new policy changes (hand-checked
on a small book), apply, restore, the operator's pinned file, and the holder every process
uses to pick up a new version within its refresh interval."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from core import accounts
from core.accounts import Account
from core.as_of import AsOf
from core.clock import ManualClock
from core.db import Database
from core.errors import Forbidden
from core.models import AuditLog, Customer, CustomerTier, Notification, PolicyVersion
from core.policies import default_policy_text, example_policy_text
from core.settings import Settings, load_settings
from core.tier_records import policy_store
from core.tier_records.retier import recompute
from core.tiering import PolicyError, parse_policy

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
TZ = "Asia/Shanghai"
DEFAULT = parse_policy(default_policy_text())
# VIP from 45 (was 75), Key from 30 (was 50): only the value tier's thresholds move.
LOWER_THRESHOLDS = (
    default_policy_text().replace("min_score = 75", "min_score = 45", 1).replace("min_score = 50", "min_score = 30", 1)
)

# (name, potential, influence, contract start). No deals and no interactions, so under the
# default value model: contribution 0 (no revenue), stability = ½ × length (full after 5 years)
# + ½ × active months (0) → 50 with a 2019 contract, else 0; ratings 1–5 → 0/25/50/75/100.
# score = 0.40 × 0 + 0.25 × potential + 0.20 × stability + 0.15 × influence:
SMALL_BOOK = (
    ("Orion", 5, 5, date(2019, 1, 1)),  # 25 + 10 + 15   = 50   → key
    ("Vega", 5, 5, None),  # 25 + 0 + 15    = 40   → regular
    ("Lyra", 3, 3, None),  # 12.5 + 0 + 7.5 = 20   → regular
    ("Draco", 1, 1, None),  # 0              = 0    → regular
    ("Cygnus", 5, 3, date(2019, 1, 1)),  # 25 + 10 + 7.5  = 42.5 → regular
)
# Under LOWER_THRESHOLDS: Orion 50 ≥ 45 → vip (upgrades need no hysteresis); Vega 40 and
# Cygnus 42.5 ≥ 30 → key; Lyra 20 and Draco 0 stay regular. So: key → vip 1, regular → key 2.
EXPECTED_MOVES = {("value", "key", "vip"): 1, ("value", "regular", "key"): 2}


def settings(**values: object) -> Settings:
    return load_settings(_env_file=None, telegram_bot_token=None, **values)


def small_book(db: Database, owner_id: int | None = None, now: datetime = NOW) -> dict[str, int]:
    """The hand-checked book above, with first tiers assigned under the default policy."""
    ids = {}
    with db.session() as session:
        for name, potential, influence, start in SMALL_BOOK:
            row = Customer(
                name=name,
                stage="active",
                potential=potential,
                influence=influence,
                contract_start=start,
                owner_id=owner_id,
                added_at=now - timedelta(days=400),
            )
            session.add(row)
            session.flush()
            ids[name] = row.id
    recompute(db, AsOf(DEFAULT, now, TZ), review=False)
    return ids


def value_tiers(db: Database) -> dict[str, str | None]:
    with db.session() as session:
        rows = session.exec(
            select(Customer.name, CustomerTier.tier)
            .join(CustomerTier, CustomerTier.customer_id == Customer.id)
            .where(CustomerTier.model == "value")
        ).all()
    return dict(rows)


def _people(session: Session) -> tuple[Account, Account]:
    manager = accounts.add_user(session, telegram_id=101, name="王芳", role="manager", team="East", now=NOW)
    rep = accounts.add_user(session, telegram_id=102, name="李伟", role="rep", team="East", now=NOW)
    return manager, rep


def test_no_version_means_the_shipped_default(any_db: Database) -> None:
    clock = ManualClock(NOW)
    holder = policy_store.PolicyHolder(settings(), any_db, clock)
    assert holder.policy.version == DEFAULT.version and not holder.pinned
    assert policy_store.effective_policy(settings(), any_db).version == DEFAULT.version
    with any_db.session() as session:
        source, text = policy_store.effective_source(session, settings())
        assert source.kind == "default" and text == default_policy_text()
        assert policy_store.versions(session) == ([], 0)


def test_invalid_uploads_are_refused_with_key_paths(any_db: Database) -> None:
    with any_db.session() as session:
        manager, rep = _people(session)
    with any_db.session() as session, pytest.raises(PolicyError) as syntax:
        policy_store.store_draft(session, settings(), manager, "[value\ntype = ", note="bad.toml", now=NOW)
    assert "not valid TOML" in str(syntax.value.issues[0])
    broken = (
        default_policy_text().replace("min_score = 50", "min_score = 140", 1).replace("weight = 40", 'weight = "x"', 1)
    )
    with any_db.session() as session, pytest.raises(PolicyError) as schema:
        policy_store.store_draft(session, settings(), manager, broken, note="bad.toml", now=NOW)
    assert "value.dimensions[0].weight" in schema.value.paths
    out_of_range = default_policy_text().replace("min_score = 50", "min_score = 140", 1)
    with any_db.session() as session, pytest.raises(PolicyError) as semantic:
        policy_store.store_draft(session, settings(), manager, out_of_range, note="bad.toml", now=NOW)
    assert "value.tiers[1].min_score" in semantic.value.paths
    with any_db.session() as session, pytest.raises(Forbidden):
        policy_store.store_draft(session, settings(), rep, default_policy_text(), note="x.toml", now=NOW)
    with any_db.session() as session:
        assert session.exec(select(PolicyVersion)).all() == []  # nothing half-written


def test_preview_counts_match_the_hand_checked_book(any_db: Database) -> None:
    small_book(any_db)
    assert value_tiers(any_db) == {
        "Orion": "key",
        "Vega": "regular",
        "Lyra": "regular",
        "Draco": "regular",
        "Cygnus": "regular",
    }
    with any_db.session() as session:
        manager, _ = _people(session)
        draft = policy_store.store_draft(session, settings(), manager, LOWER_THRESHOLDS, note="lower.toml", now=NOW)
    preview = policy_store.preview_changes(any_db, draft.policy, DEFAULT, NOW, org_timezone=TZ)
    assert preview.customers == 5 and preview.changed == 3
    assert {(m.model, m.old, m.new): m.count for m in preview.movements} == EXPECTED_MOVES
    first = preview.movements[0]  # the biggest move first, with the words to show
    assert (first.old_name.zh, first.new_name.zh, first.count) == ("普通客户", "重要客户", 2)
    assert value_tiers(any_db)["Orion"] == "key"  # a dry run: nothing stored
    with any_db.session() as session:
        assert session.get(PolicyVersion, draft.id).activated_at is None
        assert policy_store.versions(session) == ([], 0)  # a draft is not a version yet


def test_preview_keeps_hysteresis_as_a_review_does(any_db: Database) -> None:
    small_book(any_db)
    with any_db.session() as session:
        manager, _ = _people(session)
    for key_from, moves in ((53, {}), (56, {("value", "key", "regular"): 1})):  # Orion at 50: 3 short, then 6
        text = default_policy_text().replace("min_score = 50", f"min_score = {key_from}", 1)
        with any_db.session() as session:
            draft = policy_store.store_draft(session, settings(), manager, text, note="t.toml", now=NOW)
        preview = policy_store.preview_changes(any_db, draft.policy, DEFAULT, NOW, org_timezone=TZ)
        assert {(m.model, m.old, m.new): m.count for m in preview.movements} == moves


def test_apply_activates_retiers_notifies_and_restore_goes_back(any_db: Database) -> None:
    with any_db.session() as session:
        manager, rep = _people(session)
    small_book(any_db, owner_id=rep.id)
    with any_db.session() as session:
        draft = policy_store.store_draft(session, settings(), manager, LOWER_THRESHOLDS, note="lower.toml", now=NOW)
    applied = policy_store.apply(any_db, settings(), manager, draft.id, NOW)
    assert applied is not None and applied.changed == 3 and applied.notices == 1
    assert policy_store.apply(any_db, settings(), manager, draft.id, NOW) is None  # a second press does nothing
    assert value_tiers(any_db) == {
        "Orion": "vip",
        "Vega": "key",
        "Lyra": "regular",
        "Draco": "regular",
        "Cygnus": "key",
    }
    assert policy_store.effective_policy(settings(), any_db).version == draft.policy.version
    with any_db.session() as session:
        [notice] = session.exec(select(Notification)).all()
        assert notice.recipient_id == rep.id and notice.dedupe_key == f"tier_changes:{rep.id}:policy:{draft.id}"
        assert {c["name"] for c in notice.payload["params"]["changes"]} == {"Orion", "Vega", "Cygnus"}
        actions = [(a.action, a.actor_id, a.target) for a in session.exec(select(AuditLog).order_by(AuditLog.id)).all()]
        assert ("policy.apply", manager.id, f"policy_version:{draft.id}") in actions
        assert ("policy.retier", None, f"policy_version:{draft.id}") in actions
        restored = policy_store.draft_from_version(session, settings(), manager, None, now=NOW + timedelta(minutes=5))
    assert restored.policy.version == DEFAULT.version and restored.note == "shipped default"
    later = NOW + timedelta(minutes=5)
    assert policy_store.apply(any_db, settings(), manager, restored.id, later).changed == 3
    # back as before: each is more than the 5-point hysteresis under its tier's old threshold
    # (Orion 50 vs VIP 75, Vega 40 and Cygnus 42.5 vs Key 50), so the review rules move them down
    assert value_tiers(any_db) == {
        "Orion": "key",
        "Vega": "regular",
        "Lyra": "regular",
        "Draco": "regular",
        "Cygnus": "regular",
    }
    with any_db.session() as session:
        listed, total = policy_store.versions(session)
        again = policy_store.draft_from_version(session, settings(), manager, draft.id, now=later)
    assert total == 2 and [v.id for v in listed] == [restored.id, draft.id] and listed[0].current
    assert (listed[1].note, listed[1].by) == ("lower.toml", "王芳")
    assert again.note == f"restored from #{draft.id}" and again.policy.version == draft.policy.version


def test_discard_drops_only_a_draft(any_db: Database) -> None:
    with any_db.session() as session:
        manager, _ = _people(session)
        draft = policy_store.store_draft(session, settings(), manager, LOWER_THRESHOLDS, note="x.toml", now=NOW)
    with any_db.session() as session:
        assert policy_store.discard(session, manager, draft.id)
        assert not policy_store.discard(session, manager, draft.id)
        assert session.exec(select(PolicyVersion)).all() == []


def test_a_second_process_follows_within_its_refresh_interval(any_db: Database) -> None:
    clock = ManualClock(NOW)
    here = policy_store.PolicyHolder(settings(), any_db, clock)
    elsewhere = policy_store.PolicyHolder(settings(), any_db, clock)  # another process on the same database
    with any_db.session() as session:
        manager, _ = _people(session)
        draft = policy_store.store_draft(session, settings(), manager, LOWER_THRESHOLDS, note="x.toml", now=NOW)
    clock.advance(timedelta(seconds=5))
    policy_store.apply(any_db, settings(), manager, draft.id, clock.now())
    assert here.refresh() is True and here.policy.version == draft.policy.version
    assert elsewhere.policy.version == DEFAULT.version  # checked 5 s ago: not yet
    clock.advance(policy_store.REFRESH_INTERVAL - timedelta(seconds=6))
    assert elsewhere.policy.version == DEFAULT.version
    clock.advance(timedelta(seconds=2))  # 31 s after its last check
    assert elsewhere.policy.version == draft.policy.version


def test_a_pinned_file_wins_and_refuses_changes(any_db: Database, tmp_path: Path) -> None:
    path = tmp_path / "sponsor.toml"
    path.write_text(example_policy_text("sponsor"), encoding="utf-8")
    pinned = settings(policy_file=str(path))
    with any_db.session() as session:
        manager, _ = _people(session)
        session.add(
            PolicyVersion(version=DEFAULT.version, text=default_policy_text(), created_at=NOW, activated_at=NOW)
        )
    holder = policy_store.PolicyHolder(pinned, any_db, ManualClock(NOW))
    assert holder.pinned and holder.policy.name == "sponsor" and not holder.refresh()
    assert policy_store.effective_policy(pinned, any_db).name == "sponsor"
    with any_db.session() as session:
        assert policy_store.effective_source(session, pinned)[0].kind == "file"
        with pytest.raises(policy_store.PolicyPinned):
            policy_store.store_draft(session, pinned, manager, LOWER_THRESHOLDS, note="x.toml", now=NOW)
        with pytest.raises(policy_store.PolicyPinned):
            policy_store.draft_from_version(session, pinned, manager, None, now=NOW)


def test_an_interrupted_apply_is_finished_by_the_catch_up(any_db: Database) -> None:
    with any_db.session() as session:
        manager, _ = _people(session)
    small_book(any_db)
    with any_db.session() as session:
        draft = policy_store.store_draft(session, settings(), manager, LOWER_THRESHOLDS, note="x.toml", now=NOW)
        policy_store.activate(session, settings(), manager, draft.id, NOW)  # then the process died
    assert value_tiers(any_db)["Orion"] == "key"
    assert policy_store.retier_pending(any_db, settings(), NOW) is True
    assert value_tiers(any_db)["Orion"] == "vip"
    assert policy_store.retier_pending(any_db, settings(), NOW) is False

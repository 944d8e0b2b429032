"""The tiering service over a real database: facts from SQL, first assignments, the review run
with hysteresis and overrides, history, and the stable JSON of `tierbot tiers`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlmodel import Session, select

from core import accounts
from core.db import Database
from core.facts import load_facts
from core.models import Contact, Customer, CustomerTier, Feedback, Interaction, TierAssignment, TierOverride
from core.money import to_minor
from core.policies import default_policy_text
from core.tier_report import tier_json
from core.tiering import parse_policy
from core.tiers import recompute, retier_customer, tier_views

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
POLICY = parse_policy(default_policy_text())
TZ = "Asia/Shanghai"


def _customer(session: Session, name: str, **fields) -> int:
    row = Customer(name=name, added_at=fields.pop("added_at", NOW - timedelta(days=400)), **fields)
    session.add(row)
    session.flush()
    return row.id


def _touch(session: Session, customer_id: int, kind: str, days_ago: float, amount: str | None = None,
           channel: str | None = None) -> None:
    session.add(Interaction(customer_id=customer_id, kind=kind, channel=channel,
                            occurred_at=NOW - timedelta(days=days_ago), created_at=NOW,
                            amount_minor=to_minor(Decimal(amount), "CNY") if amount else None,
                            currency="CNY" if amount else None))


def test_facts_are_aggregated_in_sql(any_db: Database) -> None:
    with any_db.session() as session:
        cid = _customer(session, "Acme", stage="active", region="CN", contract_start=date(2021, 3, 1))
        _touch(session, cid, "deal", 10, "1000.50", channel="visit")
        _touch(session, cid, "deal", 400, "99")  # outside 365 days, inside the RFM window
        _touch(session, cid, "note", 1)
        _touch(session, cid, "call", 100)
        _touch(session, cid, "call", -3)  # in the future: ignored
        session.add(Feedback(customer_id=cid, kind="complaint", satisfaction=2, created_at=NOW - timedelta(days=5)))
        session.add(Feedback(customer_id=cid, kind="praise", satisfaction=4, status="resolved",
                             created_at=NOW - timedelta(days=20)))
        session.add(Contact(customer_id=cid, name="Bob", birthday=date(1980, 11, 27), is_primary=True))
    with any_db.session() as session:
        [facts] = load_facts(session, POLICY, NOW, org_timezone=TZ)
    assert facts.revenue_12m == {"CNY": Decimal("1000.50")}
    assert facts.rfm_amount == {"CNY": Decimal("1099.50")} and facts.rfm_deal_count == 2
    assert facts.last_contact_at == NOW - timedelta(days=10)  # notes do not count as contact
    assert facts.last_visit_at == NOW - timedelta(days=10)  # a deal closed in a visit
    assert (facts.interactions_last_90, facts.interactions_prev_90) == (2, 1)
    assert facts.active_months_12 == 2  # Nov (note + deal 10 days ago) and Aug (call); the future counts not
    assert facts.latest_feedback_satisfaction == 2 and facts.open_complaints == 1
    assert facts.first_interaction_at == NOW - timedelta(days=400)
    kinds = {o.kind for o in facts.occasions}
    assert "birthday" in kinds


def test_first_assignment_then_review_with_hysteresis_and_history(any_db: Database) -> None:
    with any_db.session() as session:
        rich = _customer(session, "Rich", stage="active", potential=5, influence=5, contract_start=date(2019, 1, 1))
        poor = _customer(session, "Poor", stage="active", potential=1, influence=1)
        _touch(session, rich, "deal", 5, "900000")
        _touch(session, poor, "deal", 5, "10")
    first = recompute(any_db, POLICY, NOW, org_timezone=TZ, review=False)
    assert {(c.customer_id, c.model, c.reason) for c in first.changes} >= {(rich, "value", "initial"),
                                                                           (poor, "value", "initial")}
    again = recompute(any_db, POLICY, NOW, org_timezone=TZ, review=False)
    assert again.changes == []  # nothing moves outside a review
    with any_db.session() as session:
        tier = session.get(CustomerTier, (rich, "value"))
        assert tier.tier == "vip" and tier.policy_version == POLICY.version
        history = session.exec(select(TierAssignment).where(TierAssignment.customer_id == rich)).all()
        assert {"value", "rfm"} <= {h.model for h in history}
        value_row = next(h for h in history if h.model == "value")
        assert value_row.previous_tier is None and "components" in value_row.breakdown


def test_override_pins_the_tier_until_it_expires(any_db: Database) -> None:
    with any_db.session() as session:
        cid = _customer(session, "Pinned", stage="active", potential=1, influence=1)
    recompute(any_db, POLICY, NOW, org_timezone=TZ, review=False)
    with any_db.session() as session:
        session.add(TierOverride(customer_id=cid, model="value", tier="vip", reason="strategic", created_at=NOW,
                                 expires_at=NOW + timedelta(days=30)))
    report = recompute(any_db, POLICY, NOW, org_timezone=TZ, review=True)
    assert [(c.model, c.new, c.reason) for c in report.changes if c.customer_id == cid and c.model == "value"] \
        == [("value", "vip", "override")]
    later = recompute(any_db, POLICY, NOW + timedelta(days=31), org_timezone=TZ, review=True)
    assert [(c.new, c.reason) for c in later.changes if c.customer_id == cid and c.model == "value"] \
        == [("regular", "downgrade")]


def test_stage_change_clears_models_that_no_longer_apply(any_db: Database) -> None:
    with any_db.session() as session:
        cid = _customer(session, "Prospect", stage="prospect", intention=5, pipeline_stage="contract_sent",
                        expected_signing_date=date(2026, 12, 1))
    recompute(any_db, POLICY, NOW, org_timezone=TZ, review=False)
    with any_db.session() as session:
        assert session.get(CustomerTier, (cid, "pipeline")).tier == "A"
        session.get(Customer, cid).stage = "active"
    with any_db.session() as session:
        _, changes = retier_customer(session, POLICY, cid, NOW, org_timezone=TZ)
    reasons = {(c.model, c.new, c.reason) for c in changes}
    assert ("pipeline", None, "not_applicable") in reasons
    assert any(model == "value" and reason == "initial" for model, _, reason in reasons)


def test_tiers_json_shape(any_db: Database) -> None:
    with any_db.session() as session:
        owner = accounts.add_user(session, telegram_id=7, name="Li Wei", role="rep", now=NOW)
        cid = _customer(session, "华为", stage="active", potential=4, influence=3, external_id="C1",
                        owner_id=owner.id, expectation=4, satisfaction=5)
        _touch(session, cid, "deal", 3, "500000.25", channel="visit")
        empty = _customer(session, "Empty", stage="prospect")
    recompute(any_db, POLICY, NOW, org_timezone=TZ, review=False)
    with any_db.session() as session:
        views = {v.id: v for v in tier_views(session, POLICY, NOW, org_timezone=TZ)}
    row = tier_json(views[cid], POLICY, "en", "CNY")
    assert {"id", "external_id", "name", "owner", "stage", "value", "rfm", "pipeline", "service", "models",
            "flags", "cadence", "actions"} <= set(row)
    assert (row["external_id"], row["owner"], row["stage"]) == ("C1", "Li Wei", "active")
    assert row["value"]["tier"] in ("vip", "key", "regular")
    assert set(row["value"]["components"]) == {"contribution", "potential", "stability", "influence"}
    assert row["value"]["components"]["contribution"]["raw"] == "500000.25"
    assert row["rfm"]["segment"] and row["rfm"]["r"] in range(1, 6)
    assert row["pipeline"] is None and row["service"] == {"grade": "D", "total": 9}
    assert row["cadence"]["status"] == "ok" and row["cadence"]["next_visit_due"]
    assert all({"code", "text", "reason"} <= set(a) for a in row["actions"])
    blank = tier_json(views[empty], POLICY, "zh", "CNY")
    assert blank["rfm"] == {"r": None, "f": None, "m": None, "segment": "no_purchases",
                            "segment_name": blank["rfm"]["segment_name"]}
    assert blank["value"] is None and blank["pipeline"]["grade"] == "C"

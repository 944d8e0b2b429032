"""Booked money, expected money and refunds (issue 11 item 3) on a real database: expected
amounts become opportunities and never revenue, the pipeline grade reads the open ones, a refund
never raises contribution, won logs the deal and lost keeps the reason."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from core import accounts
from core.as_of import AsOf
from core.db import Database
from core.errors import InvalidInput
from core.interactions import opportunities
from core.interactions.logbook import LogDraft, log_and_retier, undo_last
from core.models import AuditLog, Customer, Interaction, Opportunity
from core.money import to_minor
from core.policies import default_policy_text
from core.reports.summary import _retention
from core.tier_records.fact_queries import load_facts
from core.tier_records.retier import evaluate_customer, recompute
from core.tiering import parse_policy
from core.tiering.specs import PipelineModel, WeightedModel

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
POLICY = parse_policy(default_policy_text())
TZ = "Asia/Shanghai"
PIPELINE = next(m.code for m in POLICY.models if isinstance(m, PipelineModel))
VALUE = next(m.code for m in POLICY.models if isinstance(m, WeightedModel) and m.uses_contribution)


def _rep(session: Session) -> accounts.Account:
    return accounts.add_user(session, telegram_id=7, name="Li", role="rep", now=NOW)


def _customer(session: Session, owner: int, name: str, stage: str = "prospect", **fields) -> int:
    row = Customer(name=name, owner_id=owner, stage=stage, added_at=NOW - timedelta(days=400), **fields)
    session.add(row)
    session.flush()
    return row.id or 0


def _deal(session: Session, customer_id: int, amount: str, days_ago: int) -> None:
    session.add(
        Interaction(
            customer_id=customer_id,
            kind="deal",
            occurred_at=NOW - timedelta(days=days_ago),
            amount_minor=to_minor(Decimal(amount), "CNY"),
            currency="CNY",
            created_at=NOW,
        )
    )


def _log(session: Session, rep: accounts.Account, customer_id: int, message_id: int, **fields):
    draft = LogDraft(
        customer_id=customer_id,
        kind=fields.pop("kind", "call"),
        occurred_at=(NOW - timedelta(hours=1)).isoformat(),
        summary=fields.pop("summary", "talked"),
        **fields,
    )
    return log_and_retier(
        session, rep, draft, chat_id=1, message_id=message_id, as_of=AsOf(POLICY, NOW, TZ), currency="CNY"
    )


def _facts(session: Session, customer_id: int):
    return load_facts(session, AsOf(POLICY, NOW, TZ), customer_ids=[customer_id])[0]


def test_expected_money_opens_an_opportunity_and_is_never_revenue(any_db: Database) -> None:
    with any_db.session() as session:
        rep = _rep(session)
        cid = _customer(session, rep.id, "华为")
        logged = _log(
            session,
            rep,
            cid,
            1,
            kind="deal",
            amount="800000",
            currency="CNY",
            money="expected",
            expected_by="2027-01-15",
            summary="下个月签 大约八十万",
        )
    with any_db.session() as session:
        interaction = session.get(Interaction, logged.saved.interaction_id)
        assert interaction.kind == "note" and interaction.amount_minor is None  # not a deal, no amount
        row = session.exec(select(Opportunity).where(Opportunity.customer_id == cid)).one()
        assert (row.amount_minor, row.currency, row.expected_signing_date, row.status) == (
            80_000_000,
            "CNY",
            date(2027, 1, 15),
            "open",
        )
        assert row.source_interaction_id == interaction.id and logged.saved.opportunity_created
        facts = _facts(session, cid)
        assert facts.revenue_12m == {} and facts.rfm_deal_count == 0  # expected ≠ booked
        assert [o.expected_signing_date for o in facts.open_opportunities] == [date(2027, 1, 15)]


def test_a_second_expected_amount_updates_the_open_opportunity(any_db: Database) -> None:
    with any_db.session() as session:
        rep = _rep(session)
        cid = _customer(session, rep.id, "Acme")
        first = _log(session, rep, cid, 1, amount="120000", currency="USD", money="expected")
        second = _log(session, rep, cid, 2, amount="150000", currency="USD", money="expected", expected_by="2026-12-20")
        third = _log(session, rep, cid, 3, amount="9000", currency="EUR", money="expected")
    assert first.saved.opportunity_id == second.saved.opportunity_id and not second.saved.opportunity_created
    assert third.saved.opportunity_created and third.saved.opportunity_id != first.saved.opportunity_id
    with any_db.session() as session:
        row = session.get(Opportunity, first.saved.opportunity_id)
        assert (row.amount_minor, row.expected_signing_date) == (15_000_000, date(2026, 12, 20))


def test_booked_money_is_a_deal_as_before(any_db: Database) -> None:
    with any_db.session() as session:
        rep = _rep(session)
        cid = _customer(session, rep.id, "Globex", stage="active")
        _log(session, rep, cid, 1, kind="deal", amount="50000", currency="CNY")  # money None: booked
        _log(session, rep, cid, 2, kind="deal", amount="20000", currency="CNY", money="booked")
        facts = _facts(session, cid)
        assert facts.revenue_12m == {"CNY": Decimal("70000.00")} and facts.rfm_deal_count == 2
        assert session.exec(select(Opportunity)).all() == []


def test_the_pipeline_grade_reads_open_opportunities(any_db: Database) -> None:
    """Without an opportunity the prospect has no stage and no date; one in negotiation that
    signs within 30 days raises its maturity; once lost, the grade falls back again."""
    with any_db.session() as session:
        rep = _rep(session)
        cid = _customer(session, rep.id, "Initech", intention=4)
        before = evaluate_customer(session, AsOf(POLICY, NOW, TZ), cid)[1].model(PIPELINE)
        logged = _log(
            session,
            rep,
            cid,
            1,
            amount="300000",
            currency="CNY",
            money="expected",
            expected_by=(NOW.date() + timedelta(days=20)).isoformat(),
        )
        opportunities.edit(
            session,
            rep,
            logged.saved.opportunity_id,
            "stage",
            "negotiation",
            as_of=AsOf(POLICY, NOW, TZ),
            currency="CNY",
        )
        opportunities.edit(
            session,
            rep,
            logged.saved.opportunity_id,
            "intention",
            "5",
            as_of=AsOf(POLICY, NOW, TZ),
            currency="CNY",
        )
        during = evaluate_customer(session, AsOf(POLICY, NOW, TZ), cid)[1].model(PIPELINE)
        opportunities.lose(session, rep, logged.saved.opportunity_id, "chose a competitor", as_of=AsOf(POLICY, NOW, TZ))
        after = evaluate_customer(session, AsOf(POLICY, NOW, TZ), cid)[1].model(PIPELINE)
    assert before.stage is None and before.signing_date is None
    assert (during.stage, during.days_to_signing, during.rating) == ("negotiation", 20, 5)  # the customer's is 4
    assert during.score > before.score + 0.4
    assert after.score == before.score
    with any_db.session() as session:
        row = session.get(Opportunity, logged.saved.opportunity_id)
        assert (row.status, row.lost_reason) == ("lost", "chose a competitor") and row.closed_at is not None


def test_several_opportunities_the_furthest_stage_and_nearest_date_count(any_db: Database) -> None:
    with any_db.session() as session:
        rep = _rep(session)
        cid = _customer(session, rep.id, "Hooli")
        for stage, days, intention in (("lead", 10, 2), ("proposal", 100, 5), (None, -5, None)):
            session.add(
                Opportunity(
                    customer_id=cid,
                    stage=stage,
                    intention=intention,
                    currency="CNY",
                    amount_minor=100,
                    expected_signing_date=NOW.date() + timedelta(days=days),
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        session.add(Opportunity(customer_id=cid, stage="contract_sent", status="lost", created_at=NOW, updated_at=NOW))
        session.flush()
        result = evaluate_customer(session, AsOf(POLICY, NOW, TZ), cid)[1].model(PIPELINE)
    assert (result.stage, result.days_to_signing, result.rating) == ("proposal", 10, 5)


def test_a_refund_never_raises_contribution_or_rfm(any_db: Database) -> None:
    with any_db.session() as session:
        rep = _rep(session)
        cid = _customer(session, rep.id, "Umbrella", stage="active")
        _deal(session, cid, "100000", 200)
        session.flush()
        before = _facts(session, cid)
        logged = _log(
            session, rep, cid, 1, kind="call", amount="30000", currency="CNY", money="refund", summary="退款3万"
        )
        after = _facts(session, cid)
        row = session.get(Interaction, logged.saved.interaction_id)
        assert (row.kind, row.channel, row.amount_minor) == ("deal", "call", -3_000_000)
    assert before.revenue_12m == {"CNY": Decimal("100000.00")}
    assert after.revenue_12m == {"CNY": Decimal("70000.00")}  # net of the refund
    assert after.rfm_deal_count == before.rfm_deal_count == 1  # no purchase
    assert after.rfm_last_deal_at == before.rfm_last_deal_at  # recency unchanged


def test_a_refund_lowers_the_value_score_never_raises_it(any_db: Database) -> None:
    """Two customers with the same booked revenue; after a refund for one of them, its value
    score at a review is lower than before and lower than the other's."""
    with any_db.session() as session:
        rep = _rep(session)
        one, other = (
            _customer(session, rep.id, "One", stage="active"),
            _customer(session, rep.id, "Two", stage="active"),
        )
        for cid in (one, other):
            _deal(session, cid, "50000", 30)

    def scores() -> dict[int, float]:  # live scores, ranked against the whole book as at a review
        recompute(any_db, AsOf(POLICY, NOW, TZ), review=True)
        with any_db.session() as session:
            return {
                cid: evaluate_customer(session, AsOf(POLICY, NOW, TZ), cid)[1].model(VALUE).score
                for cid in (one, other)
            }

    before = scores()
    with any_db.session() as session:
        _log(session, rep, one, 1, kind="deal", amount="80000", currency="CNY", money="refund")
    after = scores()
    assert before[one] == before[other]
    assert after[one] < before[one] and after[one] < after[other]
    with any_db.session() as session:
        assert _facts(session, one).revenue_12m == {"CNY": Decimal("-30000.00")}


def test_retention_counts_purchases_not_refunds(any_db: Database) -> None:
    with any_db.session() as session:
        rep = _rep(session)
        cid = _customer(session, rep.id, "Kept?", stage="active")
        _deal(session, cid, "1000", 500)  # a purchase 12–24 months ago
        session.add(
            Interaction(
                customer_id=cid,
                kind="deal",
                occurred_at=NOW - timedelta(days=30),
                amount_minor=-50_000,
                currency="CNY",
                created_at=NOW,
            )
        )  # only a refund since
        session.flush()
        assert _retention(session, Customer.id == cid, NOW) == (1, 0)


def test_won_logs_the_deal_and_activates_the_prospect(any_db: Database) -> None:
    with any_db.session() as session:
        rep = _rep(session)
        cid = _customer(session, rep.id, "Stark")
        logged = _log(session, rep, cid, 1, amount="1200000", currency="USD", money="expected")
        won = opportunities.win(session, rep, logged.saved.opportunity_id, as_of=AsOf(POLICY, NOW, TZ))
        deal = session.get(Interaction, won.deal_interaction_id)
        assert (deal.kind, deal.amount_minor, deal.currency) == ("deal", 120_000_000, "USD")
        assert session.get(Customer, cid).stage == "active"
        assert _facts(session, cid).revenue_12m == {"USD": Decimal("1200000.00")}
        with pytest.raises(InvalidInput):  # a second press: already closed
            opportunities.win(session, rep, logged.saved.opportunity_id, as_of=AsOf(POLICY, NOW, TZ))
        assert session.exec(select(AuditLog).where(AuditLog.action == "opportunity.won")).one()


def test_undo_of_the_log_that_opened_an_opportunity_removes_it(any_db: Database) -> None:
    with any_db.session() as session:
        rep = _rep(session)
        cid = _customer(session, rep.id, "Wayne")
        logged = _log(session, rep, cid, 1, amount="5000", currency="CNY", money="expected")
    with any_db.session() as session:
        assert undo_last(session, rep, AsOf(POLICY, NOW + timedelta(minutes=5), "Asia/Shanghai")) is not None
    with any_db.session() as session:
        assert session.get(Opportunity, logged.saved.opportunity_id) is None


def test_bad_opportunity_edits_write_nothing(any_db: Database) -> None:
    with any_db.session() as session:
        rep = _rep(session)
        cid = _customer(session, rep.id, "Vandelay")
        oid = _log(session, rep, cid, 1, amount="5000", currency="CNY", money="expected").saved.opportunity_id
        for field, text, code in (
            ("amount", "lots", "bad_amount"),
            ("amount", "-5", "bad_amount"),
            ("expected_signing_date", "someday", "bad_date"),
            ("stage", "won", "bad_stage"),
            ("title", "  ", "empty_text"),
            ("intention", "7", "bad_rating"),
            ("intention", "", "bad_rating"),
            ("colour", "red", "bad_field"),
        ):
            with pytest.raises(InvalidInput) as raised:
                opportunities.edit(session, rep, oid, field, text, as_of=AsOf(POLICY, NOW, TZ), currency="CNY")
            assert raised.value.code == code
        with pytest.raises(InvalidInput):
            opportunities.lose(session, rep, oid, " ", as_of=AsOf(POLICY, NOW, TZ))
        row = session.get(Opportunity, oid)
        assert (row.amount_minor, row.status, row.stage) == (500_000, "open", None)
        opportunities.edit(session, rep, oid, "amount", "3万 USD", as_of=AsOf(POLICY, NOW, TZ), currency="CNY")
        assert (row.amount_minor, row.currency) == (3_000_000, "USD")


@pytest.mark.parametrize(
    ("kind", "channel", "money", "saved"),
    [
        ("deal", "visit", "expected", ("visit", None)),  # expected money is never a deal
        ("deal", None, "expected", ("note", None)),
        ("call", None, "refund", ("deal", "call")),  # a refund is a (negative) deal
        ("visit", None, "booked", ("deal", "visit")),  # booked money said so is a deal
        ("visit", None, None, ("visit", None)),  # an amount nobody classified stays as logged
    ],
)
def test_what_a_draft_is_saved_as(kind: str, channel: str | None, money: str | None, saved: tuple) -> None:
    draft = LogDraft(
        customer_id=1,
        kind=kind,
        channel=channel,
        occurred_at=NOW.isoformat(),
        summary="x",
        amount="100",
        currency="CNY",
        money=money,
    ).coherent()
    assert (draft.kind, draft.channel) == saved

"""Correcting a saved log from the history (issue 11 item 9): customer, kind, date, amount and
currency, feedback; both customers re-tiered in the same transaction; bad input writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from core import accounts
from core.as_of import AsOf
from core.db import Database
from core.errors import InvalidInput, NotFound
from core.interactions.logbook import LogDraft, correct, log_and_retier
from core.models import AuditLog, Customer, CustomerTier, Feedback, FollowUp, Interaction, Opportunity
from core.policies import default_policy_text
from core.tier_records.fact_queries import load_facts
from core.tiering import parse_policy

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
POLICY = parse_policy(default_policy_text())
TZ = "Asia/Shanghai"


def _setup(session: Session) -> tuple[accounts.Account, int, int, int]:
    rep = accounts.add_user(session, telegram_id=7, name="Li", role="rep", now=NOW)
    ids = []
    for name in ("华为", "中兴通讯"):
        row = Customer(name=name, owner_id=rep.id, stage="active", added_at=NOW - timedelta(days=400))
        session.add(row)
        session.flush()
        ids.append(row.id)
    draft = LogDraft(
        customer_id=ids[0],
        kind="deal",
        occurred_at=(NOW - timedelta(days=2)).isoformat(),
        summary="签约50万，客户对交付不满意",
        amount="500000",
        currency="CNY",
        feedback_kind="complaint",
        feedback_text="对交付不满意",
        follow_up_due=(NOW + timedelta(days=3)).isoformat(),
    )
    logged = log_and_retier(session, rep, draft, chat_id=1, message_id=1, as_of=AsOf(POLICY, NOW, TZ), currency="CNY")
    return rep, ids[0], ids[1], logged.saved.interaction_id


def _fix(session: Session, rep, interaction_id: int, field: str, value):
    return correct(session, rep, interaction_id, field, value, as_of=AsOf(POLICY, NOW, TZ), currency="CNY")


def _revenue(session: Session, customer_id: int):
    return load_facts(session, AsOf(POLICY, NOW, TZ), customer_ids=[customer_id])[0].revenue_12m


def test_moving_a_log_moves_what_it_created_and_retiers_both(any_db: Database) -> None:
    with any_db.session() as session:
        rep, huawei, zte, iid = _setup(session)
        session.add(Opportunity(customer_id=huawei, source_interaction_id=iid, created_at=NOW, updated_at=NOW))
        session.flush()
        done = _fix(session, rep, iid, "customer", zte)
        assert (done.customer_id, done.previous_customer_id) == (zte, huawei)
        assert _revenue(session, huawei) == {} and _revenue(session, zte) != {}
        assert {f.customer_id for f in session.exec(select(Feedback)).all()} == {zte}
        assert {f.customer_id for f in session.exec(select(FollowUp)).all()} == {zte}
        assert session.exec(select(Opportunity)).one().customer_id == zte
        # both customers carry tiers stored in this transaction
        tiered = {r.customer_id for r in session.exec(select(CustomerTier)).all()}
        assert {huawei, zte} <= tiered
        audit = session.exec(select(AuditLog).where(AuditLog.action == "interaction.correct")).one()
        assert audit.detail["moved_from"] == huawei


def test_kind_date_amount_currency_and_feedback(any_db: Database) -> None:
    with any_db.session() as session:
        rep, huawei, _, iid = _setup(session)
        _fix(session, rep, iid, "amount", "7万 USD")
        row = session.get(Interaction, iid)
        assert (row.amount_minor, row.currency) == (7_000_000, "USD")
        _fix(session, rep, iid, "amount", "-2000")  # a refund: negative
        assert (row.amount_minor, row.currency) == (-200_000, "USD")
        _fix(session, rep, iid, "amount", "-")
        assert (row.amount_minor, row.currency) == (None, None)
        when = (NOW - timedelta(days=9)).isoformat()
        _fix(session, rep, iid, "occurred_at", when)
        assert row.occurred_at == NOW - timedelta(days=9)
        _fix(session, rep, iid, "kind", "visit")
        assert row.kind == "visit"
        _fix(session, rep, iid, "feedback", "praise")
        feedback = session.exec(select(Feedback).where(Feedback.interaction_id == iid)).one()
        assert (feedback.kind, feedback.status) == ("praise", "resolved")
        _fix(session, rep, iid, "feedback", "suggestion")
        assert (feedback.kind, feedback.status) == ("suggestion", "open")
        _fix(session, rep, iid, "feedback", None)
        assert session.exec(select(Feedback).where(Feedback.interaction_id == iid)).all() == []


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("kind", "party", "bad_kind"),
        ("kind", "other", "bad_kind"),
        ("amount", "a lot", "bad_amount"),
        ("amount", "1e20", "bad_amount"),
        ("amount", "9 XYZ", "bad_amount"),
        ("occurred_at", "tomorrow", "bad_date"),
        ("occurred_at", "2026-11-20T10:00", "bad_date"),
        ("feedback", "angry", "bad_feedback"),
        ("notes", "x", "bad_field"),
    ],
)
def test_bad_corrections_write_nothing(any_db: Database, field: str, value: str, code: str) -> None:
    with any_db.session() as session:
        rep, huawei, _, iid = _setup(session)
        before = session.get(Interaction, iid).model_dump()
        with pytest.raises(InvalidInput) as raised:
            _fix(session, rep, iid, field, value)
        assert raised.value.code == code
        session.expire_all()
        assert session.get(Interaction, iid).model_dump() == before
        assert session.exec(select(AuditLog).where(AuditLog.action == "interaction.correct")).all() == []


def test_moving_to_a_customer_the_rep_cannot_see_is_refused(any_db: Database) -> None:
    with any_db.session() as session:
        rep, huawei, _, iid = _setup(session)
        other = accounts.add_user(session, telegram_id=8, name="Wang", role="rep", now=NOW)
        theirs = Customer(name="Theirs", owner_id=other.id, stage="active", added_at=NOW)
        session.add(theirs)
        session.flush()
        with pytest.raises(NotFound):
            _fix(session, rep, iid, "customer", theirs.id)
        with pytest.raises(NotFound):  # nor may another rep correct this rep's log
            _fix(session, other, iid, "kind", "call")
        assert session.get(Interaction, iid).customer_id == huawei

"""Opportunities (商机): expected money, kept apart from booked revenue.

A budget, a quote or "下个月签 大约二十万" is an open opportunity of the customer (expected amount,
currency, expected signing date, stage), never a deal: contribution, RFM monetary, summaries and
exports read deals only. Winning one logs the deal; losing one closes it with a reason. The
pipeline grade (core.tiering.pipeline) reads intention, progress and signing date from the open
ones. Every change re-tiers the customer in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from core import audit
from core.accounts import Account
from core.as_of import AsOf
from core.errors import InvalidInput, NotFound
from core.models import PIPELINE_STAGES, Customer, Interaction, Opportunity
from core.money import from_minor, parse_money, to_minor
from core.tier_records.retier import retier_customer
from core.tiering.specs import PipelineModel
from core.values import BadValue, parse_date, parse_rating
from core.visibility import can_see_customer

MAX_AMOUNT = Decimal("1e13")
EDIT_FIELDS = ("amount", "expected_signing_date", "stage", "intention", "title")


@dataclass(frozen=True)
class OpportunityView:
    id: int
    customer_id: int
    title: str
    amount: Decimal | None
    currency: str | None
    expected_signing_date: date | None
    stage: str | None
    status: str
    lost_reason: str | None
    updated_at: datetime


@dataclass(frozen=True)
class Closed:
    """A won or lost opportunity and what followed: the deal logged (won) and tier changes."""

    opportunity: OpportunityView
    customer_name: str
    deal_interaction_id: int | None
    changes: list[Any]


def stage_names(policy: Any, lang: str) -> dict[str, str]:
    """Pipeline stage code → its name in `lang`, from the policy's pipeline model(s)."""
    return {
        stage.code: stage.name.get(lang)
        for model in policy.models
        if isinstance(model, PipelineModel)
        for stage in model.stages
    }


def view(row: Opportunity) -> OpportunityView:
    amount = from_minor(row.amount_minor, row.currency or "CNY") if row.amount_minor is not None else None
    return OpportunityView(
        row.id or 0,
        row.customer_id,
        row.title,
        amount,
        row.currency,
        row.expected_signing_date,
        row.stage,
        row.status,
        row.lost_reason,
        row.updated_at,
    )


def open_for(session: Session, account: Account, customer_id: int) -> list[OpportunityView]:
    """The customer's open opportunities, the nearest signing date first (undated last)."""
    if not can_see_customer(session, account, customer_id):
        raise NotFound(f"customer {customer_id}")
    rows = session.exec(
        select(Opportunity).where(Opportunity.customer_id == customer_id, Opportunity.status == "open")
    ).all()
    return [view(r) for r in sorted(rows, key=lambda r: (r.expected_signing_date or date.max, r.id or 0))]


def record_expected(
    session: Session,
    account: Account,
    customer: Customer,
    interaction: Interaction,
    *,
    amount: Decimal,
    currency: str,
    expected_by: date | None,
    now: datetime,
) -> tuple[int, bool]:
    """A logged expected amount: update the customer's matching open opportunity (same currency,
    the most recently updated one), else open a new one. Returns (id, created)."""
    match = session.exec(
        select(Opportunity)
        .where(Opportunity.customer_id == customer.id, Opportunity.status == "open", Opportunity.currency == currency)
        .order_by(col(Opportunity.updated_at).desc(), col(Opportunity.id).desc())
    ).first()
    minor = to_minor(amount, currency)
    if match is None:
        match = Opportunity(
            customer_id=customer.id or 0,
            title=interaction.summary[:200],
            amount_minor=minor,
            currency=currency,
            expected_signing_date=expected_by,
            stage=customer.pipeline_stage,
            source_interaction_id=interaction.id,
            rep_id=account.id,
            created_at=now,
            updated_at=now,
        )
        created = True
    else:
        match.amount_minor = minor
        match.expected_signing_date = expected_by or match.expected_signing_date
        match.updated_at = now
        created = False
    session.add(match)
    session.flush()
    audit.record(
        session,
        actor_id=account.id,
        action="opportunity.create" if created else "opportunity.update",
        now=now,
        target=f"opportunity:{match.id}",
        interaction=interaction.id,
    )
    return match.id or 0, created


def get_open(session: Session, account: Account, opportunity_id: int) -> OpportunityView:
    """One open opportunity the account may see (NotFound; InvalidInput once it is closed)."""
    return view(_open_row(session, account, opportunity_id))


def _open_row(session: Session, account: Account, opportunity_id: int) -> Opportunity:
    row = session.get(Opportunity, opportunity_id)
    if row is None or not can_see_customer(session, account, row.customer_id):
        raise NotFound(f"opportunity {opportunity_id}")
    if row.status != "open":
        raise InvalidInput("opportunity_closed")
    return row


def win(session: Session, account: Account, opportunity_id: int, *, as_of: AsOf) -> Closed:
    """Won: log the deal (its amount becomes booked revenue now), close the opportunity, make a
    prospect an active customer, re-tier — one transaction."""
    row = _open_row(session, account, opportunity_id)
    customer = session.get(Customer, row.customer_id)
    assert customer is not None
    deal = Interaction(
        customer_id=row.customer_id,
        rep_id=account.id,
        kind="deal",
        occurred_at=as_of.now,
        amount_minor=row.amount_minor,
        currency=row.currency if row.amount_minor is not None else None,
        summary=row.title[:4000],
        created_at=as_of.now,
    )
    session.add(deal)
    session.flush()
    row.status, row.deal_interaction_id, row.closed_at, row.updated_at = "won", deal.id, as_of.now, as_of.now
    session.add(row)
    if customer.stage == "prospect":  # signed: 待签约 → 服务中
        customer.stage = "active"
        customer.contract_start = customer.contract_start or as_of.now.date()
        session.add(customer)
    audit.record(
        session,
        actor_id=account.id,
        action="opportunity.won",
        now=as_of.now,
        target=f"opportunity:{row.id}",
        interaction=deal.id,
    )
    session.flush()
    _, changes = retier_customer(session, as_of, row.customer_id)
    return Closed(view(row), customer.name, deal.id, [c for c in changes if c.old is not None])


def lose(
    session: Session,
    account: Account,
    opportunity_id: int,
    reason: str,
    *,
    as_of: AsOf,
) -> Closed:
    """Lost (输单), with the reason the rep gave; re-tiers the customer."""
    if not reason.strip():
        raise InvalidInput("empty_text")
    row = _open_row(session, account, opportunity_id)
    customer = session.get(Customer, row.customer_id)
    assert customer is not None
    row.status, row.lost_reason, row.closed_at, row.updated_at = "lost", reason.strip()[:1000], as_of.now, as_of.now
    session.add(row)
    audit.record(session, actor_id=account.id, action="opportunity.lost", now=as_of.now, target=f"opportunity:{row.id}")
    session.flush()
    _, changes = retier_customer(session, as_of, row.customer_id)
    return Closed(view(row), customer.name, None, [c for c in changes if c.old is not None])


def edit(
    session: Session,
    account: Account,
    opportunity_id: int,
    field: str,
    text: str,
    *,
    as_of: AsOf,
    currency: str,
) -> OpportunityView:
    """Change one field of an open opportunity from typed text (the stage from its code, the
    intention a rating 1–5)."""
    if field not in EDIT_FIELDS:
        raise InvalidInput("bad_field", value=field)
    row = _open_row(session, account, opportunity_id)
    text = text.strip()
    if field == "amount":
        try:
            amount, money_currency = parse_money(text, row.currency or currency)
        except ValueError:
            raise InvalidInput("bad_amount") from None
        if amount <= 0 or amount >= MAX_AMOUNT:
            raise InvalidInput("bad_amount")
        row.amount_minor, row.currency = to_minor(amount, money_currency), money_currency
    elif field == "expected_signing_date":
        row.expected_signing_date = _date(text)
    elif field == "stage":
        if text not in PIPELINE_STAGES:
            raise InvalidInput("bad_stage", value=text)
        row.stage = text
    elif field == "intention":
        try:
            row.intention = parse_rating(text)
        except BadValue:
            raise InvalidInput("bad_rating") from None
        if row.intention is None:
            raise InvalidInput("bad_rating")
    else:
        if not text:
            raise InvalidInput("empty_text")
        row.title = text[:200]
    row.updated_at = as_of.now
    session.add(row)
    audit.record(
        session,
        actor_id=account.id,
        action="opportunity.edit",
        now=as_of.now,
        target=f"opportunity:{row.id}",
        field=field,
    )
    session.flush()
    retier_customer(session, as_of, row.customer_id)
    return view(row)


def _date(text: str) -> date:
    try:
        day = parse_date(text)
    except BadValue:
        raise InvalidInput("bad_date") from None
    if day is None:
        raise InvalidInput("bad_date")
    return day


def detach_interaction(session: Session, interaction_id: int, now: datetime) -> None:
    """An interaction is about to be deleted (undo, history): the open opportunity it opened
    goes with it; one it won reopens (the deal is gone); other links are cleared."""
    for row in session.exec(
        select(Opportunity).where(
            (Opportunity.source_interaction_id == interaction_id) | (Opportunity.deal_interaction_id == interaction_id)
        )
    ).all():
        if row.deal_interaction_id == interaction_id:
            row.status, row.deal_interaction_id, row.closed_at, row.updated_at = "open", None, None, now
        if row.source_interaction_id == interaction_id:
            if row.status == "open":
                session.delete(row)
                continue
            row.source_interaction_id = None
        session.add(row)
    session.flush()


def move_opened_by(session: Session, interaction_id: int, customer_id: int) -> None:
    """A log moved to another customer: the open opportunity it opened moves with it."""
    session.execute(
        update(Opportunity)
        .where(col(Opportunity.source_interaction_id) == interaction_id, col(Opportunity.status) == "open")
        .values(customer_id=customer_id)
    )

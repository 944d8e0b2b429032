"""Customer feedback: complaint · suggestion · praise · question, open → in progress → resolved.

A complaint creates a follow-up for the customer's owner; a satisfaction score given with any
feedback becomes the latest satisfaction the service grade uses (core.tier_records.fact_queries reads it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from core import audit
from core.accounts import Account
from core.errors import InvalidInput, NotFound
from core.models import FEEDBACK_KINDS, FEEDBACK_STATUSES, Customer, Feedback, FollowUp
from core.visibility import can_see_customer, customer_scope

SEVERITIES = ("low", "medium", "high")


def kind_for_score(satisfaction: int) -> str:
    """The feedback a satisfaction score alone stands for (1–5): 4 and 5 are praise, 1 and 2 a
    complaint, 3 a suggestion. The card shows it, and the rep can change it before ✅."""
    return "praise" if satisfaction >= 4 else "complaint" if satisfaction <= 2 else "suggestion"


@dataclass(frozen=True)
class FeedbackView:
    id: int
    customer_id: int
    customer_name: str
    kind: str
    text: str
    severity: str
    status: str
    satisfaction: int | None
    created_at: datetime
    resolution: str | None


def record(
    session: Session,
    account: Account,
    customer_id: int,
    *,
    kind: str,
    text: str,
    now: datetime,
    severity: str = "medium",
    satisfaction: int | None = None,
) -> int:
    if kind not in FEEDBACK_KINDS:
        raise InvalidInput("bad_feedback", value=kind)
    if severity not in SEVERITIES:
        raise InvalidInput("bad_severity", value=severity)
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        raise InvalidInput("bad_rating", value=str(satisfaction))
    if not text.strip():
        raise InvalidInput("empty_text")
    customer = session.get(Customer, customer_id)
    if customer is None or not can_see_customer(session, account, customer_id):
        raise NotFound(f"customer {customer_id}")
    row = Feedback(
        customer_id=customer_id,
        rep_id=account.id,
        kind=kind,
        text=text.strip()[:4000],
        severity=severity,
        status="resolved" if kind == "praise" else "open",
        satisfaction=satisfaction,
        created_at=now,
    )
    session.add(row)
    session.flush()
    if kind == "complaint":
        session.add(
            FollowUp(
                customer_id=customer_id,
                rep_id=customer.owner_id or account.id,
                due_at=now + timedelta(days=1),
                text=text.strip()[:500],
                created_at=now,
                feedback_id=row.id,
            )
        )
    audit.record(
        session, actor_id=account.id, action="feedback.create", now=now, target=f"feedback:{row.id}", kind=kind
    )
    return row.id or 0


def set_status(
    session: Session, account: Account, feedback_id: int, status: str, now: datetime, resolution: str | None = None
) -> FeedbackView:
    if status not in FEEDBACK_STATUSES:
        raise InvalidInput("bad_status", value=status)
    row = session.get(Feedback, feedback_id)
    if row is None or not can_see_customer(session, account, row.customer_id):
        raise NotFound(f"feedback {feedback_id}")
    if status == "resolved" and not (resolution or "").strip():
        raise InvalidInput("resolution_needed")
    row.status = status
    if status == "resolved":
        row.resolution, row.resolved_at, row.resolved_by_id = (resolution or "").strip()[:4000], now, account.id
        # the complaint's own follow-up is answered by its resolution
        session.execute(
            update(FollowUp)
            .where(col(FollowUp.feedback_id) == feedback_id, col(FollowUp.status) == "open")
            .values(status="done", done_at=now)
        )
    session.add(row)
    audit.record(session, actor_id=account.id, action=f"feedback.{status}", now=now, target=f"feedback:{feedback_id}")
    return _view(row, session.get(Customer, row.customer_id))


def open_items(session: Session, account: Account, customer_id: int | None = None) -> list[FeedbackView]:
    statement = (
        select(Feedback, Customer)
        .join(Customer, col(Customer.id) == col(Feedback.customer_id))
        .where(Feedback.status != "resolved", customer_scope(account))
        .order_by(col(Feedback.created_at))
    )
    if customer_id is not None:
        statement = statement.where(Feedback.customer_id == customer_id)
    return [_view(f, c) for f, c in session.exec(statement).all()]


def open_complaints_of(session: Session, customer_ids: list[int]) -> list[FeedbackView]:
    """Open complaints of these customers. For a large set (the morning digest of a whole book)
    one pass over every open complaint, filtered here, beats binding 100k ids in IN (…) lists."""
    statement = (
        select(Feedback, Customer)
        .join(Customer, col(Customer.id) == col(Feedback.customer_id))
        .where(Feedback.kind == "complaint", Feedback.status != "resolved")
        .order_by(col(Feedback.created_at))
    )
    if len(customer_ids) > 5000:
        wanted = set(customer_ids)
        return [_view(f, c) for f, c in session.exec(statement).all() if f.customer_id in wanted]
    found = []
    for start in range(0, len(customer_ids), 5000):
        chunk = customer_ids[start : start + 5000]
        found += [_view(f, c) for f, c in session.exec(statement.where(col(Feedback.customer_id).in_(chunk))).all()]
    found.sort(key=lambda v: v.created_at)
    return found


def _view(row: Feedback, customer: Customer | None) -> FeedbackView:
    return FeedbackView(
        row.id or 0,
        row.customer_id,
        customer.name if customer else "",
        row.kind,
        row.text,
        row.severity,
        row.status,
        row.satisfaction,
        row.created_at,
        row.resolution,
    )

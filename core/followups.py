"""Follow-ups: dated to-dos for a customer (from logs, /remind, complaints); done or snoozed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from core import audit
from core.accounts import Account
from core.errors import InvalidInput, NotFound
from core.models import Customer, FollowUp
from core.visibility import can_see_customer

SNOOZES = {"1d": timedelta(days=1), "3d": timedelta(days=3), "1w": timedelta(weeks=1)}


@dataclass(frozen=True)
class FollowUpView:
    id: int
    customer_id: int
    customer_name: str
    due_at: datetime
    has_time: bool
    text: str
    status: str


def create(session: Session, account: Account, customer_id: int, *, due_at: datetime, has_time: bool, text: str,
           now: datetime) -> int:
    if not can_see_customer(session, account, customer_id):
        raise NotFound(f"customer {customer_id}")
    if not text.strip():
        raise InvalidInput("empty_text")
    row = FollowUp(customer_id=customer_id, rep_id=account.id, due_at=due_at, has_time=has_time,
                   text=text.strip()[:500], created_at=now)
    session.add(row)
    session.flush()
    return row.id or 0


def _mine(session: Session, account: Account, follow_up_id: int) -> FollowUp:
    row = session.get(FollowUp, follow_up_id)
    if row is None or not can_see_customer(session, account, row.customer_id):
        raise NotFound(f"follow-up {follow_up_id}")
    return row


def done(session: Session, account: Account, follow_up_id: int, now: datetime) -> FollowUpView:
    row = _mine(session, account, follow_up_id)
    row.status, row.done_at = "done", now
    session.add(row)
    audit.record(session, actor_id=account.id, action="followup.done", now=now, target=f"followup:{follow_up_id}")
    return _view(session, row)


def snooze(session: Session, account: Account, follow_up_id: int, how_long: str, now: datetime) -> FollowUpView:
    if how_long not in SNOOZES:
        raise InvalidInput("bad_snooze", value=how_long)
    row = _mine(session, account, follow_up_id)
    row.due_at = max(row.due_at, now) + SNOOZES[how_long]
    session.add(row)
    return _view(session, row)


def due_many(session: Session, user_ids: list[int], until: dict[int, datetime]) -> dict[int, list[FollowUpView]]:
    """Open follow-ups of each user due before that user's `until`, oldest first."""
    if not user_ids:
        return {}
    rows = session.exec(
        select(FollowUp, Customer.name).join(Customer, Customer.id == FollowUp.customer_id)
        .where(FollowUp.status == "open", FollowUp.rep_id.in_(user_ids),  # type: ignore[union-attr]
               FollowUp.due_at < max(until.values()), Customer.archived.is_(False))  # type: ignore[attr-defined]
        .order_by(FollowUp.due_at)  # type: ignore[arg-type]
    ).all()
    found: dict[int, list[FollowUpView]] = {}
    for row, name in rows:
        if row.rep_id is not None and row.due_at < until[row.rep_id]:
            found.setdefault(row.rep_id, []).append(
                FollowUpView(row.id or 0, row.customer_id, name, row.due_at, row.has_time, row.text, row.status))
    return found


def _view(session: Session, row: FollowUp) -> FollowUpView:
    customer = session.get(Customer, row.customer_id)
    return FollowUpView(row.id or 0, row.customer_id, customer.name if customer else "", row.due_at, row.has_time,
                        row.text, row.status)

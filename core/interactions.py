"""Logging interactions: a confirmed draft becomes an interaction (plus its follow-up and
feedback), idempotent on the Telegram message it came from; /undo; history with delete."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, select

from core import audit, followups
from core.accounts import Account
from core.errors import InvalidInput, NotFound
from core.tiers import retier_customer
from core.models import FEEDBACK_KINDS, INTERACTION_KINDS, Customer, Feedback, FollowUp, Interaction
from core.money import from_minor, to_minor
from core.visibility import can_see_customer

UNDO_WINDOW = timedelta(hours=24)
COMPLAINT_FOLLOW_UP = timedelta(days=1)


@dataclass(frozen=True)
class LogDraft:
    """What the rep confirms on the card; JSON-safe (kept in the pending card between taps)."""

    customer_id: int | None
    kind: str
    occurred_at: str  # ISO, aware UTC
    summary: str
    channel: str | None = None
    amount: str | None = None  # Decimal as text
    currency: str | None = None
    follow_up_due: str | None = None  # ISO, aware UTC
    follow_up_has_time: bool = False
    follow_up_text: str | None = None
    feedback_kind: str | None = None
    feedback_text: str | None = None
    satisfaction: int | None = None
    customer_text: str | None = None  # the name as written, when no customer matched

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LogDraft:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def replace(self, **changes: Any) -> LogDraft:
        return LogDraft.from_json({**self.to_json(), **changes})


@dataclass(frozen=True)
class SavedLog:
    interaction_id: int
    customer_id: int
    customer_name: str
    duplicate: bool  # the same Telegram message was saved before: nothing new was written
    follow_up_id: int | None
    feedback_id: int | None


def validate(draft: LogDraft) -> None:
    if draft.customer_id is None:
        raise InvalidInput("no_customer")
    if draft.kind not in INTERACTION_KINDS:
        raise InvalidInput("bad_kind", value=draft.kind)
    if draft.feedback_kind is not None and draft.feedback_kind not in FEEDBACK_KINDS:
        raise InvalidInput("bad_feedback", value=draft.feedback_kind)
    if draft.satisfaction is not None and not 1 <= draft.satisfaction <= 5:
        raise InvalidInput("bad_rating", value=str(draft.satisfaction))
    if draft.amount is not None and abs(Decimal(draft.amount)) >= Decimal("1e13"):
        raise InvalidInput("bad_amount", value=draft.amount)


def save_log(session: Session, account: Account, draft: LogDraft, *, chat_id: int, message_id: int,
             now: datetime, currency: str) -> SavedLog:
    """Store a confirmed draft in one transaction. The (chat, message) pair is unique, so a
    repeated delivery or a double tap returns the first save instead of writing twice."""
    existing = session.exec(select(Interaction).where(Interaction.source_chat_id == chat_id,
                                                      Interaction.source_message_id == message_id)).first()
    if existing is not None:
        customer = session.get(Customer, existing.customer_id)
        return SavedLog(existing.id or 0, existing.customer_id, customer.name if customer else "", True, None, None)
    validate(draft)
    assert draft.customer_id is not None
    customer = session.get(Customer, draft.customer_id)
    if customer is None or customer.archived or not can_see_customer(session, account, draft.customer_id):
        raise NotFound(f"customer {draft.customer_id}")
    amount_currency = (draft.currency or currency) if draft.amount is not None else None
    interaction = Interaction(
        customer_id=customer.id or 0, rep_id=account.id, kind=draft.kind, channel=draft.channel,
        occurred_at=datetime.fromisoformat(draft.occurred_at), summary=draft.summary[:4000],
        amount_minor=to_minor(Decimal(draft.amount), amount_currency) if draft.amount is not None and amount_currency else None,
        currency=amount_currency, source_chat_id=chat_id, source_message_id=message_id, created_at=now,
    )
    session.add(interaction)
    session.flush()
    feedback_id = _feedback(session, account, customer, interaction, draft, now)
    follow_up_id = _follow_up(session, account, customer, interaction, draft, now)
    audit.record(session, actor_id=account.id, action="interaction.create", now=now,
                 target=f"interaction:{interaction.id}")
    return SavedLog(interaction.id or 0, customer.id or 0, customer.name, False, follow_up_id, feedback_id)


def _feedback(session: Session, account: Account, customer: Customer, interaction: Interaction, draft: LogDraft,
              now: datetime) -> int | None:
    if draft.feedback_kind is None:
        return None
    feedback = Feedback(customer_id=customer.id or 0, interaction_id=interaction.id, rep_id=account.id,
                        kind=draft.feedback_kind, text=(draft.feedback_text or draft.summary)[:4000],
                        severity="high" if draft.feedback_kind == "complaint" else "medium",
                        status="open" if draft.feedback_kind in ("complaint", "suggestion", "question") else "resolved",
                        satisfaction=draft.satisfaction, created_at=now)
    session.add(feedback)
    session.flush()
    if draft.feedback_kind == "complaint" and draft.follow_up_due is None:
        # a complaint always gets a follow-up for the owner, even when none was asked for
        session.add(FollowUp(customer_id=customer.id or 0, rep_id=customer.owner_id or account.id,
                             due_at=now + COMPLAINT_FOLLOW_UP, text=(draft.feedback_text or draft.summary)[:500],
                             interaction_id=interaction.id, created_at=now, feedback_id=feedback.id))
    return feedback.id


def _follow_up(session: Session, account: Account, customer: Customer, interaction: Interaction, draft: LogDraft,
               now: datetime) -> int | None:
    if draft.follow_up_due is None:
        return None
    follow_up = FollowUp(customer_id=customer.id or 0, rep_id=account.id,
                         due_at=datetime.fromisoformat(draft.follow_up_due), has_time=draft.follow_up_has_time,
                         text=(draft.follow_up_text or draft.summary)[:500], interaction_id=interaction.id,
                         created_at=now)
    session.add(follow_up)
    session.flush()
    return follow_up.id


@dataclass(frozen=True)
class LoggedResult:
    """A save and what it changed: the customer's cadence after it and any tier changes."""

    saved: SavedLog
    status: str
    next_due: Any
    next_visit_due: Any
    changes: list[Any]
    closed_follow_ups: tuple[Any, ...] = ()  # open follow-ups this log answered (closed with it)
    open_follow_ups: tuple[Any, ...] = ()  # the customer's follow-ups still open: offered for closing


def log_and_retier(session: Session, account: Account, draft: LogDraft, *, chat_id: int, message_id: int,
                   now: datetime, currency: str, policy: Any, org_timezone: str) -> LoggedResult:
    """Save the log and re-tier its customer in one transaction (the reply shows both)."""
    saved = save_log(session, account, draft, chat_id=chat_id, message_id=message_id, now=now, currency=currency)
    session.flush()
    closed, still_open = ((), ()) if saved.duplicate else followups.settle_after_log(
        session, saved.customer_id, saved.interaction_id, now)
    result, changes = retier_customer(session, policy, saved.customer_id, now, org_timezone=org_timezone)
    cadence = result.cadence if result is not None else None
    return LoggedResult(saved, cadence.status if cadence else "none",
                        cadence.any.next_due if cadence and cadence.any else None,
                        cadence.visit.next_due if cadence and cadence.visit else None,
                        [c for c in changes if c.old is not None], closed, still_open)


def mark_greeting_sent(session: Session, account: Account, customer_id: int, occasion_key: str,
                       occasion_name: str, now: datetime) -> bool:
    """Log the greeting the rep sent (it resets the cadence clock); False if already logged."""
    if not can_see_customer(session, account, customer_id):
        raise NotFound(f"customer {customer_id}")
    external_id = f"greeting:{customer_id}:{occasion_key}"[:100]
    if session.exec(select(Interaction.id).where(Interaction.external_id == external_id)).first() is not None:
        return False
    session.add(Interaction(customer_id=customer_id, rep_id=account.id, kind="greeting", occurred_at=now,
                            summary=occasion_name[:300], external_id=external_id, created_at=now))
    session.flush()
    return True


@dataclass(frozen=True)
class Undone:
    interaction_id: int
    customer_id: int
    customer_name: str
    kind: str


def undo_last(session: Session, account: Account, now: datetime) -> Undone | None:
    """Remove the rep's last log of the last 24 hours, with what it created; None if none."""
    last = session.exec(
        select(Interaction).where(Interaction.rep_id == account.id, Interaction.created_at > now - UNDO_WINDOW,
                                  Interaction.source_message_id.is_not(None))  # type: ignore[union-attr]
        .order_by(Interaction.created_at.desc(), Interaction.id.desc())  # type: ignore[attr-defined]
    ).first()
    if last is None:
        return None
    customer = session.get(Customer, last.customer_id)
    _remove(session, last.id or 0)
    audit.record(session, actor_id=account.id, action="interaction.undo", now=now, target=f"interaction:{last.id}")
    return Undone(last.id or 0, last.customer_id, customer.name if customer else "", last.kind)


def delete_interaction(session: Session, account: Account, interaction_id: int, now: datetime) -> int:
    """Delete one interaction from a customer's history; returns its customer id."""
    row = session.get(Interaction, interaction_id)
    if row is None or not can_see_customer(session, account, row.customer_id):
        raise NotFound(f"interaction {interaction_id}")
    customer_id = row.customer_id
    _remove(session, interaction_id)
    audit.record(session, actor_id=account.id, action="interaction.delete", now=now,
                 target=f"interaction:{interaction_id}")
    return customer_id


def edit_summary(session: Session, account: Account, interaction_id: int, text: str, now: datetime) -> int:
    """Rewrite the note of one interaction from the customer's History; returns its customer id."""
    row = session.get(Interaction, interaction_id)
    if row is None or not can_see_customer(session, account, row.customer_id):
        raise NotFound(f"interaction {interaction_id}")
    if not text.strip():
        raise InvalidInput("empty_text")
    row.summary = text.strip()[:4000]
    session.add(row)
    audit.record(session, actor_id=account.id, action="interaction.edit", now=now,
                 target=f"interaction:{interaction_id}")
    return row.customer_id


def _remove(session: Session, interaction_id: int) -> None:
    session.execute(delete(FollowUp).where(FollowUp.interaction_id == interaction_id))
    session.execute(delete(Feedback).where(Feedback.interaction_id == interaction_id))
    session.execute(delete(Interaction).where(Interaction.id == interaction_id))


@dataclass(frozen=True)
class HistoryItem:
    id: int
    kind: str
    channel: str | None
    occurred_at: datetime
    amount: Decimal | None
    currency: str | None
    summary: str


def history(session: Session, account: Account, customer_id: int, *, limit: int = 5,
            offset: int = 0) -> tuple[list[HistoryItem], int]:
    """The customer's interactions, newest first, and how many there are in all."""
    if not can_see_customer(session, account, customer_id):
        raise NotFound(f"customer {customer_id}")
    total = session.exec(select(func.count()).where(Interaction.customer_id == customer_id)).one()
    rows = session.exec(select(Interaction).where(Interaction.customer_id == customer_id)
                        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())  # type: ignore[attr-defined]
                        .offset(offset).limit(limit)).all()
    return [HistoryItem(r.id or 0, r.kind, r.channel, r.occurred_at,
                        from_minor(r.amount_minor, r.currency or "CNY") if r.amount_minor is not None else None,
                        r.currency, r.summary) for r in rows], total

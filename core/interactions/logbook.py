"""Logging interactions: a confirmed draft becomes an interaction (plus its follow-up and
feedback), idempotent on the Telegram message it came from; /undo; history with delete."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from core import audit
from core.accounts import Account, account_of
from core.as_of import AsOf
from core.chat import flows
from core.db import Database
from core.errors import InvalidInput, NotFound
from core.interactions import followups, opportunities
from core.models import (
    FEEDBACK_KINDS,
    INTERACTION_KINDS,
    Customer,
    Feedback,
    FollowUp,
    Interaction,
    InteractionKind,
    User,
)
from core.money import from_minor, parse_money, to_minor
from core.names import aliases
from core.tier_records.retier import retier_customer
from core.visibility import can_see_customer

MONEY = ("booked", "expected", "refund")
CONTACT_KINDS = ("call", "visit", "meeting", "message", "email")  # what a deal can be made in
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
    # issue 11: a call or message that did not connect — logged, but not a contact
    attempt: bool = False
    money: str | None = None  # booked | expected | refund (see MONEY); None with an amount = booked
    expected_by: str | None = None  # ISO local date an expected amount is to be signed by

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LogDraft:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def replace(self, **changes: Any) -> LogDraft:
        return LogDraft.from_json({**self.to_json(), **changes})

    @property
    def money_kind(self) -> str | None:
        """What the amount is: None without one; booked unless said expected or refund."""
        if self.amount is None:
            return None
        return self.money if self.money in MONEY else "booked"

    def coherent(self) -> LogDraft:
        """Expected money is never a deal: such a draft is saved as the contact it was made in
        (or a note). Money said to be booked, or a refund (a negative deal), is a deal made in
        the contact it was agreed in."""
        money = self.money_kind
        if money == "expected" and self.kind == InteractionKind.DEAL:
            return self.replace(kind=self.channel if self.channel in CONTACT_KINDS else "note", channel=None)
        if (money == "refund" or self.money == "booked") and self.kind in CONTACT_KINDS:
            return self.replace(kind="deal", channel=self.kind)
        if money == "refund" and self.kind != InteractionKind.DEAL:
            return self.replace(kind="deal")
        return self


@dataclass(frozen=True)
class SavedLog:
    interaction_id: int
    customer_id: int
    customer_name: str
    duplicate: bool  # the same Telegram message was saved before: nothing new was written
    follow_up_id: int | None
    feedback_id: int | None
    opportunity_id: int | None = None  # the expected amount went to this opportunity …
    opportunity_created: bool = False  # … newly opened (else an open one was updated)


def validate(draft: LogDraft) -> None:
    if draft.customer_id is None:
        raise InvalidInput("no_customer")
    if draft.kind not in INTERACTION_KINDS:
        raise InvalidInput("bad_kind", value=draft.kind)
    if draft.feedback_kind is not None and draft.feedback_kind not in FEEDBACK_KINDS:
        raise InvalidInput("bad_feedback", value=draft.feedback_kind)
    if draft.satisfaction is not None and not 1 <= draft.satisfaction <= 5:
        raise InvalidInput("bad_rating", value=str(draft.satisfaction))
    if draft.amount is not None:
        try:
            amount = Decimal(draft.amount)
        except ArithmeticError:
            raise InvalidInput("bad_amount", value=draft.amount) from None
        if not amount.is_finite() or amount <= 0 or amount >= Decimal("1e13"):
            raise InvalidInput("bad_amount", value=draft.amount)
    if draft.money is not None and draft.money not in MONEY:
        raise InvalidInput("bad_money", value=draft.money)
    if draft.expected_by is not None:
        try:
            date.fromisoformat(draft.expected_by)
        except ValueError:
            raise InvalidInput("bad_date", value=draft.expected_by) from None


def save_log(
    session: Session, account: Account, draft: LogDraft, *, chat_id: int, message_id: int, now: datetime, currency: str
) -> SavedLog:
    """Store a confirmed draft in one transaction. (chat, message, customer) is unique, so a
    repeated delivery or a double tap returns the first save instead of writing twice (one
    message may log several customers, once each)."""
    existing = session.exec(
        select(Interaction).where(
            Interaction.source_chat_id == chat_id,
            Interaction.source_message_id == message_id,
            Interaction.customer_id == draft.customer_id,
        )
    ).first()
    if existing is not None:
        customer = session.get(Customer, existing.customer_id)
        return SavedLog(existing.id or 0, existing.customer_id, customer.name if customer else "", True, None, None)
    validate(draft)
    draft = draft.coherent()
    assert draft.customer_id is not None
    customer = _visible_customer(session, account, draft.customer_id)
    money = draft.money_kind
    amount_currency = (draft.currency or currency).upper() if money is not None else None
    booked = _signed_minor(draft.amount, amount_currency, money) if money in ("booked", "refund") else None
    interaction = Interaction(
        customer_id=customer.id or 0,
        rep_id=account.id,
        kind=draft.kind,
        channel=draft.channel,
        occurred_at=datetime.fromisoformat(draft.occurred_at),
        summary=draft.summary[:4000],
        amount_minor=booked,
        currency=amount_currency if booked is not None else None,
        source_chat_id=chat_id,
        source_message_id=message_id,
        created_at=now,
        attempt=draft.attempt,
    )
    session.add(interaction)
    session.flush()
    opportunity: tuple[int | None, bool] = (None, False)
    if money == "expected":  # expected money is never revenue: it goes to the pipeline
        assert draft.amount is not None and amount_currency is not None
        opportunity = opportunities.record_expected(
            session,
            account,
            customer,
            interaction,
            amount=Decimal(draft.amount),
            currency=amount_currency,
            expected_by=date.fromisoformat(draft.expected_by) if draft.expected_by else None,
            now=now,
        )
    feedback_id = _feedback(session, account, customer, interaction, draft, now)
    follow_up_id = _follow_up(session, account, customer, interaction, draft, now)
    audit.record(
        session, actor_id=account.id, action="interaction.create", now=now, target=f"interaction:{interaction.id}"
    )
    return SavedLog(
        interaction.id or 0, customer.id or 0, customer.name, False, follow_up_id, feedback_id, *opportunity
    )


def _visible_customer(session: Session, account: Account, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None or customer.archived or not can_see_customer(session, account, customer_id):
        raise NotFound(f"customer {customer_id}")
    return customer


def _signed_minor(amount: str | None, currency: str | None, money: str | None) -> int | None:
    """Booked money in minor units: a refund is negative (it lowers revenue, never raises it)."""
    if amount is None or currency is None:
        return None
    minor = to_minor(Decimal(amount), currency)
    return -minor if money == "refund" else minor


def _feedback(
    session: Session, account: Account, customer: Customer, interaction: Interaction, draft: LogDraft, now: datetime
) -> int | None:
    if draft.feedback_kind is None:
        return None
    feedback = Feedback(
        customer_id=customer.id or 0,
        interaction_id=interaction.id,
        rep_id=account.id,
        kind=draft.feedback_kind,
        text=(draft.feedback_text or draft.summary)[:4000],
        severity="high" if draft.feedback_kind == "complaint" else "medium",
        status="open" if draft.feedback_kind in ("complaint", "suggestion", "question") else "resolved",
        satisfaction=draft.satisfaction,
        created_at=now,
    )
    session.add(feedback)
    session.flush()
    if draft.feedback_kind == "complaint" and draft.follow_up_due is None:
        # a complaint always gets a follow-up for the owner, even when none was asked for
        session.add(
            FollowUp(
                customer_id=customer.id or 0,
                rep_id=customer.owner_id or account.id,
                due_at=now + COMPLAINT_FOLLOW_UP,
                text=(draft.feedback_text or draft.summary)[:500],
                interaction_id=interaction.id,
                created_at=now,
                feedback_id=feedback.id,
            )
        )
    return feedback.id


def _follow_up(
    session: Session, account: Account, customer: Customer, interaction: Interaction, draft: LogDraft, now: datetime
) -> int | None:
    if draft.follow_up_due is None:
        return None
    follow_up = FollowUp(
        customer_id=customer.id or 0,
        rep_id=account.id,
        due_at=datetime.fromisoformat(draft.follow_up_due),
        has_time=draft.follow_up_has_time,
        text=(draft.follow_up_text or draft.summary)[:500],
        interaction_id=interaction.id,
        created_at=now,
    )
    session.add(follow_up)
    session.flush()
    return follow_up.id


@dataclass(frozen=True)
class LoggedResult:
    """A save and what it changed: the customer's cadence after it and any tier changes.

    `next_due` / `next_visit_due` are never in the past (None then): a clock that the log did
    not reset (an attempt, a note, a back-dated log) is told as `due_since` instead."""

    saved: SavedLog
    status: str
    next_due: Any
    next_visit_due: Any
    changes: list[Any]
    # issue 11: the same message logged for further customers; a past contact date; an alias learned
    others: tuple[SavedLog, ...] = ()
    due_since: date | None = None
    learned: Any = None
    closed_follow_ups: tuple[Any, ...] = ()  # open follow-ups this log answered (closed with it)
    open_follow_ups: tuple[Any, ...] = ()  # the customer's follow-ups still open: offered for closing


def log_and_retier(
    session: Session,
    account: Account,
    draft: LogDraft,
    *,
    chat_id: int,
    message_id: int,
    as_of: AsOf,
    currency: str,
    others: Sequence[int] = (),
) -> LoggedResult:
    """Save the log and re-tier its customer in one transaction (the reply shows both). `others`:
    further customers the message is about, each logged with the same kind, date and note (the
    amount, follow-up and feedback stay with the first) and re-tiered too."""
    saved = save_log(session, account, draft, chat_id=chat_id, message_id=message_id, now=as_of.now, currency=currency)
    more = _log_others(
        session,
        account,
        draft,
        saved.customer_id,
        others,
        chat_id=chat_id,
        message_id=message_id,
        now=as_of.now,
        currency=currency,
    )
    session.flush()
    closed, still_open = (
        ((), ())
        if saved.duplicate
        else followups.settle_after_log(session, saved.customer_id, saved.interaction_id, as_of.now)
    )
    for extra in more:
        retier_customer(session, as_of, extra.customer_id)
    result, changes = retier_customer(session, as_of, saved.customer_id)
    cadence = result.cadence if result is not None else None
    next_due = cadence.any.next_due if cadence and cadence.any else None
    next_visit = cadence.visit.next_due if cadence and cadence.visit else None
    today = cadence.any.counted_from + timedelta(days=cadence.any.days_since) if cadence and cadence.any else None
    due_since = next_due if next_due is not None and today is not None and next_due < today else None
    if next_visit is not None and today is not None and next_visit < today:
        next_visit = None
    return LoggedResult(
        saved,
        cadence.status if cadence else "none",
        None if due_since else next_due,
        next_visit,
        [c for c in changes if c.old is not None],
        tuple(more),
        due_since,
        closed_follow_ups=closed,
        open_follow_ups=still_open,
    )


def save_and_close(
    session: Session,
    account: Account,
    draft: LogDraft,
    *,
    chat_id: int,
    message_id: int,
    as_of: AsOf,
    currency: str,
    others: Sequence[int] = (),
    learn: str | None = None,
) -> LoggedResult:
    """✅ on a log card: save (for every chosen customer of the message) and re-tier
    (`log_and_retier`), learn the name the message used for the customer the rep picked
    (`learn`), and close the card — one transaction, one commit per ✅."""
    logged = log_and_retier(
        session,
        account,
        draft,
        chat_id=chat_id,
        message_id=message_id,
        as_of=as_of,
        currency=currency,
        others=others,
    )
    if learn and not logged.saved.duplicate:
        logged = replace(
            logged, learned=aliases.learn(session, account, logged.saved.customer_id, learn, now=as_of.now)
        )
    flows.clear(session, account.id)
    return logged


def rehearse_log(db: Database, as_of: AsOf, *, currency: str) -> None:
    """Log a call for one customer and roll it back (nothing is ever committed): at start, so the
    statements a ✅ runs are compiled before the first rep's ✅ (bot.app.warm_start)."""
    with Session(db.engine) as session:
        try:
            found = session.exec(
                select(Customer.id, User)
                .join(User, col(User.id) == col(Customer.owner_id))
                .where(col(Customer.archived).is_(False), col(User.active).is_(True))
                .limit(1)
            ).first()
            if found is None:
                return
            customer_id, owner = found
            draft = LogDraft(
                customer_id=customer_id, kind="call", occurred_at=as_of.now.isoformat(), summary="rehearsal"
            )
            log_and_retier(
                session,
                account_of(session, owner),
                draft,
                chat_id=0,
                message_id=0,
                as_of=as_of,
                currency=currency,
            )
        finally:
            session.rollback()


def _log_others(
    session: Session,
    account: Account,
    draft: LogDraft,
    first: int,
    others: Sequence[int],
    *,
    chat_id: int,
    message_id: int,
    now: datetime,
    currency: str,
) -> list[SavedLog]:
    plain = draft.replace(
        amount=None,
        currency=None,
        follow_up_due=None,
        follow_up_text=None,
        feedback_kind=None,
        feedback_text=None,
        satisfaction=None,
    )
    ids = list(dict.fromkeys(cid for cid in others if cid != first))
    return [
        save_log(
            session,
            account,
            plain.replace(customer_id=cid),
            chat_id=chat_id,
            message_id=message_id,
            now=now,
            currency=currency,
        )
        for cid in ids
    ]


def mark_greeting_sent(
    session: Session,
    account: Account,
    customer_id: int,
    occasion_key: str,
    occasion_name: str,
    as_of: AsOf,
) -> bool:
    """Log the greeting the rep sent (it resets the cadence clock) and re-tier the customer, in
    one transaction; False if already logged."""
    if not can_see_customer(session, account, customer_id):
        raise NotFound(f"customer {customer_id}")
    external_id = f"greeting:{customer_id}:{occasion_key}"[:100]
    if session.exec(select(Interaction.id).where(Interaction.external_id == external_id)).first() is not None:
        return False
    session.add(
        Interaction(
            customer_id=customer_id,
            rep_id=account.id,
            kind="greeting",
            occurred_at=as_of.now,
            summary=occasion_name[:300],
            external_id=external_id,
            created_at=as_of.now,
        )
    )
    session.flush()
    retier_customer(session, as_of, customer_id)
    return True


@dataclass(frozen=True)
class Undone:
    interaction_id: int
    customer_id: int
    customer_name: str
    kind: str
    others: tuple[tuple[int, str], ...] = ()  # (id, name) of further customers the same message logged


def undo_last(session: Session, account: Account, as_of: AsOf) -> Undone | None:
    """Remove the rep's last log of the last 24 hours, with what it created, and re-tier the
    customers it was about, in one transaction; None if none."""
    last = session.exec(
        select(Interaction)
        .where(
            Interaction.rep_id == account.id,
            Interaction.created_at > as_of.now - UNDO_WINDOW,
            col(Interaction.source_message_id).is_not(None),
        )
        .order_by(col(Interaction.created_at).desc(), col(Interaction.id).desc())
    ).first()
    if last is None:
        return None
    logged = _same_message(session, account, last.source_chat_id, last.source_message_id)  # maybe several customers
    for row, _ in logged:
        _remove(session, row.id or 0, as_of.now)
        audit.record(
            session, actor_id=account.id, action="interaction.undo", now=as_of.now, target=f"interaction:{row.id}"
        )
    session.flush()
    for customer_id in dict.fromkeys(row.customer_id for row, _ in logged):
        retier_customer(session, as_of, customer_id)
    (first, name), more = logged[0], logged[1:]
    return Undone(
        first.id or 0, first.customer_id, name, first.kind, tuple((row.customer_id, other) for row, other in more)
    )


def _same_message(
    session: Session, account: Account, chat_id: int | None, message_id: int | None
) -> list[tuple[Interaction, str]]:
    """The rep's logs of one Telegram message, in the order they were written."""
    return list(
        session.exec(
            select(Interaction, col(Customer.name))
            .join(Customer, col(Customer.id) == col(Interaction.customer_id))
            .where(
                Interaction.rep_id == account.id,
                Interaction.source_chat_id == chat_id,
                Interaction.source_message_id == message_id,
            )
            .order_by(col(Interaction.id))
        ).all()
    )


@dataclass(frozen=True)
class LoggedBefore:
    customer_name: str
    kind: str
    amount: Decimal | None
    currency: str | None


def logged_from_message(session: Session, account: Account, *, chat_id: int, message_id: int) -> list[LoggedBefore]:
    """What the rep's message was saved as (empty if nothing, or if it was undone since)."""
    return [
        LoggedBefore(
            name,
            row.kind,
            from_minor(row.amount_minor, row.currency or "") if row.amount_minor is not None else None,
            row.currency,
        )
        for row, name in _same_message(session, account, chat_id, message_id)
    ]


def delete_interaction(session: Session, account: Account, interaction_id: int, as_of: AsOf) -> int:
    """Delete one interaction from a customer's history and re-tier the customer, in one
    transaction; returns its customer id."""
    row = session.get(Interaction, interaction_id)
    if row is None or not can_see_customer(session, account, row.customer_id):
        raise NotFound(f"interaction {interaction_id}")
    customer_id = row.customer_id
    _remove(session, interaction_id, as_of.now)
    audit.record(
        session, actor_id=account.id, action="interaction.delete", now=as_of.now, target=f"interaction:{interaction_id}"
    )
    session.flush()
    retier_customer(session, as_of, customer_id)
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
    audit.record(
        session, actor_id=account.id, action="interaction.edit", now=now, target=f"interaction:{interaction_id}"
    )
    return row.customer_id


def _remove(session: Session, interaction_id: int, now: datetime) -> None:
    opportunities.detach_interaction(session, interaction_id, now)
    session.execute(delete(FollowUp).where(col(FollowUp.interaction_id) == interaction_id))
    session.execute(delete(Feedback).where(col(Feedback.interaction_id) == interaction_id))
    session.execute(delete(Interaction).where(col(Interaction.id) == interaction_id))


@dataclass(frozen=True)
class HistoryItem:
    id: int
    kind: str
    channel: str | None
    occurred_at: datetime
    amount: Decimal | None
    currency: str | None
    summary: str


def history(
    session: Session, account: Account, customer_id: int, *, limit: int = 5, offset: int = 0
) -> tuple[list[HistoryItem], int]:
    """The customer's interactions, newest first, and how many there are in all."""
    if not can_see_customer(session, account, customer_id):
        raise NotFound(f"customer {customer_id}")
    total = session.exec(select(func.count()).where(Interaction.customer_id == customer_id)).one()
    rows = session.exec(
        select(Interaction)
        .where(Interaction.customer_id == customer_id)
        .order_by(col(Interaction.occurred_at).desc(), col(Interaction.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return [
        HistoryItem(
            r.id or 0,
            r.kind,
            r.channel,
            r.occurred_at,
            from_minor(r.amount_minor, r.currency or "CNY") if r.amount_minor is not None else None,
            r.currency,
            r.summary,
        )
        for r in rows
    ], total


# --- correcting a saved log from the history ---------------------------------------------------

CORRECTABLE = ("customer", "kind", "occurred_at", "amount", "feedback")


@dataclass(frozen=True)
class Corrected:
    interaction_id: int
    customer_id: int  # where the log is now
    previous_customer_id: int  # where it was (the same unless it moved)
    changes: list[Any]  # tier changes of either customer


def correct(
    session: Session,
    account: Account,
    interaction_id: int,
    field: str,
    value: Any,
    *,
    as_of: AsOf,
    currency: str,
) -> Corrected:
    """Change one part of a saved log — customer (an id), kind (a code), occurred_at (ISO,
    aware), amount (typed text, "-" for none, negative for a refund) or feedback (a kind or
    None) — validated like a new log, and re-tier the customer (both, when it moves) in the
    same transaction. A bad value raises InvalidInput before anything is written."""
    row = session.get(Interaction, interaction_id)
    if row is None or not can_see_customer(session, account, row.customer_id):
        raise NotFound(f"interaction {interaction_id}")
    if field not in CORRECTABLE:
        raise InvalidInput("bad_field", value=field)
    feedback_rows = session.exec(select(Feedback).where(Feedback.interaction_id == interaction_id)).all()
    draft = _draft_of(row, feedback_rows[0] if feedback_rows else None)
    draft = _corrected(draft, field, value, currency)
    validate(draft)
    previous = row.customer_id
    if field == "customer":
        _move(session, account, row, _visible_customer(session, account, int(value)))
    elif field == "kind":
        row.kind = draft.kind
        row.channel = row.channel if draft.kind == InteractionKind.DEAL else None
    elif field == "occurred_at":
        row.occurred_at = datetime.fromisoformat(draft.occurred_at)
    elif field == "amount":
        money = draft.money_kind
        row.currency = (draft.currency or currency).upper() if money is not None else None
        row.amount_minor = _signed_minor(draft.amount, row.currency, money)
    else:
        _set_feedback(session, account, row, feedback_rows, draft, as_of.now)
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor_id=account.id,
        action="interaction.correct",
        now=as_of.now,
        target=f"interaction:{interaction_id}",
        field=field,
        moved_from=previous if field == "customer" else None,
    )
    changes: list[Any] = []
    for customer_id in dict.fromkeys((previous, row.customer_id)):
        _, found = retier_customer(session, as_of, customer_id)
        changes += [c for c in found if c.old is not None]
    return Corrected(interaction_id, row.customer_id, previous, changes)


def _draft_of(row: Interaction, feedback: Feedback | None) -> LogDraft:
    amount = from_minor(row.amount_minor, row.currency or "CNY") if row.amount_minor is not None else None
    return LogDraft(
        customer_id=row.customer_id,
        kind=row.kind,
        occurred_at=row.occurred_at.isoformat(),
        summary=row.summary,
        channel=row.channel,
        amount=str(abs(amount)) if amount is not None else None,
        currency=row.currency,
        money=("refund" if amount < 0 else "booked") if amount is not None else None,
        feedback_kind=feedback.kind if feedback else None,
        feedback_text=feedback.text if feedback else None,
    )


def _corrected(draft: LogDraft, field: str, value: Any, currency: str) -> LogDraft:
    if field == "customer":
        try:
            return draft.replace(customer_id=int(value))
        except (TypeError, ValueError):
            raise InvalidInput("no_customer") from None
    if field == "kind":
        if value == "other" or value not in INTERACTION_KINDS:
            raise InvalidInput("bad_kind", value=str(value))
        return draft.replace(kind=value)
    if field == "occurred_at":
        try:
            when = datetime.fromisoformat(str(value))
        except ValueError:
            raise InvalidInput("bad_date") from None
        if when.tzinfo is None:
            raise InvalidInput("bad_date")
        return draft.replace(occurred_at=when.isoformat())
    if field == "amount":
        text = str(value or "").strip()
        if text in ("", "-", "—", "0"):
            return draft.replace(amount=None, currency=None, money=None)
        try:
            amount, money_currency = parse_money(text, draft.currency or currency)
        except ValueError:
            raise InvalidInput("bad_amount") from None
        if amount == 0:
            raise InvalidInput("bad_amount")
        return draft.replace(
            amount=str(abs(amount)), currency=money_currency, money="refund" if amount < 0 else "booked"
        )
    return draft.replace(feedback_kind=value or None)


def _move(session: Session, account: Account, row: Interaction, target: Customer) -> None:
    """The log belongs to another customer: its feedback, follow-ups and the open opportunity
    it opened go with it."""
    interaction_id, target_id = row.id, target.id or 0
    row.customer_id = target_id
    session.execute(
        update(Feedback).where(col(Feedback.interaction_id) == interaction_id).values(customer_id=target_id)
    )
    session.execute(
        update(FollowUp).where(col(FollowUp.interaction_id) == interaction_id).values(customer_id=target_id)
    )
    opportunities.move_opened_by(session, interaction_id or 0, target_id)


def _set_feedback(
    session: Session, account: Account, row: Interaction, existing: Sequence[Feedback], draft: LogDraft, now: datetime
) -> None:
    if draft.feedback_kind is None:
        session.execute(delete(Feedback).where(col(Feedback.interaction_id) == row.id))
        return
    if not existing:
        customer = session.get(Customer, row.customer_id)
        assert customer is not None
        _feedback(session, account, customer, row, draft, now)
        return
    for feedback in existing:  # praise needs no handling; anything else does (as on a new log)
        if draft.feedback_kind == "praise":
            feedback.status = "resolved"
        elif feedback.kind == "praise":
            feedback.status = "open"
        feedback.kind = draft.feedback_kind
        feedback.severity = "high" if draft.feedback_kind == "complaint" else "medium"
        session.add(feedback)


def entry(session: Session, account: Account, interaction_id: int) -> tuple[HistoryItem, str | None]:
    """One saved log as the history shows it, with its feedback kind (for the correction menu)."""
    row = session.get(Interaction, interaction_id)
    if row is None or not can_see_customer(session, account, row.customer_id):
        raise NotFound(f"interaction {interaction_id}")
    feedback = session.exec(select(Feedback.kind).where(Feedback.interaction_id == interaction_id)).first()
    amount = from_minor(row.amount_minor, row.currency or "CNY") if row.amount_minor is not None else None
    return HistoryItem(row.id or 0, row.kind, row.channel, row.occurred_at, amount, row.currency, row.summary), feedback

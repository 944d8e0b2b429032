"""Follow-ups: dated to-dos for a customer (from logs, /remind, complaints); done or snoozed.

A follow-up closes when the rep presses ✓, when a logged interaction answers it (a call logged
for a "call back" due by the next day: `settle_after_log`), or when the complaint it came from
is resolved (core.interactions.feedback). Past its day the agenda shows its age; `rollup_days` past it, it is
counted among the old follow-ups instead of listed (core.reminders.agenda)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlmodel import Session, col, select

from core import audit
from core.accounts import Account
from core.errors import InvalidInput, NotFound
from core.models import Customer, FollowUp, Interaction
from core.names import book
from core.parsing import answered_by
from core.parsing.text import CJK, has_cjk
from core.visibility import can_see_customer

SNOOZES = {"1d": timedelta(days=1), "3d": timedelta(days=3), "1w": timedelta(weeks=1)}
# an interaction answers a follow-up due at most this long after it ("call back tomorrow" and a
# call today: answered; a call today does not answer "call them next month")
ANSWER_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class FollowUpView:
    id: int
    customer_id: int | None  # None: a personal reminder (`/remind 下周二 交季度报表`)
    customer_name: str
    due_at: datetime
    has_time: bool
    text: str
    status: str


def create(
    session: Session,
    account: Account,
    customer_id: int | None,
    *,
    due_at: datetime,
    has_time: bool,
    text: str,
    now: datetime,
) -> int:
    """A follow-up for a customer the account may see, or (customer None) a personal reminder."""
    if customer_id is not None and not can_see_customer(session, account, customer_id):
        raise NotFound(f"customer {customer_id}")
    if not text.strip():
        raise InvalidInput("empty_text")
    row = FollowUp(
        customer_id=customer_id,
        rep_id=account.id,
        due_at=due_at,
        has_time=has_time,
        text=text.strip()[:500],
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row.id or 0


@dataclass(frozen=True)
class Reminder:
    """What a typed reminder did: "set" (the follow-up was created), "ambiguous" (several
    customers fit the name: `names`) or "no_date" (no day was read: nothing was stored)."""

    status: str
    customer: str | None = None
    text: str = ""
    due: datetime | None = None
    has_time: bool = False
    names: tuple[str, ...] = ()


def remind(
    session: Session,
    account: Account,
    text: str,
    *,
    customer_id: int | None = None,
    now: datetime,
    timezone: str,
    currency: str,
) -> Reminder:
    """`/remind Acme Friday send the quote` (`customer_id` None: the customer is read from the
    text, or none for a personal reminder) or the text typed after a customer's ⏰ (that
    customer): the sentence is read with the rep's name index as a reminder, and the follow-up
    is created in the same transaction. A customer the rep may no longer see raises NotFound."""
    if has_cjk(text):
        # "/remind 瑞丰 周五 发报价" arrives as words joined by spaces; the parser reads a bare
        # weekday set off by spaces as the day something happened, so the reminder is read as
        # the rep would write it in one go (提醒我瑞丰周五发报价)
        phrase = "提醒我" + _CJK_GAP.sub("", text)
    else:
        phrase = f"remind me {text}"
    parsed = book.read(session, account, phrase, now=now, timezone=timezone, currency=currency)
    if customer_id is None and parsed.ambiguous:
        return Reminder("ambiguous", names=tuple(c.name for c in parsed.candidates[:5]))
    if parsed.follow_up is None:
        return Reminder("no_date")
    if customer_id is None and parsed.candidates:
        customer_id = parsed.candidates[0].customer_id
    what = parsed.follow_up.text or text
    create(
        session,
        account,
        customer_id,
        due_at=parsed.follow_up.due,
        has_time=parsed.follow_up.has_time,
        text=what,
        now=now,
    )
    row = session.get(Customer, customer_id) if customer_id is not None else None
    return Reminder("set", row.name if row else None, what, parsed.follow_up.due, parsed.follow_up.has_time)


_CJK_GAP = re.compile(rf"(?<=[{CJK}])\s+(?=[{CJK}\d])|(?<=[{CJK}\d])\s+(?=[{CJK}])")


def _mine(session: Session, account: Account, follow_up_id: int) -> FollowUp:
    row = session.get(FollowUp, follow_up_id)
    if row is None or (
        row.rep_id != account.id if row.customer_id is None else not can_see_customer(session, account, row.customer_id)
    ):
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
        select(FollowUp, col(Customer.name))
        .outerjoin(Customer, col(Customer.id) == col(FollowUp.customer_id))
        .where(
            FollowUp.status == "open",
            col(FollowUp.rep_id).in_(user_ids),
            FollowUp.due_at < max(until.values()),
            or_(col(FollowUp.customer_id).is_(None), col(Customer.archived).is_(False)),
        )
        .order_by(col(FollowUp.due_at))
    ).all()
    found: dict[int, list[FollowUpView]] = {}
    for row, name in rows:
        if row.rep_id is not None and row.due_at < until[row.rep_id]:
            found.setdefault(row.rep_id, []).append(
                FollowUpView(row.id or 0, row.customer_id, name or "", row.due_at, row.has_time, row.text, row.status)
            )
    return found


def _view(session: Session, row: FollowUp) -> FollowUpView:
    customer = session.get(Customer, row.customer_id) if row.customer_id is not None else None
    return FollowUpView(
        row.id or 0, row.customer_id, customer.name if customer else "", row.due_at, row.has_time, row.text, row.status
    )


def settle_after_log(
    session: Session, customer_id: int, interaction_id: int, now: datetime
) -> tuple[tuple[FollowUpView, ...], tuple[FollowUpView, ...]]:
    """After a log: close the customer's open follow-ups it answers; return (closed, still open).
    Follow-ups of a complaint close with the complaint, and the log's own follow-up stays."""
    interaction = session.get(Interaction, interaction_id)
    if interaction is None:
        return (), ()
    rows = session.exec(
        select(FollowUp, col(Customer.name))
        .join(Customer, col(Customer.id) == col(FollowUp.customer_id))
        .where(
            FollowUp.customer_id == customer_id,
            col(FollowUp.status) == "open",
            col(FollowUp.feedback_id).is_(None),
            or_(col(FollowUp.interaction_id).is_(None), col(FollowUp.interaction_id) != interaction_id),
        )
        .order_by(col(FollowUp.due_at))
    ).all()
    closed, still_open = [], []
    for row, name in rows:
        if row.due_at <= interaction.occurred_at + ANSWER_WINDOW and answered_by(
            row.text, interaction.kind, interaction.channel
        ):
            row.status, row.done_at = "done", now
            session.add(row)
            closed.append(_as_view(row, name))
        else:
            still_open.append(_as_view(row, name))
    return tuple(closed), tuple(still_open)


def close_many(session: Session, account: Account, follow_up_ids: list[int], now: datetime) -> int:
    """✓ on the saved log's "close the open follow-ups": how many were still open and are done now."""
    done_now = 0
    for follow_up_id in follow_up_ids:
        try:
            row = _mine(session, account, follow_up_id)
        except NotFound:
            continue  # reassigned or deleted meanwhile: nothing to close
        if row.status == "open":
            row.status, row.done_at = "done", now
            session.add(row)
            audit.record(
                session, actor_id=account.id, action="followup.done", now=now, target=f"followup:{follow_up_id}"
            )
            done_now += 1
    return done_now


def _as_view(row: FollowUp, name: str) -> FollowUpView:
    return FollowUpView(row.id or 0, row.customer_id, name, row.due_at, row.has_time, row.text, row.status)

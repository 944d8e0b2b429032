"""The Notification outbox: every message the bot sends on its own initiative is a row first.

A row is written once per unique dedupe key (a second enqueue of the same key is a no-op), then
the sender drains due rows, marks each sent with Telegram's message id, or reschedules it with a
back-off. The payload is an `OutboxMessage` (core.chat.messages: a template, its parameters and
what the message offers) as JSON; it is rendered at send time in the recipient's current language.

Several workers (README "Run in production"): a sender first *claims* rows (`claim`), owning them
for a lease; on PostgreSQL with `SELECT … FOR UPDATE SKIP LOCKED`, on SQLite with a conditional
UPDATE. Two senders never hold the same row; a row whose sender died is claimable again when the
lease ends. A message split into parts records each part sent (`mark_part_sent`), so a retry
resumes after it instead of repeating it.

Delivery is at-least-once for the single message in flight: a sender killed (or timed out) after
Telegram accepted a message but before `mark_sent` committed leaves the row pending, and the next
claim sends it again — at most that one message (or part) twice, never the whole outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from core.chat.messages import OutboxMessage
from core.models import Notification, User, table_of

MAX_ATTEMPTS = 6


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    id: int
    recipient_id: int
    telegram_id: int
    kind: str
    dedupe_key: str
    payload: dict[str, Any]  # as stored (an `OutboxMessage`'s JSON, or an older row's shape)
    attempts: int
    parts_sent: int = 0  # of a message split in parts, how many already went out

    @property
    def message(self) -> OutboxMessage:
        return OutboxMessage.from_payload(self.payload)


def enqueue(
    session: Session,
    *,
    recipient_id: int,
    kind: str,
    dedupe_key: str,
    message: OutboxMessage,
    now: datetime,
    not_before: datetime | None = None,
) -> bool:
    """Insert unless the dedupe key exists; True when a new row was written."""
    values = dict(
        recipient_id=recipient_id,
        kind=kind,
        dedupe_key=dedupe_key,
        payload=message.to_payload(),
        status="pending",
        attempts=0,
        not_before=not_before or now,
        created_at=now,
    )
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = table_of(Notification)
    statement = (
        insert(table).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.id)
    )
    return session.execute(statement).scalar() is not None


def _due_query(now: datetime) -> Any:
    """Pending rows whose time has come and that no sender owns, oldest first, skipping users who
    blocked the bot."""
    return (
        select(Notification, User.telegram_id)
        .join(User, col(User.id) == col(Notification.recipient_id))
        .where(
            Notification.status == "pending",
            or_(col(Notification.not_before).is_(None), col(Notification.not_before) <= now),
            _unclaimed(now),
            col(User.blocked_at).is_(None),
            User.active,
        )
        .order_by(col(Notification.id))
    )


def _unclaimed(now: datetime) -> Any:
    return or_(col(Notification.claimed_until).is_(None), col(Notification.claimed_until) < now)


def _message(n: Notification, telegram_id: int) -> OutgoingMessage:
    return OutgoingMessage(
        n.id or 0, n.recipient_id, telegram_id, n.kind, n.dedupe_key, dict(n.payload), n.attempts, n.parts_sent
    )


def due(session: Session, now: datetime, limit: int = 100) -> list[OutgoingMessage]:
    """What a sender could claim now (read only; `claim` is what a sender calls)."""
    return [_message(n, tg) for n, tg in session.exec(_due_query(now).limit(limit)).all()]


def claim(session: Session, now: datetime, limit: int, lease: timedelta) -> list[OutgoingMessage]:
    """Take ownership of up to `limit` due rows until `now + lease`; no other sender gets them.

    PostgreSQL: the candidate rows are locked with FOR UPDATE SKIP LOCKED (a concurrent claimer
    skips them instead of waiting) and stamped in the same transaction. SQLite serialises writers,
    so each row is stamped by a conditional UPDATE that only succeeds while it is still free."""
    until = now + lease
    if session.get_bind().dialect.name == "postgresql":
        rows = session.exec(_due_query(now).limit(limit).with_for_update(skip_locked=True, of=Notification)).all()
        ids = [n.id for n, _ in rows]
        if ids:
            session.execute(update(Notification).where(col(Notification.id).in_(ids)).values(claimed_until=until))
        return [_message(n, tg) for n, tg in rows]
    # The candidates are read before this transaction holds SQLite's write lock, so another
    # sender may stamp them first; its first UPDATE takes the lock, so a second read is exact.
    for _ in range(2):
        candidates = session.exec(_due_query(now).limit(limit)).all()
        claimed = []
        for n, tg in candidates:
            result = session.exec(
                update(Notification)
                .where(Notification.id == n.id, col(Notification.status) == "pending", _unclaimed(now))
                .values(claimed_until=until)
            )
            if result.rowcount == 1:
                claimed.append(_message(n, tg))
        if claimed or not candidates:
            return claimed
    return []


def release(session: Session, notification_ids: list[int]) -> None:
    """Give claimed rows back (the sender stops early, e.g. on RetryAfter)."""
    if notification_ids:
        session.execute(
            update(Notification)
            .where(col(Notification.id).in_(notification_ids), col(Notification.status) == "pending")
            .values(claimed_until=None)
        )


def mark_part_sent(session: Session, notification_id: int, parts_sent: int) -> None:
    """Part `parts_sent` of a split message went out: a retry starts after it."""
    session.execute(update(Notification).where(col(Notification.id) == notification_id).values(parts_sent=parts_sent))


def mark_sent(session: Session, notification_id: int, message_id: int | None, now: datetime) -> None:
    session.execute(
        update(Notification)
        .where(col(Notification.id) == notification_id)
        .values(
            status="sent",
            sent_message_id=message_id,
            sent_at=now,
            attempts=Notification.attempts + 1,
            claimed_until=None,
        )
    )


def mark_failed(session: Session, notification_id: int, error: str, now: datetime) -> str:
    """Count a failed attempt; back off exponentially, give up after MAX_ATTEMPTS."""
    row = session.get(Notification, notification_id)
    if row is None:
        return "missing"
    row.attempts += 1
    row.last_error = error[:500]
    row.claimed_until = None  # claimable again once the back-off (not_before) has passed
    if row.attempts >= MAX_ATTEMPTS:
        row.status = "failed"
    else:
        row.not_before = now + timedelta(seconds=30 * 2 ** (row.attempts - 1))
    session.add(row)
    return row.status


def mark_recipient_blocked(session: Session, recipient_id: int, now: datetime) -> None:
    """403 from Telegram: stop trying this user until they write to the bot again."""
    session.execute(update(User).where(col(User.id) == recipient_id).values(blocked_at=now))
    session.execute(
        update(Notification)
        .where(col(Notification.recipient_id) == recipient_id, col(Notification.status) == "pending")
        .values(claimed_until=None)
    )

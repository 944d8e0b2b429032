"""The Notification outbox: every message the bot sends on its own initiative is a row first.

A row is written once per unique dedupe key (a second enqueue of the same key is a no-op), then
the sender drains due rows, marks each sent with Telegram's message id, or reschedules it with a
back-off. The payload names a template and its parameters; it is rendered at send time in the
recipient's current language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from core.models import Notification, User

MAX_ATTEMPTS = 6


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    id: int
    recipient_id: int
    telegram_id: int
    kind: str
    dedupe_key: str
    payload: dict[str, Any]
    attempts: int


def enqueue(
    session: Session,
    *,
    recipient_id: int,
    kind: str,
    dedupe_key: str,
    payload: dict[str, Any],
    now: datetime,
    not_before: datetime | None = None,
) -> bool:
    """Insert unless the dedupe key exists; True when a new row was written."""
    values = dict(
        recipient_id=recipient_id,
        kind=kind,
        dedupe_key=dedupe_key,
        payload=payload,
        status="pending",
        attempts=0,
        not_before=not_before or now,
        created_at=now,
    )
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = Notification.__table__  # type: ignore[attr-defined]
    statement = (
        insert(table).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.id)
    )
    return session.execute(statement).scalar() is not None


def due(session: Session, now: datetime, limit: int = 100) -> list[OutgoingMessage]:
    """Pending rows whose time has come, oldest first, skipping users who blocked the bot."""
    rows = session.exec(
        select(Notification, User.telegram_id)
        .join(User, User.id == Notification.recipient_id)
        .where(
            Notification.status == "pending",
            or_(Notification.not_before.is_(None), Notification.not_before <= now),  # type: ignore[union-attr]
            User.blocked_at.is_(None),  # type: ignore[union-attr]
            User.active,
        )
        .order_by(Notification.id)  # type: ignore[arg-type]
        .limit(limit)
    ).all()
    return [
        OutgoingMessage(n.id or 0, n.recipient_id, tg, n.kind, n.dedupe_key, dict(n.payload), n.attempts)
        for n, tg in rows
    ]


def mark_sent(session: Session, notification_id: int, message_id: int | None, now: datetime) -> None:
    session.execute(
        update(Notification)
        .where(Notification.id == notification_id)
        .values(status="sent", sent_message_id=message_id, sent_at=now, attempts=Notification.attempts + 1)
    )


def mark_failed(session: Session, notification_id: int, error: str, now: datetime) -> str:
    """Count a failed attempt; back off exponentially, give up after MAX_ATTEMPTS."""
    row = session.get(Notification, notification_id)
    if row is None:
        return "missing"
    row.attempts += 1
    row.last_error = error[:500]
    if row.attempts >= MAX_ATTEMPTS:
        row.status = "failed"
    else:
        row.not_before = now + timedelta(seconds=30 * 2 ** (row.attempts - 1))
    session.add(row)
    return row.status


def mark_recipient_blocked(session: Session, recipient_id: int, now: datetime) -> None:
    """403 from Telegram: stop trying this user until they write to the bot again."""
    session.execute(update(User).where(User.id == recipient_id).values(blocked_at=now))

"""Telling admins about persistent failures, through the outbox like every other message.

One notice per kind per hour at most: the dedupe key is `alert:<kind>:<UTC hour>:<admin id>`, so a
failure that repeats every second still makes one message an hour, and several workers noticing
the same failure make one too.

Kinds: `outbox_failed` (messages the sender gave up on), `sweep_failed` (a sweep failing run after
run), `db_busy`, `db_full`, `errors` (the same unexpected error again and again in handlers).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.chat import outbox
from core.chat.messages import OutboxMessage
from core.models import Notification, Role, User, pk

KIND = "alert"


def alert_admins(session: Session, kind: str, now: datetime, **params: Any) -> int:
    """Queue the notice for every active admin; returns how many new rows (0: already told)."""
    hour = now.strftime("%Y-%m-%dT%H")
    admins = session.exec(select(pk(User.id)).where(User.role == Role.ADMIN, User.active)).all()
    message = OutboxMessage("ops/alert", {"kind": kind, **params})
    return sum(
        outbox.enqueue(
            session, recipient_id=admin, kind=KIND, dedupe_key=f"alert:{kind}:{hour}:{admin}", message=message, now=now
        )
        for admin in admins
    )


def check_outbox(session: Session, now: datetime) -> int:
    """Alert about messages that failed for good since the last such alert (by row id)."""
    reported = 0
    last = session.exec(
        select(Notification.payload)
        .where(col(Notification.kind) == KIND, col(Notification.dedupe_key).like("alert:outbox_failed:%"))
        .order_by(col(Notification.id).desc())
        .limit(1)
    ).first()
    if last is not None:
        reported = int(last.get("params", {}).get("last_id", 0))
    count, newest = session.exec(
        select(func.count(), func.max(Notification.id)).where(
            col(Notification.status) == "failed", col(Notification.id) > reported, col(Notification.kind) != KIND
        )
    ).one()
    if not count:
        return 0
    error = session.exec(select(Notification.last_error).where(Notification.id == newest)).one()
    return alert_admins(session, "outbox_failed", now, count=count, last_id=newest, error=(error or "")[:200])

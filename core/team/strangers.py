"""Strangers (Telegram users without an account): one refusal, then an hour of silence.

Whether to answer is decided by one upsert on `stranger_refusal`: it inserts the stranger, or
moves their `refused_at` to now only when the last refusal is at least SILENCE old, and reports
whether it wrote. Two bot processes (or a restart) therefore agree, and of two messages that
arrive together exactly one is answered.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from core.models import StrangerRefusal, table_of

SILENCE = timedelta(hours=1)


def may_refuse(session: Session, telegram_id: int, now: datetime) -> bool:
    """True, and the refusal recorded, when this stranger was not refused within SILENCE."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = table_of(StrangerRefusal)
    statement = (
        insert(table)
        .values(telegram_id=telegram_id, refused_at=now)
        .on_conflict_do_update(
            index_elements=["telegram_id"],
            set_={"refused_at": now},
            where=table.c.refused_at <= now - SILENCE,
        )
        .returning(table.c.telegram_id)
    )
    # RETURNING, not rowcount: psycopg reports 1 for a conflict whose update the WHERE skipped.
    return session.execute(statement).first() is not None


def purge(session: Session, now: datetime) -> int:
    """Forget refusals past their silence (the stranger would be answered anyway); how many."""
    return session.exec(delete(StrangerRefusal).where(col(StrangerRefusal.refused_at) <= now - SILENCE)).rowcount or 0

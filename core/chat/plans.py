"""A planned message (`Planned`): what a planner wants sent, to whom, under which dedupe key and
not before when; `enqueue` writes a plan to the outbox, once per key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from core.chat import outbox
from core.chat.messages import OutboxMessage


@dataclass(frozen=True)
class Planned:
    recipient_id: int
    telegram_id: int
    name: str
    kind: str
    dedupe_key: str
    payload: OutboxMessage
    not_before: datetime | None = None


def enqueue(session: Session, planned: list[Planned], now: datetime) -> int:
    """Write the planned messages to the outbox; returns how many were new."""
    return sum(
        outbox.enqueue(
            session,
            recipient_id=p.recipient_id,
            kind=p.kind,
            dedupe_key=p.dedupe_key,
            message=p.payload,
            now=now,
            not_before=p.not_before,
        )
        for p in planned
    )

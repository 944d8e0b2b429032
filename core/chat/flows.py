"""Pending cards: the state of a user's unfinished multi-step flow, kept in the database so a
restart (or another worker) continues where the user left off. One per user; /cancel clears it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from core.chat import buttons
from core.chat.buttons import ButtonSpec
from core.models import PendingCard

FLOW_TTL = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class Pending:
    flow: str
    data: dict[str, Any]
    chat_id: int | None
    message_id: int | None


def start(
    session: Session,
    *,
    user_id: int,
    flow: str,
    data: dict[str, Any],
    now: datetime,
    chat_id: int | None = None,
    message_id: int | None = None,
) -> None:
    """Begin (or replace) the user's pending flow."""
    clear(session, user_id)
    session.add(
        PendingCard(
            user_id=user_id,
            flow=flow,
            data=data,
            chat_id=chat_id,
            message_id=message_id,
            created_at=now,
            expires_at=now + FLOW_TTL,
        )
    )


def open_card(
    session: Session,
    *,
    user_id: int,
    flow: str,
    data: dict[str, Any],
    now: datetime,
    keys: list[str],
    specs: list[ButtonSpec],
    ttl: timedelta,
) -> None:
    """A card is on screen: store its buttons (core.chat.buttons.store) and begin its flow, in one
    transaction (one commit for the message)."""
    buttons.store(session, user_id=user_id, keys=keys, specs=specs, now=now, ttl=ttl)
    start(session, user_id=user_id, flow=flow, data=data, now=now)


def current(session: Session, user_id: int, now: datetime) -> Pending | None:
    card = session.exec(select(PendingCard).where(PendingCard.user_id == user_id)).first()
    if card is None or card.expires_at <= now:
        return None
    return Pending(card.flow, dict(card.data), card.chat_id, card.message_id)


def clear(session: Session, user_id: int) -> bool:
    result = session.exec(delete(PendingCard).where(col(PendingCard.user_id) == user_id))
    session.flush()
    return bool(result.rowcount)

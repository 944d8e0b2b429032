"""Action keys: what a button means, stored server-side.

Callback data is only the opaque `key` (16 url-safe characters, far below Telegram's 64 bytes).
Pressing looks the key up and re-checks who presses; a single-use action already done answers
"already done" and does nothing twice; keys expire (reminder buttons stay valid 14 days).

A single-use key is marked done by `claim`, in the transaction of the write its action makes
(bot.app runs the claim in the first unit of work of the press that writes): a process killed
before that commit leaves neither the write nor the claim, so the button can be pressed again;
after it, both are there and the button answers "already done".
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, insert, update
from sqlmodel import Session, col

from core.errors import AlreadyDone
from core.models import ActionKey

DEFAULT_TTL = timedelta(days=2)
REMINDER_TTL = timedelta(days=14)
KEY_BYTES = 12  # → 16 characters


@dataclass(frozen=True, slots=True)
class ButtonSpec:
    action: str
    payload: dict[str, Any]
    single_use: bool = True


class PressStatus(StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"  # forged, mistyped or purged key
    NOT_YOURS = "not_yours"
    DONE = "done"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Press:
    status: PressStatus
    action: str = ""
    payload: dict[str, Any] | None = None
    key: str = ""
    single_use: bool = False  # OK and single-use: `claim` it with the action's write


def issue(
    session: Session,
    *,
    user_id: int | None,
    action: str,
    payload: dict[str, Any],
    now: datetime,
    ttl: timedelta = DEFAULT_TTL,
    single_use: bool = True,
) -> str:
    return issue_many(session, user_id=user_id, specs=[ButtonSpec(action, payload, single_use)], now=now, ttl=ttl)[0]


def issue_many(
    session: Session, *, user_id: int | None, specs: list[ButtonSpec], now: datetime, ttl: timedelta
) -> list[str]:
    keys = new_keys(len(specs))
    store(session, user_id=user_id, keys=keys, specs=specs, now=now, ttl=ttl)
    return keys


def new_keys(count: int) -> list[str]:
    """Fresh unguessable keys; `store` gives them a meaning (keys may be shown on a message
    before they are stored, as long as they are stored before anyone can press them)."""
    return [secrets.token_urlsafe(KEY_BYTES) for _ in range(count)]


def store(
    session: Session, *, user_id: int | None, keys: list[str], specs: list[ButtonSpec], now: datetime, ttl: timedelta
) -> None:
    if not specs:
        return
    session.execute(
        insert(ActionKey),
        [
            {
                "key": key,
                "user_id": user_id,
                "action": spec.action,
                "payload": spec.payload,
                "single_use": spec.single_use,
                "valid_until": now + ttl,
                "created_at": now,
            }
            for key, spec in zip(keys, specs, strict=True)
        ],
    )


def press(session: Session, *, key: str, user_id: int, now: datetime) -> Press:
    """Resolve a pressed key for `user_id`, claiming nothing: a single-use key is claimed with
    the action's own write (`claim`), so a press that never reaches its commit left no trace."""
    row = session.get(ActionKey, key[:24]) if key else None
    if row is None:
        return Press(PressStatus.UNKNOWN)
    if row.user_id is not None and row.user_id != user_id:
        return Press(PressStatus.NOT_YOURS)
    if row.done_at is not None:  # what it was for, so the transport can show the done state again
        return Press(PressStatus.DONE, row.action, dict(row.payload), row.key, row.single_use)
    if row.valid_until <= now:
        return Press(PressStatus.EXPIRED)
    return Press(PressStatus.OK, row.action, dict(row.payload), row.key, row.single_use)


def claim(session: Session, *, key: str, now: datetime) -> None:
    """Mark a single-use key done in the caller's transaction: one conditional UPDATE, so of two
    presses racing (two workers) exactly one claims it; the other raises AlreadyDone, and its
    transaction — with whatever the action wrote in it — rolls back."""
    claimed = session.exec(
        update(ActionKey).where(col(ActionKey.key) == key, col(ActionKey.done_at).is_(None)).values(done_at=now)
    )
    if claimed.rowcount != 1:
        raise AlreadyDone(key)


def is_done(session: Session, *, key: str) -> bool:
    row = session.get(ActionKey, key)
    return row is not None and row.done_at is not None


def purge_expired(session: Session, now: datetime, keep: timedelta = timedelta(days=30)) -> int:
    """Forget keys long past their validity (a pressed stale key then reads as unknown)."""
    result = session.exec(delete(ActionKey).where(col(ActionKey.valid_until) < now - keep))
    return result.rowcount or 0

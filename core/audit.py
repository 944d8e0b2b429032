"""Audit log of manager and admin actions (and onboarding)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from core.models import AuditLog


def record(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    now: datetime,
    target: str | None = None,
    **detail: Any,
) -> None:
    session.add(AuditLog(actor_id=actor_id, action=action, target=target, detail=detail, at=now))

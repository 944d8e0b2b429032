"""Use cases around invites: create and revoke (audited), and onboard a person with a code
(redeem, audit, and tell the inviter through the outbox — in one transaction)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from core import accounts, audit
from core.accounts import RedeemResult, RedeemStatus
from core.chat import outbox
from core.chat.messages import OutboxMessage
from core.models import AuditLog, Invite, Role, User
from core.team import strangers

MAX_FAILED_CODES = 5
FAILED_CODE_WINDOW = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class IssuedInvite:
    id: int
    code: str
    role: str
    team: str | None
    expires_at: datetime


def create_invite(
    session: Session, *, role: str, team: str | None, actor_id: int | None, now: datetime, ttl: timedelta
) -> IssuedInvite:
    invite = accounts.create_invite(session, role=role, team=team, created_by_id=actor_id, now=now, ttl=ttl)
    audit.record(
        session, actor_id=actor_id, action="invite.create", now=now, target=f"invite:{invite.id}", role=role, team=team
    )
    return IssuedInvite(invite.id or 0, invite.code, role, team, invite.expires_at)


def revoke_invite(session: Session, *, invite_id: int, actor_id: int, now: datetime) -> bool:
    """Make an unused invite expire now; False when it was already used, does not exist, or is
    not the actor's to revoke (a manager revokes their own invites, an admin any)."""
    actor = session.get(User, actor_id)
    mine = [] if actor is not None and actor.role == Role.ADMIN else [col(Invite.created_by_id) == actor_id]
    result = session.exec(
        update(Invite)
        .where(col(Invite.id) == invite_id, col(Invite.used_by_id).is_(None), *mine)
        .values(expires_at=now)
    )
    if result.rowcount:
        audit.record(session, actor_id=actor_id, action="invite.revoke", now=now, target=f"invite:{invite_id}")
    return bool(result.rowcount)


def onboard(
    session: Session,
    *,
    code: str,
    telegram_id: int,
    name: str,
    username: str | None,
    telegram_language: str | None,
    now: datetime,
) -> RedeemResult:
    """Redeem `code` for this Telegram user. Guessing is rate-limited: after MAX_FAILED_CODES
    wrong codes within FAILED_CODE_WINDOW the next attempts are refused unchecked (counted in the
    audit log, so every worker sees the same count), and said so once an hour: a script trying
    codes gets no answer to each try (core.team.strangers)."""
    target = f"telegram:{telegram_id}"
    failed = session.exec(
        select(func.count())
        .select_from(AuditLog)
        .where(AuditLog.action == "invite.failed", AuditLog.target == target, AuditLog.at > now - FAILED_CODE_WINDOW)
    ).one()
    if failed >= MAX_FAILED_CODES:
        return RedeemResult(RedeemStatus.TOO_MANY, answer=strangers.may_refuse(session, telegram_id, now))
    result = accounts.redeem_invite(
        session,
        code=code,
        telegram_id=telegram_id,
        name=name,
        username=username,
        telegram_language=telegram_language,
        now=now,
    )
    joined = result.account
    if result.status in (RedeemStatus.INVALID, RedeemStatus.USED, RedeemStatus.EXPIRED):
        audit.record(session, actor_id=None, action="invite.failed", now=now, target=target, status=str(result.status))
    if result.status is not RedeemStatus.JOINED or joined is None:
        return result
    audit.record(session, actor_id=joined.id, action="user.joined", now=now, role=joined.role)
    if result.inviter_id is not None:
        outbox.enqueue(
            session,
            recipient_id=result.inviter_id,
            kind="user_joined",
            dedupe_key=f"user_joined:{joined.id}",
            now=now,
            message=OutboxMessage("notify/user_joined", {"name": joined.name, "role": joined.role}),
        )
    return result

"""People: who may use the bot, onboarding by invite, and each person's own settings.

Everything returns `Account`, a frozen plain object; no ORM row leaves this module.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import Session, col, select

from core.errors import InvalidInput, NotFound
from core.models import ROLES, Invite, Role, Team, User, pk
from core.settings import check_timezone, parse_hhmm, parse_quiet_hours

LANGUAGES = ("zh", "en")
INVITE_CODE_BYTES = 24  # → 32 characters of A-Za-z0-9_- (Telegram allows 64 in ?start=)


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    telegram_id: int
    name: str
    role: str
    team_id: int | None
    team_name: str | None
    language: str
    timezone: str | None
    digest_time: time
    quiet_hours: tuple[time, time] | None  # None: off, or the organisation default applies
    quiet_is_default: bool
    active: bool

    @property
    def is_manager(self) -> bool:
        return self.role in (Role.MANAGER, Role.ADMIN)


def pick_language(chosen: str | None, telegram_code: str | None) -> str:
    """The user's setting, else Telegram's language_code (zh* → zh), else English."""
    if chosen in LANGUAGES:
        return chosen
    if telegram_code and telegram_code.lower().startswith("zh"):
        return "zh"
    return "en"


def account_of(session: Session, user: User, team: Team | None = None) -> Account:
    if team is None and user.team_id:
        team = session.get(Team, user.team_id)
    quiet: tuple[time, time] | None = None
    if user.quiet_start is not None and user.quiet_end is not None:
        quiet = (user.quiet_start, user.quiet_end)
    return Account(
        id=user.id or 0,
        telegram_id=user.telegram_id,
        name=user.name,
        role=user.role,
        team_id=user.team_id,
        team_name=team.name if team else None,
        language=pick_language(user.language, user.telegram_language),
        timezone=user.timezone,
        digest_time=user.digest_time,
        quiet_hours=quiet,
        quiet_is_default=quiet is None and not user.quiet_off,
        active=user.active,
    )


def find_by_telegram_id(session: Session, telegram_id: int) -> Account | None:
    user = session.exec(select(User).where(User.telegram_id == telegram_id)).first()
    if user is None or not user.active:
        return None
    return account_of(session, user)


def get_account(session: Session, user_id: int) -> Account:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id}")
    return account_of(session, user)


def recognise(
    session: Session, telegram_id: int, telegram_language: str | None, username: str | None
) -> Account | None:
    """The account behind an incoming update, or None for strangers and deactivated users.

    Writing to the bot means the user can be reached again (clears `blocked_at`), and their
    client language may have changed; the row is written only when something did change."""
    row = session.exec(
        select(User, Team).outerjoin(Team, col(Team.id) == col(User.team_id)).where(User.telegram_id == telegram_id)
    ).first()  # one query: it runs per update
    if row is None or not row[0].active:
        return None
    user, team = row
    changes = {"blocked_at": None, "telegram_language": telegram_language, "username": username}
    if any(getattr(user, field) != value for field, value in changes.items()):
        for field, value in changes.items():
            setattr(user, field, value)
        session.add(user)
    return account_of(session, user, team)


def ensure_team(session: Session, name: str, now: datetime) -> Team:
    team = session.exec(select(Team).where(Team.name == name)).first()
    if team is None:
        team = Team(name=name, created_at=now)
        session.add(team)
        session.flush()
    return team


def add_user(
    session: Session,
    *,
    telegram_id: int,
    name: str,
    role: str,
    now: datetime,
    team: str | None = None,
    manager_id: int | None = None,
    language: str | None = None,
) -> Account:
    """Create a user, or update the role/team of one who exists (used by `tierbot admin add`)."""
    if role not in ROLES:
        raise InvalidInput("bad_role", role=role)
    name = name.strip()[:200] or str(telegram_id)
    team_id = ensure_team(session, team, now).id if team else None
    user = session.exec(select(User).where(User.telegram_id == telegram_id)).first()
    if user is None:
        user = User(telegram_id=telegram_id, name=name, role=role, created_at=now)
    user.role, user.name, user.active = role, name, True
    user.team_id = team_id if team else user.team_id
    user.manager_id = manager_id if manager_id is not None else user.manager_id
    user.language = language or user.language
    session.add(user)
    session.flush()
    return account_of(session, user)


def create_invite(
    session: Session,
    *,
    role: str,
    now: datetime,
    ttl: timedelta,
    team: str | None = None,
    created_by_id: int | None = None,
) -> Invite:
    if role not in ROLES:
        raise InvalidInput("bad_role", role=role)
    team_id = ensure_team(session, team, now).id if team else None
    invite = Invite(
        code=secrets.token_urlsafe(INVITE_CODE_BYTES),
        role=role,
        team_id=team_id,
        expires_at=now + ttl,
        created_by_id=created_by_id,
        created_at=now,
    )
    session.add(invite)
    session.flush()
    return invite


class RedeemStatus(StrEnum):
    JOINED = "joined"
    ALREADY_MEMBER = "already_member"
    INVALID = "invalid"
    USED = "used"
    EXPIRED = "expired"
    TOO_MANY = "too_many"  # too many wrong codes from this person lately: not even checked


@dataclass(frozen=True, slots=True)
class RedeemResult:
    status: RedeemStatus
    account: Account | None = None
    inviter_id: int | None = None
    answer: bool = True  # False: TOO_MANY again within the hour after saying so (core.team.strangers)


def redeem_invite(
    session: Session,
    *,
    code: str,
    telegram_id: int,
    name: str,
    username: str | None,
    telegram_language: str | None,
    now: datetime,
) -> RedeemResult:
    """Onboard with a single-use code. The claim is one conditional UPDATE, so two people racing
    for the same code cannot both win."""
    existing = find_by_telegram_id(session, telegram_id)
    if existing is not None:
        return RedeemResult(RedeemStatus.ALREADY_MEMBER, existing)
    invite = session.exec(select(Invite).where(Invite.code == code)).first()
    if invite is None:
        return RedeemResult(RedeemStatus.INVALID)
    if invite.used_by_id is not None:
        return RedeemResult(RedeemStatus.USED)
    if invite.expires_at <= now:
        return RedeemResult(RedeemStatus.EXPIRED)
    user = session.exec(select(User).where(User.telegram_id == telegram_id)).first()
    if user is None:  # a deactivated user keeps their row and comes back with a new invite
        user = User(telegram_id=telegram_id, name=name, role=invite.role, created_at=now)
    manager_id = _team_manager_id(session, invite.team_id) if invite.role == Role.REP else None
    user.name, user.role, user.active = (name.strip()[:200] or str(telegram_id)), invite.role, True
    user.username, user.telegram_language = username, telegram_language
    user.team_id, user.manager_id = invite.team_id, manager_id
    session.add(user)
    session.flush()
    claimed = session.exec(
        update(Invite)
        .where(col(Invite.id) == invite.id, col(Invite.used_by_id).is_(None))
        .values(used_by_id=user.id, used_at=now)
    )
    if claimed.rowcount != 1:
        session.rollback()
        return RedeemResult(RedeemStatus.USED)
    return RedeemResult(RedeemStatus.JOINED, account_of(session, user), invite.created_by_id)


def _team_manager_id(session: Session, team_id: int | None) -> int | None:
    if team_id is None:
        return None
    manager = session.exec(select(User).where(User.team_id == team_id, User.role == Role.MANAGER, User.active)).first()
    return manager.id if manager else None


# --- personal settings -----------------------------------------------------------------------


def set_language(session: Session, user_id: int, language: str) -> Account:
    if language not in LANGUAGES:
        raise InvalidInput("bad_language")
    return _update(session, user_id, language=language)


def set_timezone(session: Session, user_id: int, name: str) -> Account:
    try:
        check_timezone(name.strip())
    except ValueError:
        raise InvalidInput("bad_timezone", value=name.strip()[:64]) from None
    return _update(session, user_id, timezone=name.strip())


def set_digest_time(session: Session, user_id: int, value: str) -> Account:
    try:
        at = parse_hhmm(value)
    except ValueError:
        raise InvalidInput("bad_time", value=value.strip()[:32]) from None
    return _update(session, user_id, digest_time=at)


def set_quiet_hours(session: Session, user_id: int, value: str) -> Account:
    try:
        quiet = parse_quiet_hours(value)
    except ValueError:
        raise InvalidInput("bad_quiet_hours", value=value.strip()[:32]) from None
    if quiet is None:
        return _update(session, user_id, quiet_start=None, quiet_end=None, quiet_off=True)
    return _update(session, user_id, quiet_start=quiet[0], quiet_end=quiet[1], quiet_off=False)


def may_delegate_to(
    team_id: int | None, manager_id: int | None, candidate_id: int | None, candidate_team_id: int | None
) -> bool:
    """Whom someone away may name as delegate: a colleague of their own team, or their manager.
    (Someone else would receive the customers' escalations and VIP reminders of another team.)"""
    return candidate_id == manager_id or (team_id is not None and candidate_team_id == team_id)


def set_away(
    session: Session, user_id: int, until: date | None, delegate: str | None, today: date
) -> tuple[date | None, str | None]:
    """`/away until DATE [colleague]` (None: back now). The delegate is an active colleague of the
    same team (or the manager) named by @username, by name (or its first word, when only one
    colleague has it) or by user id; returns (until, delegate's name)."""
    if until is not None and until < today:
        raise InvalidInput("away_in_past", value=until.isoformat())
    delegate_user = None
    if delegate:
        delegate_user = _colleague(session, user_id, delegate)
        if delegate_user is None:
            raise InvalidInput("unknown_delegate", value=delegate[:64])
        me = session.get(User, user_id)
        if me is None:
            raise NotFound(f"user {user_id}")
        if not may_delegate_to(me.team_id, me.manager_id, delegate_user.id, delegate_user.team_id):
            raise InvalidInput("delegate_other_team", value=delegate_user.name[:64])
    _update(session, user_id, away_until=until, delegate_id=delegate_user.id if delegate_user else None)
    return until, delegate_user.name if delegate_user else None


def _colleague(session: Session, user_id: int, word: str) -> User | None:
    wanted = word.strip().lstrip("@").casefold()
    others = session.exec(select(User).where(User.active, User.id != user_id)).all()
    exact = [u for u in others if wanted in ((u.username or "").casefold(), u.name.casefold(), str(u.id))]
    if exact:
        return exact[0]
    by_first = [u for u in others if u.name.split() and u.name.split()[0].casefold() == wanted]
    return by_first[0] if len(by_first) == 1 else None


def teammates(session: Session, user_id: int) -> list[tuple[int, str]]:
    """Whom the user may hand off to (`may_delegate_to`): active colleagues of their team and
    their manager, for the /away button list."""
    user = session.get(User, user_id)
    if user is None:
        return []
    same_team = col(User.team_id) == user.team_id if user.team_id is not None else col(User.id).is_(None)
    rows = session.exec(
        select(pk(User.id), col(User.name))
        .where(User.active, User.id != user_id, same_team | (col(User.id) == user.manager_id))
        .order_by(User.name)
    ).all()
    return [(int(uid), name) for uid, name in rows]


def set_delegate(session: Session, user_id: int, delegate_id: int, today: date) -> tuple[date | None, str]:
    """The /away button list: a teammate takes over while the user is away; (until, their name).
    NotFound for anyone else, or when the user is not away (any more)."""
    user = session.get(User, user_id)
    names = dict(teammates(session, user_id))
    if user is None or delegate_id not in names or user.away_until is None or user.away_until < today:
        raise NotFound(f"delegate {delegate_id}")
    _update(session, user_id, delegate_id=delegate_id)
    return user.away_until, names[delegate_id]


def _update(session: Session, user_id: int, **values: object) -> Account:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id}")
    for field, value in values.items():
        setattr(user, field, value)
    session.add(user)
    session.flush()
    return account_of(session, user)

"""People changes: deactivate and reactivate users, change a user's role or team — and the one
rule of who may change whom (used by core.team as well).

- an admin acts on anyone (but never locks the organisation out: the last active admin stays);
- a manager acts on the people of their team (and reps who report to them), never on an admin,
  never on themselves, gives the roles rep and manager only, and moves nobody between teams;
- a rep changes nobody;
- `actor=None` is the operator on the server (`tierbot user …`): everything but the lockout.

A deactivated user keeps their row, their customers and their history; they get no digest, no
push and are refused by the gate. Their customers wait for reassignment by their manager.
Every change is written to the audit log with old → new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, true, update
from sqlmodel import Session, col, select

from core import audit
from core.accounts import Account, ensure_team
from core.chat import flows
from core.errors import Forbidden, InvalidInput, NotFound
from core.models import ROLES, Customer, Role, Team, User, pk
from core.names import book


@dataclass(frozen=True, slots=True)
class PersonView:
    id: int
    telegram_id: int
    name: str
    username: str | None
    role: str
    team: str | None
    active: bool
    customers: int  # owned, not archived
    manager: str | None


@dataclass(frozen=True, slots=True)
class PeopleChange:
    """What a change did: the person after it, the value before, and customers they own."""

    person: PersonView
    old: str | None
    new: str | None
    customers: int


# --- who may act on whom ------------------------------------------------------------------------


def require_manager(actor: Account | None) -> None:
    """Managers and admins only (the operator on the server too)."""
    if actor is not None and (actor.role not in (Role.MANAGER, Role.ADMIN) or not actor.active):
        raise Forbidden("manager or admin only")


def members_clause(actor: Account | None) -> ColumnElement[bool]:
    """A WHERE clause on `User`: the people `actor` manages (admins, the operator: everyone).
    The same people whose customers `core.visibility.customer_scope` shows a manager."""
    if actor is None or actor.role == Role.ADMIN:
        return true()
    ways = [col(User.manager_id) == actor.id, col(User.id) == actor.id]
    if actor.team_id is not None:
        ways.append(col(User.team_id) == actor.team_id)
    return or_(*ways)


def in_domain(session: Session, actor: Account | None, user_id: int) -> bool:
    return session.exec(select(User.id).where(User.id == user_id, members_clause(actor))).first() is not None


@dataclass(frozen=True, slots=True)
class Assignee:
    id: int
    name: str
    role: str
    team: str | None


def assignable(session: Session, actor: Account) -> list[Assignee]:
    """The active people `actor` may give customers to (core.team.reassign.reassign's targets), by name:
    the Mini App's reassignment picker."""
    require_manager(actor)
    rows = session.exec(
        select(pk(User.id), col(User.name), col(User.role), col(Team.name))
        .outerjoin(Team, col(Team.id) == col(User.team_id))
        .where(members_clause(actor), col(User.active).is_(True))
    ).all()
    people = [Assignee(user_id, name, role, team) for user_id, name, role, team in rows]
    return sorted(people, key=lambda p: (p.team or "\uffff", p.name.casefold()))


def find_user(session: Session, actor: Account | None, ref: str) -> User:
    """A user named by `@username`, name (spaces may be left out or written as _), or Telegram
    id; within what `actor` manages. Someone outside it is named in the error (a manager asked
    for a person of another team), someone unknown too."""
    wanted = ref.strip().lstrip("@").strip().casefold()
    if not wanted:
        raise InvalidInput("team_unknown_user", value=ref[:64])
    # The users table is small (people, not customers): matching in Python keeps every spelling
    # rule in one place.
    everyone = session.exec(select(User)).all()
    matches = [u for u in everyone if _names_user(u, wanted)]
    if not matches:  # "@李伟" for "李伟 Li Wei": the first word of a name, when nothing else fits
        matches = [u for u in everyone if u.name.split() and u.name.split()[0].casefold() == wanted]
    if not matches:
        raise InvalidInput("team_unknown_user", value=ref.strip()[:64])
    mine = [u for u in matches if in_domain(session, actor, u.id or 0)]
    if not mine:
        raise InvalidInput("team_other_team", name=matches[0].name)
    if len(mine) > 1:
        raise InvalidInput(
            "team_ambiguous_user",
            value=ref.strip()[:64],
            names=[f"{u.name} (@{u.username})" if u.username else u.name for u in mine],
        )
    return mine[0]


def _names_user(user: User, wanted: str) -> bool:
    if wanted.isdigit() and int(wanted) == user.telegram_id:
        return True
    name = user.name.casefold()
    return wanted in ((user.username or "").casefold(), name, name.replace(" ", ""), name.replace(" ", "_"))


def _check_target(session: Session, actor: Account | None, user: User) -> None:
    """`actor` may change `user` (not: a manager on an admin or on themselves)."""
    require_manager(actor)
    if not in_domain(session, actor, user.id or 0):
        raise InvalidInput("team_other_team", name=user.name)
    if actor is not None and user.id == actor.id:
        raise InvalidInput("team_not_self")
    if actor is not None and actor.role == Role.MANAGER and user.role == Role.ADMIN:
        raise InvalidInput("team_not_admin", name=user.name)


def _keep_an_admin(session: Session, user: User) -> None:
    """Refuse to remove the last active admin (nobody could manage the organisation then)."""
    if user.role != Role.ADMIN or not user.active:
        return
    others = session.exec(
        select(func.count()).select_from(User).where(User.role == Role.ADMIN, User.active, User.id != user.id)
    ).one()
    if not others:
        raise InvalidInput("team_last_admin", name=user.name)


# --- reading ------------------------------------------------------------------------------------


def list_people(session: Session, actor: Account | None, *, team: str | None = None) -> list[PersonView]:
    """Everyone `actor` manages (the operator: everyone), by team then name."""
    owned = (
        select(Customer.owner_id, func.count().label("n"))
        .where(col(Customer.archived).is_(False))
        .group_by(col(Customer.owner_id))
        .subquery()
    )
    boss = select(User.id, User.name).subquery()
    statement = (
        select(User, Team.name, owned.c.n, boss.c.name)
        .outerjoin(Team, col(Team.id) == col(User.team_id))
        .outerjoin(owned, owned.c.owner_id == User.id)
        .outerjoin(boss, boss.c.id == User.manager_id)
        .where(members_clause(actor))
    )
    if team is not None:
        statement = statement.where(func.lower(Team.name) == team.strip().lower())
    rows = session.exec(statement).all()
    found = [
        PersonView(u.id or 0, u.telegram_id, u.name, u.username, u.role, team_name, u.active, n or 0, boss_name)
        for u, team_name, n, boss_name in rows
    ]
    return sorted(found, key=lambda p: (p.team or "\uffff", not p.active, p.name.casefold()))


def view(session: Session, user: User) -> PersonView:
    team = session.get(Team, user.team_id) if user.team_id else None
    boss = session.get(User, user.manager_id) if user.manager_id else None
    owned = session.exec(
        select(func.count())
        .select_from(Customer)
        .where(Customer.owner_id == user.id, col(Customer.archived).is_(False))
    ).one()
    return PersonView(
        user.id or 0,
        user.telegram_id,
        user.name,
        user.username,
        user.role,
        team.name if team else None,
        user.active,
        owned,
        boss.name if boss else None,
    )


def is_deactivated(session: Session, telegram_id: int) -> bool:
    """A known person whose access was turned off (the gate tells them so, politely)."""
    return (
        session.exec(select(User.id).where(User.telegram_id == telegram_id, col(User.active).is_(False))).first()
        is not None
    )


# --- changes ------------------------------------------------------------------------------------

OPS = ("deactivate", "reactivate", "role", "team")


def preview(session: Session, actor: Account | None, user_id: int, op: str, value: str | None = None) -> PeopleChange:
    """What `op` would do, checked exactly as the change itself checks it (nothing written):
    the confirmation shows it, the ✅ then runs the change, which checks again."""
    user = _user(session, user_id)
    old, new = _validate(session, actor, user, op, value)
    person = view(session, user)
    return PeopleChange(person, old, new, person.customers)


def _validate(
    session: Session, actor: Account | None, user: User, op: str, value: str | None
) -> tuple[str | None, str | None]:
    """(old, new) of the change, or InvalidInput saying why it may not happen."""
    if op == "team":  # before the target check: a manager learns it is for admins only
        require_manager(actor)
        if actor is not None and actor.role != Role.ADMIN:
            raise InvalidInput("team_admin_only")
    _check_target(session, actor, user)
    if op == "deactivate":
        if not user.active:
            raise InvalidInput("team_already_inactive", name=user.name)
        if actor is not None and actor.role == Role.MANAGER and user.role != Role.REP:
            raise InvalidInput("team_reps_only", name=user.name)
        _keep_an_admin(session, user)
        return "active", "inactive"
    if op == "reactivate":
        if user.active:
            raise InvalidInput("team_already_active", name=user.name)
        return "inactive", "active"
    if op == "role":
        role = (value or "").strip().lower()
        if role not in ROLES:
            raise InvalidInput("team_bad_role", value=(value or "")[:16])
        if actor is not None and actor.role == Role.MANAGER and role == Role.ADMIN:
            raise InvalidInput("team_admin_only")
        if user.role == role:
            raise InvalidInput("team_no_change", name=user.name)
        if user.role == Role.ADMIN:
            _keep_an_admin(session, user)
        return user.role, role
    if op == "team":
        name = " ".join((value or "").split())[:100]
        if not name:
            raise InvalidInput("team_bad_team")
        old_team = session.get(Team, user.team_id) if user.team_id else None
        if old_team is not None and old_team.name == name:
            raise InvalidInput("team_no_change", name=user.name)
        return (old_team.name if old_team else None), name
    raise InvalidInput("team_bad_op", value=op)


def deactivate(session: Session, actor: Account | None, user_id: int, now: datetime) -> PeopleChange:
    user = _user(session, user_id)
    old, new = _validate(session, actor, user, "deactivate", None)
    user.active = False
    session.add(user)
    flows.clear(session, user.id or 0)  # a half-done flow of theirs would never finish
    _rehome_reports(session, user, user.team_id)
    return _done(session, actor, user, "user.deactivate", old, new, now)


def reactivate(session: Session, actor: Account | None, user_id: int, now: datetime) -> PeopleChange:
    user = _user(session, user_id)
    old, new = _validate(session, actor, user, "reactivate", None)
    user.active = True
    session.add(user)
    session.flush()
    if user.role == Role.MANAGER:
        _adopt_team(session, user)
    return _done(session, actor, user, "user.reactivate", old, new, now)


def set_role(session: Session, actor: Account | None, user_id: int, role: str, now: datetime) -> PeopleChange:
    user = _user(session, user_id)
    old, new = _validate(session, actor, user, "role", role)
    user.role = new or role
    user.manager_id = _team_manager(session, user.team_id, besides=user.id) if user.role == Role.REP else None
    session.add(user)
    session.flush()
    if old == Role.MANAGER:
        _rehome_reports(session, user, user.team_id)
    if user.role == Role.MANAGER:
        _adopt_team(session, user)
    return _done(session, actor, user, "user.role", old, new, now)


def set_team(session: Session, actor: Account | None, user_id: int, team: str, now: datetime) -> PeopleChange:
    """Move a person (with their book: customers follow their owner) to another team, created
    when it does not exist yet. Admins and the operator only."""
    user = _user(session, user_id)
    old, new = _validate(session, actor, user, "team", team)
    old_team_id = user.team_id
    user.team_id = ensure_team(session, new or team, now).id
    user.manager_id = _team_manager(session, user.team_id, besides=user.id) if user.role == Role.REP else None
    session.add(user)
    session.flush()
    if user.role == Role.MANAGER:
        _rehome_reports(session, user, old_team_id)
        _adopt_team(session, user)
    return _done(session, actor, user, "user.team", old, new, now)


def change(
    session: Session, actor: Account | None, op: str, user_id: int, value: str | None, now: datetime
) -> PeopleChange:
    """A confirmed people change: `op` is "deactivate", "role" (to `value`) or "move" (to team
    `value`). Who owns and who sees which customers changes with it, so the cached book goes."""
    if op == "deactivate":
        done = deactivate(session, actor, user_id, now)
    elif op == "role":
        done = set_role(session, actor, user_id, value or "", now)
    else:
        done = set_team(session, actor, user_id, value or "", now)
    book.invalidate_on_commit(session)
    return done


def _done(
    session: Session, actor: Account | None, user: User, action: str, old: str | None, new: str | None, now: datetime
) -> PeopleChange:
    session.flush()
    person = view(session, user)
    audit.record(
        session,
        actor_id=_actor_id(actor),
        action=action,
        now=now,
        target=f"user:{user.id}",
        old=old,
        new=new,
        customers=person.customers,
        via=_via(actor),
    )
    return PeopleChange(person, old, new, person.customers)


def team_names(session: Session) -> list[str]:
    return sorted(session.exec(select(Team.name)).all())


def person(session: Session, actor: Account | None, user_id: int) -> PersonView:
    """Someone `actor` manages, by id (a button's payload)."""
    if not in_domain(session, actor, user_id):
        raise NotFound(f"user {user_id}")
    return view(session, _user(session, user_id))


def find_person(session: Session, actor: Account | None, ref: str) -> PersonView:
    return view(session, find_user(session, actor, ref))


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise InvalidInput("team_unknown_user", value=str(user_id))
    return user


def _team_manager(session: Session, team_id: int | None, *, besides: int | None) -> int | None:
    if team_id is None:
        return None
    found = session.exec(
        select(User.id)
        .where(User.team_id == team_id, User.role == Role.MANAGER, User.active, col(User.id) != besides)
        .order_by(col(User.id))
    ).first()
    return found


def _rehome_reports(session: Session, user: User, team_id: int | None) -> None:
    """Reps who reported to `user` (no longer their manager) report to another active manager
    of that team, or to nobody until one comes — escalations then reach a person who acts."""
    session.execute(
        update(User)
        .where(col(User.manager_id) == user.id)
        .values(manager_id=_team_manager(session, team_id, besides=user.id))
    )


def _adopt_team(session: Session, manager: User) -> None:
    """A new manager of a team takes the team's reps who have no active manager."""
    if manager.team_id is None or not manager.active:
        return
    active_managers = select(User.id).where(User.role == Role.MANAGER, User.active)
    session.execute(
        update(User)
        .where(
            col(User.team_id) == manager.team_id,
            col(User.role) == Role.REP,
            col(User.id) != manager.id,
            or_(col(User.manager_id).is_(None), col(User.manager_id).not_in(active_managers)),
        )
        .values(manager_id=manager.id)
    )


def _actor_id(actor: Account | None) -> int | None:
    return actor.id if actor is not None else None


def _via(actor: Account | None) -> str:
    return "chat" if actor is not None else "cli"

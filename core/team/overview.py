"""A manager's view of the team: per person the book size, tier mix, overdue and due contacts
and last activity, and one person's book page by page.

Rights: managers see their team (core.team.people.members_clause / core.visibility), admins
everyone, reps nobody. Queries are set-based: one GROUP BY per figure for the whole team, and the
agenda's own builder for due and overdue (so the numbers are the ones each person's /today shows).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from core.accounts import Account, account_of
from core.as_of import AsOf
from core.errors import InvalidInput, NotFound
from core.models import (
    Customer,
    CustomerTier,
    Interaction,
    Role,
    Team,
    User,
    pk,
)
from core.reminders import agenda
from core.team.people import in_domain, members_clause, person, require_manager
from core.tiering import Policy
from core.visibility import customer_scope

CHUNK = 5000


# --- the overview -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberRow:
    id: int
    name: str
    username: str | None
    role: str
    team: str | None
    active: bool
    book: int  # customers owned (not archived)
    mix: dict[str, int]  # tier code of the main model → customers
    overdue: int  # contacts past the maximum interval (their /today)
    due: int  # contacts past the ideal interval
    last_activity: datetime | None  # latest interaction they logged
    am_load: int  # customers they look after as dedicated account manager


@dataclass(frozen=True)
class Overview:
    members: list[MemberRow]
    mix_model: str | None  # the model whose tiers make the mix (the policy's first weighted model)
    tier_names: dict[str, dict[str, str]]  # tier code → {"zh": …, "en": …}, in the policy's order
    customers: int  # visible, not archived
    waiting: int  # customers of deactivated people: waiting for reassignment
    unassigned: int  # customers without an owner


def main_model(policy: Policy) -> tuple[str | None, list[Any]]:
    """The model whose tiers the overview counts and whose top tier gets dedicated account
    managers: the policy's main model (`[policy] main_model`)."""
    model = policy.main_model
    return (model.code, list(model.tiers)) if model else (None, [])


def top_tier(policy: Policy) -> tuple[str | None, str | None]:
    model, tiers = main_model(policy)
    return model, tiers[0].code if tiers else None


def overview(session: Session, actor: Account, as_of: AsOf, *, team: str | None = None) -> Overview:
    """The people `actor` manages (an admin: everyone, or one `team`) with their figures."""
    require_manager(actor)
    statement = select(User, Team).outerjoin(Team, col(Team.id) == col(User.team_id)).where(members_clause(actor))
    if team is not None:
        if session.exec(select(Team.id).where(func.lower(Team.name) == team.strip().lower())).first() is None:
            raise InvalidInput("team_unknown_team", value=team[:100])
        statement = statement.where(func.lower(Team.name) == team.strip().lower())
    people = list(session.exec(statement).all())
    members = _member_rows(session, people, as_of)
    members.sort(key=lambda m: (m.team or "\uffff", not m.active, m.role != Role.MANAGER, m.name.casefold()))
    visible = customer_scope(actor)
    if team is not None:  # an admin's view of one team: that team's customers
        visible = visible & col(Customer.owner_id).in_([u.id for u, _ in people])
    customers = session.exec(select(func.count()).select_from(Customer).where(visible)).one()
    inactive = select(col(User.id)).where(col(User.active).is_(False))
    waiting = session.exec(
        select(func.count()).select_from(Customer).where(visible, col(Customer.owner_id).in_(inactive))
    ).one()
    unassigned = session.exec(
        select(func.count()).select_from(Customer).where(customer_scope(actor), col(Customer.owner_id).is_(None))
    ).one()
    return Overview(members, main_model(as_of.policy)[0], tier_names(as_of.policy), customers, waiting, unassigned)


def member(session: Session, actor: Account, as_of: AsOf, user_id: int) -> MemberRow:
    """One person's row (someone `actor` manages)."""
    require_manager(actor)
    row = session.exec(
        select(User, Team)
        .outerjoin(Team, col(Team.id) == col(User.team_id))
        .where(User.id == user_id, members_clause(actor))
    ).first()
    if row is None:
        raise NotFound(f"user {user_id}")
    return _member_rows(session, [row], as_of)[0]


def tier_names(policy: Policy) -> dict[str, dict[str, str]]:
    """The main model's tiers, in the policy's order: code → {"zh": …, "en": …}."""
    return {t.code: {"zh": t.name.get("zh"), "en": t.name.get("en")} for t in main_model(policy)[1]}


def _member_rows(session: Session, people: Sequence[tuple[User, Team | None]], as_of: AsOf) -> list[MemberRow]:
    """Figures of many people in a few GROUP BY queries plus one agenda build for all of them."""
    ids: list[int | None] = [u.id for u, _ in people]
    model = main_model(as_of.policy)[0]
    not_archived = col(Customer.archived).is_(False)
    books = _counts(
        session,
        select(Customer.owner_id, func.count()).where(not_archived).group_by(col(Customer.owner_id)),
        col(Customer.owner_id),
        ids,
    )
    am = _counts(
        session,
        select(Customer.account_manager_id, func.count())
        .where(not_archived)
        .group_by(col(Customer.account_manager_id)),
        col(Customer.account_manager_id),
        ids,
    )
    last = _counts(
        session,
        select(Interaction.rep_id, func.max(Interaction.occurred_at))
        .where(col(Interaction.occurred_at) <= as_of.now)
        .group_by(col(Interaction.rep_id)),
        col(Interaction.rep_id),
        ids,
    )
    mix: dict[int, dict[str, int]] = {}
    if model is not None:
        rows = _rows(
            session,
            select(Customer.owner_id, CustomerTier.tier, func.count())
            .join(CustomerTier, col(CustomerTier.customer_id) == col(Customer.id))
            .where(CustomerTier.model == model, not_archived)
            .group_by(col(Customer.owner_id), col(CustomerTier.tier)),
            col(Customer.owner_id),
            ids,
        )
        for owner, tier, count in rows:
            if tier is not None:
                mix.setdefault(owner, {})[tier] = count
    accounts = [account_of(session, u, t) for u, t in people]
    agendas = agenda.build_many(session, accounts, as_of) if accounts else {}
    members = []
    for (user, team_row), account in zip(people, accounts, strict=True):
        statuses = Counter(c.status for c in agendas[account.id].contacts)
        members.append(
            MemberRow(
                user.id or 0,
                user.name,
                user.username,
                user.role,
                team_row.name if team_row else None,
                user.active,
                books.get(user.id, 0),
                mix.get(user.id or 0, {}),
                statuses["overdue"],
                statuses["due"],
                last.get(user.id),
                am.get(user.id, 0),
            )
        )
    return members


def _rows(session: Session, statement: Any, column: Any, ids: list[int | None]) -> list[Any]:
    found: list[Any] = []
    for start in range(0, len(ids), CHUNK):
        found += session.exec(statement.where(column.in_(ids[start : start + CHUNK]))).all()
    return found


def _counts(session: Session, statement: Any, column: Any, ids: list[int | None]) -> dict[Any, Any]:
    return {key: value for key, value in _rows(session, statement, column, ids)}


# --- one person's book ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BookLine:
    id: int
    name: str
    tier: str | None  # main model's tier code


def book_of(
    session: Session, actor: Account, policy: Policy, user_id: int, *, offset: int = 0, limit: int = 10
) -> tuple[list[BookLine], int]:
    """A person's customers (by tier, then name), a page of them and how many in all."""
    require_manager(actor)
    if not in_domain(session, actor, user_id):
        raise NotFound(f"user {user_id}")
    model, tiers = main_model(policy)
    order = {t.code: n for n, t in enumerate(tiers)}
    rows = session.exec(
        select(pk(Customer.id), col(Customer.name), col(CustomerTier.tier))
        .outerjoin(
            CustomerTier,
            (col(CustomerTier.customer_id) == col(Customer.id)) & (col(CustomerTier.model) == (model or "")),
        )
        .where(Customer.owner_id == user_id, customer_scope(actor))
    ).all()
    lines = sorted(
        (BookLine(cid, name, tier) for cid, name, tier in rows),
        key=lambda line: (order.get(line.tier or "", len(order)), line.name.casefold()),
    )
    return lines[offset : offset + limit], len(lines)


@dataclass(frozen=True)
class BookPage:
    name: str  # whose book
    lines: list[BookLine]
    total: int


def book_page(
    session: Session, actor: Account, policy: Policy, user_id: int, *, offset: int = 0, limit: int = 10
) -> BookPage:
    """A page of a person's book (`book_of`) with their name."""
    lines, total = book_of(session, actor, policy, user_id, offset=offset, limit=limit)
    return BookPage(person(session, actor, user_id).name, lines, total)

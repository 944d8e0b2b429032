"""Drill-down from a summary figure: the customers of one tier, page by page, and one person's
overdue customers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from core.accounts import Account, get_account
from core.as_of import AsOf
from core.errors import InvalidInput
from core.models import Customer, CustomerTier, User
from core.reminders import agenda
from core.reports.scoping import Scope, require_summary_rights, scope_clause, scope_from_payload
from core.team.people import in_domain
from core.tiering import Policy


@dataclass(frozen=True)
class CustomerLine:
    customer_id: int
    name: str
    owner: str | None


def tier_customers(
    session: Session,
    actor: Account,
    policy: Policy,
    scope: Scope,
    model: str,
    tier: str,
    *,
    offset: int = 0,
    limit: int = 10,
) -> tuple[list[CustomerLine], int]:
    """A page of the scope's customers assigned `tier` under `model`, by name, and how many."""
    require_summary_rights(actor)
    if policy.tier(model, tier) is None:
        raise InvalidInput("summary_usage", value=f"{model}:{tier}")
    where = and_(scope_clause(actor, scope), col(CustomerTier.model) == model, col(CustomerTier.tier) == tier)
    total: int = session.execute(
        select(func.count())
        .select_from(CustomerTier)
        .join(Customer, col(Customer.id) == col(CustomerTier.customer_id))
        .where(where)
    ).scalar_one()
    rows: Sequence[Any] = session.execute(
        select(Customer.id, Customer.name, User.name)
        .select_from(CustomerTier)
        .join(Customer, col(Customer.id) == col(CustomerTier.customer_id))
        .outerjoin(User, col(User.id) == col(Customer.owner_id))
        .where(where)
        .order_by(Customer.name, col(Customer.id))
        .offset(offset)
        .limit(limit)
    ).all()
    return [CustomerLine(cid, name, owner) for cid, name, owner in rows], int(total)


def tier_page(
    session: Session,
    actor: Account,
    policy: Policy,
    scope: dict[str, Any],
    model: str,
    tier: str,
    *,
    offset: int = 0,
    limit: int = 10,
) -> tuple[list[CustomerLine], int]:
    """`tier_customers` of a scope stored behind a drill-down button (re-checked for `actor`)."""
    return tier_customers(
        session, actor, policy, scope_from_payload(session, actor, scope), model, tier, offset=offset, limit=limit
    )


def overdue_of(session: Session, actor: Account, as_of: AsOf, *, user_id: int) -> tuple[str, list[agenda.ContactDue]]:
    """The overdue contacts of one person `actor` manages: exactly those of their /today."""
    require_summary_rights(actor)
    person = get_account(session, user_id)
    if not in_domain(session, actor, user_id):
        raise InvalidInput("summary_other_team", value=person.name, name=person.name)
    items = agenda.build(session, person, as_of)
    return person.name, sorted(items.overdue, key=lambda c: (not c.priority, -c.days_late, c.name))

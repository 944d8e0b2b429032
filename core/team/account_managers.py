"""Dedicated account managers (重点客户经理) for the customers of the policy's top tier: who
carries how many, and setting one (audited).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from core import audit
from core.accounts import Account
from core.errors import InvalidInput
from core.models import (
    Customer,
    CustomerTier,
    User,
)
from core.names import book
from core.team.lookup import CustomerRef, customer_ref, find_customer, visible_customer
from core.team.overview import top_tier
from core.team.people import PersonView, find_user, require_manager
from core.team.reassign import target_user, targets
from core.tiering import Policy
from core.visibility import customer_scope


@dataclass(frozen=True)
class AmLoad:
    managers: list[dict[str, Any]]  # {"id", "name", "active", "customers", "top"}
    without: list[dict[str, Any]]  # top-tier customers without one: {"id", "name", "owner"}
    without_total: int
    top_total: int
    tier: str | None  # the top tier's code


def account_manager_load(session: Session, actor: Account, policy: Policy, *, limit: int = 10) -> AmLoad:
    """Who looks after how many customers as dedicated account manager (and how many of those
    are in the top tier now), and the top-tier customers still without one."""
    require_manager(actor)
    model, top = top_tier(policy)
    scope = customer_scope(actor)
    is_top = col(Customer.id).in_(
        select(CustomerTier.customer_id).where(CustomerTier.model == (model or ""), CustomerTier.tier == (top or ""))
    )
    loads = session.exec(
        select(col(User.id), col(User.name), col(User.active), func.count(col(Customer.id)))
        .join(Customer, col(Customer.account_manager_id) == col(User.id))
        .where(scope)
        .group_by(col(User.id), col(User.name), col(User.active))
    ).all()
    tops = dict(
        session.exec(
            select(Customer.account_manager_id, func.count())
            .where(scope, is_top, col(Customer.account_manager_id).is_not(None))
            .group_by(col(Customer.account_manager_id))
        ).all()
    )
    managers: list[dict[str, Any]] = sorted(
        (
            {"id": uid, "name": name, "active": active, "customers": n, "top": tops.get(uid, 0)}
            for uid, name, active, n in loads
        ),
        key=lambda m: (-m["customers"], m["name"]),
    )
    missing = (
        select(Customer.id, col(Customer.name), col(User.name))
        .outerjoin(User, col(User.id) == col(Customer.owner_id))
        .where(scope, is_top, col(Customer.account_manager_id).is_(None))
        .order_by(Customer.name)
    )
    without = [
        {"id": cid, "name": name, "owner": owner} for cid, name, owner in session.exec(missing.limit(limit)).all()
    ]
    without_total = session.exec(
        select(func.count()).select_from(Customer).where(scope, is_top, col(Customer.account_manager_id).is_(None))
    ).one()
    top_total = session.exec(select(func.count()).select_from(Customer).where(scope, is_top)).one()
    return AmLoad(managers, without, without_total, top_total, top)


def set_account_manager(
    session: Session, actor: Account, policy: Policy, customer_id: int, user_id: int | None, now: datetime
) -> tuple[str, str | None]:
    """Make `user_id` the customer's dedicated account manager (None: remove). The customer must
    be in the top tier (VIP) of the main model. Returns (customer name, manager name)."""
    customer = visible_customer(session, actor, customer_id)
    manager = None
    if user_id is not None:
        model, top = top_tier(policy)
        tier = session.get(CustomerTier, (customer_id, model or ""))
        if tier is None or tier.tier != top:
            raise InvalidInput("team_not_vip", name=customer.name)
        manager = target_user(session, actor, user_id)
    old = customer.account_manager_id
    customer.account_manager_id = user_id
    session.add(customer)
    audit.record(
        session,
        actor_id=actor.id,
        action="customer.account_manager",
        now=now,
        target=f"customer:{customer_id}",
        old=old,
        new=user_id,
    )
    session.flush()
    book.invalidate_on_commit(session)
    return customer.name, manager.name if manager else None


@dataclass(frozen=True)
class AmChoice:
    customer: CustomerRef
    targets: list[PersonView]


def account_manager_choice(session: Session, actor: Account, customer_id: int, *, limit: int) -> AmChoice:
    """A customer and the people who can become its dedicated account manager."""
    return AmChoice(customer_ref(session, actor, customer_id), targets(session, actor, besides=None, limit=limit))


def set_account_manager_by_name(
    session: Session, actor: Account, policy: Policy, customer: str, user_ref: str | None, now: datetime
) -> tuple[str, str | None]:
    """As `set_account_manager`, for a customer's name and a person's @username (None: remove)."""
    customer_id = find_customer(session, actor, customer).id
    user_id = None if user_ref is None else find_user(session, actor, user_ref).id
    return set_account_manager(session, actor, policy, customer_id, user_id, now)

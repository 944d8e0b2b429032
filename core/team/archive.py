"""Archiving a customer and bringing one back (audited): archived customers leave every list,
digest and figure, and keep their history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from core import audit
from core.accounts import Account
from core.errors import InvalidInput
from core.models import (
    Customer,
    User,
)
from core.names import book
from core.team.lookup import find_customer, visible_customer
from core.team.people import require_manager
from core.visibility import customer_scope


def archive(session: Session, actor: Account, customer_id: int, now: datetime) -> str:
    """Out of every agenda, digest, search and tier statistic; nothing is deleted."""
    customer = visible_customer(session, actor, customer_id)
    customer.archived, customer.archived_at = True, now
    session.add(customer)
    audit.record(
        session,
        actor_id=actor.id,
        action="customer.archive",
        now=now,
        target=f"customer:{customer_id}",
        old="active",
        new="archived",
    )
    session.flush()
    book.invalidate_on_commit(session)  # out of every search
    return customer.name


def unarchive(session: Session, actor: Account, customer_id: int, now: datetime) -> str:
    customer = visible_customer(session, actor, customer_id, archived=True)
    if customer.merged_into_id is not None:  # its history lives in the kept record now
        kept = session.get(Customer, customer.merged_into_id)
        raise InvalidInput("team_merged_record", name=customer.name, kept=kept.name if kept else "")
    customer.archived, customer.archived_at = False, None
    session.add(customer)
    audit.record(
        session,
        actor_id=actor.id,
        action="customer.unarchive",
        now=now,
        target=f"customer:{customer_id}",
        old="archived",
        new="active",
    )
    session.flush()
    book.invalidate_on_commit(session)
    return customer.name


def unarchive_by_name(session: Session, actor: Account, name: str, now: datetime) -> str:
    return unarchive(session, actor, find_customer(session, actor, name, archived=True).id, now)


@dataclass(frozen=True)
class ArchivedLine:
    id: int
    name: str
    owner: str | None
    archived_at: datetime | None
    merged_into: str | None


def archived(session: Session, actor: Account, *, offset: int = 0, limit: int = 10) -> tuple[list[ArchivedLine], int]:
    require_manager(actor)
    scope = customer_scope(actor, include_archived=True) & col(Customer.archived).is_(True)
    total = session.exec(select(func.count()).select_from(Customer).where(scope)).one()
    rows = session.exec(
        select(Customer, col(User.name))
        .outerjoin(User, col(User.id) == col(Customer.owner_id))
        .where(scope)
        .order_by(col(Customer.archived_at).desc(), col(Customer.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    kept = {c.merged_into_id for c, _ in rows if c.merged_into_id}
    kept_names = (
        dict(session.exec(select(col(Customer.id), col(Customer.name)).where(col(Customer.id).in_(kept))).all())
        if kept
        else {}
    )
    return [
        ArchivedLine(c.id or 0, c.name, owner, c.archived_at, kept_names.get(c.merged_into_id)) for c, owner in rows
    ], total

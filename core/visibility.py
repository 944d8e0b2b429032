"""Who may see which customers — the one rule every customer query goes through.

- a rep: customers they own or look after as dedicated account manager (重点客户经理);
- a manager: customers owned by anyone in their team (themselves included), or by reps who
  report to them, plus their team's unassigned customers (someone has to assign them: an
  unassigned customer records the team it was imported in, `Customer.team_id`);
- an admin: everything, unassigned customers of no team included.

Archived customers (archived by a manager, or merged into another record) are out of every
scope — agendas, digests, search, cards, tier stats — unless a caller asks for them
(`include_archived=True`: the archive list, un-archive, merge).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, true
from sqlmodel import Session, col, select

from core.accounts import Account
from core.models import Customer, Role, User


def customer_scope(account: Account, *, include_archived: bool = False) -> ColumnElement[bool]:
    """A WHERE clause limiting `Customer` rows to what `account` may see."""
    if not account.active:
        return false()
    if not include_archived:
        return and_(col(Customer.archived).is_(False), customer_scope(account, include_archived=True))
    if account.role == Role.ADMIN:
        return true()
    mine = or_(col(Customer.owner_id) == account.id, col(Customer.account_manager_id) == account.id)
    if account.role != Role.MANAGER:
        return mine
    team_members = select(User.id).where(
        or_(col(User.manager_id) == account.id, *([col(User.team_id) == account.team_id] if account.team_id else []))
    )
    unassigned = (
        [and_(col(Customer.owner_id).is_(None), col(Customer.team_id) == account.team_id)] if account.team_id else []
    )
    return or_(mine, *unassigned, col(Customer.owner_id).in_(team_members))


def can_see_customer(session: Session, account: Account, customer_id: int, *, include_archived: bool = False) -> bool:
    found = session.exec(
        select(Customer.id).where(
            Customer.id == customer_id, customer_scope(account, include_archived=include_archived)
        )
    ).first()
    return found is not None


def visible_customer_ids(session: Session, account: Account) -> set[int]:
    return {row for row in session.exec(select(Customer.id).where(customer_scope(account))).all() if row}

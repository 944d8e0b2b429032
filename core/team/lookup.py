"""Finding the customer a manager names (exactly, then fuzzily), within what they may see: the
one lookup the team levers (reassign, account managers, archive, merge) share.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import func
from sqlmodel import Session, col, select

from core.accounts import Account
from core.errors import InvalidInput, NotFound
from core.models import (
    Customer,
    User,
    pk,
)
from core.names import book
from core.team.people import require_manager
from core.visibility import customer_scope

MATCH_GAP = 10.0  # a fuzzy best match counts as "the one" this many points ahead of the next
MATCH_MIN = 70.0


@dataclass(frozen=True)
class CustomerRef:
    id: int
    name: str
    owner_id: int | None
    owner: str | None
    added_at: datetime
    archived: bool


def find_customer(session: Session, actor: Account, text: str, *, archived: bool = False) -> CustomerRef:
    """One customer `actor` may see, named by `#id`, exact name, or a clear fuzzy best (pinyin
    works: the rep's search index). Several records of the same name are listed in the error
    with their #id so the user can pick one (that is what merging is for)."""
    require_manager(actor)
    query = text.strip()
    if not query:
        raise InvalidInput("team_customer_not_found", value="")
    scope = customer_scope(actor, include_archived=True) & (col(Customer.archived).is_(archived))
    if query.startswith("#") and query[1:].isdigit():
        row = session.exec(select(Customer).where(Customer.id == int(query[1:]), scope)).first()
        if row is None:
            raise InvalidInput("team_customer_not_found", value=query[:100])
        return _ref(session, row)
    exact = session.exec(
        select(Customer).where(func.lower(Customer.name) == query.lower(), scope).order_by(col(Customer.id))
    ).all()
    if len(exact) == 1:
        return _ref(session, exact[0])
    if len(exact) > 1:
        raise InvalidInput(
            "team_ambiguous_customer", value=query[:100], candidates=[_candidate(session, row) for row in exact[:8]]
        )
    ids = _fuzzy(session, actor, query, archived)
    if not ids:
        raise InvalidInput("team_customer_not_found", value=query[:100])
    if len(ids) > 1:
        rows = [session.get(Customer, cid) for cid in ids[:8]]
        raise InvalidInput(
            "team_ambiguous_customer",
            value=query[:100],
            candidates=[_candidate(session, row) for row in rows if row is not None],
        )
    row = session.get(Customer, ids[0])
    assert row is not None
    return _ref(session, row)


def _fuzzy(session: Session, actor: Account, query: str, archived: bool) -> list[int]:
    """The best match (alone when clearly ahead), else the close ones."""
    if archived:  # the archive is small and not in the search index: rapidfuzz over its names
        rows = session.exec(
            select(pk(Customer.id), col(Customer.name)).where(
                customer_scope(actor, include_archived=True), col(Customer.archived).is_(True)
            )
        ).all()
        scored = sorted(((fuzz.WRatio(query, name), cid) for cid, name in rows), reverse=True)
    else:
        scored = [(c.score, c.customer_id) for c in book.search(session, actor, query, 8)]
    scored = [(score, cid) for score, cid in scored if score >= MATCH_MIN]
    if not scored:
        return []
    if len(scored) == 1 or scored[0][0] - scored[1][0] >= MATCH_GAP:
        return [scored[0][1]]
    return [cid for score, cid in scored if scored[0][0] - score < MATCH_GAP]


def _ref(session: Session, row: Customer) -> CustomerRef:
    owner = session.get(User, row.owner_id) if row.owner_id else None
    return CustomerRef(row.id or 0, row.name, row.owner_id, owner.name if owner else None, row.added_at, row.archived)


def customer_ref(session: Session, actor: Account, customer_id: int) -> CustomerRef:
    return _ref(session, visible_customer(session, actor, customer_id))


def _candidate(session: Session, row: Customer) -> dict[str, Any]:
    ref = _ref(session, row)
    return {"id": ref.id, "name": ref.name, "owner": ref.owner, "added": ref.added_at.date().isoformat()}


def visible_customer(session: Session, actor: Account, customer_id: int, *, archived: bool | None = False) -> Customer:
    require_manager(actor)
    statement = select(Customer).where(Customer.id == customer_id, customer_scope(actor, include_archived=True))
    if archived is not None:
        statement = statement.where(col(Customer.archived).is_(archived))
    row = session.exec(statement).first()
    if row is None:
        raise NotFound(f"customer {customer_id}")
    return row

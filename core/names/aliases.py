"""Customer aliases (别名 / 简称): the names reps actually type for a customer (阿里 → 阿里巴巴).

Learned when a rep picks the customer for a message that named it differently, typed on the
customer card, or imported from an 别名 / aliases column. An alias belongs to the customer, so
whoever can see the customer finds it by its aliases and nobody else does: every read and write
goes through the visibility rule, and the index (core.names.book) reads them through the rep's scope.

Whether a text may become an alias is the parser's call (`CustomerIndex.alias_problem`) against
the rep's own book: too short or long, no letters, already the customer's name, or another
customer's name or alias (refused, naming that customer). Every change invalidates the cached
indexes once it is committed, so the next message already uses it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from core import audit
from core.accounts import Account
from core.errors import InvalidInput, NotFound
from core.models import Customer, CustomerAlias
from core.names import book
from core.parsing.text import lower, normalise
from core.visibility import can_see_customer

MAX_SHOWN = 12  # on the customer card
# an import's 别名 / aliases cell: several, separated by , ， ; ； 、 or /
SEPARATORS = re.compile(r"\s*[,，;；、/]\s*")


@dataclass(frozen=True, slots=True)
class AliasView:
    id: int
    text: str
    source: str  # learned | import | manual


@dataclass(frozen=True, slots=True)
class Learned:
    """An alias saved with a log: `text` now finds `customer_name`."""

    text: str
    customer_name: str


def alias_key(text: str) -> str:
    """The form an alias is unique in (per customer): normalised, lower-cased, single spaces."""
    return " ".join(lower(normalise(text or "")).split())


def split_cell(cell: str) -> list[str]:
    """阿里, Ali；阿里巴巴集团 → ["阿里", "Ali", "阿里巴巴集团"] (empty parts dropped, first spelling kept)."""
    seen: dict[str, str] = {}
    for part in SEPARATORS.split(cell or ""):
        part = " ".join(part.split())
        if part and alias_key(part) not in seen:
            seen[alias_key(part)] = part
    return list(seen.values())


def of_customer(session: Session, account: Account, customer_id: int) -> list[AliasView]:
    """The customer's aliases (oldest first), if `account` may see the customer."""
    if not can_see_customer(session, account, customer_id):
        raise NotFound(f"customer {customer_id}")
    rows = session.exec(
        select(CustomerAlias)
        .where(CustomerAlias.customer_id == customer_id)
        .order_by(col(CustomerAlias.id))
        .limit(MAX_SHOWN)
    ).all()
    return [AliasView(r.id or 0, r.text, r.source) for r in rows]


def of_customer_unchecked(session: Session, customer_id: int) -> list[AliasView]:
    """Every alias of a customer, for the server's own jobs (erasure, merge): no visibility check."""
    rows = session.exec(
        select(CustomerAlias).where(CustomerAlias.customer_id == customer_id).order_by(col(CustomerAlias.id))
    ).all()
    return [AliasView(r.id or 0, r.text, r.source) for r in rows]


def move(session: Session, from_id: int, to_id: int) -> int:
    """A merge: the dropped record's aliases join the kept one (those it already has are dropped)."""
    kept = {key for _, key in existing_keys(session, [to_id])}
    moved = 0
    for row in session.exec(select(CustomerAlias).where(CustomerAlias.customer_id == from_id)).all():
        if row.key in kept:
            session.delete(row)
            continue
        row.customer_id = to_id
        session.add(row)
        kept.add(row.key)
        moved += 1
    session.flush()
    book.invalidate_on_commit(session)
    return moved


def problem(session: Session, account: Account, customer_id: int, text: str) -> tuple[str, str | None] | None:
    """Why `text` cannot become an alias of the customer in `account`'s book, or None."""
    return book.index_for(session, account).alias_problem(text, customer_id)


def add(
    session: Session, account: Account, customer_id: int, text: str, *, now: datetime, source: str = "manual"
) -> AliasView:
    """Add an alias typed on the card. InvalidInput("alias_<problem>", other=NAME) when refused."""
    if not can_see_customer(session, account, customer_id):
        raise NotFound(f"customer {customer_id}")
    text = " ".join(normalise(text or "").split())
    refused = problem(session, account, customer_id, text)
    if refused is not None:
        code, other = refused
        raise InvalidInput(f"alias_{code}", other=other or "", value=text[:40])
    row = _insert(session, account, customer_id, text, source, now)
    return AliasView(row.id or 0, row.text, row.source)


def learn(session: Session, account: Account, customer_id: int, text: str | None, *, now: datetime) -> Learned | None:
    """Teach the text a message named the customer by (阿里 for 阿里巴巴), in the caller's
    transaction; None when there is nothing to learn or `alias_problem` refuses it."""
    text = " ".join(normalise(text or "").split())
    if not text or not can_see_customer(session, account, customer_id):
        return None
    if problem(session, account, customer_id, text) is not None:
        return None
    row = _insert(session, account, customer_id, text, "learned", now)
    customer = session.get(Customer, customer_id)
    return Learned(row.text, customer.name if customer else "")


def remove(session: Session, account: Account, alias_id: int, *, now: datetime) -> int:
    """Remove one alias; returns its customer's id."""
    row = session.get(CustomerAlias, alias_id)
    if row is None or not can_see_customer(session, account, row.customer_id):
        raise NotFound(f"alias {alias_id}")
    customer_id = row.customer_id
    session.delete(row)
    audit.record(
        session, actor_id=account.id, action="alias.remove", now=now, target=f"customer:{customer_id}", alias=row.text
    )
    book.invalidate_on_commit(session)
    return customer_id


def _insert(
    session: Session, account: Account, customer_id: int, text: str, source: str, now: datetime
) -> CustomerAlias:
    key = alias_key(text)
    existing = session.exec(
        select(CustomerAlias).where(CustomerAlias.customer_id == customer_id, CustomerAlias.key == key)
    ).first()
    if existing is not None:
        return existing
    row = CustomerAlias(
        customer_id=customer_id, text=text[:100], key=key[:100], source=source, created_by_id=account.id, created_at=now
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor_id=account.id,
        action=f"alias.{source}",
        now=now,
        target=f"customer:{customer_id}",
        alias=row.text,
    )
    book.invalidate_on_commit(session)
    return row


def existing_keys(session: Session, customer_ids: Iterable[int]) -> set[tuple[int, str]]:
    """(customer, key) of the aliases these customers already have (imports skip them)."""
    ids = list(customer_ids)
    found: set[tuple[int, str]] = set()
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        found.update(
            session.exec(
                select(CustomerAlias.customer_id, CustomerAlias.key).where(col(CustomerAlias.customer_id).in_(chunk))
            ).all()
        )
    return found


def delete_of(session: Session, customer_id: int) -> int:
    """Every alias of one customer (erasure); returns how many."""
    result = session.exec(delete(CustomerAlias).where(col(CustomerAlias.customer_id) == customer_id))
    book.invalidate_on_commit(session)
    return int(result.rowcount or 0)

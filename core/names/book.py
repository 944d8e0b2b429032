"""The in-memory customer index a rep's messages are matched against (see core.parsing), and
the organisation's customer names for the duplicate check at /new.

Built once per book and kept for a short while: matching a message must not scan every name in
the database. Any customer change in this process invalidates it at once; changes made by
another process are seen within INDEX_TTL.
"""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from datetime import datetime
from threading import Lock

from sqlalchemy import event
from sqlmodel import Session, col, select

from core.accounts import Account
from core.models import Contact, Customer, CustomerAlias, pk
from core.parsing import BookEntry, Candidate, CustomerIndex, NameIndex, ParsedLog, parse
from core.visibility import customer_scope

INDEX_TTL = 60.0  # seconds
_version = itertools.count(1)
_current_version = next(_version)
_lock = Lock()
_cache: dict[object, tuple[int, float, CustomerIndex]] = {}
_names: list[tuple[int, float, NameIndex]] = []  # the organisation's, at most one


def invalidate() -> None:
    """Call after creating, renaming, reassigning or archiving customers."""
    global _current_version
    with _lock:
        _current_version = next(_version)


def version() -> int:
    """Changes whenever `invalidate` is called (core.customers.table keeps its rows by it)."""
    with _lock:
        return _current_version


def invalidate_on_commit(session: Session) -> None:
    """Invalidate once `session` commits (not before: a rebuild in between would cache the old
    book under the new version)."""
    event.listen(session, "after_commit", lambda _session: invalidate(), once=True)


def entries(session: Session, account: Account | None) -> list[BookEntry]:
    """Every customer `account` may see (None: the whole organisation), with contact names and
    aliases (read through the same scope: an alias is never shared beyond the customer's view)."""
    statement = select(pk(Customer.id), col(Customer.name), col(Customer.company)).where(
        col(Customer.archived).is_(False)
    )
    if account is not None:
        statement = statement.where(customer_scope(account))
    rows = session.exec(statement).all()
    contacts: dict[int, list[str]] = defaultdict(list)
    aliases: dict[int, list[str]] = defaultdict(list)
    ids = [row[0] for row in rows]
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        for customer_id, name in session.exec(
            select(Contact.customer_id, Contact.name).where(col(Contact.customer_id).in_(chunk))
        ):
            contacts[customer_id].append(name)
        for customer_id, text in session.exec(
            select(CustomerAlias.customer_id, CustomerAlias.text).where(col(CustomerAlias.customer_id).in_(chunk))
        ):
            aliases[customer_id].append(text)
    return [
        BookEntry(cid, name, company, tuple(contacts.get(cid, ())), tuple(aliases.get(cid, ())))
        for cid, name, company in rows
    ]


def cached(account: Account | None) -> CustomerIndex | None:
    """The index of `account`'s book if a fresh one is in memory, else None."""
    key = account.id if account is not None else "all"
    with _lock:
        entry = _cache.get(key)
        version = _current_version
    if entry is not None and entry[0] == version and time.monotonic() - entry[1] < INDEX_TTL:
        return entry[2]
    return None


def index_for(session: Session, account: Account | None) -> CustomerIndex:
    """The cached index of `account`'s book (None: the whole organisation)."""
    key = account.id if account is not None else "all"
    index = cached(account)
    if index is not None:
        return index
    with _lock:
        version = _current_version
    now = time.monotonic()
    index = CustomerIndex(entries(session, account))
    with _lock:
        _cache[key] = (version, now, index)
    return index


def names(session: Session) -> NameIndex:
    """Every customer's name and company (not archived), by their forms: the duplicate check."""
    with _lock:
        version = _current_version
        found = _names[0] if _names else None
    if found is not None and found[0] == version and time.monotonic() - found[1] < INDEX_TTL:
        return found[2]
    now = time.monotonic()
    rows = session.exec(
        select(pk(Customer.id), col(Customer.name), col(Customer.company)).where(col(Customer.archived).is_(False))
    ).all()
    index = NameIndex(BookEntry(cid, name, company) for cid, name, company in rows)
    with _lock:
        _names[:] = [(version, now, index)]
    return index


def read(session: Session, account: Account, text: str, *, now: datetime, timezone: str, currency: str) -> ParsedLog:
    """A rep's message, parsed against the rep's own book."""
    return read_in(index_for(session, account), account, text, now=now, timezone=timezone, currency=currency)


def read_in(
    index: CustomerIndex, account: Account, text: str, *, now: datetime, timezone: str, currency: str
) -> ParsedLog:
    return parse(text, index, now=now, timezone=timezone, currency=currency, lang=account.language)


def search(session: Session, account: Account, query: str, limit: int) -> list[Candidate]:
    """Fuzzy search (names, companies, contacts, pinyin) in the rep's own book."""
    return index_for(session, account).find(query[:200], limit=limit)

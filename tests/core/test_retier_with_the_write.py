"""Issue 12 §2: each use case commits its write and its re-tier (and its index invalidation)
together. The re-tier used to run in a second transaction from the handler: a crash between
the two left a stale tier. Here the use case alone assigns the customer's tiers, and a failing
re-tier rolls the write back with it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from core import accounts
from core.as_of import AsOf
from core.customers import registry
from core.db import Database
from core.interactions import logbook
from core.models import Customer, CustomerTier, Interaction
from core.names import book
from core.policies import default_policy_text
from core.tier_records import retier
from core.tiering import parse_policy

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
POLICY = parse_policy(default_policy_text())
TZ = "Asia/Shanghai"
AS_OF = AsOf(POLICY, NOW, TZ)


def _book(db: Database) -> tuple[accounts.Account, int, int]:
    """A rep, a customer with no tier assigned yet, and a log of it the rep wrote from chat."""
    with db.session() as session:
        rep = accounts.add_user(session, telegram_id=7, name="Li", role="rep", now=NOW)
        customer = Customer(name="Acme", owner_id=rep.id, stage="prospect", added_at=NOW - timedelta(days=40))
        session.add(customer)
        session.flush()
        log = Interaction(
            customer_id=customer.id or 0,
            rep_id=rep.id,
            kind="call",
            occurred_at=NOW - timedelta(hours=2),
            summary="called",
            source_chat_id=7,
            source_message_id=1,
            created_at=NOW - timedelta(hours=1),
        )
        session.add(log)
        session.flush()
        return rep, customer.id or 0, log.id or 0


def _tiers(db: Database, customer_id: int) -> list[CustomerTier]:
    with db.session() as session:
        return list(session.exec(select(CustomerTier).where(CustomerTier.customer_id == customer_id)).all())


def _logs(db: Database) -> int:
    with db.session() as session:
        return len(session.exec(select(Interaction)).all())


USE_CASES: dict[str, Callable[[Session, accounts.Account, int, int], Any]] = {
    "greeting sent": lambda s, rep, cid, log: logbook.mark_greeting_sent(s, rep, cid, "new_year", "New Year", AS_OF),
    "undo": lambda s, rep, cid, log: logbook.undo_last(s, rep, AS_OF),
    "delete from history": lambda s, rep, cid, log: logbook.delete_interaction(s, rep, log, AS_OF),
    "edit stage": lambda s, rep, cid, log: registry.edit_field(
        s, rep, cid, "stage", "active", as_of=AS_OF, currency="CNY"
    ),
}
WRITTEN: dict[str, Callable[[Database], bool]] = {  # did the use case's own write commit?
    "greeting sent": lambda db: _logs(db) == 2,
    "undo": lambda db: _logs(db) == 0,
    "delete from history": lambda db: _logs(db) == 0,
    "edit stage": lambda db: _stage(db) == "active",
}


def _stage(db: Database) -> str:
    with db.session() as session:
        return session.exec(select(Customer.stage)).one()


@pytest.mark.parametrize("use_case", list(USE_CASES))
def test_the_use_case_re_tiers_in_its_own_transaction(use_case: str, any_db: Database) -> None:
    rep, customer_id, log_id = _book(any_db)
    assert _tiers(any_db, customer_id) == []
    with any_db.session() as session:
        USE_CASES[use_case](session, rep, customer_id, log_id)
    assert WRITTEN[use_case](any_db)
    assert _tiers(any_db, customer_id)  # the first tiers, assigned by the use case itself


@pytest.mark.parametrize("use_case", list(USE_CASES))
def test_a_failing_re_tier_rolls_the_write_back(
    use_case: str, any_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    rep, customer_id, log_id = _book(any_db)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("injected: the re-tier fails")

    monkeypatch.setattr(logbook, "retier_customer", broken)
    monkeypatch.setattr(registry, "retier_customer", broken)
    with pytest.raises(RuntimeError, match="injected"), any_db.session() as session:
        USE_CASES[use_case](session, rep, customer_id, log_id)
    assert not WRITTEN[use_case](any_db)  # neither the write nor a tier: the two go together
    assert _tiers(any_db, customer_id) == []


def test_an_edit_that_cannot_move_tiers_does_not_re_tier_but_refreshes_the_index(any_db: Database) -> None:
    rep, customer_id, _ = _book(any_db)
    with any_db.session() as session:
        book.index_for(session, rep)
    assert book.cached(rep) is not None
    with any_db.session() as session:
        registry.edit_field(session, rep, customer_id, "name", "Acme Robotics", as_of=AS_OF, currency="CNY")
        assert book.cached(rep) is not None  # not before the commit (a rebuild would cache the old name)
    assert book.cached(rep) is None
    assert _tiers(any_db, customer_id) == []
    with any_db.session() as session:
        assert [c.name for c in book.search(session, rep, "Acme Robotics", 1)] == ["Acme Robotics"]
    book.invalidate()


def test_the_rehearsal_at_start_leaves_no_trace(any_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """bot.app.warm_start saves a log and rolls it back, to compile what a ✅ runs."""
    rep, customer_id, _ = _book(any_db)
    saved: list[Any] = []
    log_and_retier = logbook.log_and_retier

    def save_and_see(*args: Any, **kwargs: Any) -> Any:
        saved.append(log_and_retier(*args, **kwargs))
        return saved[-1]

    monkeypatch.setattr(logbook, "log_and_retier", save_and_see)
    logbook.rehearse_log(any_db, AS_OF, currency="CNY")
    [rehearsed] = saved
    assert rehearsed.saved.customer_id == customer_id and not rehearsed.saved.duplicate  # it did save …
    assert _logs(any_db) == 1 and _tiers(any_db, customer_id) == []  # … and nothing of it is left
    with any_db.session() as session:
        retier.warm_up(session, AsOf(POLICY, NOW, TZ))
    assert _tiers(any_db, customer_id) == []  # reads only

"""Outbox claims on both databases: two senders never hold the same row, a dead sender's rows
come back when the lease ends, and sent/failed rows release their claim."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from core import accounts
from core.chat import outbox
from core.chat.messages import OutboxMessage
from core.db import Database
from core.models import Notification

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


def _queue(db: Database, count: int) -> list[int]:
    with db.session() as session:
        rep = accounts.add_user(session, telegram_id=1, name="r", role="rep", now=NOW)
        for n in range(count):
            outbox.enqueue(
                session,
                recipient_id=rep.id,
                kind="k",
                dedupe_key=f"claim:{n}",
                message=OutboxMessage("t"),
                now=NOW,
            )
        return [m.id for m in outbox.due(session, NOW, count + 1)]


def test_concurrent_claimers_never_get_the_same_row(any_db: Database) -> None:
    ids = _queue(any_db, 120)
    taken: list[list[int]] = [[] for _ in range(4)]
    start = threading.Barrier(4)

    def sender(index: int) -> None:
        start.wait()
        while True:
            with any_db.session() as session:
                batch = outbox.claim(session, NOW, 7, LEASE)
            if not batch:
                return
            taken[index] += [m.id for m in batch]
            time.sleep(0.005)  # "send" the batch: lets the other claimers in between

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    every = [row for rows in taken for row in rows]
    assert sorted(every) == ids  # each row claimed exactly once, none lost
    assert sum(1 for rows in taken if rows) >= 2  # the claimers really did share the work


def test_a_claim_in_progress_is_skipped_not_waited_for(any_db: Database) -> None:
    """PostgreSQL: rows locked by an open claim are skipped (SKIP LOCKED); SQLite serialises the
    two claims. Either way the second claimer gets other rows."""
    ids = _queue(any_db, 10)
    with any_db.session() as first:
        mine = [m.id for m in outbox.claim(first, NOW, 4, LEASE)]
        if any_db.engine.dialect.name == "postgresql":  # the first transaction is still open here
            with any_db.session() as second:
                theirs = [m.id for m in outbox.claim(second, NOW, 10, LEASE)]
            assert theirs == ids[4:]
    assert mine == ids[:4]
    with any_db.session() as session:
        rest = [m.id for m in outbox.claim(session, NOW, 10, LEASE)]
    assert rest == ([] if any_db.engine.dialect.name == "postgresql" else ids[4:])


def test_an_expired_lease_is_claimable_again_and_sent_rows_never(any_db: Database) -> None:
    [first, second] = _queue(any_db, 2)
    with any_db.session() as session:
        assert [m.id for m in outbox.claim(session, NOW, 10, LEASE)] == [first, second]
    with any_db.session() as session:
        assert outbox.claim(session, NOW + timedelta(seconds=30), 10, LEASE) == []  # the sender may be alive
        outbox.mark_sent(session, first, 99, NOW + timedelta(seconds=30))
    later = NOW + LEASE + timedelta(seconds=1)
    with any_db.session() as session:  # the sender died with `second` in hand: it comes back, once
        assert [m.id for m in outbox.claim(session, later, 10, LEASE)] == [second]
        assert outbox.claim(session, later, 10, LEASE) == []


def test_failed_rows_and_released_rows_drop_their_claim(any_db: Database) -> None:
    [first, second] = _queue(any_db, 2)
    with any_db.session() as session:
        outbox.claim(session, NOW, 10, LEASE)
        assert outbox.mark_failed(session, first, "TimedOut: timed out", NOW) == "pending"
        outbox.release(session, [second])
    with any_db.session() as session:
        assert [m.id for m in outbox.claim(session, NOW, 10, LEASE)] == [second]  # first backs off
    with any_db.session() as session:
        retry = outbox.claim(session, NOW + timedelta(seconds=31), 10, LEASE)
        assert [(m.id, m.attempts) for m in retry] == [(first, 1)]


def test_parts_sent_is_recorded_and_returned_with_the_claim(any_db: Database) -> None:
    [row] = _queue(any_db, 1)
    with any_db.session() as session:
        [claimed] = outbox.claim(session, NOW, 1, LEASE)
        assert claimed.parts_sent == 0
        outbox.mark_part_sent(session, row, 2)
        outbox.mark_failed(session, row, "NetworkError", NOW)
    with any_db.session() as session:
        [again] = outbox.claim(session, NOW + timedelta(minutes=5), 1, LEASE)
        assert again.parts_sent == 2
        _check(session, row, claimed_until=NOW + timedelta(minutes=5) + LEASE)


def _check(session: Session, row_id: int, **expected: object) -> None:
    row = session.get(Notification, row_id)
    assert row is not None
    for name, value in expected.items():
        actual = getattr(row, name)
        if isinstance(actual, datetime) and actual.tzinfo is None:
            actual = actual.replace(tzinfo=UTC)
        assert actual == value, name

"""A typed reminder is one use case (core.interactions.followups.remind): the sentence is read with
the rep's name index and the follow-up created in the same transaction, or nothing is stored."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from core import accounts
from core.db import Database
from core.errors import NotFound
from core.interactions import followups
from core.models import Customer, FollowUp, Role
from core.names import book

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # a Tuesday, 09:00 in Shanghai
ZONE = "Asia/Shanghai"


def _book(db: Database) -> tuple[accounts.Account, accounts.Account, int, int]:
    with db.session() as session:
        rep = accounts.add_user(session, telegram_id=1, name="Li", role=Role.REP, now=NOW)
        other = accounts.add_user(session, telegram_id=2, name="Wu", role=Role.REP, now=NOW)
        mine = Customer(name="瑞丰医疗", owner_id=rep.id, added_at=NOW)
        theirs = Customer(name="Globex", owner_id=other.id, added_at=NOW)
        session.add_all([mine, theirs])
        session.flush()
        ids = (mine.id or 0, theirs.id or 0)
    book.invalidate()
    return rep, other, *ids


def _remind(db: Database, rep: accounts.Account, text: str, customer_id: int | None = None) -> followups.Reminder:
    with db.session() as session:
        return followups.remind(session, rep, text, customer_id=customer_id, now=NOW, timezone=ZONE, currency="CNY")


def _stored(db: Database) -> list[tuple[int | None, str]]:
    with db.session() as session:
        return [(f.customer_id, f.text) for f in session.exec(select(FollowUp)).all()]


def test_a_reminder_naming_a_customer_is_set_for_it(any_db: Database) -> None:
    rep, _, mine, _ = _book(any_db)
    result = _remind(any_db, rep, "瑞丰 周五 发报价")
    assert result.status == "set" and result.customer == "瑞丰医疗"
    assert result.due is not None and result.due.astimezone(ZoneInfo(ZONE)).date().isoformat() == "2026-11-27"
    assert _stored(any_db) == [(mine, result.text)]


def test_no_day_stores_nothing(any_db: Database) -> None:
    rep, _, mine, _ = _book(any_db)
    assert _remind(any_db, rep, "发报价", customer_id=mine).status == "no_date"
    assert _stored(any_db) == []


def test_a_customer_the_rep_may_not_see_is_refused_and_nothing_is_stored(any_db: Database) -> None:
    rep, _, _, theirs = _book(any_db)
    with pytest.raises(NotFound):
        _remind(any_db, rep, "Friday send the quote", customer_id=theirs)
    assert _stored(any_db) == []

"""Reps see their own customers, managers their team's, admins everything; strangers nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from core import accounts
from core.db import Database
from core.models import Customer
from core.visibility import can_see_customer, visible_customer_ids

NOW = datetime(2026, 11, 24, tzinfo=UTC)


def _book(session: Session) -> dict[str, object]:
    people = {
        "east_manager": accounts.add_user(session, telegram_id=1, name="m1", role="manager", team="East", now=NOW),
        "west_manager": accounts.add_user(session, telegram_id=2, name="m2", role="manager", team="West", now=NOW),
        "admin": accounts.add_user(session, telegram_id=3, name="a", role="admin", now=NOW),
    }
    people["east_rep"] = accounts.add_user(session, telegram_id=4, name="r1", role="rep", team="East", now=NOW,
                                           manager_id=people["east_manager"].id)
    people["east_rep2"] = accounts.add_user(session, telegram_id=5, name="r2", role="rep", team="East", now=NOW)
    people["west_rep"] = accounts.add_user(session, telegram_id=6, name="r3", role="rep", team="West", now=NOW)
    customers = {}
    for name, owner, kam in (("e1", "east_rep", None), ("e2", "east_rep2", None), ("w1", "west_rep", None),
                             ("vip", "west_rep", "east_rep"), ("free", None, None), ("mgr", "east_manager", None)):
        row = Customer(name=name, added_at=NOW, owner_id=people[owner].id if owner else None,
                       account_manager_id=people[kam].id if kam else None)
        session.add(row)
        session.flush()
        customers[name] = row.id
    return {**people, "customers": customers}


def test_each_role_sees_exactly_its_book(any_db: Database) -> None:
    with any_db.session() as session:
        book = _book(session)
        ids = book["customers"]

        def names(role: str) -> set[str]:
            visible = visible_customer_ids(session, book[role])
            return {name for name, cid in ids.items() if cid in visible}

        assert names("east_rep") == {"e1", "vip"}  # own + dedicated account manager of a VIP
        assert names("east_rep2") == {"e2"}
        assert names("west_rep") == {"w1", "vip"}
        assert names("east_manager") == {"e1", "e2", "free", "mgr"}
        assert names("west_manager") == {"w1", "vip", "free"}
        assert names("admin") == set(ids)
        assert can_see_customer(session, book["east_rep"], ids["e1"])
        assert not can_see_customer(session, book["east_rep"], ids["w1"])
        assert not can_see_customer(session, book["east_rep"], 999_999)


def test_deactivated_account_sees_nothing(any_db: Database) -> None:
    with any_db.session() as session:
        book = _book(session)
        rep = book["east_rep"]
        gone = accounts.Account(**{**{f: getattr(rep, f) for f in rep.__slots__}, "active": False})
        assert visible_customer_ids(session, gone) == set()

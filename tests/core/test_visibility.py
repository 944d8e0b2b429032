"""Reps see their own customers, managers their team's, admins everything; strangers nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from core import accounts
from core.db import Database, downgrade, upgrade
from core.imports import uploads
from core.imports.file_reader import read_bytes
from core.imports.importer import import_table
from core.models import Customer, Team, Upload
from core.team import reassign
from core.visibility import can_see_customer, visible_customer_ids

NOW = datetime(2026, 11, 24, tzinfo=UTC)


def _book(session: Session) -> dict[str, object]:
    people = {
        "east_manager": accounts.add_user(session, telegram_id=1, name="m1", role="manager", team="East", now=NOW),
        "west_manager": accounts.add_user(session, telegram_id=2, name="m2", role="manager", team="West", now=NOW),
        "admin": accounts.add_user(session, telegram_id=3, name="a", role="admin", now=NOW),
    }
    people["east_rep"] = accounts.add_user(
        session, telegram_id=4, name="r1", role="rep", team="East", now=NOW, manager_id=people["east_manager"].id
    )
    people["east_rep2"] = accounts.add_user(session, telegram_id=5, name="r2", role="rep", team="East", now=NOW)
    people["west_rep"] = accounts.add_user(session, telegram_id=6, name="r3", role="rep", team="West", now=NOW)
    customers = {}
    teams = {"east": people["east_manager"].team_id, "west": people["west_manager"].team_id, None: None}
    for name, owner, kam, unassigned_team in (
        ("e1", "east_rep", None, None),
        ("e2", "east_rep2", None, None),
        ("w1", "west_rep", None, None),
        ("vip", "west_rep", "east_rep", None),
        ("free", None, None, None),
        ("mgr", "east_manager", None, None),
        ("free_east", None, None, "east"),
        ("free_west", None, None, "west"),
    ):
        row = Customer(
            name=name,
            added_at=NOW,
            owner_id=people[owner].id if owner else None,
            account_manager_id=people[kam].id if kam else None,
            team_id=teams[unassigned_team],
        )
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
        # unassigned customers: their team's managers; of no team ("free"): the admins alone
        assert names("east_manager") == {"e1", "e2", "free_east", "mgr"}
        assert names("west_manager") == {"w1", "vip", "free_west"}
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


def _import(db: Database, text: str, actor: accounts.Account | None) -> None:
    with db.session() as session:
        report = import_table(
            session,
            "customers",
            read_bytes(text.encode()),
            actor=actor,
            now=NOW,
            currency="CNY",
            timezone="Asia/Shanghai",
            apply=True,
        )
        assert report.ok and report.created == 1, report.errors


def test_an_unassigned_import_stays_in_the_importers_team(any_db: Database) -> None:
    """Issue 12 §4: West's manager imports a customer without owner; East's manager neither sees
    nor reassigns it, West's manager does."""
    with any_db.session() as session:
        book = _book(session)
        lone = accounts.add_user(session, telegram_id=7, name="lone", role="manager", now=NOW)  # no team
    east, west, admin = book["east_manager"], book["west_manager"], book["admin"]
    _import(any_db, "客户名称\nWest Newco\n", west)
    _import(any_db, "name\nServer Co\n", None)  # the operator's CLI: no team, the admins' to assign
    _import(any_db, "name\nLone Co\n", lone)  # a manager of no team keeps it, or nobody but admins would see it
    with any_db.session() as session:
        rows = {c.name: c for c in session.exec(select(Customer)).all()}
        newco = rows["West Newco"]
        assert (newco.owner_id, newco.team_id) == (None, west.team_id)
        assert (rows["Server Co"].owner_id, rows["Server Co"].team_id) == (None, None)
        assert rows["Lone Co"].owner_id == lone.id
        assert newco.id in visible_customer_ids(session, west) and newco.id in visible_customer_ids(session, admin)
        assert newco.id not in visible_customer_ids(session, east)
        assert rows["Server Co"].id not in visible_customer_ids(session, west) | visible_customer_ids(session, east)
        assert newco.id not in reassign.select_customers(session, east, unassigned=True).ids
        assert reassign.reassign(session, east, [newco.id], book["east_rep"].id, NOW).moved == 0
        assert session.get(Customer, newco.id).owner_id is None
        assert newco.id in reassign.select_customers(session, west, unassigned=True).ids
        assert reassign.reassign(session, west, [newco.id], book["west_rep"].id, NOW).moved == 1


def test_migration_gives_unassigned_customers_the_team_of_who_imported_them(any_db: Database) -> None:
    """The backfill (0007): an unassigned customer created by a confirmed chat import belongs to
    the uploader's team; one whose creator is unknown (the CLI, older data) to the admins alone."""
    with any_db.session() as session:
        book = _book(session)
        west = book["west_manager"]
        upload_id = uploads.store(session, west, filename="w.csv", content=b"", kind="customers", now=NOW)
        imported_at = NOW + timedelta(hours=1)
        upload = session.get(Upload, upload_id)
        upload.status, upload.finished_at = "done", imported_at
        session.add_all(
            [
                upload,
                Customer(name="from chat", added_at=imported_at),
                Customer(name="from cli", added_at=NOW + timedelta(hours=2)),
            ]
        )
        for row in session.exec(select(Customer)).all():  # as before 0007: no team recorded anywhere
            row.team_id = None
            session.add(row)
    downgrade(any_db.engine, "0004")
    upgrade(any_db.engine)
    with any_db.session() as session:
        teams = {c.name: c.team_id for c in session.exec(select(Customer)).all()}
        west_team = session.exec(select(Team.id).where(Team.name == "West")).one()
    assert teams["from chat"] == west_team
    assert {name: team_id for name, team_id in teams.items() if name != "from chat"} == dict.fromkeys(
        ("e1", "e2", "w1", "vip", "free", "mgr", "free_east", "free_west", "from cli"), None
    )

"""Roles and interaction kinds are enums in code and plain strings everywhere else: the database,
JSON (button payloads, the outbox), templates and the values read back all see the stored word."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlmodel import select

from core import accounts
from core.db import Database
from core.models import INTERACTION_KINDS, ROLES, Customer, Interaction, InteractionKind, Role, User

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def test_members_are_their_stored_words() -> None:
    assert [str(r) for r in Role] == ["rep", "manager", "admin"] == list(ROLES)
    assert "manager" in ROLES and Role("admin") is Role.ADMIN
    assert json.dumps({"role": Role.MANAGER, "kind": InteractionKind.DEAL}) == '{"role": "manager", "kind": "deal"}'
    assert f"kinds/{InteractionKind.VISIT}" == "kinds/visit"
    assert set(INTERACTION_KINDS) >= {"call", "visit", "meeting", "message", "email", "deal", "note"}


def test_an_enum_written_reads_back_as_the_same_word(any_db: Database) -> None:
    with any_db.session() as session:
        admin = accounts.add_user(session, telegram_id=1, name="A", role=Role.ADMIN, now=NOW)
        customer = Customer(name="甲公司", added_at=NOW)
        session.add(customer)
        session.flush()
        session.add(
            Interaction(
                customer_id=customer.id,
                rep_id=admin.id,
                kind=InteractionKind.CALL,
                occurred_at=NOW,
                created_at=NOW,
                text="",
            )
        )
    with any_db.session() as session:
        role = session.exec(select(User.role)).one()
        kind = session.exec(select(Interaction.kind)).one()
        admins = session.exec(select(User.id).where(User.role == Role.ADMIN)).all()
    assert role == Role.ADMIN and type(role) is str and role == "admin"
    assert kind == InteractionKind.CALL and kind == "call"
    assert len(admins) == 1

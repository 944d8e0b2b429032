"""Persistence on SQLite and PostgreSQL: migrations, UTC, money, uniqueness, outbox, invites, keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from core import accounts
from core.accounts import RedeemStatus
from core.chat import buttons, flows, outbox
from core.chat.messages import OutboxMessage
from core.db import Database, WriteWatch, downgrade, upgrade
from core.errors import AlreadyDone
from core.models import Customer, Interaction, Notification
from core.money import from_minor, to_minor
from core.team import onboarding

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def test_migrations_go_down_and_up_again(any_db: Database) -> None:
    downgrade(any_db.engine, "base")
    assert "customer" not in inspect(any_db.engine).get_table_names()
    upgrade(any_db.engine)
    upgrade(any_db.engine)  # idempotent
    tables = set(inspect(any_db.engine).get_table_names())
    assert {
        "user",
        "team",
        "invite",
        "customer",
        "contact",
        "interaction",
        "feedback",
        "followup",
        "tier_assignment",
        "notification",
        "action_key",
        "pending_card",
        "audit_log",
    } <= tables


def test_sqlite_runs_in_wal_mode_with_busy_timeout(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_times_come_back_as_utc_and_money_is_exact(any_db: Database) -> None:
    shanghai = datetime(2026, 11, 24, 9, 30, tzinfo=UTC) + timedelta(hours=0)
    with any_db.session() as session:
        customer = Customer(name="星辰科技", added_at=NOW)
        session.add(customer)
        session.flush()
        session.add(
            Interaction(
                customer_id=customer.id,
                kind="deal",
                occurred_at=shanghai,
                amount_minor=to_minor(Decimal("500000.07"), "CNY"),
                currency="CNY",
                created_at=NOW,
            )
        )
    with any_db.session() as session:
        row = session.exec(select(Interaction)).one()
        assert row.occurred_at == shanghai and row.occurred_at.tzinfo is not None
        assert from_minor(row.amount_minor, "CNY") == Decimal("500000.07")
        assert session.exec(select(Customer)).one().name == "星辰科技"


def test_naive_datetimes_are_refused(any_db: Database) -> None:
    with pytest.raises(Exception, match="naive"):
        with any_db.session() as session:
            session.add(Customer(name="x", added_at=datetime(2026, 1, 1)))
            session.flush()


def test_one_telegram_message_never_makes_two_interactions(any_db: Database) -> None:
    with any_db.session() as session:
        customer = Customer(name="Acme", added_at=NOW)
        session.add(customer)
        session.flush()
        customer_id = customer.id
    row = dict(
        customer_id=customer_id, kind="call", occurred_at=NOW, created_at=NOW, source_chat_id=42, source_message_id=7
    )
    with any_db.session() as session:
        session.add(Interaction(**row))
    with pytest.raises(IntegrityError):
        with any_db.session() as session:
            session.add(Interaction(**row))
    with any_db.session() as session:
        assert len(session.exec(select(Interaction)).all()) == 1


def test_outbox_dedupes_and_backs_off(any_db: Database) -> None:
    with any_db.session() as session:
        rep = accounts.add_user(session, telegram_id=1, name="r", role="rep", now=NOW)
        first = outbox.enqueue(
            session,
            recipient_id=rep.id,
            kind="k",
            dedupe_key="digest:1:2026-11-24",
            message=OutboxMessage("t"),
            now=NOW,
        )
        second = outbox.enqueue(
            session,
            recipient_id=rep.id,
            kind="k",
            dedupe_key="digest:1:2026-11-24",
            message=OutboxMessage("t"),
            now=NOW,
        )
        assert (first, second) == (True, False)
    with any_db.session() as session:
        [due] = outbox.due(session, NOW)
        assert outbox.mark_failed(session, due.id, "boom", NOW) == "pending"
        assert outbox.due(session, NOW) == []  # backing off
        assert len(outbox.due(session, NOW + timedelta(minutes=1))) == 1
        outbox.mark_sent(session, due.id, 99, NOW)
        assert session.get(Notification, due.id).status == "sent"
        assert outbox.due(session, NOW + timedelta(days=1)) == []


def test_invite_is_single_use_and_expires(any_db: Database) -> None:
    with any_db.session() as session:
        invite = onboarding.create_invite(
            session, role="rep", team="East", actor_id=None, now=NOW, ttl=timedelta(days=7)
        )
    assert len(invite.code) <= 64 and all(c.isalnum() or c in "-_" for c in invite.code)

    def redeem(telegram_id: int, at: datetime = NOW) -> RedeemStatus:
        with any_db.session() as session:
            return accounts.redeem_invite(
                session,
                code=invite.code,
                telegram_id=telegram_id,
                name="n",
                username=None,
                telegram_language="en",
                now=at,
            ).status

    assert redeem(10) is RedeemStatus.JOINED
    assert redeem(10) is RedeemStatus.ALREADY_MEMBER
    assert redeem(11) is RedeemStatus.USED
    with any_db.session() as session:
        late = onboarding.create_invite(session, role="rep", team=None, actor_id=None, now=NOW, ttl=timedelta(days=1))
        status = accounts.redeem_invite(
            session,
            code=late.code,
            telegram_id=12,
            name="n",
            username=None,
            telegram_language=None,
            now=NOW + timedelta(days=2),
        ).status
    assert status is RedeemStatus.EXPIRED


def test_button_keys(any_db: Database) -> None:
    with any_db.session() as session:
        owner = accounts.add_user(session, telegram_id=1, name="a", role="rep", now=NOW)
        other = accounts.add_user(session, telegram_id=2, name="b", role="rep", now=NOW)
        key = buttons.issue(
            session, user_id=owner.id, action="x.do", payload={"n": 1}, now=NOW, ttl=buttons.REMINDER_TTL
        )
    assert len(key.encode()) <= 64
    with any_db.session() as session:
        assert buttons.press(session, key=key, user_id=other.id, now=NOW).status is buttons.PressStatus.NOT_YOURS
        pressed = buttons.press(session, key=key, user_id=owner.id, now=NOW + timedelta(days=13))
        assert pressed.status is buttons.PressStatus.OK and pressed.payload == {"n": 1} and pressed.single_use
        # resolving claims nothing: the action's own transaction does (see tests/faults/test_kill_save.py)
        assert buttons.press(session, key=key, user_id=owner.id, now=NOW).status is buttons.PressStatus.OK
        assert (
            buttons.press(session, key=key, user_id=owner.id, now=NOW + timedelta(days=15)).status
            is buttons.PressStatus.EXPIRED
        )
        buttons.claim(session, key=key, now=NOW)
        assert buttons.press(session, key=key, user_id=owner.id, now=NOW).status is buttons.PressStatus.DONE
        with pytest.raises(AlreadyDone):
            buttons.claim(session, key=key, now=NOW)
        assert buttons.press(session, key="nope", user_id=owner.id, now=NOW).status is buttons.PressStatus.UNKNOWN


def test_pending_flow_is_one_per_user_and_expires(any_db: Database) -> None:
    with any_db.session() as session:
        rep = accounts.add_user(session, telegram_id=1, name="a", role="rep", now=NOW)
        flows.start(session, user_id=rep.id, flow="a", data={"x": 1}, now=NOW)
        flows.start(session, user_id=rep.id, flow="b", data={}, now=NOW)
    with any_db.session() as session:
        assert flows.current(session, rep.id, NOW).flow == "b"
        assert flows.current(session, rep.id, NOW + flows.FLOW_TTL) is None
        assert flows.clear(session, rep.id) is True


def test_migrations_and_models_agree(any_db: Database) -> None:
    """Autogenerate finds nothing to do: every model change came with its migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    with any_db.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) == []


def test_migrations_upgrade_a_populated_database(tmp_path) -> None:
    """Batch migrations on SQLite rebuild tables that others point at: data must survive."""
    from core.db import open_database

    db = open_database(f"sqlite:///{tmp_path / 'old.db'}", migrate=False)
    upgrade(db.engine, "0002")
    with db.engine.begin() as connection:  # rows as an older release wrote them (no ORM: old schema)
        connection.exec_driver_sql(
            "INSERT INTO user (id, telegram_id, name, role, country, digest_time, quiet_off, active, created_at)"
            " VALUES (1, 5, 'r', 'rep', 'CN', '09:00:00', 0, 1, '2026-11-24 01:00:00')"
        )
        connection.exec_driver_sql(
            "INSERT INTO customer (name, owner_id, stage, region, tags, attributes, added_at, archived)"
            " VALUES ('Acme', 1, 'active', 'CN', '[]', '{}', '2026-11-24 01:00:00', 0)"
        )
    upgrade(db.engine)
    downgrade(db.engine, "0002")
    upgrade(db.engine)
    with db.session() as session:
        assert session.exec(select(Customer)).one().owner_id == 1
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    db.dispose()


def test_write_watch_sees_every_kind_of_write_and_no_read(any_db: Database) -> None:
    """What claims a pressed key with the action's write (bot.app): reads never count; an ORM
    flush, an executed statement and plain SQL do, whichever comes first."""
    with any_db.session() as session:
        rep = accounts.add_user(session, telegram_id=1, name="a", role="rep", now=NOW)
    writes = [
        lambda s: s.add(Customer(name="Acme", owner_id=rep.id, stage="active", added_at=NOW)),
        lambda s: buttons.issue(s, user_id=rep.id, action="x.do", payload={}, now=NOW),
        lambda s: s.execute(text("UPDATE \"user\" SET name = 'b'")),
    ]
    for write in writes:
        with any_db.session() as session:
            watch = WriteWatch(session)
            session.exec(select(Customer)).all()
            flows.current(session, rep.id, NOW)
            assert not watch.wrote()
            write(session)
            assert watch.wrote()

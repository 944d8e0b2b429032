"""Durability: online backups, the nightly sweep, restore, erasure on request, `tierbot stats`."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot import jobs, ops
from bot.cli import main
from bot.instance_lock import hold_for_run
from bot.testing import Harness
from core import accounts
from core.chat import outbox
from core.chat.messages import OutboxMessage
from core.clock import ManualClock
from core.customers import erase
from core.db import Database, downgrade, open_database
from core.models import (
    AuditLog,
    Contact,
    Customer,
    Feedback,
    FollowUp,
    Interaction,
    JobRun,
    Notification,
    Opportunity,
    PendingCard,
)
from core.ops import backup, stats
from tests.conftest import TEST_START

NOW = TEST_START


def _customers(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT count(*) FROM customer").fetchone()[0]
    finally:
        connection.close()


def _add_customers(db: Database, names: list[str]) -> None:
    with db.session() as session:
        for name in names:
            session.add(Customer(name=name, added_at=NOW))


# --- backup -------------------------------------------------------------------------------------


def test_backup_is_consistent_while_another_connection_writes(tmp_path: Path) -> None:
    path = tmp_path / "live.db"
    db = open_database(f"sqlite:///{path}")
    _add_customers(db, ["Acme", "星辰科技"])
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a bot in the middle of a write
    writer.execute(
        "INSERT INTO customer (name, stage, region, tags, attributes, added_at, archived) "
        "VALUES ('half', 'prospect', 'CN', '[]', '{}', '2026-11-24 01:00:00', 0)"
    )
    size = backup.backup_sqlite(path, tmp_path / "copy.db")
    assert size > 0 and _customers(tmp_path / "copy.db") == 2  # the uncommitted row is not in it
    writer.execute("COMMIT")
    writer.close()
    assert Path(f"{path}-wal").stat().st_size > 0  # committed, still only in the WAL
    backup.backup_sqlite(path, tmp_path / "copy2.db")
    assert _customers(tmp_path / "copy2.db") == 3  # WAL content included
    assert not Path(f"{tmp_path / 'copy2.db'}-wal").exists()  # one self-contained file
    db.dispose()


def test_nightly_backups_keep_the_last_seven_of_their_own_database(tmp_path: Path) -> None:
    path = tmp_path / "tierbot.db"
    open_database(f"sqlite:///{path}").dispose()
    directory = tmp_path / "backups"
    directory.mkdir()
    (directory / "demo-2026-01-01.db").write_bytes(b"another database's backup")
    days = [date(2026, 11, 1) + timedelta(days=n) for n in range(10)]
    for day in days:
        assert backup.nightly(path, directory, day) == directory / f"tierbot-{day}.db"
    assert backup.nightly(path, directory, days[-1]) is None  # once a day
    assert sorted(p.name for p in directory.iterdir()) == (
        ["demo-2026-01-01.db"] + [f"tierbot-{day}.db" for day in days[-7:]]
    )


async def test_the_backup_sweep_runs_from_three_in_the_morning(sqlite_db: Database, tmp_path: Path) -> None:
    clock = ManualClock(NOW)
    harness = await Harness.start(sqlite_db, clock, _env_file=None, telegram_bot_token=None)
    try:
        assert "backup" in {sweep.name for sweep in jobs.SWEEPS}
        directory = tmp_path / "backups"  # beside the database by default
        shanghai_0259 = datetime(2026, 11, 24, 18, 59, tzinfo=UTC)  # 11-25 02:59 in Shanghai
        await ops.nightly_backup(harness.app, shanghai_0259)
        assert not directory.exists() or not any(directory.iterdir())
        await ops.nightly_backup(harness.app, shanghai_0259 + timedelta(minutes=1))
        assert [p.name for p in directory.iterdir()] == ["tierbot-2026-11-25.db"]
        assert backup.backup_revision(directory / "tierbot-2026-11-25.db") == backup.known_revisions()[0]
    finally:
        await harness.stop()


def test_backup_dir_setting(tmp_path: Path) -> None:
    database = tmp_path / "data" / "tierbot.db"
    assert backup.backup_dir("", database) == tmp_path / "data" / "backups"
    assert backup.backup_dir("/srv/backups", database) == Path("/srv/backups")
    assert backup.backup_dir("off", database) is None


# --- restore ------------------------------------------------------------------------------------


def test_restore_is_refused_while_a_bot_holds_the_database(tmp_path: Path) -> None:
    path = tmp_path / "tierbot.db"
    open_database(f"sqlite:///{path}").dispose()
    backup.backup_sqlite(path, tmp_path / "b.db")
    lock = hold_for_run(f"sqlite:///{path}")  # what `tierbot run` takes
    try:
        with pytest.raises(backup.BackupError, match="a bot is running"):
            backup.restore_sqlite(tmp_path / "b.db", path, stamp="x")
    finally:
        lock.release()
    backup.restore_sqlite(tmp_path / "b.db", path, stamp="x")  # the bot stopped: fine


def test_restore_refuses_what_is_not_a_tierbot_database(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    other = sqlite3.connect(tmp_path / "other.db")
    other.execute("CREATE TABLE t (x)")
    other.close()
    path = tmp_path / "tierbot.db"
    open_database(f"sqlite:///{path}").dispose()
    future = tmp_path / "future.db"
    shutil.copy(path, future)
    connection = sqlite3.connect(future)
    connection.execute("UPDATE alembic_version SET version_num = '0099'")
    connection.commit()
    connection.close()
    for bad, reason in (
        (tmp_path / "notes.txt", "not an SQLite database"),
        (tmp_path / "other.db", "not a tierbot"),
        (future, "does not know"),
        (tmp_path / "missing.db", "no file"),
    ):
        with pytest.raises(backup.BackupError, match=reason):
            backup.restore_sqlite(bad, path, stamp="x")
    assert backup.backup_revision(path) == backup.known_revisions()[0]  # untouched


def test_restore_migrates_an_older_backup_and_swaps_it_in(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    db = open_database(f"sqlite:///{old}")
    _add_customers(db, ["Acme"])
    downgrade(db.engine, "0003")  # a backup an older release made
    db.dispose()
    assert backup.backup_revision(old) == "0003"
    path = tmp_path / "tierbot.db"
    current = open_database(f"sqlite:///{path}")
    _add_customers(current, ["today's", "rows"])
    current.dispose()
    Path(f"{path}-wal").write_bytes(b"a stale WAL must not be replayed onto the restored file")
    restored = backup.restore_sqlite(old, path, stamp="20261124")
    assert (restored.revision, restored.head) == ("0003", backup.known_revisions()[0])
    assert backup.backup_revision(path) == restored.head
    assert _customers(path) == 1 and _customers(restored.previous) == 2
    assert restored.previous.name == "tierbot.db.before-restore-20261124"
    reopened = open_database(f"sqlite:///{path}")
    with reopened.session() as session:
        assert session.exec(select(Customer.name)).all() == ["Acme"]
    reopened.dispose()


def test_backup_and_restore_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "tierbot.db"
    monkeypatch.setenv("TIERBOT_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    _add_customers(open_database(f"sqlite:///{path}"), ["Acme"])
    assert main(["backup", str(tmp_path / "b.db")]) == 0
    assert "consistent copy" in capsys.readouterr().out
    _add_customers(open_database(f"sqlite:///{path}"), ["later"])
    assert main(["restore", str(tmp_path / "b.db")]) == 0
    assert "restored" in capsys.readouterr().out and _customers(path) == 1
    assert main(["restore", str(tmp_path / "nope.db")]) == 1
    assert "no file" in capsys.readouterr().err


@pytest.mark.processes  # runs pg_dump
def test_postgres_backup_runs_pg_dump_and_restore_prints_the_steps(
    postgres_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = postgres_db.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("TIERBOT_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    assert backup.libpq_url(url).startswith("postgresql://")  # no SQLAlchemy driver suffix for libpq
    status = main(["backup", str(tmp_path / "pg.dump")])
    out = capsys.readouterr().out
    if shutil.which("pg_dump"):
        assert status == 0, out
        assert (tmp_path / "pg.dump").read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    else:
        assert status == 1 and "pg_dump --format=custom" in out
    assert main(["restore", str(tmp_path / "pg.dump")]) == 0
    out = capsys.readouterr().out
    assert "pg_restore --clean --if-exists" in out and "tierbot db upgrade" in out


# --- erase --------------------------------------------------------------------------------------


def _customer_with_history(db: Database) -> tuple[int, int, int]:
    with db.session() as session:
        rep = accounts.add_user(session, telegram_id=901, name="Li", role="rep", now=NOW)
        customer = Customer(
            name="星辰科技",
            company="星辰科技有限公司",
            owner_id=rep.id,
            stage="active",
            external_id="CRM-7",
            added_at=NOW,
        )
        other = Customer(name="Acme", owner_id=rep.id, added_at=NOW)
        session.add_all([customer, other])
        session.flush()
        contact = Contact(
            customer_id=customer.id,
            name="张总",
            phone="13800000000",
            email="zhang@xc.cn",
            birthday=date(1980, 5, 1),
            is_primary=True,
        )
        session.add(contact)
        session.flush()
        interaction = Interaction(
            customer_id=customer.id,
            contact_id=contact.id,
            rep_id=rep.id,
            kind="deal",
            occurred_at=NOW,
            amount_minor=50_000_000,
            currency="CNY",
            summary="拜访张总，签约50万，电话13800000000",
            created_at=NOW,
        )
        session.add_all(
            [
                interaction,
                Interaction(customer_id=other.id, kind="call", occurred_at=NOW, summary="Acme call", created_at=NOW),
            ]
        )
        session.flush()
        session.add(
            Feedback(
                customer_id=customer.id,
                interaction_id=interaction.id,
                kind="complaint",
                text="张总 complained about delivery",
                resolution="called 张总 back",
                created_at=NOW,
            )
        )
        session.add(FollowUp(customer_id=customer.id, rep_id=rep.id, due_at=NOW, text="回访张总", created_at=NOW))
        session.add(
            Opportunity(
                customer_id=customer.id,
                title="张总的二期项目",
                amount_minor=100,
                currency="CNY",
                status="lost",
                lost_reason="张总 chose a rival",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        outbox.enqueue(
            session,
            recipient_id=rep.id,
            kind="followup",
            dedupe_key="followup:x",
            now=NOW,
            message=OutboxMessage("reminders/followup", {"name": "星辰科技", "text": "回访张总", "due": ""}),
        )
        outbox.enqueue(
            session,
            recipient_id=rep.id,
            kind="digest",
            dedupe_key="digest:x",
            now=NOW,
            message=OutboxMessage(
                "reminders/digest",
                {
                    "entries": [
                        {"kind": "complaint", "customer_id": customer.id, "name": "星辰科技", "text": "late"},
                        {"kind": "contact", "customer_id": other.id, "name": "Acme"},
                    ]
                },
            ),
        )
        session.add(
            PendingCard(
                user_id=rep.id,
                flow="log",
                data={"text": "拜访了星辰科技"},
                created_at=NOW,
                expires_at=NOW + timedelta(hours=1),
            )
        )
        return customer.id, other.id, rep.id


def test_erase_removes_personal_data_and_keeps_anonymous_counts(any_db: Database) -> None:
    customer_id, other_id, _rep = _customer_with_history(any_db)
    with any_db.session() as session:
        done = erase.erase_customer(session, customer_id, operator="DPO Wang", now=NOW + timedelta(days=1))
    assert (done.contacts, done.interactions_kept) == (1, 1)
    with any_db.session() as session:
        customer = session.get(Customer, customer_id)
        assert customer.name == f"erased #{customer_id}" and customer.company is None
        assert customer.external_id is None and customer.erased_at == NOW + timedelta(days=1) and customer.archived
        assert session.exec(select(Contact).where(Contact.customer_id == customer_id)).all() == []
        [kept] = session.exec(select(Interaction).where(Interaction.customer_id == customer_id)).all()
        assert (kept.kind, kept.occurred_at, kept.amount_minor, kept.summary) == ("deal", NOW, 50_000_000, "[erased]")
        feedback = session.exec(select(Feedback)).one()
        assert (feedback.kind, feedback.text, feedback.resolution) == ("complaint", "[erased]", None)
        assert session.exec(select(FollowUp)).one().text == "[erased]"
        opportunity = session.exec(select(Opportunity)).one()
        assert (opportunity.title, opportunity.lost_reason, opportunity.amount_minor) == ("[erased]", None, 100)
        dump = json.dumps(
            [n.payload for n in session.exec(select(Notification)).all()]
            + [c.data for c in session.exec(select(PendingCard)).all()],
            ensure_ascii=False,
        )
        assert "星辰" not in dump and "张总" not in dump and "Acme" in dump  # the other customer untouched
        assert session.get(Customer, other_id).name == "Acme"
        assert session.exec(select(Interaction.summary).where(Interaction.customer_id == other_id)).one() == "Acme call"
        audit = session.exec(select(AuditLog).where(AuditLog.action == "customer.erase")).one()
        assert audit.target == f"customer:{customer_id}" and audit.detail["by"] == "DPO Wang"
        everything = json.dumps(
            [
                [str(v) for v in row]
                for table in (
                    "customer",
                    "contact",
                    "interaction",
                    "feedback",
                    "followup",
                    "notification",
                    "pending_card",
                )
                for row in session.execute(text(f"SELECT * FROM {table}")).all()
            ],
            ensure_ascii=False,
        )
        for personal in ("星辰", "张总", "13800000000", "zhang@xc.cn", "1980-05-01", "CRM-7"):
            assert personal not in everything


def test_erase_command_asks_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "tierbot.db"
    monkeypatch.setenv("TIERBOT_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.chdir(tmp_path)
    db = open_database(f"sqlite:///{path}")
    customer_id, _other, _rep = _customer_with_history(db)
    monkeypatch.setattr("sys.stdin", io.StringIO("no\n"))
    assert main(["erase", "customer", str(customer_id), "--by", "DPO Wang"]) == 1
    assert "Type yes" in capsys.readouterr().out
    with db.session() as session:
        assert session.get(Customer, customer_id).name == "星辰科技"  # nothing erased
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))
    assert main(["erase", "customer", str(customer_id), "--by", "DPO Wang"]) == 0
    assert "recorded in the audit log (by DPO Wang)" in capsys.readouterr().out
    assert main(["erase", "customer", "999", "--by", "x", "--yes"]) == 1
    assert "no customer with id 999" in capsys.readouterr().err
    with db.session() as session:
        assert session.get(Customer, customer_id).erased_at is not None
    db.dispose()


# --- stats --------------------------------------------------------------------------------------


async def test_sweep_runs_are_recorded_and_stats_show_them(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _customer_with_history(sqlite_db)
    clock = ManualClock(NOW)
    harness = await Harness.start(sqlite_db, clock, _env_file=None, telegram_bot_token=None)

    async def broken(app: object, now: datetime) -> None:
        raise RuntimeError("boom")

    class Context:
        application = harness.app

    try:
        digest = next(s for s in jobs.SWEEPS if s.name == "digest")
        await jobs._job(digest)(Context())  # type: ignore[arg-type]
        clock.advance(timedelta(minutes=1))
        await jobs._job(jobs.Sweep("broken", timedelta(hours=1), broken))(Context())  # type: ignore[arg-type]
    finally:
        await harness.stop()
    with sqlite_db.session() as session:
        runs = {r.name: r for r in session.exec(select(JobRun)).all()}
        figures = stats.collect(session, NOW + timedelta(hours=1))
    assert runs["digest"].last_outcome == "ok" and runs["digest"].runs == 1
    assert runs["digest"].last_started_at == NOW and runs["digest"].last_finished_at == NOW
    assert runs["broken"].last_outcome == "error: RuntimeError: boom"
    assert figures.users == {"rep": 1, "manager": 0, "admin": 0}
    assert figures.customers == {"active": 2, "archived": 0, "erased": 0}
    assert (figures.interactions, figures.open_follow_ups, figures.open_complaints) == (2, 1, 1)
    assert figures.outbox == {"pending": {"followup": 1, "digest": 2}, "failed": {}}  # + the digest sweep's own
    assert figures.oldest_pending_seconds == 3600
    monkeypatch.setenv("TIERBOT_DATABASE_URL", str(sqlite_db.engine.url))
    monkeypatch.chdir(tmp_path)
    assert main(["stats", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["outbox"]["pending"]["followup"] == 1
    assert {s["name"]: s["last_outcome"] for s in data["sweeps"]}["broken"] == "error: RuntimeError: boom"
    assert main(["stats"]) == 0
    table = capsys.readouterr().out
    assert "outbox pending" in table and "broken" in table and "open complaints 1" in table

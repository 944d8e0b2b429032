"""Every migration up, down and up again, one step at a time, on SQLite and PostgreSQL (the
"stairway": a downgrade that forgets something breaks the next upgrade)."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from core.db import MIGRATIONS_DIR, Database, downgrade, upgrade


def _revisions() -> list[tuple[str, str]]:
    scripts = list(ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions())
    return [(s.revision, s.down_revision or "base") for s in reversed(scripts)]  # type: ignore[misc]


def _current(db: Database) -> str | None:
    with db.engine.connect() as connection:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def test_every_migration_goes_up_down_and_up_again(any_db: Database) -> None:
    steps = _revisions()
    assert [rev for rev, _ in steps][:4] == ["0001", "0002", "0003", "0004"]
    downgrade(any_db.engine, "base")
    assert "customer" not in inspect(any_db.engine).get_table_names()
    for revision, previous in steps:
        upgrade(any_db.engine, revision)
        tables = set(inspect(any_db.engine).get_table_names())
        downgrade(any_db.engine, previous)
        assert set(inspect(any_db.engine).get_table_names()) <= tables
        upgrade(any_db.engine, revision)
        assert _current(any_db) == revision
        assert set(inspect(any_db.engine).get_table_names()) == tables
    assert {"job_run", "policy_version", "upload"} <= set(inspect(any_db.engine).get_table_names())
    columns = {c["name"] for c in inspect(any_db.engine).get_columns("customer")}
    assert {"erased_at", "archived_at", "merged_into_id"} <= columns

"""Backups and restores.

SQLite: `sqlite3.Connection.backup` copies the database page by page under SQLite's own locking,
so the copy is consistent (WAL content included) while the bot keeps running. The nightly sweep
keeps the last `KEEP` files. A restore refuses while a bot holds the database's lock file, checks
that the file is a tierbot database at a revision this release knows, migrates it up, and swaps it
in with one `os.replace` (the current file is kept beside it first).

PostgreSQL: `pg_dump` / `pg_restore` are the right tools (consistent snapshots, parallel restore);
tierbot prints (and for a backup, runs when it is on PATH) the exact command.
"""

from __future__ import annotations

import fcntl
import os
import re
import shlex
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import make_url

from core.db import MIGRATIONS_DIR, open_database
from core.errors import BackupError

KEEP = 7
NIGHTLY_HOUR = 3  # organisation time


def sqlite_path(database_url: str) -> Path | None:
    """The file of a `sqlite:///…` URL; None for PostgreSQL."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def lock_path(database: Path) -> Path:
    """The file a running `tierbot run` holds an exclusive flock on (`<db>.lock`)."""
    return database.with_name(database.name + ".lock")


@contextmanager
def bot_excluded(database: Path) -> Iterator[None]:
    """Hold the bot's lock for the block; BackupError when a bot holds it now. The OS releases a
    flock when its holder dies (even by SIGKILL), so a stale lock file never blocks a restore."""
    path = lock_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(f"a bot is running on {database} (it holds {path.name}): stop it first") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def backup_sqlite(database: Path, target: Path) -> int:
    """A consistent copy of `database` at `target` (written beside it, then renamed); its size."""
    if not database.exists():
        raise BackupError(f"no database at {database}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy, pages=1024)  # in steps: writers are not held off for the whole copy
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            copy.close()
    finally:
        source.close()
    os.replace(partial, target)
    return target.stat().st_size


def backup_dir(setting: str, database: Path) -> Path | None:
    """TIERBOT_BACKUP_DIR: a directory, `off` (None), or empty → `backups/` beside the database."""
    value = setting.strip()
    if value.lower() == "off":
        return None
    return Path(value) if value else database.parent / "backups"


def nightly(database: Path, directory: Path, day: date, keep: int = KEEP) -> Path | None:
    """Today's backup `<db name>-<day>.db` (tierbot-2026-11-24.db) unless it exists; then only
    the newest `keep` of that database stay. Returns the new file, or None if there was nothing to do."""
    target = directory / f"{database.stem}-{day.isoformat()}.db"
    made = None
    if not target.exists():
        backup_sqlite(database, target)
        made = target
    pattern = re.compile(re.escape(database.stem) + r"-\d{4}-\d{2}-\d{2}\.db")
    dated = sorted(
        (p for p in directory.glob(f"{database.stem}-*.db") if pattern.fullmatch(p.name)), key=lambda p: p.name
    )
    for old in dated[:-keep] if keep > 0 else dated:
        old.unlink(missing_ok=True)
    return made


@dataclass(frozen=True)
class Restored:
    revision: str  # the backup's schema revision before migrating
    head: str
    previous: Path | None  # where the replaced database was kept


def known_revisions() -> list[str]:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(MIGRATIONS_DIR))
    return [script.revision for script in scripts.walk_revisions()]


def backup_revision(path: Path) -> str:
    """The schema revision of a tierbot SQLite file; BackupError when it is anything else."""
    if not path.is_file():
        raise BackupError(f"no file at {path}")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if connection.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise BackupError(f"{path} is damaged (SQLite quick_check failed)")
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not {"alembic_version", "customer", "user"} <= tables:
                raise BackupError(f"{path} is an SQLite file but not a tierbot database")
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not an SQLite database ({exc})") from None
    revision = row[0] if row else ""
    if revision not in known_revisions():
        raise BackupError(
            f"{path} is at schema revision {revision or 'none'!r}, which this tierbot does not "
            f"know (a newer release made it?)"
        )
    return revision


def restore_sqlite(backup: Path, database: Path, *, stamp: str) -> Restored:
    """Replace `database` by a migrated copy of `backup`; the current file is kept as
    `<db>.before-restore-<stamp>`. Refused while a bot runs on `database`."""
    revision = backup_revision(backup)
    database.parent.mkdir(parents=True, exist_ok=True)
    staged = database.with_name(f".{database.name}.restoring")
    with bot_excluded(database):
        for stale in (staged, Path(f"{staged}-wal"), Path(f"{staged}-shm")):
            stale.unlink(missing_ok=True)
        backup_sqlite(backup, staged)
        db = open_database(f"sqlite:///{staged}")  # migrates it up to this release's head
        db.dispose()
        _single_file(staged)
        previous = None
        if database.exists():
            previous = database.with_name(f"{database.name}.before-restore-{stamp}")
            backup_sqlite(database, previous)
        # the old WAL must not be replayed onto the restored file
        for stale in (Path(f"{database}-wal"), Path(f"{database}-shm")):
            stale.unlink(missing_ok=True)
        os.replace(staged, database)
    return Restored(revision=revision, head=known_revisions()[0], previous=previous)


def _single_file(path: Path) -> None:
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("PRAGMA journal_mode=DELETE")
    finally:
        connection.close()


def libpq_url(database_url: str) -> str:
    """The URL as pg_dump / psql read it (no SQLAlchemy driver suffix)."""
    url = make_url(database_url)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def pg_dump_command(database_url: str, target: Path) -> list[str]:
    return ["pg_dump", "--format=custom", "--no-owner", f"--file={target}", f"--dbname={libpq_url(database_url)}"]


def pg_restore_commands(database_url: str, backup: Path) -> list[str]:
    """Stop every bot process first; then these lines (and start the bots again)."""
    url = libpq_url(database_url)
    return [
        shlex.join(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={url}",
                str(backup),
            ]
        ),
        "tierbot db upgrade",
    ]

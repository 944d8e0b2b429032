"""One `tierbot run` per SQLite file.

SQLite has no advisory locks that outlive a transaction, so the bot takes an OS file lock
(`fcntl.flock`) on `<database file>.lock` for its whole life. The kernel releases it when the
process ends in any way — kill -9 included — so a crash never leaves a stale lock behind (a PID
file would). CLI commands (import, invite, jobs run, …) do not take it: they share the database
with the running bot through SQLite's own locking (WAL, busy timeout).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from core.errors import ConfigError


class InstanceLock:
    def __init__(self, path: Path, fd: int) -> None:
        self.path, self._fd = path, fd

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = -1


def sqlite_path(database_url: str) -> Path | None:
    """The file of a `sqlite:///path` URL (None for PostgreSQL or an in-memory database)."""
    if not database_url.startswith("sqlite"):
        return None
    path = database_url.split(":///", 1)[-1]
    return None if path in ("", ":memory:") else Path(path)


def hold_for_run(database_url: str) -> InstanceLock | None:
    """Take the run lock of a SQLite database, or stop with one line saying who holds it."""
    database = sqlite_path(database_url)
    if database is None:
        return None
    database.parent.mkdir(parents=True, exist_ok=True)
    lock_path = database.with_name(database.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
        os.close(fd)
        raise ConfigError(
            f"another `tierbot run` (pid {holder or '?'}) is already using {database}; stop it first. "
            "One bot per SQLite file — for several workers use PostgreSQL (README: Run in production)"
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)  # for the message above; the flock is the lock
    return InstanceLock(lock_path, fd)

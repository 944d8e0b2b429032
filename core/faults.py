"""Which database failures are the database's state rather than a bug, so the bot can say so.

`busy`: another writer held the lock beyond the busy timeout (SQLite `database is locked`;
PostgreSQL lock or statement timeouts, deadlocks, serialisation failures) — trying again later
works. `full`: the disk (or SQLite's page limit) is full — nothing was written; an operator must
make room. The transaction of the failed call was rolled back either way.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DBAPIError

_PG_BUSY = {"55P03", "57014", "40P01", "40001"}  # lock_not_available, query_canceled, deadlock, serialization
_PG_FULL = {"53100", "53200"}  # disk_full, out_of_memory
_SQLITE_BUSY = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}


def database_fault(error: BaseException | None) -> str | None:
    """'busy', 'full', or None (not a database-state failure)."""
    if not isinstance(error, DBAPIError):
        return None
    original = error.orig
    if isinstance(original, sqlite3.Error):
        code = getattr(original, "sqlite_errorcode", None)
        if code is not None:
            code &= 0xFF  # extended codes (SQLITE_BUSY_SNAPSHOT…) carry the primary one in the low byte
        if code in _SQLITE_BUSY or "database is locked" in str(original):
            return "busy"
        if code == sqlite3.SQLITE_FULL or "disk is full" in str(original):
            return "full"
        return None
    state = getattr(original, "sqlstate", None)
    if state in _PG_BUSY:
        return "busy"
    if state in _PG_FULL:
        return "full"
    return None

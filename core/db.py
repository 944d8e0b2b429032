"""Engine, sessions and migrations.

Sync SQLAlchemy sessions: `core` functions are plain calls (easy to test and to run from the CLI);
the bot runs them in a worker thread (`bot.app.run_core`) so the event loop never waits on the
database. SQLite runs in WAL mode with a busy timeout so the bot and CLI commands can share a file.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine.interfaces import DBAPICursor, ExecutionContext
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql.base import Executable
from sqlmodel import Session

from core.errors import ConfigError
from core.settings import normalise_database_url

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 5000
# Any constant works; it only has to be the same in every tierbot process.
_MIGRATION_LOCK_ID = 0x7469_6572  # "tier"
T = TypeVar("T")


def make_engine(url: str) -> Engine:
    url = normalise_database_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _sqlite_engine(url: str) -> Engine:
    path = url.removeprefix("sqlite:///")
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`; on PostgreSQL under an advisory lock (concurrent starts)."""
    config = alembic_config(engine)
    with engine.connect() as connection:
        locked = connection.dialect.name == "postgresql"
        if locked:
            connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
            connection.commit()
        try:
            _foreign_keys(connection, on=False)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            connection.commit()
            _foreign_keys(connection, on=True)
        finally:
            if locked:
                connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _MIGRATION_LOCK_ID})
                connection.commit()


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config(engine)
    with engine.connect() as connection:
        _foreign_keys(connection, on=False)
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
        connection.commit()
        _foreign_keys(connection, on=True)


def _foreign_keys(connection: Connection, *, on: bool) -> None:
    """SQLite's batch migrations copy a table and drop the old one; with foreign keys enforced
    that fails as soon as another table points at it (user ← customer). Alembic's advice: switch
    enforcement off around migrations. The PRAGMA only works outside a transaction."""
    if connection.dialect.name == "sqlite":
        connection.commit()
        connection.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
        connection.commit()


@dataclass(frozen=True)
class Database:
    """An engine plus the way to open sessions on it; the only handle core functions need."""

    engine: Engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back on any error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()


_DML = re.compile(r"\s*(?:INSERT|UPDATE|DELETE|REPLACE|MERGE)\b", re.IGNORECASE)


class WriteWatch:
    """Whether the transaction of `session` has written anything: every INSERT, UPDATE or DELETE
    on the session's connection counts, whether the ORM flushed it or a statement was executed
    (text and driver SQL too). Start watching before the work, ask `wrote()` at its end."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._wrote = False
        event.listen(session.connection(), "before_cursor_execute", self._seen)

    def _seen(
        self,
        connection: Connection,
        cursor: DBAPICursor,
        statement: str,
        parameters: object,
        context: ExecutionContext | None,
        executemany: bool,
    ) -> None:
        if not self._wrote:
            # sqlalchemy: only DefaultExecutionContext declares isinsert/isupdate/isdelete, the interface does not
            flags = context is not None and (context.isinsert or context.isupdate or context.isdelete)  # type: ignore[attr-defined]
            self._wrote = bool(flags) or _DML.match(statement) is not None

    def wrote(self) -> bool:
        self.session.flush()  # what is still pending in the session is a write as well
        return self._wrote


def open_database(url: str, *, migrate: bool = True) -> Database:
    """Connect and (by default) apply migrations; unreachable databases become a ConfigError."""
    engine = make_engine(url)
    try:
        if migrate:
            upgrade(engine)
        else:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise ConfigError(f"TIERBOT_DATABASE_URL: cannot open the database ({reason})") from None
    return Database(engine)


@contextmanager
def database_for_command(url: str, *, migrate: bool = True) -> Iterator[Database]:
    """The database of one CLI command: migrated on open, disposed of however the command ends."""
    db = open_database(url, migrate=migrate)
    try:
        yield db
    finally:
        db.dispose()


# --- reading many rows fast ------------------------------------------------------------------------


def raw_rows(
    connection: Connection, statement: Executable, params: Mapping[str, Any] | None = None
) -> Sequence[tuple[Any, ...]]:
    """All rows of `statement` as the DBAPI driver's own tuples: SQLAlchemy compiles and binds
    the statement, but the rows skip its Row objects and result processors (a third to a half of
    the reading time for 100k plain values). A value comes back as the driver gives it (an
    instant stored by SQLite is text, a JSON column text or what psycopg parsed), so only
    callers that read raw values on purpose use this.

    The cursor is taken from SQLAlchemy's documented `after_cursor_execute` connection event
    (ConnectionEvents), listened to for this one execution, rather than from
    `CursorResult.cursor`, which is not public API."""
    cursors: list[DBAPICursor] = []

    def grab(_conn: Connection, cursor: DBAPICursor, *_rest: Any) -> None:
        cursors.append(cursor)

    event.listen(connection, "after_cursor_execute", grab)
    try:
        result = connection.execute(statement, dict(params or {}))
    finally:
        event.remove(connection, "after_cursor_execute", grab)
    try:
        return cursors[-1].fetchall()
    finally:
        result.close()


def in_memory(engine: Engine) -> bool:
    """An in-memory SQLite database: a second connection would open another, empty one."""
    return engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:")


class Beside(Protocol):
    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]: ...


class _Inline:
    """`submit` that runs at once in this session (an in-memory database has no second connection)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        done: Future[T] = Future()
        done.set_result(fn(self.session, *args))
        return done


class _Aside:
    """`submit` that runs in a worker thread on a session of its own: it sees committed rows
    only, so it is for reads that nothing written earlier in the caller's transaction affects."""

    def __init__(self, engine: Engine, worker: ThreadPoolExecutor) -> None:
        self.engine, self.worker = engine, worker

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        def run() -> T:
            with Session(self.engine) as session:
                return fn(session, *args)

        return self.worker.submit(run)


@contextmanager
def beside(session: Session) -> Iterator[Beside]:
    """Work to run beside this thread's: `submit(fn, *args)` calls `fn(session, *args)` on a
    second connection in a worker thread, so the database answers one query while this thread
    runs Python (or another query) meanwhile; on an in-memory database, at once on `session`.
    Leaving the block waits for what was submitted."""
    engine = session.get_bind()
    if not isinstance(engine, Engine) or in_memory(engine):
        yield _Inline(session)
        return
    with ThreadPoolExecutor(max_workers=1) as worker:
        yield _Aside(engine, worker)

"""Shared fixtures: databases (SQLite always; PostgreSQL when TIERBOT_TEST_DATABASE_URL is set),
a frozen clock, and the offline bot harness."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from bot.testing import Harness
from core.clock import ManualClock
from core.db import Database, open_database
from core.settings import normalise_database_url

# pytester: the template-coverage plugin is tested by running it on a small tree of its own.
pytest_plugins = ("pytester", "tests.template_coverage")

# Tuesday 2026-11-24 09:00 in Shanghai.
TEST_START = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
PG_ENV = "TIERBOT_TEST_DATABASE_URL"


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once per run; each test gets a copy (migrations themselves are tested apart)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    open_database(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture
def sqlite_db(migrated_sqlite: Path, tmp_path: Path) -> Iterator[Database]:
    """A copy of the migrated file: already at head, so not migrated again (alembic's no-op
    check cost ~30 ms a test)."""
    path = tmp_path / "tierbot.db"
    shutil.copy(migrated_sqlite, path)
    db = open_database(f"sqlite:///{path}", migrate=False)
    yield db
    db.dispose()


_own_database: dict[str, str] = {}
_admin_engines: dict[str, Engine] = {}
_templates: dict[str, str] = {}


def _admin(base: str) -> Engine:
    """One AUTOCOMMIT engine a run on the database TIERBOT_TEST_DATABASE_URL names, for
    CREATE/DROP DATABASE (reused: connecting costs more than the statements)."""
    if base not in _admin_engines:
        _admin_engines[base] = create_engine(normalise_database_url(base), isolation_level="AUTOCOMMIT")
    return _admin_engines[base]


def _create_database(base: str, name: str, template: str | None = None) -> str:
    """(Re)create `name`, empty or as a copy of `template`, and return its URL. Commits in it
    do not wait for the WAL to reach the disk (synchronous_commit=off, as SQLite's
    synchronous=NORMAL): only a crash of the server itself could lose one, which no test does;
    what other sessions see after a commit is unchanged."""
    with _admin(base).connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        copy = f' TEMPLATE "{template}"' if template else ""
        connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    url = make_url(normalise_database_url(base)).set(database=name)
    return url.render_as_string(hide_password=False)


def _run_name(base: str) -> str:
    return f"{make_url(normalise_database_url(base)).database or 'test'}_run{os.getpid()}"


def postgres_url() -> str | None:
    """A database of this test run's own on the server that TIERBOT_TEST_DATABASE_URL names, so
    two runs (CI and a developer's, or parallel helpers) never reset each other's schema."""
    base = os.environ.get(PG_ENV) or None
    if base is None:
        return None
    if base not in _own_database:
        _own_database[base] = _create_database(base, _run_name(base))
    return _own_database[base]


def _migrated_template(base: str) -> str:
    """The run's migrated PostgreSQL database, built once: every postgres_db is a copy of it
    (CREATE DATABASE … TEMPLATE), never connected to itself, so copies can be made."""
    if base not in _templates:
        url = _create_database(base, f"{_run_name(base)}_template")
        open_database(url).dispose()
        _templates[base] = make_url(url).database or ""
    return _templates[base]


def pytest_sessionfinish(session: pytest.Session) -> None:
    for base, admin in _admin_engines.items():
        run = _run_name(base)
        with admin.connect() as connection:
            for name in (f"{run}_db", f"{run}_template", run):
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def reset_postgres(url: str) -> None:
    engine = create_engine(normalise_database_url(url))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _postgres_base() -> str:
    base = os.environ.get(PG_ENV) or None
    if base is None:
        pytest.skip(f"{PG_ENV} is not set: PostgreSQL tests skipped (.ci/run sets it)")
    return base


@pytest.fixture
def postgres_fresh_url() -> str:
    """The run's own PostgreSQL database, emptied (no schema: the test migrates it, or a
    process it starts does); the test is skipped without PG_ENV."""
    _postgres_base()
    url = postgres_url()
    assert url is not None
    reset_postgres(url)
    return url


@pytest.fixture
def postgres_db() -> Iterator[Database]:
    """A fresh copy of the run's migrated template, as if just migrated: a test may write,
    downgrade or drop anything in it, the next one gets a new copy. The URL is the engine's
    (`postgres_db.engine.url`)."""
    base = _postgres_base()
    url = _create_database(base, f"{_run_name(base)}_db", template=_migrated_template(base))
    db = open_database(url, migrate=False)
    yield db
    db.dispose()


# The file reader's child (`python -m core.imports.file_reader`, core/imports/file_reader.py) is how every import
# reads its file, in process or not: it is part of the fast suite.
_IN_PROCESS_CHILDREN = (("-m", "core.imports.file_reader"),)
# matplotlib runs fc-list once, to build its font cache on a machine that has none yet
# (~/.cache/matplotlib): the library's own start-up, not a program the test starts
_LIBRARY_PROGRAMS = ("fc-list",)


@pytest.fixture(autouse=True)
def _processes_are_marked(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test that starts a program (other than the file reader) must carry
    `@pytest.mark.processes`, so `make test-fast` (`-m "not processes"`) really leaves every
    such test out: without the mark, starting one fails the test."""
    if request.node.get_closest_marker("processes"):
        return
    execute_child = subprocess.Popen._execute_child  # type: ignore[attr-defined]

    def refuse(self: subprocess.Popen, args: Any, *rest: Any, **kwargs: Any) -> None:
        argv = [args] if isinstance(args, str | bytes | os.PathLike) else list(args)
        if (
            tuple(str(a) for a in argv[1:3]) in _IN_PROCESS_CHILDREN
            or os.path.basename(str(argv[0])) in _LIBRARY_PROGRAMS
        ):
            return execute_child(self, args, *rest, **kwargs)
        raise AssertionError(f"{request.node.nodeid} starts {argv[0]!s}: mark it @pytest.mark.processes")

    monkeypatch.setattr(subprocess.Popen, "_execute_child", refuse)


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen]]:
    """Processes a test starts (bots, webhook workers): killed at its end if still running."""
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(10)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request: pytest.FixtureRequest) -> Database:
    """Runs the test on SQLite and on PostgreSQL."""
    return request.getfixturevalue("sqlite_db" if request.param == "sqlite" else "postgres_db")


@pytest.fixture
def fresh_caches() -> Iterator[None]:
    """The process-wide name index and the Mini App's kept rows forgotten before and after: a
    test that reads either starts from its own book (use with pytest.mark.usefixtures)."""
    from core.customers import table
    from core.names import book

    book.invalidate()
    table.forget()
    yield
    book.invalidate()
    table.forget()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(TEST_START)


@pytest.fixture
async def harness(any_db: Database, clock: ManualClock) -> AsyncIterator[Harness]:
    bot = await Harness.start(any_db, clock, _env_file=None, telegram_bot_token=None, bot_username="tierbot_test_bot")
    yield bot
    await bot.stop()

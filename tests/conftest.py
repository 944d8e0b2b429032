"""Shared fixtures: databases (SQLite always; PostgreSQL when TIERBOT_TEST_DATABASE_URL is set),
a frozen clock, and the offline bot harness."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

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
    path = tmp_path / "tierbot.db"
    shutil.copy(migrated_sqlite, path)
    db = open_database(f"sqlite:///{path}")
    yield db
    db.dispose()


_own_database: dict[str, str] = {}


def postgres_url() -> str | None:
    """A database of this test run's own on the server that TIERBOT_TEST_DATABASE_URL names, so
    two runs (CI and a developer's, or parallel helpers) never reset each other's schema."""
    base = os.environ.get(PG_ENV) or None
    if base is None:
        return None
    if base not in _own_database:
        url = make_url(normalise_database_url(base))
        name = f"{url.database or 'test'}_run{os.getpid()}"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        _own_database[base] = url.set(database=name).render_as_string(hide_password=False)
    return _own_database[base]


def pytest_sessionfinish(session: pytest.Session) -> None:
    for base, own in _own_database.items():
        admin = create_engine(normalise_database_url(base), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(own).database}" WITH (FORCE)'))
        admin.dispose()


def reset_postgres(url: str) -> None:
    engine = create_engine(normalise_database_url(url))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def postgres_fresh_url() -> str:
    """The run's own PostgreSQL database, emptied; the test is skipped without PG_ENV."""
    url = postgres_url()
    if url is None:
        pytest.skip(f"{PG_ENV} is not set: PostgreSQL tests skipped (.ci/run sets it)")
    reset_postgres(url)
    return url


@pytest.fixture
def postgres_db(postgres_fresh_url: str) -> Iterator[Database]:
    db = open_database(postgres_fresh_url)
    yield db
    db.dispose()


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
def clock() -> ManualClock:
    return ManualClock(TEST_START)


@pytest.fixture
async def harness(any_db: Database, clock: ManualClock) -> AsyncIterator[Harness]:
    bot = await Harness.start(any_db, clock, _env_file=None, telegram_bot_token=None,
                              bot_username="tierbot_test_bot")
    yield bot
    await bot.stop()

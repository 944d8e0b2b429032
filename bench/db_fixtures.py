"""Benchmark: what a test pays for its empty migrated database (issue 15 §8).

    TIERBOT_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \\
        .venv/bin/python -m bench.db_fixtures [--rounds 20]

Times, interleaved round by round so a busy neighbour costs each way alike, the ways a test can
get a database that is migrated and empty:

- PostgreSQL, before: drop the schema and run every migration (`reset_postgres` + `open_database`);
- PostgreSQL, now: copy the run's migrated template (`CREATE DATABASE … TEMPLATE`, tests/conftest.py)
  and open it without migrating;
- SQLite, before: copy the migrated file and open it with alembic's no-op upgrade check;
- SQLite, now: copy the file and open it without the check.

Each way ends with one query on the opened database. Prints the median and the range in ms.
Without TIERBOT_TEST_DATABASE_URL only the SQLite ways run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text

from core.db import Database, open_database
from tests.conftest import (
    PG_ENV,
    _admin,
    _create_database,
    _migrated_template,
    _run_name,
    pytest_sessionfinish,
    reset_postgres,
)


def _touch(db: Database) -> None:
    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    db.dispose()


def ways(workdir: Path) -> dict[str, Callable[[], None]]:
    template = workdir / "template.db"
    open_database(f"sqlite:///{template}").dispose()
    copy = workdir / "copy.db"

    def sqlite(migrate: bool) -> Callable[[], None]:
        def run() -> None:
            shutil.copy(template, copy)
            _touch(open_database(f"sqlite:///{copy}", migrate=migrate))

        return run

    found: dict[str, Callable[[], None]] = {
        "sqlite, migrate check (before)": sqlite(True),
        "sqlite, copy only (now)": sqlite(False),
    }
    base = os.environ.get(PG_ENV)
    if base:
        reset_url = _create_database(base, f"{_run_name(base)}_reset")

        def reset_and_migrate() -> None:
            reset_postgres(reset_url)
            _touch(open_database(reset_url))

        def clone() -> None:
            url = _create_database(base, f"{_run_name(base)}_db", template=_migrated_template(base))
            _touch(open_database(url, migrate=False))

        found["postgresql, drop schema + migrate (before)"] = reset_and_migrate
        found["postgresql, copy of the template (now)"] = clone
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        found = ways(Path(workdir))
        times: dict[str, list[float]] = {name: [] for name in found}
        try:
            for way in found.values():  # warm up: imports, the template, the first connection
                way()
            for _ in range(args.rounds):
                for name, way in found.items():
                    start = time.perf_counter()
                    way()
                    times[name].append((time.perf_counter() - start) * 1000)
        finally:
            base = os.environ.get(PG_ENV)
            if base:
                with _admin(base).connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{_run_name(base)}_reset" WITH (FORCE)'))
            pytest_sessionfinish(None)  # type: ignore[arg-type]  # drops the template and the copy
    for name, values in times.items():
        print(f"{name:45} median {statistics.median(values):7.1f} ms   range {min(values):6.1f}–{max(values):6.1f} ms")


if __name__ == "__main__":
    main()

"""Benchmark: the Mini App's dashboard (core.reports.dashboard.build) for a 100k-customer team against a
fixed plain GROUP BY baseline measured in the same run, on SQLite and PostgreSQL (issue 16).

    .venv/bin/python -m bench.dashboard [--rounds 5] [--postgres URL]

The book is bench/summary.py's (the tiering benchmark's 2,000 reps, 100k customers and 1M
interactions made one team "Bench" under one manager, with tier changes, complaints and
overrides), copied once to bench/out/dashboard-*.db with 20,000 open opportunities (the
dashboard's expected money). With --postgres (or TIERBOT_TEST_DATABASE_URL) the same rows are
copied once into a database `bench_dashboard` on that server (COPY, then ANALYZE) and timed there
too.

Each round times, alternately so a busy neighbour weighs on both alike:
- the baseline: `SELECT customer_id, max(occurred_at), count(*), sum(amount) FROM baseline GROUP
  BY customer_id` over the plain `baseline` table (1M rows, one index);
- the dashboard for the manager's team and a month (`core.reports.dashboard.build`: /summary's figures,
  the pipeline's expected money and every drill-down filter), in a fresh transaction.
Reported: the medians and their ratio; target ≤ 2×. Results print as Markdown table rows for
bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import time
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from bench.summary import MANAGER_TELEGRAM_ID, ZONE, prepare
from bench.tiering import NOW, OUT, _ts, timed
from core import accounts
from core.as_of import AsOf
from core.db import Database, open_database
from core.policies import default_policy_text
from core.reports import dashboard
from core.settings import normalise_database_url
from core.tiering import parse_policy

OPPORTUNITIES = 20_000
PG_DATABASE = "bench_dashboard"
# the tables the dashboard reads, in an order their foreign keys accept
TABLES = (
    "team",
    "user",
    "customer",
    "interaction",
    "customer_tier",
    "tier_assignment",
    "feedback",
    "tier_override",
    "opportunity",
)


def prepare_sqlite(customers: int, interactions: int) -> Path:
    source = prepare(customers, interactions)
    path = OUT / f"dashboard-{customers}-{interactions}.db"
    if path.exists():
        return path
    with sqlite3.connect(source) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    rng = random.Random(16)
    stamp = _ts(NOW)
    connection = sqlite3.connect(path)
    connection.executemany(
        "INSERT INTO opportunity (customer_id, title, amount_minor, currency, stage, status, created_at, updated_at)"
        " VALUES (?, 'bench deal', ?, ?, 'proposal', ?, ?, ?)",
        [
            (
                rng.randint(1, customers),
                rng.randint(1_000, 500_000) * 100,
                rng.choice(("CNY", "CNY", "USD")),
                rng.choice(("open", "open", "open", "won", "lost")),
                stamp,
                stamp,
            )
            for _ in range(OPPORTUNITIES)
        ],
    )
    connection.commit()
    connection.execute("ANALYZE")
    connection.close()
    return path


def prepare_postgres(base_url: str, sqlite_path: Path) -> str:
    """The SQLite book copied into `bench_dashboard` (once: kept while its row counts match)."""
    url = make_url(normalise_database_url(base_url))
    target = url.set(database=PG_DATABASE).render_as_string(hide_password=False)
    source = sqlite3.connect(sqlite_path)
    wanted = {table: source.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in (*TABLES, "baseline")}
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": PG_DATABASE}).first()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))
    admin.dispose()
    db = open_database(target)  # the project's migrations: its own schema and indexes
    with db.engine.connect() as connection:
        connection.execute(
            text("CREATE TABLE IF NOT EXISTS baseline (customer_id integer, occurred_at timestamp, amount bigint)")
        )
        connection.commit()
        have = {table: connection.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one() for table in wanted}
    if have == wanted:
        db.dispose()
        return target
    started = time.perf_counter()
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in (*TABLES, "baseline")) + " CASCADE")
        for table in (*TABLES, "baseline"):
            columns = [row[1] for row in source.execute(f'PRAGMA table_info("{table}")')]
            booleans = _boolean_columns(cursor, table)
            names = ", ".join(f'"{c}"' for c in columns)
            with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:  # type: ignore[attr-defined]
                for row in source.execute(f'SELECT {names} FROM "{table}"'):
                    copy.write_row([bool(v) if c in booleans and v is not None else v for c, v in zip(columns, row)])
        cursor.execute("CREATE INDEX IF NOT EXISTS ix_baseline_customer ON baseline (customer_id, occurred_at)")
        raw.commit()
    finally:
        raw.close()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    db.dispose()
    print(f"copied the book into PostgreSQL {PG_DATABASE} in {time.perf_counter() - started:.1f} s")
    return target


def _boolean_columns(cursor: object, table: str) -> set[str]:
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "  # type: ignore[attr-defined]
        "AND data_type = 'boolean'",
        (table,),
    )
    return {row[0] for row in cursor.fetchall()}  # type: ignore[attr-defined]


def measure(db: Database, rounds: int) -> dict[str, float]:
    policy = parse_policy(default_policy_text())
    with db.session() as session:
        manager = accounts.find_by_telegram_id(session, MANAGER_TELEGRAM_ID)
    assert manager is not None

    def baseline() -> None:
        with db.engine.connect() as connection:
            connection.exec_driver_sql(
                "SELECT customer_id, max(occurred_at), count(*), sum(amount) FROM baseline GROUP BY customer_id"
            ).fetchall()

    result: list[dict] = []

    def figures() -> None:
        with db.session() as session:
            result[:] = [dashboard.build(session, manager, AsOf(policy, NOW, ZONE), period="month")]

    base, runs = [], []
    for _ in range(rounds):
        base += timed(baseline, 1)
        runs += timed(figures, 1)
    assert result[0]["customers"] >= 90_000, result[0]["customers"]
    assert float(result[0]["pipeline"]["expected"]) > 0
    return {
        "customers": result[0]["customers"],
        "baseline": statistics.median(base),
        "dashboard": statistics.median(runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TIERBOT_TEST_DATABASE_URL"),
        help="a PostgreSQL server URL (default: TIERBOT_TEST_DATABASE_URL); none: SQLite only",
    )
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    path = prepare_sqlite(args.customers, args.interactions)
    engines = [("SQLite", f"sqlite:///{path}")]
    if args.postgres:
        engines.append(("PostgreSQL", prepare_postgres(args.postgres, path)))
    print("| engine | customers | baseline | dashboard | ratio |")
    for name, url in engines:
        db = open_database(url)
        found = measure(db, args.rounds)
        db.dispose()
        print(
            f"| {name} | {found['customers']:,} | {found['baseline']:.2f} s | {found['dashboard']:.2f} s "
            f"| {found['dashboard'] / found['baseline']:.1f}× |"
        )


if __name__ == "__main__":
    main()

"""Benchmark: full recompute of a large book on the embedded SQLite, against a fixed baseline.

    .venv/bin/python -m bench.tiering [--customers 100000] [--interactions 1000000] [--rounds 3]

The baseline loads the same interaction rows into a plain table `(customer_id, occurred_at,
amount)` with one index on `(customer_id, occurred_at)` and times
`SELECT customer_id, max(occurred_at), count(*), sum(amount) … GROUP BY customer_id`. The target
(issue 3): a full recompute takes at most 2× that, and re-tiering one customer after a new
interaction at most 5 ms. Results are printed as a Markdown table row for bench/README.md.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.as_of import AsOf
from core.db import open_database
from core.policies import default_policy_text
from core.tier_records.retier import recompute, retier_customer
from core.tiering import parse_policy

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
OUT = Path(__file__).resolve().parent / "out"
KINDS = ("call", "call", "message", "message", "email", "visit", "meeting", "note", "deal")


def build_book(path: Path, customers: int, interactions: int) -> None:
    """Write users, customers and interactions with raw executemany (fast), then the baseline."""
    db = open_database(f"sqlite:///{path}")  # migrations: the project's own schema and indexes
    db.dispose()
    rng = random.Random(7)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    stamp = _ts(NOW)
    connection.executemany(
        "INSERT INTO user (id, telegram_id, name, role, country, digest_time, quiet_off, active, created_at) "
        "VALUES (?, ?, ?, 'rep', 'CN', '09:00:00.000000', 0, 1, ?)",
        [(i, 10_000 + i, f"rep {i}", stamp) for i in range(1, 2001)],
    )
    stages = ("active",) * 6 + ("prospect",) * 3 + ("lost",)
    connection.executemany(
        "INSERT INTO customer (id, name, owner_id, stage, region, tags, attributes, potential, influence, intention,"
        " expectation, satisfaction, pipeline_stage, added_at, archived) "
        "VALUES (?, ?, ?, ?, 'CN', '[]', '{}', ?, ?, ?, ?, ?, ?, ?, 0)",
        (
            (
                i,
                f"customer {i}",
                rng.randint(1, 2000),
                rng.choice(stages),
                rng.choice((None, 1, 2, 3, 4, 5)),
                rng.randint(1, 5),
                rng.randint(1, 5),
                rng.randint(1, 5),
                rng.randint(1, 5),
                rng.choice(("lead", "proposal", "negotiation")),
                _ts(NOW - timedelta(days=rng.randint(30, 2000))),
            )
            for i in range(1, customers + 1)
        ),
    )
    rows = []
    for n in range(interactions):
        kind = rng.choice(KINDS)
        when = NOW - timedelta(minutes=rng.randint(1, 730 * 24 * 60))
        amount = rng.randint(1_000, 5_000_000) * 100 if kind == "deal" else None
        rows.append(
            (
                rng.randint(1, customers),
                kind,
                "visit" if kind == "deal" and n % 3 == 0 else None,
                _ts(when),
                amount,
                "CNY" if amount else None,
                stamp,
            )
        )
    connection.executemany(
        "INSERT INTO interaction (customer_id, kind, channel, occurred_at, amount_minor, currency, summary, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, '', ?)",
        rows,
    )
    connection.execute("CREATE TABLE baseline (customer_id INTEGER, occurred_at TEXT, amount INTEGER)")
    connection.execute("INSERT INTO baseline SELECT customer_id, occurred_at, amount_minor FROM interaction")
    connection.execute("CREATE INDEX ix_baseline ON baseline (customer_id, occurred_at)")
    connection.commit()
    connection.execute("ANALYZE")
    connection.close()


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def timed(fn: Callable[[], object], rounds: int) -> list[float]:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - started)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    path = OUT / f"tiering-{args.customers}-{args.interactions}.db"
    if not path.exists():
        started = time.perf_counter()
        build_book(path, args.customers, args.interactions)
        print(f"built {path.name} in {time.perf_counter() - started:.1f} s")
    policy = parse_policy(default_policy_text())
    db = open_database(f"sqlite:///{path}")

    def baseline() -> None:
        with db.engine.connect() as connection:
            connection.exec_driver_sql(
                "SELECT customer_id, max(occurred_at), count(*), sum(amount) FROM baseline GROUP BY customer_id"
            ).fetchall()

    def full() -> None:
        recompute(db, AsOf(policy, NOW, "Asia/Shanghai"), review=True)

    first = timed(lambda: recompute(db, AsOf(policy, NOW, "Asia/Shanghai"), review=False), 1)[0]
    base = timed(baseline, args.rounds)
    runs = timed(full, args.rounds)
    one = _retier_one(db, policy, args.customers)
    ratio = statistics.median(runs) / statistics.median(base)
    print(
        f"| {args.customers:,} | {args.interactions:,} | {statistics.median(base):.2f} s "
        f"| {statistics.median(runs):.2f} s | {ratio:.1f}× | {first:.2f} s | {one * 1000:.2f} ms |"
    )
    db.dispose()


def _retier_one(db, policy, customers: int) -> float:  # type: ignore[no-untyped-def]
    """Median time to re-tier one customer after a new interaction (stats kept from the run)."""
    rng = random.Random(3)
    timings = []
    for _ in range(200):
        customer_id = rng.randint(1, customers)
        started = time.perf_counter()
        with db.session() as session:
            retier_customer(session, AsOf(policy, NOW, "Asia/Shanghai"), customer_id)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


if __name__ == "__main__":
    main()

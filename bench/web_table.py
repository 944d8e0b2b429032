"""Benchmark: the Mini App's customer table on a 10k-customer book of one rep (issue 16).

    .venv/bin/python -m bench.web_table [--customers 10000] [--interactions 100000] [--queries 300]

The book is the tiering benchmark's generator (bench/tiering.py) written to
bench/out/web-table-*.db with every customer owned by rep 1, tiered once (`recompute`). It times
- building the rows (core.customers.table.build_rows: customers, contacts, 12-month revenue,
  expected money, complaints, cadence of the stored tiers): what the first request after a
  change pays (median of 3);
- a request with the rows kept (core.customers.table.search, each in a fresh transaction:
  the stamp queries, search text through the book index, filters, sort, one page), over a mix
  of searches ("customer 12", pinyin-free Latin text), tier/cadence/silence/revenue filters and
  every sort column, ascending and descending; p50 and p95. Target: p95 ≤ 100 ms.
Results print as Markdown table rows for bench/README.md.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import time
from decimal import Decimal

from bench.tiering import NOW, OUT, build_book
from core.accounts import get_account
from core.as_of import AsOf
from core.customers import table
from core.customers.table import Query
from core.db import open_database
from core.policies import default_policy_text
from core.tier_records.retier import has_assignments, recompute
from core.tiering import parse_policy

ZONE = "Asia/Shanghai"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--interactions", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    path = OUT / f"web-table-{args.customers}-{args.interactions}.db"
    policy = parse_policy(default_policy_text())
    if not path.exists():
        build_book(path, args.customers, args.interactions)
        with sqlite3.connect(path) as connection:
            connection.execute("UPDATE customer SET owner_id = 1")
    db = open_database(f"sqlite:///{path}")
    with db.session() as session:
        tiered = has_assignments(session)
    if not tiered:
        recompute(db, AsOf(policy, NOW, ZONE), review=False)
    with db.session() as session:
        rep = get_account(session, 1)
    builds = []
    for _ in range(3):
        with db.session() as session:
            started = time.perf_counter()
            built = table.build_rows(session, rep, AsOf(policy, NOW, ZONE))
            builds.append(time.perf_counter() - started)
    rng = random.Random(16)
    value_tiers = [tier.code for tier in policy.model("value").tiers]
    sorts = [*table.SORTS, *(f"tier:{m.code}" for m in policy.models)]
    queries = []
    for n in range(args.queries):
        queries.append(
            Query(
                text=rng.choice(["", "", "", f"customer {rng.randint(1, 999)}", "customer 77"]),
                tiers={"value": (rng.choice(value_tiers),)} if n % 3 == 0 else {},
                cadence=(rng.choice(("overdue", "due", "ok")),) if n % 4 == 0 else (),
                silent_days=rng.choice((None, 30, 60, 90)),
                revenue_min=Decimal(rng.choice((0, 10_000, 100_000))) if n % 5 == 0 else None,
                sort=rng.choice(sorts),
                descending=n % 2 == 0,
                offset=rng.choice((0, 0, 50, 500)),
                limit=50,
            )
        )
    with db.session() as session:  # the rows kept, as after the first request
        table.search(session, rep, AsOf(policy, NOW, ZONE), Query())
    timings = []
    for query in queries:
        started = time.perf_counter()
        with db.session() as session:
            table.search(session, rep, AsOf(policy, NOW, ZONE), query)
        timings.append(time.perf_counter() - started)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"| rows built ({len(built):,} customers, {args.interactions:,} interactions) | "
        f"{statistics.median(builds) * 1000:.0f} ms | median of 3 |"
    )
    print(
        f"| table request, rows kept ({len(queries)} mixed queries) | p50 {statistics.median(timings) * 1000:.1f} ms · "
        f"p95 {p95 * 1000:.1f} ms | target p95 ≤ 100 ms |"
    )
    db.dispose()


if __name__ == "__main__":
    main()

"""Benchmark: due greetings on a book of 100k customers and 100k contacts, for the heaviest
send date (the day before a holiday, when every customer of the bottom value tier is due), a
priority-tier holiday and a day with no holiday.

    .venv/bin/python -m bench.greetings [--customers 100000]

Target (issue 6): the heaviest day composes in a few seconds on a 2-core machine. The test
suite checks the same composition on a smaller book for correctness only (no timing).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from core.db import open_database
from core.reminders.greetings import due_greetings, greetings_environment
from tests.greetings.big_book import CUSTOMERS, POLICY, build

DAYS = (date(2027, 9, 14), date(2027, 9, 8), date(2027, 9, 1))  # bottom tier, priority tiers, no holiday


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=CUSTOMERS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(f"sqlite:///{Path(tmp) / 'greetings.db'}")
        build(db, args.customers)
        env = greetings_environment()
        print("| customers | day | greetings | seconds |\n|---|---|---|---|")
        for today in DAYS:
            with db.session() as session:
                started = time.perf_counter()
                batches = due_greetings(session, POLICY, env, today, org_timezone="Asia/Shanghai")
                took = time.perf_counter() - started
            print(f"| {args.customers:,} | {today} | {sum(len(b.items) for b in batches):,} | {took:.2f} |")


if __name__ == "__main__":
    main()

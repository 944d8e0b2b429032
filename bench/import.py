"""Benchmark: importing a 50k-row CRM export (issue 6 §6: under a minute, progress as it goes).

    .venv/bin/python -m bench.import [--rows 50000] [--format csv|xlsx] [--database URL]

Builds a GBK CSV (or an XLSX) of `--rows` customers with zh headers like tests/crm_export.py
(7% of the rows invalid, as in the tests), then on a fresh migrated database (SQLite file by default, or
`--database postgresql://…`, whose schema is reset) times what the chat's ✅ does:
read the bytes, validate and match every row, write the valid ones in one transaction (bulk
inserts per chunk, with a progress callback), commit; then the first tier assignment of the new
customers (`recompute(review=False)`, which the bot runs after the commit). A second import of
the same file is timed too (everything matches: nothing written).
"""

from __future__ import annotations

import argparse
import io
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from core import accounts
from core.db import open_database
from core.import_files import read_bytes
from core.importer import import_table
from core.policies import default_policy_text
from core.settings import normalise_database_url
from core.tiering import parse_policy
from core.tiers import recompute
from tests.crm_export import crm_export

OUT = Path(__file__).resolve().parent / "out"
NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
OWNERS = ["李伟", "陈静", "张敏", "刘洋"]


def _content(rows: int, form: str) -> bytes:
    export = crm_export(OWNERS, rows=rows)
    if form == "csv":
        return export.content
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(export.content.decode("gbk").split("\r\n", 1)[0].split(","))
    for row in export.rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _database(url: str | None):
    if url is None:
        OUT.mkdir(exist_ok=True)
        path = OUT / "import.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return open_database(f"sqlite:///{path}")
    engine = create_engine(normalise_database_url(url))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return open_database(url)


def run(rows: int, form: str, url: str | None) -> None:
    content = _content(rows, form)
    db = _database(url)
    with db.session() as session:
        for number, name in enumerate(OWNERS, start=1):
            accounts.add_user(session, telegram_id=900 + number, name=name, role="rep", team="East", now=NOW)
    steps: list[tuple[float, int, int]] = []
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        steps.append((time.perf_counter() - started, done, total))

    with db.session() as session:
        table = read_bytes(content)
        read = time.perf_counter() - started
        report = import_table(session, "customers", table, actor=None, now=NOW, currency="CNY",
                              timezone="Asia/Shanghai", apply=True, progress=progress)
        written = time.perf_counter() - started
    total = time.perf_counter() - started
    tier_start = time.perf_counter()
    recompute(db, parse_policy(default_policy_text()), NOW, org_timezone="Asia/Shanghai", review=False)
    tiers = time.perf_counter() - tier_start
    again_start = time.perf_counter()
    with db.session() as session:
        again = import_table(session, "customers", read_bytes(content), actor=None, now=NOW, currency="CNY",
                             timezone="Asia/Shanghai", apply=True)
    again_time = time.perf_counter() - again_start
    db.dispose()
    engine = "PostgreSQL" if url else "SQLite"
    print(f"{rows:,} rows, {form}, {len(content) / 1e6:.1f} MB, {engine}")
    print(f"  read {read:.2f} s · validate + match + write {written - read:.2f} s · commit {total - written:.2f} s "
          f"→ import {total:.2f} s (created {report.created:,}, errors {len(report.errors):,})")
    print(f"  first progress report at {steps[0][0]:.2f} s, {len(steps)} reports: "
          + ", ".join(f"{100 * d // t}%" for _, d, t in steps))
    print(f"  first tiers of the new customers {tiers:.2f} s → import + tiers {total + tiers:.2f} s")
    print(f"  the same file again {again_time:.2f} s (created {again.created}, unchanged {again.unchanged:,})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument("--database", default=None, help="a PostgreSQL URL (default: a SQLite file in bench/out)")
    args = parser.parse_args()
    run(args.rows, args.format, args.database)


if __name__ == "__main__":
    main()

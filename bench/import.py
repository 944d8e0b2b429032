"""Benchmark: importing a CRM export (issue 6 §6: 50k rows under a minute; issue 14: the preview
also says which tiers change, and the customers touched are re-tiered once at the end).

    .venv/bin/python -m bench.import [--rows 50000] [--format csv|xlsx] [--database URL] [--file crm|onboarding]

Builds a GBK CSV (or an XLSX) of `--rows` customers with zh headers — `crm` like
tests/crm_export.py (7% of the rows invalid), `onboarding` like its `onboarding_export` (every
customer active, with an annual revenue, a creation date, a note, the customer's own phone,
e-mail and birthday; 6% invalid) — then on a fresh migrated database (SQLite file by default, or
`--database postgresql://…`, whose schema is reset) times what the chat does, as an admin:
the preview (`core.imports.uploads.preview`: read, validate and match every row, write them under a
savepoint, work out the tier changes of the customers touched, roll back), then ✅ (read the
bytes again, validate, match, write the valid rows in one transaction with a progress callback,
commit), then the re-tiering of the customers the import touched (`recompute(review=True,
customer_ids=…)`, which the bot runs after the commit). A second import of the same file is
timed too (everything matches: nothing written).
"""

from __future__ import annotations

import argparse
import csv
import io
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from core import accounts
from core.as_of import AsOf
from core.db import open_database
from core.imports import uploads
from core.imports.file_reader import read_bytes
from core.imports.importer import import_table
from core.policies import default_policy_text
from core.settings import normalise_database_url
from core.tier_records.retier import recompute
from core.tiering import parse_policy
from tests.crm_export import crm_export, onboarding_export

OUT = Path(__file__).resolve().parent / "out"
NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
OWNERS = ["李伟", "陈静", "张敏", "刘洋"]
ZONE = "Asia/Shanghai"


def _content(rows: int, form: str, file: str) -> bytes:
    export = crm_export(OWNERS, rows=rows) if file == "crm" else onboarding_export(OWNERS[0], rows=rows)
    if form == "csv":
        return export.content
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(next(csv.reader(io.StringIO(export.content.decode("gbk")))))
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


def run(rows: int, form: str, url: str | None, file: str) -> None:
    content = _content(rows, form, file)
    policy = parse_policy(default_policy_text())
    db = _database(url)
    with db.session() as session:
        for number, name in enumerate(OWNERS, start=1):
            accounts.add_user(session, telegram_id=900 + number, name=name, role="rep", team="East", now=NOW)
        admin = accounts.add_user(session, telegram_id=999, name="Boss", role="admin", now=NOW)
    steps: list[tuple[float, int, int]] = []

    started = time.perf_counter()
    with db.session() as session:
        upload = uploads.store(session, admin, filename="bench.csv", content=content, kind="customers", now=NOW)
        seen = uploads.preview(session, admin, upload, "customers", as_of=AsOf(policy, NOW, ZONE), currency="CNY")
    preview = time.perf_counter() - started

    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        steps.append((time.perf_counter() - started, done, total))

    with db.session() as session:
        table = read_bytes(content)
        read = time.perf_counter() - started
        report = import_table(
            session,
            "customers",
            table,
            actor=admin,
            now=NOW,
            currency="CNY",
            timezone=ZONE,
            apply=True,
            progress=progress,
            policy=policy,
        )
        written = time.perf_counter() - started
    total = time.perf_counter() - started
    tier_start = time.perf_counter()
    retier = recompute(db, AsOf(policy, NOW, ZONE), review=True, customer_ids=sorted(report.touched_ids))
    tiers = time.perf_counter() - tier_start
    again_start = time.perf_counter()
    with db.session() as session:
        again = import_table(
            session,
            "customers",
            read_bytes(content),
            actor=admin,
            now=NOW,
            currency="CNY",
            timezone=ZONE,
            apply=True,
            policy=policy,
        )
    again_time = time.perf_counter() - again_start
    db.dispose()
    engine = "PostgreSQL" if url else "SQLite"
    print(f"{rows:,} rows ({file}), {form}, {len(content) / 1e6:.1f} MB, {engine}")
    print(
        f"  preview {preview:.2f} s (ready {seen.created:,}, errors {len(seen.errors):,}, "
        f"{len(seen.tier_changes):,} tier changes foreseen)"
    )
    print(
        f"  read {read:.2f} s · validate + match + write {written - read:.2f} s · commit {total - written:.2f} s "
        f"→ import {total:.2f} s (created {report.created:,}, errors {len(report.errors):,})"
    )
    print(
        f"  first progress report at {steps[0][0]:.2f} s, {len(steps)} reports: "
        + ", ".join(f"{100 * d // t}%" for _, d, t in steps)
    )
    print(
        f"  re-tier the {len(report.touched_ids):,} customers touched {tiers:.2f} s ({len(retier.changes):,} "
        f"changes) → import + tiers {total + tiers:.2f} s; with the preview {preview + total + tiers:.2f} s"
    )
    print(f"  the same file again {again_time:.2f} s (created {again.created}, unchanged {again.unchanged:,})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument("--database", default=None, help="a PostgreSQL URL (default: a SQLite file in bench/out)")
    parser.add_argument("--file", choices=["crm", "onboarding"], default="crm")
    args = parser.parse_args()
    run(args.rows, args.format, args.database, args.file)


if __name__ == "__main__":
    main()

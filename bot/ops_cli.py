"""The operator's commands: `tierbot backup`, `restore`, `erase customer`, `stats`."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.db import database_for_command
from core.settings import Settings


def add_parsers(sub: Any) -> None:
    backup = sub.add_parser(
        "backup",
        help="back up the database to PATH (SQLite: consistent online copy; PostgreSQL: pg_dump)",
        description="SQLite: a consistent copy made with SQLite's online backup, safe while the bot runs. "
        "PostgreSQL: runs `pg_dump --format=custom` when pg_dump is on PATH, else prints the command.",
    )
    backup.add_argument("path", type=Path)
    restore = sub.add_parser(
        "restore",
        help="replace the database with a backup (SQLite; PostgreSQL: prints the pg_restore steps)",
        description="SQLite: refused while `tierbot run` holds the database; the backup must be a tierbot "
        "database at a known schema revision; it is migrated up, then swapped in atomically and the "
        "current file is kept as <db>.before-restore-<time>. PostgreSQL: prints the pg_restore steps.",
    )
    restore.add_argument("path", type=Path)
    erase = sub.add_parser("erase", help="remove a customer's personal data on request (keeps anonymous counts)")
    erase_sub = erase.add_subparsers(dest="erase_what", required=True, metavar="WHAT")
    customer = erase_sub.add_parser("customer", help="name, contacts, notes and texts of one customer")
    customer.add_argument("id", type=int)
    customer.add_argument("--by", required=True, help="who asks for it (recorded in the audit log)")
    customer.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    stats = sub.add_parser("stats", help="counts, outbox backlog and last sweep runs")
    stats.add_argument("--json", action="store_true", help="machine-readable")


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    from core.ops import backup

    database = backup.sqlite_path(settings.database_url)
    try:
        if database is None:
            command = backup.pg_dump_command(settings.database_url, args.path)
            if shutil.which("pg_dump") is None:
                print("pg_dump is not on PATH; on a machine with the PostgreSQL client tools run:")
                print("  " + " ".join(command))
                return 1
            result = subprocess.run(command, capture_output=True, text=True)
            if result.returncode != 0:
                print(f"tierbot: pg_dump failed: {result.stderr.strip().splitlines()[-1:] or '?'}", file=sys.stderr)
                return 1
            print(f"backup: {args.path} (pg_dump custom format; restore with pg_restore, see `tierbot restore`)")
            return 0
        size = backup.backup_sqlite(database, args.path)
    except backup.BackupError as exc:
        print(f"tierbot: {exc}", file=sys.stderr)
        return 1
    print(f"backup: {args.path} ({size:,} bytes, consistent copy of {database})")
    return 0


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    from core.clock import SystemClock
    from core.ops import backup

    database = backup.sqlite_path(settings.database_url)
    if database is None:
        print("PostgreSQL: stop every `tierbot run`, then run:")
        for line in backup.pg_restore_commands(settings.database_url, args.path):
            print(f"  {line}")
        print("and start the bots again.")
        return 0
    try:
        restored = backup.restore_sqlite(args.path, database, stamp=SystemClock().now().strftime("%Y%m%dT%H%M%SZ"))
    except backup.BackupError as exc:
        print(f"tierbot: {exc}", file=sys.stderr)
        return 1
    print(
        f"restored {database} from {args.path} (schema {restored.revision}"
        f"{f' migrated to {restored.head}' if restored.revision != restored.head else ''})"
    )
    if restored.previous is not None:
        print(f"the replaced database is kept as {restored.previous}")
    return 0


def cmd_erase(settings: Settings, args: argparse.Namespace) -> int:
    from core.clock import SystemClock
    from core.customers import erase
    from core.errors import NotFound

    with database_for_command(settings.database_url) as db:
        try:
            with db.session() as session:
                found = erase.preview(session, args.id)
        except NotFound:
            print(f"tierbot: no customer with id {args.id}", file=sys.stderr)
            return 1
        if found.erased_at is not None:
            print(f"customer #{args.id} was already erased on {found.erased_at:%Y-%m-%d %H:%M} UTC; erasing again")
        if not args.yes:
            print(
                f"Erase the personal data of customer #{found.id} “{found.name}” ({found.contacts} contact(s), "
                f"{found.interactions} interaction(s) kept anonymous)? This cannot be undone. Type yes: ",
                end="",
                flush=True,
            )
            if sys.stdin.readline().strip().lower() != "yes":
                print("nothing erased")
                return 1
        with db.session() as session:
            done = erase.erase_customer(session, args.id, operator=args.by, now=SystemClock().now())
    print(
        f"customer #{done.id} erased: {done.contacts} contact(s) removed, {done.texts} text(s) and "
        f"{done.notifications} message(s) cleared; {done.interactions_kept} interaction(s) kept without "
        f"personal data; recorded in the audit log (by {args.by})"
    )
    return 0


def cmd_stats(settings: Settings, args: argparse.Namespace) -> int:
    from core.clock import SystemClock
    from core.ops import stats

    with database_for_command(settings.database_url) as db:
        with db.session() as session:
            figures = stats.collect(session, SystemClock().now())
    print(json.dumps(figures.as_json(), ensure_ascii=False, indent=2) if args.json else stats.table(figures))
    return 0


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "backup": cmd_backup,
    "restore": cmd_restore,
    "erase": cmd_erase,
    "stats": cmd_stats,
}

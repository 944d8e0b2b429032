"""A real `tierbot import` killed with SIGKILL in the middle: nothing half-imported, and running it
again imports everything. (The kill in the middle of a dispatch is in tests/e2e/test_reminders_e2e.py.)"""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from tests.e2e.conftest import TIERBOT

ROWS = 15_000


def _count(path: Path, table: str) -> int:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        connection.close()


def test_sigkill_during_an_import_leaves_nothing_half_imported(tmp_path: Path, cli_env: dict[str, str]) -> None:
    database = Path(cli_env["TIERBOT_DATABASE_URL"].removeprefix("sqlite:///"))
    big = tmp_path / "big.csv"
    with big.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["external_id", "name", "stage", "contact_name", "contact_phone"])
        writer.writerows([f"X{n}", f"客户 {n}", "active", f"联系人 {n}", f"138{n:08d}"] for n in range(ROWS))
    assert subprocess.run([TIERBOT, "db", "upgrade"], env=cli_env, capture_output=True, timeout=120).returncode == 0
    wal = Path(f"{database}-wal")
    process = subprocess.Popen([TIERBOT, "import", "customers", str(big)], env=cli_env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        # mid-way: the import's transaction is writing (its pages spill into the WAL) and has not
        # committed (another connection still sees no customer)
        while not (wal.exists() and wal.stat().st_size > 256 * 1024 and _count(database, "customer") == 0):
            assert process.poll() is None, "the import finished before it could be killed"
            assert time.monotonic() < deadline, "the import never started writing"
            time.sleep(0.05)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    assert process.returncode == -signal.SIGKILL
    assert _count(database, "customer") == 0 and _count(database, "contact") == 0
    assert _count(database, "customer_tier") == 0
    again = subprocess.run([TIERBOT, "import", "customers", str(big)], env=cli_env, capture_output=True,
                           text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert f"{ROWS} created" in again.stdout
    assert _count(database, "customer") == ROWS and _count(database, "contact") == ROWS
    connection = sqlite3.connect(database)
    assert connection.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    connection.close()

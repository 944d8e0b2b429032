"""A real `tierbot import` killed with SIGKILL in the middle: nothing half-imported, and running it
again imports everything; a real `tierbot run` killed in the middle of an import from chat: the
preview's ✅ imports it after the restart. (The kill in the middle of a dispatch is in tests/e2e/test_reminders_e2e.py.)"""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.local_api import LOCAL_TOKEN, LocalBotAPI, user
from core import accounts
from core.db import open_database
from tests.e2e.conftest import TIERBOT
from tests.e2e.test_cli import _post, _wait_for

pytestmark = pytest.mark.processes  # starts the tierbot program: left out of `make test-fast`

ROWS = 15_000


def _mid_way(text: str) -> bool:
    return "Importing" in text and "%" in text and "(0%)" not in text and "100%" not in text


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
    process = subprocess.Popen(
        [TIERBOT, "import", "customers", str(big)], env=cli_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
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
    again = subprocess.run(
        [TIERBOT, "import", "customers", str(big)], env=cli_env, capture_output=True, text=True, timeout=600
    )
    assert again.returncode == 0, again.stderr
    assert f"{ROWS} created" in again.stdout
    assert _count(database, "customer") == ROWS and _count(database, "contact") == ROWS
    connection = sqlite3.connect(database)
    assert connection.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    connection.close()


def test_sigkill_during_a_chat_import_leaves_the_preview_button_to_retry(
    tmp_path: Path, cli_env: dict[str, str], served_api: tuple[LocalBotAPI, str]
) -> None:
    """Issue 12 §9: a real `tierbot run` killed while it writes an import from chat. The preview
    keeps ✅ until the import has committed, so after the restart the same button imports it all."""
    api, url = served_api
    env = {**cli_env, "TELEGRAM_BOT_TOKEN": LOCAL_TOKEN, "TIERBOT_TELEGRAM_API_URL": url}
    database = Path(env["TIERBOT_DATABASE_URL"].removeprefix("sqlite:///"))
    db = open_database(env["TIERBOT_DATABASE_URL"])
    with db.session() as session:
        accounts.add_user(
            session, telegram_id=42, name="Emma", role="rep", team="East", now=datetime.now(UTC), language="en"
        )
    db.dispose()
    rep = user(42, "Emma")
    lines = ["external_id,name,stage,contact_name,contact_phone"]
    lines += [f"X{n},Customer {n},active,Contact {n},138{n:08d}" for n in range(ROWS)]
    content = ("\n".join(lines) + "\n").encode()

    def start() -> subprocess.Popen:
        return subprocess.Popen([TIERBOT, "run"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    process = start()
    try:
        _post(url, api.document(rep, "accounts.csv", content))
        _wait_for(url, lambda rows: any(r["reply_markup"] for r in rows if r["chat_id"] == 42), seconds=120)
        [preview] = [s for s in api.sent_to(42) if s.buttons]
        assert f"{ROWS:,} ready" in preview.text
        confirm = preview.buttons[0][1]
        _post(url, api.press(rep, preview, confirm))
        deadline = time.monotonic() + 120
        # mid-way: the progress message shows rows written (10%, 20% …) by the import's
        # transaction, which has not committed (another connection still sees no customer)
        while not (any(_mid_way(s.text) for s in api.sent_to(42)) and _count(database, "customer") == 0):
            assert process.poll() is None, "the bot died on its own"
            assert time.monotonic() < deadline, "the import never started writing"
            assert not any("Import done" in s.text for s in api.sent_to(42)), "the import finished before the kill"
            time.sleep(0.02)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    assert _count(database, "customer") == 0
    assert api.messages[(preview.chat_id, preview.message_id)].buttons, "the preview lost its ✅ before the commit"
    [progress] = [s for s in api.sent_to(42) if _mid_way(s.text)]
    process = start()
    try:
        # at start, the progress message stuck at some percent says the import did not finish
        _wait_for(url, lambda rows: "did not finish" in progress.text)
        assert "nothing was imported" in progress.text
        _post(url, api.press(rep, preview, confirm))
        _wait_for(url, lambda rows: any("Import done" in r["text"] for r in rows if r["chat_id"] == 42), seconds=300)
        assert _count(database, "customer") == ROWS
        assert api.messages[(preview.chat_id, preview.message_id)].buttons == []  # committed: the buttons go
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(60)

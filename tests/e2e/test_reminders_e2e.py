"""Scheduled messages with real processes: the console's digest at 09:00, `tierbot jobs run`,
and a `tierbot run` killed with SIGKILL in the middle of a dispatch."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.local_api import LOCAL_TOKEN, LocalBotAPI
from core import accounts
from core.chat import outbox
from core.chat.messages import OutboxMessage
from core.db import Database, open_database
from tests.e2e.conftest import TIERBOT
from tests.waiting import wait_until as _wait

pytestmark = pytest.mark.processes  # starts the tierbot program: left out of `make test-fast`


def test_console_shows_the_digest_when_the_clock_reaches_nine(tmp_path: Path, cli_env: dict[str, str]) -> None:
    script = ":at 2026-12-01 08:55\n:advance 10m\n"
    result = subprocess.run(
        [TIERBOT, "console", "--db", str(tmp_path / "demo.db")],
        input=script,
        capture_output=True,
        text=True,
        env=cli_env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    before, _, after = result.stdout.partition(":advance 10m")
    assert "早上好" in after  # the demo rep's digest, in Chinese
    assert "🕘 2026-12-01 09:05" in after


def test_jobs_run_dry_run_prints_each_message_and_records_nothing(tmp_path: Path, cli_env: dict[str, str]) -> None:
    db_url = cli_env["TIERBOT_DATABASE_URL"]
    db = open_database(db_url)
    with db.session() as session:
        rep = accounts.add_user(session, telegram_id=4242, name="Li", role="rep", now=datetime(2026, 11, 1, tzinfo=UTC))
        session.execute(
            text(
                "INSERT INTO customer (name, owner_id, stage, region, tags, attributes, added_at, archived)"
                " VALUES ('Acme', :owner, 'active', 'CN', '[]', '{}', '2025-01-01 00:00:00', false)"
            ),
            {"owner": rep.id},
        )
    db.dispose()
    dry = subprocess.run(
        [TIERBOT, "jobs", "run", "digest", "--at", "2026-11-24T09:30", "--dry-run"],
        capture_output=True,
        text=True,
        env=cli_env,
        timeout=120,
    )
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("to 4242 (Li) · digest · digest:1:2026-11-24\n")
    assert "Acme" in dry.stdout and "1 message(s) planned" in dry.stdout
    engine = create_engine(db_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM notification")).scalar() == 0
    real = subprocess.run(
        [TIERBOT, "jobs", "run", "digest", "--at", "2026-11-24T09:30"],
        capture_output=True,
        text=True,
        env=cli_env,
        timeout=120,
    )
    assert "1 new in the outbox" in real.stdout
    again = subprocess.run(
        [TIERBOT, "jobs", "run", "digest", "--at", "2026-11-24T09:45"],
        capture_output=True,
        text=True,
        env=cli_env,
        timeout=120,
    )
    assert "0 planned" in again.stdout  # already sent today: nothing twice
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM notification")).scalar() == 1
    engine.dispose()


MESSAGES = 150


def test_sigkill_during_dispatch_loses_nothing_and_repeats_at_most_the_in_flight_message(
    served_api: tuple[LocalBotAPI, str], cli_env: dict[str, str]
) -> None:
    api, url = served_api
    env = {
        **cli_env,
        "TELEGRAM_BOT_TOKEN": LOCAL_TOKEN,
        "TIERBOT_TELEGRAM_API_URL": url,
        "TIERBOT_SEND_RATE": "30",
        "TIERBOT_QUIET_HOURS": "off",
        "TIERBOT_OUTBOX_LEASE_SECONDS": "5",
    }
    db = open_database(env["TIERBOT_DATABASE_URL"])
    now = datetime.now(UTC)
    with db.session() as session:
        rep = accounts.add_user(session, telegram_id=777, name="Li", role="rep", now=now)
        for n in range(MESSAGES):
            outbox.enqueue(
                session,
                recipient_id=rep.id,
                kind="test",
                dedupe_key=f"kill:{n}",
                now=now,
                message=OutboxMessage("reminders/followup", {"name": f"K{n:03d}", "text": "x", "due": ""}),
            )
    first = subprocess.Popen([TIERBOT, "run"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(lambda: 20 <= len(_sent(url)), 60)  # mid-dispatch
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    killed_at = len(_sent(url))
    assert killed_at < MESSAGES
    second = subprocess.Popen([TIERBOT, "run"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Every key seen is not enough: the message in flight at the kill may already be delivered while
        # its row stays leased to the dead sender; the second sender takes it again when the lease ends.
        _wait(lambda: len({_key(t) for t in _sent(url)}) >= MESSAGES and _pending(db) == 0, 120)
        time.sleep(1)
    finally:
        second.send_signal(signal.SIGINT)
        second.wait(30)
    counts = Counter(_key(t) for t in _sent(url))
    assert set(counts) == {f"K{n:03d}" for n in range(MESSAGES)}  # every message delivered
    assert sum(c - 1 for c in counts.values()) <= 1  # at most the one in flight at the kill, twice
    with db.session() as session:
        statuses = Counter(row[0] for row in session.execute(text("SELECT status FROM notification")))
    db.dispose()
    assert statuses == {"sent": MESSAGES}


def _pending(db: Database) -> int:
    with db.session() as session:
        return session.execute(text("SELECT count(*) FROM notification WHERE status = 'pending'")).scalar_one()


def _sent(url: str) -> list[str]:
    rows = json.loads(urllib.request.urlopen(f"{url}/_local/sent", timeout=10).read())
    return [r["text"] for r in rows if r["chat_id"] == 777]


def _key(message: str) -> str:
    return next(word for word in message.replace("<b>", " ").replace("</b>", " ").split() if word.startswith("K"))

"""Bot API failures over real HTTP, against the stand-in served on loopback: 500, 502, 429 with
retry_after, a malformed (non-JSON) answer, a timeout, and refused connections while the server
is down — for the outbox sender in this process, and for a real `tierbot run` process polling."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import subprocess
import threading
import time
import urllib.request
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from telegram.request import HTTPXRequest

from bot import jobs
from bot.app import build_application, services_for
from bot.local_api import LOCAL_TOKEN, Fault, LocalBotAPI, serve, user
from core import accounts
from core.chat import outbox
from core.chat.messages import OutboxMessage
from core.clock import ManualClock
from core.db import Database
from core.models import Notification
from core.settings import load_settings
from tests.conftest import TEST_START
from tests.e2e.conftest import TIERBOT
from tests.waiting import wait_until as _wait


class Server:
    """The stand-in on a fixed loopback port, which a test can stop (connections refused) and
    start again."""

    def __init__(self, api: LocalBotAPI) -> None:
        self.api, self.port = api, 0
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.runner: Any = None

    def start(self) -> str:
        self.runner, self.port = asyncio.run_coroutine_threadsafe(
            serve(self.api, "127.0.0.1", self.port), self.loop
        ).result(10)
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)

    def close(self) -> None:
        self.stop()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def _key(text: str) -> str:
    return re.search(r"K\d", text).group()  # type: ignore[union-attr]


async def test_outbox_over_http_loses_nothing_through_errors_timeouts_and_outages(sqlite_db: Database) -> None:
    api = LocalBotAPI()
    server = Server(api)
    url = server.start()
    clock = ManualClock(TEST_START)
    settings = load_settings(_env_file=None, telegram_bot_token=LOCAL_TOKEN, telegram_api_url=url)
    request = HTTPXRequest(read_timeout=0.5, connect_timeout=0.5, write_timeout=0.5)
    app = build_application(services_for(settings, sqlite_db, clock), request, token=LOCAL_TOKEN)
    await app.initialize()
    try:
        with sqlite_db.session() as session:
            rep = accounts.add_user(session, telegram_id=777, name="Li", role="rep", now=clock.now())
            for n in range(6):
                outbox.enqueue(
                    session,
                    recipient_id=rep.id,
                    kind="test",
                    dedupe_key=f"h:{n}",
                    now=clock.now(),
                    message=OutboxMessage("reminders/followup", {"name": f"K{n}", "text": "x", "due": ""}),
                )
        api.faults += [
            Fault("sendMessage", 500, "Internal Server Error"),
            Fault("sendMessage", 502, "Bad Gateway"),
            Fault("sendMessage", 200, "", body="{not json"),
            Fault("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1),
            Fault("sendMessage", 200, "", delay=1.5),
        ]  # delivered, but the answer comes too late
        await jobs.send_outbox(app, clock.now())  # K0 500, K1 502, K2 malformed, K3 429: stop for now
        assert api.sent_to(777) == []
        clock.advance(timedelta(minutes=2))
        await jobs.send_outbox(app, clock.now())  # K0 times out (yet arrives); the rest goes out
        server.stop()  # the Bot API is unreachable: connections refused
        clock.advance(timedelta(minutes=5))
        await jobs.send_outbox(app, clock.now())  # K0's retry fails to connect; nothing is lost
        with sqlite_db.session() as session:
            pending = session.exec(select(Notification).where(Notification.status == "pending")).all()
        assert [(n.dedupe_key, n.attempts) for n in pending] == [("h:0", 3)]
        assert "NetworkError" in pending[0].last_error or "TimedOut" in pending[0].last_error
        server.start()  # back, on the same port
        clock.advance(timedelta(minutes=10))
        await jobs.send_outbox(app, clock.now())
        counts = Counter(_key(s.text) for s in api.sent_to(777))
        assert set(counts) == {f"K{n}" for n in range(6)}  # every message delivered
        assert {k: c for k, c in counts.items() if c > 1} == {"K0": 2}  # only the timed-out one, twice
        with sqlite_db.session() as session:
            assert {n.status for n in session.exec(select(Notification)).all()} == {"sent"}
    finally:
        await app.shutdown()
        server.close()


def _post(url: str, update: dict) -> None:
    request = urllib.request.Request(
        f"{url}/_local/updates",
        data=json.dumps(update).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=10).read()


@pytest.mark.processes  # starts `tierbot run`
def test_a_running_bot_rides_out_api_errors_and_an_outage(cli_env: dict[str, str], tmp_path: Path) -> None:
    api = LocalBotAPI()
    server = Server(api)
    url = server.start()
    env = {**cli_env, "TELEGRAM_BOT_TOKEN": LOCAL_TOKEN, "TIERBOT_TELEGRAM_API_URL": url}
    assert (
        subprocess.run(
            [TIERBOT, "admin", "add", "--telegram-id", "42", "--name", "Boss"],
            env=env,
            capture_output=True,
            timeout=120,
        ).returncode
        == 0
    )
    log = (tmp_path / "bot.log").open("w+")
    process = subprocess.Popen([TIERBOT, "run"], env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    boss = user(42, "Boss")
    try:
        _wait(lambda: any(name == "getUpdates" for name, _ in api.calls), 60)
        api.faults += [
            Fault("getUpdates", 500, "Internal Server Error"),
            Fault("getUpdates", 502, "Bad Gateway"),
            Fault("getUpdates", 200, "", body="<html>oops</html>"),
            Fault("getUpdates", 429, "Too Many Requests: retry after 1", retry_after=1),
        ]
        _post(url, api.message(boss, "/help"))  # fetched once the faults are used up
        _wait(lambda: any(s.chat_id == 42 for s in api.outgoing), 90)
        server.stop()  # refused connections for a while
        time.sleep(3)
        assert process.poll() is None  # still running
        server.start()
        before = len(api.sent_to(42))
        _post(url, api.message(boss, "/today"))
        _wait(lambda: len(api.sent_to(42)) > before, 90)
        assert process.poll() is None
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)
        server.close()
    log.seek(0)
    output = log.read()
    assert process.returncode == 0, output
    assert re.search(r"update id=\d+ user=42 handler=help\.show action=- ms=[\d.]+ outcome=ok", output)
    assert "handler=agenda.today" in output
    # each problem is one line in the log, no traceback
    for problem in (
        "NetworkError: Internal Server Error",
        "NetworkError: Bad Gateway",
        "Invalid server response",
        "ConnectError",
    ):
        assert "WARNING tierbot.errors: Bot API: " in output and problem in output
    assert "ERROR tierbot" not in output  # (python-telegram-bot itself logs the bad JSON with a trace)

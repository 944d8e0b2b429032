"""Production mode with real processes: `tierbot run --webhook` (secret, health check), several
workers on one PostgreSQL (shared updates, one leader, exactly-once outbox, takeover after
kill -9), and one bot per SQLite file."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, text

from bot.local_api import LOCAL_TOKEN, LocalBotAPI, user
from core import accounts
from core.chat import outbox
from core.chat.messages import OutboxMessage
from core.db import open_database
from core.settings import normalise_database_url
from tests.e2e.conftest import TIERBOT
from tests.waiting import wait_until as _wait

pytestmark = pytest.mark.processes  # starts the tierbot program: left out of `make test-fast`

SECRET = "e2e-webhook-secret_0123456789"
REP = 777


@pytest.fixture
def pg_url(postgres_fresh_url: str) -> str:
    return postgres_fresh_url


@pytest.fixture
def workers(processes: list[subprocess.Popen]) -> list[subprocess.Popen]:
    return processes


def _env(cli_env: dict[str, str], api_url: str, database_url: str | None = None, **extra: str) -> dict[str, str]:
    env = {
        **cli_env,
        "TELEGRAM_BOT_TOKEN": LOCAL_TOKEN,
        "TIERBOT_TELEGRAM_API_URL": api_url,
        "TIERBOT_WEBHOOK_SECRET": SECRET,
        "TIERBOT_QUIET_HOURS": "off",
        "TIERBOT_LEADER_CHECK_SECONDS": "1",
        "TIERBOT_OUTBOX_LEASE_SECONDS": "5",
        **extra,
    }
    if database_url:
        env["TIERBOT_DATABASE_URL"] = database_url
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_webhook(env: dict[str, str], log: Path, workers: list[subprocess.Popen]) -> str:
    """A `tierbot run --webhook` on a free loopback port; returns its base URL once healthy."""
    port = _free_port()
    process = subprocess.Popen(
        [
            TIERBOT,
            "run",
            "--webhook",
            "--listen",
            f"127.0.0.1:{port}",
            "--public-url",
            "https://bot.example.com/tg/hook",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    workers.append(process)
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        assert process.poll() is None, log.read_text()
        return _get(f"{base}/healthz")[0] == 200

    _wait(healthy, 60)
    return base


def _post(url: str, body: bytes, secret: str | None = SECRET) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")
    except OSError:
        return 0, None


def _rep_with_customer(database_url: str) -> None:
    db = open_database(database_url)
    with db.session() as session:
        rep = accounts.add_user(session, telegram_id=REP, name="Emma", role="rep", language="en", now=datetime.now(UTC))
        session.execute(
            text(
                "INSERT INTO customer (name, owner_id, stage, region, tags, attributes, added_at, archived)"
                " VALUES ('Acme', :owner, 'active', 'CN', '[]', '{}', '2025-01-01 00:00:00', false)"
            ),
            {"owner": rep.id},
        )
    db.dispose()


def _queue(database_url: str, count: int, prefix: str) -> None:
    db = open_database(database_url)
    now = datetime.now(UTC)
    with db.session() as session:
        rep = accounts.find_by_telegram_id(session, REP)
        assert rep is not None
        recipient = rep.id
        for n in range(count):
            outbox.enqueue(
                session,
                recipient_id=recipient,
                kind="test",
                dedupe_key=f"{prefix}:{n}",
                now=now,
                message=OutboxMessage("reminders/followup", {"name": f"{prefix}{n:03d}", "text": "x", "due": ""}),
            )
    db.dispose()


def _statuses(database_url: str, prefix: str) -> Counter[str]:
    engine = create_engine(normalise_database_url(database_url))
    with engine.connect() as connection:
        statuses = Counter(
            row[0]
            for row in connection.execute(
                text("SELECT status FROM notification WHERE dedupe_key LIKE :p"), {"p": f"{prefix}:%"}
            )
        )
    engine.dispose()
    return statuses


def _delivered(api: LocalBotAPI, prefix: str) -> Counter[str]:
    words = (
        w for s in api.outgoing if s.chat_id == REP for w in s.text.replace("<b>", " ").replace("</b>", " ").split()
    )
    return Counter(w for w in words if w.startswith(prefix) and w[len(prefix) :].isdigit())


# --- webhook ------------------------------------------------------------------------------------


def test_webhook_checks_the_secret_and_queues_only_authentic_updates(
    served_api: tuple[LocalBotAPI, str], cli_env: dict[str, str], workers: list[subprocess.Popen], tmp_path: Path
) -> None:
    api, api_url = served_api
    env = _env(cli_env, api_url)
    _rep_with_customer(env["TIERBOT_DATABASE_URL"])
    base = _start_webhook(env, tmp_path / "bot.log", workers)
    assert api.webhook is not None
    assert (api.webhook["url"], api.webhook["secret_token"]) == ("https://bot.example.com/tg/hook", SECRET)
    hook = f"{base}/tg/hook"
    me = user(REP, "Emma")

    def update(text_: str) -> bytes:
        return json.dumps(api.message(me, text_)).encode()

    assert _post(hook, update("/today"), secret=None)[0] == 403
    assert _post(hook, update("/today"), secret="e2e-webhook-secret_0123456788")[0] == 403
    assert _post(hook, update("/today"), secret=SECRET[:-1])[0] == 403
    assert _post(hook, b"{not json", secret=SECRET)[0] == 400
    assert _post(hook, b"[1, 2]", secret=SECRET)[0] == 400
    assert _post(hook, b'{"update_id": 1, "message": ' + b" " * (1024 * 1024) + b"{}}", secret=SECRET)[0] == 413
    assert _post(f"{base}/elsewhere", update("/today"))[0] == 404
    status, body = _post(hook, update("/help"))
    assert (status, body) == (200, {"ok": True})
    # Updates of one chat are handled in order, so once /help is answered every update queued
    # before it has been handled too: the refused /today never reached the bot.
    _wait(lambda: bool(api.sent_to(REP)), 30)
    time.sleep(0.5)
    [answer] = api.sent_to(REP)
    assert "/today" in answer.text and "/find" in answer.text  # the help text
    assert _get(f"{base}/healthz") == (200, {"ok": True, "leader": True})

    workers[0].send_signal(signal.SIGTERM)  # a clean stop: the webhook is left for the other workers
    assert workers[0].wait(30) == 0
    assert api.webhook is not None


def test_webhook_needs_a_good_secret_and_a_public_url(
    served_api: tuple[LocalBotAPI, str], cli_env: dict[str, str]
) -> None:
    _, api_url = served_api
    cases = [
        ({"TIERBOT_WEBHOOK_SECRET": ""}, ["--public-url", "https://x.example/t"], "TIERBOT_WEBHOOK_SECRET is not set"),
        (
            {"TIERBOT_WEBHOOK_SECRET": "short"},
            ["--public-url", "https://x.example/t"],
            "TIERBOT_WEBHOOK_SECRET: use 16",
        ),
        (
            {"TIERBOT_WEBHOOK_SECRET": "has spaces in it 0123456"},
            ["--public-url", "https://x.example/t"],
            "TIERBOT_WEBHOOK_SECRET: use 16",
        ),
        ({}, [], "--public-url is required"),
        ({}, ["--public-url", "https://x.example/t", "--listen", "nowhere"], "--listen:"),
    ]
    for extra, args, message in cases:
        result = subprocess.run(
            [TIERBOT, "run", "--webhook", *args],
            env=_env(cli_env, api_url, **extra),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2 and message in result.stderr, (extra, args, result.stderr)
        assert "Traceback" not in result.stderr


def test_healthz_answers_503_while_the_database_is_away(
    served_api: tuple[LocalBotAPI, str],
    cli_env: dict[str, str],
    workers: list[subprocess.Popen],
    pg_url: str,
    tmp_path: Path,
) -> None:
    _, api_url = served_api
    base = _start_webhook(_env(cli_env, api_url, pg_url), tmp_path / "bot.log", workers)
    assert _get(f"{base}/healthz")[0] == 200
    name = make_url(pg_url).database
    admin = create_engine(normalise_database_url(pg_url).rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:  # the database refuses connections, and drops the open ones
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
            )
        assert _get(f"{base}/healthz") == (503, {"ok": False, "leader": False})
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()
    _wait(lambda: _get(f"{base}/healthz")[0] == 200, 30)  # back without a restart
    assert workers[0].poll() is None


# --- several workers on PostgreSQL ------------------------------------------------------------


def test_two_workers_share_updates_and_send_each_outbox_row_once(
    served_api: tuple[LocalBotAPI, str],
    cli_env: dict[str, str],
    workers: list[subprocess.Popen],
    pg_url: str,
    tmp_path: Path,
) -> None:
    api, api_url = served_api
    env = _env(cli_env, api_url, pg_url)
    _rep_with_customer(pg_url)
    first = _start_webhook(env, tmp_path / "a.log", workers)
    second = _start_webhook(env, tmp_path / "b.log", workers)
    _wait(lambda: sum(_get(f"{b}/healthz")[1]["leader"] for b in (first, second)) == 1, 30)
    me = user(REP, "Emma")

    # a card written on one worker, its ✅ pressed on the other: the draft lives in the database
    assert _post(f"{first}/tg/hook", json.dumps(api.message(me, "Called Acme about the quote")).encode())[0] == 200
    _wait(lambda: any(s.buttons for s in api.sent_to(REP)), 30)
    card = next(s for s in api.sent_to(REP) if s.buttons)
    save = next(data for label, data in card.buttons if "Save" in label)
    assert _post(f"{second}/tg/hook", json.dumps(api.press(me, card, save)).encode())[0] == 200
    _wait(lambda: "Logged" in api.messages[(REP, card.message_id)].text, 30)
    engine = create_engine(normalise_database_url(pg_url))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM interaction")).scalar() == 1
    engine.dispose()

    _queue(pg_url, 60, "W")
    _wait(lambda: _statuses(pg_url, "W") == Counter({"sent": 60}), 90)
    time.sleep(1)
    assert _delivered(api, "W") == Counter({f"W{n:03d}": 1 for n in range(60)})  # each exactly once


def test_when_the_leader_is_killed_the_other_worker_takes_over_and_delivers_the_rest(
    served_api: tuple[LocalBotAPI, str],
    cli_env: dict[str, str],
    workers: list[subprocess.Popen],
    pg_url: str,
    tmp_path: Path,
) -> None:
    api, api_url = served_api
    env = _env(cli_env, api_url, pg_url, TIERBOT_SEND_RATE="10")
    _rep_with_customer(pg_url)
    bases = [_start_webhook(env, tmp_path / "a.log", workers), _start_webhook(env, tmp_path / "b.log", workers)]
    _wait(lambda: sum(_get(f"{b}/healthz")[1]["leader"] for b in bases) == 1, 30)
    leader = next(i for i, b in enumerate(bases) if _get(f"{b}/healthz")[1]["leader"])
    follower = bases[1 - leader]
    total = 150
    _queue(pg_url, total, "K")
    _wait(lambda: sum(_delivered(api, "K").values()) >= 20, 60)  # mid-dispatch
    os.kill(workers[leader].pid, signal.SIGKILL)
    workers[leader].wait(10)
    killed_at = sum(_delivered(api, "K").values())
    assert killed_at < total
    killed = time.monotonic()
    _wait(lambda: _get(f"{follower}/healthz")[1]["leader"], 60)
    took_over = time.monotonic() - killed
    assert took_over < 60  # TIERBOT_LEADER_CHECK_SECONDS=1 here: in practice about a second
    _wait(lambda: _statuses(pg_url, "K") == Counter({"sent": total}), 120)
    counts = _delivered(api, "K")
    assert set(counts) == {f"K{n:03d}" for n in range(total)}  # nothing lost
    assert sum(c - 1 for c in counts.values()) <= 1  # at most the message in flight at the kill, twice
    print(
        f"takeover after {took_over:.1f} s; all {total} delivered {time.monotonic() - killed:.1f} s after the kill; "
        f"{sum(c - 1 for c in counts.values())} twice"
    )  # figures for the README (pytest -s)


# --- one bot per SQLite file ------------------------------------------------------------------


def test_a_second_run_on_the_same_sqlite_file_refuses_while_cli_commands_work(
    served_api: tuple[LocalBotAPI, str], cli_env: dict[str, str], workers: list[subprocess.Popen], tmp_path: Path
) -> None:
    api, api_url = served_api
    env = _env(cli_env, api_url)
    first = subprocess.Popen([TIERBOT, "run"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers.append(first)
    _wait(lambda: any(name.lower() == "getupdates" for name, _ in api.calls), 60)  # it is polling

    second = subprocess.run([TIERBOT, "run"], env=env, capture_output=True, text=True, timeout=60)
    assert second.returncode == 2
    assert f"another `tierbot run` (pid {first.pid}) is already using" in second.stderr
    assert "Traceback" not in second.stderr
    invite = subprocess.run([TIERBOT, "invite", "--role", "rep"], env=env, capture_output=True, text=True, timeout=60)
    assert invite.returncode == 0 and "https://t.me/" in invite.stdout, invite.stderr

    os.kill(first.pid, signal.SIGKILL)  # the OS drops the lock with the process
    first.wait(10)
    polls = sum(1 for name, _ in api.calls if name.lower() == "getupdates")
    third = subprocess.Popen([TIERBOT, "run"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    workers.append(third)
    _wait(lambda: sum(1 for name, _ in api.calls if name.lower() == "getupdates") > polls, 60)
    assert third.poll() is None
    third.send_signal(signal.SIGINT)
    assert third.wait(30) == 0

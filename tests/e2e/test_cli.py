"""The `tierbot` command line: clear one-line errors, invites, admins, and a real `tierbot run`
long-polling the Bot API stand-in over HTTP."""

from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.request

import pytest

from bot.local_api import LOCAL_TOKEN, LocalBotAPI, user
from tests.e2e.conftest import TIERBOT

pytestmark = pytest.mark.processes  # starts the tierbot program: left out of `make test-fast`


def _run(args: list[str], env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TIERBOT, *args], capture_output=True, text=True, env=env, timeout=timeout)


def test_run_without_token_names_the_variable_and_the_demo(cli_env: dict[str, str]) -> None:
    result = _run(["run"], cli_env)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "TELEGRAM_BOT_TOKEN" in result.stderr and "make demo" in result.stderr


def test_bad_settings_stop_with_one_line(cli_env: dict[str, str]) -> None:
    for name, value, needle in (
        ("TIERBOT_DATABASE_URL", "mysql://nope", "TIERBOT_DATABASE_URL"),
        ("TELEGRAM_BOT_TOKEN", "not-a-token", "malformed token"),
        ("TIERBOT_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none", "cannot open"),
    ):
        result = _run(["db", "upgrade"], {**cli_env, name: value})
        assert result.returncode == 2, result.stderr
        assert needle in result.stderr and "Traceback" not in result.stderr
        assert result.stderr.strip().count("\n") == 0


def test_invite_and_admin_add(cli_env: dict[str, str]) -> None:
    env = {**cli_env, "TIERBOT_BOT_USERNAME": "acme_tier_bot"}
    result = _run(["invite", "--role", "rep", "--team", "East"], env)
    assert result.returncode == 0, result.stderr
    link = result.stdout.splitlines()[0]
    assert link.startswith("https://t.me/acme_tier_bot?start=")
    code = link.split("=", 1)[1]
    assert 20 <= len(code) <= 64 and all(c.isalnum() or c in "-_" for c in code)
    result = _run(["admin", "add", "--telegram-id", "42", "--name", "Boss"], env)
    assert result.returncode == 0 and "Boss" in result.stdout
    assert _run(["invite", "--role", "rep"], {**cli_env}).stdout.startswith("/start ")


def test_real_run_polls_the_stand_in_over_http(served_api: tuple[LocalBotAPI, str], cli_env: dict[str, str]) -> None:
    api, url = served_api
    env = {**cli_env, "TELEGRAM_BOT_TOKEN": LOCAL_TOKEN, "TIERBOT_TELEGRAM_API_URL": url}
    assert _run(["admin", "add", "--telegram-id", "42", "--name", "Boss"], env).returncode == 0
    process = subprocess.Popen([TIERBOT, "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        boss, stranger = user(42, "Boss"), user(43, "Eve")
        _post(url, api.message(boss, "/help"))
        _post(url, api.message(stranger, "/help"))
        sent = _wait_for(url, lambda rows: {42, 43} <= {r["chat_id"] for r in rows})
        by_chat = {r["chat_id"]: r["text"] for r in sent}
        assert "help" in by_chat[42] and "administrator" in by_chat[42]
        assert "invite" in by_chat[43]
        assert "" in api.commands and "zh" in api.commands  # setMyCommands in both languages
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "Traceback" not in output


def _post(url: str, update: dict) -> None:
    request = urllib.request.Request(
        f"{url}/_local/updates",
        data=json.dumps(update).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=10).read()


def _wait_for(url: str, done, seconds: float = 60) -> list[dict]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        rows = json.loads(urllib.request.urlopen(f"{url}/_local/sent", timeout=10).read())
        if done(rows):
            return rows
        time.sleep(0.2)
    raise AssertionError(f"the bot did not answer in {seconds}s")

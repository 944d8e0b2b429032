"""Issue 12 §2: a real `tierbot run` killed with SIGKILL 0, 20, 80 and 250 ms after a rep taps ✅
on a log card, on SQLite and PostgreSQL. After the restart the log exists exactly once after at
most one more tap: either the kill came before the save's commit and ✅ still saves (the key's
claim was in the same transaction), or it came after and ✅ answers "already done" without a
second log. Telegram delivers a press again when the bot died before confirming it, as the
stand-in does; that redelivery may save it too — never twice."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.local_api import LOCAL_TOKEN, LocalBotAPI, Sent, user
from core import accounts
from core.db import open_database
from core.models import Customer
from core.settings import normalise_database_url
from tests.e2e.conftest import TIERBOT
from tests.e2e.test_cli import _post
from tests.waiting import wait_until

pytestmark = pytest.mark.processes  # starts the tierbot program: left out of `make test-fast`

REP = 4242
DELAYS_MS = (0, 20, 80, 250)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'kill.db'}"
    return request.getfixturevalue("postgres_fresh_url")


@pytest.fixture
def bots(processes: list[subprocess.Popen]) -> list[subprocess.Popen]:
    return processes


def _interactions(database_url: str) -> int:
    engine = create_engine(normalise_database_url(database_url))
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM interaction")).scalar_one()
    finally:
        engine.dispose()


def _start(env: dict[str, str], api: LocalBotAPI, bots: list[subprocess.Popen], log: Path) -> subprocess.Popen:
    calls = len(api.calls)
    process = subprocess.Popen([TIERBOT, "run"], env=env, stdout=subprocess.DEVNULL, stderr=log.open("a"))
    bots.append(process)
    wait_until(lambda: any(name.lower() == "getupdates" for name, _ in api.calls[calls:]), 120)  # it polls
    return process


def _settled(url: str, api: LocalBotAPI, rep: dict) -> None:
    """Wait until the bot has handled every update of the rep's chat queued so far: a chat's
    updates are handled one at a time, in order, so the answer to a /help sent now comes after
    whatever a redelivered press did."""
    before = len(api.sent_to(REP))
    _post(url, api.message(rep, "/help"))
    wait_until(lambda: len(api.sent_to(REP)) > before, 120)


def _tap(url: str, api: LocalBotAPI, rep: dict, card: Sent, data: str) -> str | None:
    """Press `data` on `card` and wait for Telegram's answer to that press (its notice text)."""
    press = api.press(rep, card, data)
    _post(url, press)
    query_id = press["callback_query"]["id"]
    wait_until(lambda: any(a.get("callback_query_id") == query_id for a in api.callback_answers), 120)
    return next(a for a in api.callback_answers if a.get("callback_query_id") == query_id).get("text")


@pytest.mark.parametrize("delay_ms", DELAYS_MS)
def test_a_tapped_save_survives_sigkill(
    delay_ms: int,
    database_url: str,
    cli_env: dict[str, str],
    served_api: tuple[LocalBotAPI, str],
    bots: list[subprocess.Popen],
    tmp_path: Path,
) -> None:
    api, url = served_api
    env = {
        **cli_env,
        "TIERBOT_DATABASE_URL": database_url,
        "TELEGRAM_BOT_TOKEN": LOCAL_TOKEN,
        "TIERBOT_TELEGRAM_API_URL": url,
        "TIERBOT_QUIET_HOURS": "off",
    }
    db = open_database(database_url)
    now = datetime.now(UTC)
    with db.session() as session:
        rep_account = accounts.add_user(
            session, telegram_id=REP, name="Emma", role="rep", team="East", now=now, language="en"
        )
        session.add(Customer(name="Acme", owner_id=rep_account.id, stage="active", added_at=now - timedelta(days=90)))
    db.dispose()
    rep = user(REP, "Emma")
    log = tmp_path / "bot.log"

    process = _start(env, api, bots, log)
    _post(url, api.message(rep, "Called Acme about the quote"))
    wait_until(lambda: any(s.buttons for s in api.sent_to(REP)), 120)
    card = next(s for s in api.sent_to(REP) if s.buttons)
    assert "Acme" in card.text
    save = next(data for label, data in card.buttons if "Save" in label)
    _post(url, api.press(rep, card, save))
    time.sleep(delay_ms / 1000)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)
    assert process.returncode == -signal.SIGKILL
    assert _interactions(database_url) <= 1

    process = _start(env, api, bots, log)
    _settled(url, api, rep)  # a press the killed process had not confirmed is delivered again
    saved_before = _interactions(database_url)
    assert saved_before in (0, 1)
    notice = _tap(url, api, rep, card, save)  # the one more tap
    assert _interactions(database_url) == 1  # exactly once, whichever side of the commit the kill fell
    if saved_before == 1:
        assert notice == "Already done ✓"
    else:
        assert notice is None  # it saved now: the card says so
    assert api.messages[(REP, card.message_id)].text.startswith("✅")
    assert "Traceback" not in log.read_text()
    process.send_signal(signal.SIGINT)
    process.wait(60)

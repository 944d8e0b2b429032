"""A real `tierbot run` sent files built to hurt it (issue 12 §1, §7): a 1.5 KB XLSX whose two cells
span the whole sheet, and a 10 MB CSV of five million one-character rows. Each gets a clear answer,
the process lives on, and another user's /help is answered meanwhile."""

from __future__ import annotations

import signal
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.local_api import LOCAL_TOKEN, LocalBotAPI, user
from core import accounts
from core.db import open_database
from tests.e2e.conftest import TIERBOT
from tests.e2e.test_cli import _post, _wait_for
from tests.hostile_files import short_rows_csv, sparse_xlsx

pytestmark = pytest.mark.processes  # starts the tierbot program: left out of `make test-fast`

REP, OTHER = 42, 43


def _answers(rows: list[dict], chat_id: int) -> list[str]:
    return [r["text"] for r in rows if r["chat_id"] == chat_id]


def test_a_running_bot_answers_hostile_files_and_keeps_answering(
    served_api: tuple[LocalBotAPI, str], cli_env: dict[str, str]
) -> None:
    api, url = served_api
    env = {**cli_env, "TELEGRAM_BOT_TOKEN": LOCAL_TOKEN, "TIERBOT_TELEGRAM_API_URL": url}
    db, now = open_database(env["TIERBOT_DATABASE_URL"]), datetime.now(UTC)
    with db.session() as session:
        accounts.add_user(session, telegram_id=REP, name="Emma", role="rep", team="East", now=now, language="en")
        accounts.add_user(session, telegram_id=OTHER, name="Zoe", role="rep", team="East", now=now, language="en")
    db.dispose()
    rep, other = user(REP, "Emma"), user(OTHER, "Zoe")
    process = subprocess.Popen([TIERBOT, "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _post(url, api.document(rep, "sparse.xlsx", sparse_xlsx()))
        rows = _wait_for(url, lambda rows: any("Nothing was imported" in t for t in _answers(rows, REP)))
        [answer] = _answers(rows, REP)
        assert "XFD1048576" in answer and "200,000 rows" in answer, answer  # says what is wrong with the sheet
        _post(url, api.message(other, "/help"))
        _wait_for(url, lambda rows: len(_answers(rows, OTHER)) == 1)

        _post(url, api.document(rep, "short-rows.csv", short_rows_csv()))
        _post(url, api.message(other, "/help"))  # while the CSV is read
        rows = _wait_for(url, lambda rows: len(_answers(rows, REP)) == 2 and len(_answers(rows, OTHER)) == 2)
        answer = _answers(rows, REP)[1]
        assert "200,000" in answer and "Nothing was imported" in answer, answer
        assert process.poll() is None  # alive
        assert Path(env["TIERBOT_DATABASE_URL"].removeprefix("sqlite:///")).exists()
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert "Traceback" not in output

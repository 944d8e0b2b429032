"""`tierbot console` with piped input: the offline product as a person would use it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import TIERBOT

pytestmark = pytest.mark.processes  # starts the tierbot program: left out of `make test-fast`

SCRIPT = """/start
/help
/settings
1
2
:advance 1d
:at 2026-12-01 09:00
/nonsense
"""


def _console(tmp_path: Path, env: dict[str, str], script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TIERBOT, "console", "--db", str(tmp_path / "demo.db"), *args],
        input=script,
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )


def test_scripted_console_session(tmp_path: Path, cli_env: dict[str, str]) -> None:
    result = _console(tmp_path, cli_env, SCRIPT)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Traceback" not in out + result.stderr
    assert "李伟 Li Wei" in out and "您好" in out  # the Chinese-speaking demo rep
    assert "使用帮助" in out
    assert "[1] 🌐 语言" in out  # buttons printed with numbers
    assert "[2] English" in out  # pressing 1 opened the language choice
    assert "Saved." in out and "Language: English" in out  # pressing 2 chose English
    assert "🕘 2026-12-01 09:00" in out
    assert "/nonsense" in out and "/help lists" in out
    assert "<b>" not in out  # HTML shown readably


def test_console_as_manager_and_end_of_input(tmp_path: Path, cli_env: dict[str, str]) -> None:
    result = _console(tmp_path, cli_env, "/invite rep\n1\n", "--as", "manager")
    assert result.returncode == 0, result.stderr
    assert "王芳 Wang Fang" in result.stdout
    assert "https://t.me/tierbot_local_bot?start=" in result.stdout
    assert "邀请已作废" in result.stdout  # button 1 revoked it


def test_console_demo_book_is_seeded_once(tmp_path: Path, cli_env: dict[str, str]) -> None:
    from sqlalchemy import create_engine, text

    for _ in range(2):
        assert _console(tmp_path, cli_env, "").returncode == 0
    engine = create_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    with engine.connect() as connection:
        customers = connection.execute(text("SELECT count(*) FROM customer")).scalar()
        names = [r[0] for r in connection.execute(text("SELECT name FROM customer"))]
        roles = sorted(r[0] for r in connection.execute(text("SELECT role FROM user")))
        deals = connection.execute(text("SELECT count(*) FROM interaction WHERE kind = 'deal'")).scalar()
        value_tiers = {r[0] for r in connection.execute(text("SELECT tier FROM customer_tier WHERE model = 'value'"))}
    engine.dispose()
    assert 55 <= customers <= 65 and deals > 50
    assert "华为" in names and "Acme" in names
    assert roles == ["admin", "manager", "rep", "rep"]
    assert {"vip", "key", "regular"} <= value_tiers  # the demo book is tiered on first start


def test_console_bad_meta_commands_do_not_end_the_session(tmp_path: Path, cli_env: dict[str, str]) -> None:
    result = _console(tmp_path, cli_env, ":advance soon\n:at yesterday\n9\n/upload /no/such/file\n/help\n")
    assert result.returncode == 0
    assert result.stdout.count("⚠") >= 3 and "使用帮助" in result.stdout

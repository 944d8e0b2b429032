"""`tierbot user list|set-role|set-team|deactivate|activate`: the operator's people changes, a
readable table, and one clear line with a non-zero exit for what cannot be done."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from core import accounts
from core.db import open_database
from core.models import AuditLog, Customer, User
from tests.e2e.conftest import TIERBOT

pytestmark = pytest.mark.processes  # starts the tierbot program: left out of `make test-fast`

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TIERBOT, *args], capture_output=True, text=True, env=env, timeout=120)


def _seed(env: dict[str, str]) -> None:
    db = open_database(env["TIERBOT_DATABASE_URL"])
    with db.session() as session:
        accounts.add_user(session, telegram_id=101, name="Ada", role="admin", now=NOW)
        boss = accounts.add_user(session, telegram_id=102, name="王芳", role="manager", team="East", now=NOW)
        rep = accounts.add_user(
            session, telegram_id=103, name="李伟", role="rep", team="East", now=NOW, manager_id=boss.id
        )
        session.get(User, rep.id).username = "liwei"
        session.add_all([Customer(name=name, owner_id=rep.id, added_at=NOW) for name in ("华为", "腾讯")])
    db.dispose()


def _user(env: dict[str, str], telegram_id: int) -> User:
    db = open_database(env["TIERBOT_DATABASE_URL"], migrate=False)
    with db.session() as session:
        found = session.exec(select(User).where(User.telegram_id == telegram_id)).one()
    db.dispose()
    return found


def test_list_is_a_readable_table(cli_env: dict[str, str]) -> None:
    _seed(cli_env)
    result = _run(["user", "list"], cli_env)
    assert result.returncode == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["telegram", "id", "name", "username", "role", "team", "active", "customers", "manager"]
    li = next(row for row in rows if "李伟" in row)
    assert li.split() == ["103", "李伟", "@liwei", "rep", "East", "yes", "2", "王芳"]
    # columns line up although 李伟 is two characters of double width
    assert li.index("@liwei") - li.index("李伟") + 2 == header.index("username") - header.index("name")
    only_east = _run(["user", "list", "--team", "East"], cli_env).stdout
    assert "Ada" not in only_east and "王芳" in only_east


def test_set_role_set_team_deactivate_and_activate(cli_env: dict[str, str]) -> None:
    _seed(cli_env)
    result = _run(["user", "set-role", "@liwei", "manager"], cli_env)
    assert result.returncode == 0, result.stderr
    assert "李伟 (telegram id 103): role rep → manager" in result.stdout
    result = _run(["user", "set-team", "103", "West"], cli_env)
    assert result.returncode == 0, result.stderr
    assert "team East → West" in result.stdout and "their 2 customer(s) go along" in result.stdout
    result = _run(["user", "deactivate", "李伟"], cli_env)
    assert result.returncode == 0, result.stderr
    assert "access active → inactive" in result.stdout and "2 customer(s) wait for reassignment" in result.stdout
    li = _user(cli_env, 103)
    assert (li.role, li.active) == ("manager", False)
    assert "no" in next(row for row in _run(["user", "list"], cli_env).stdout.splitlines() if "李伟" in row).split()
    assert _run(["user", "activate", "李伟"], cli_env).returncode == 0
    assert _user(cli_env, 103).active
    db = open_database(cli_env["TIERBOT_DATABASE_URL"], migrate=False)
    with db.session() as session:
        logged = session.exec(select(AuditLog).where(AuditLog.action.like("user.%")).order_by(AuditLog.id)).all()
    db.dispose()
    assert [(a.action, a.detail["via"], a.actor_id) for a in logged] == [
        ("user.role", "cli", None),
        ("user.team", "cli", None),
        ("user.deactivate", "cli", None),
        ("user.reactivate", "cli", None),
    ]


def test_errors_are_one_clear_line(cli_env: dict[str, str]) -> None:
    _seed(cli_env)
    for args, needle in (
        (["user", "deactivate", "@nobody"], "I know nobody called “@nobody”"),
        (["user", "deactivate", "Ada"], "Ada is the last active administrator"),
        (["user", "set-role", "王芳", "manager"], "Nothing to change for 王芳"),
        (["user", "set-team", "李伟", "  "], "Name the team"),
    ):
        result = _run(args, cli_env)
        assert result.returncode == 1, (args, result.stdout, result.stderr)
        assert needle in result.stderr and result.stderr.strip().count("\n") == 0, result.stderr
        assert "Traceback" not in result.stderr
    result = _run(["user", "set-role", "李伟", "boss"], cli_env)
    assert result.returncode == 2 and "invalid choice" in result.stderr  # argparse names the choices
    assert _user(cli_env, 101).active

"""Issue 7 §6: every manager and admin action leaves an audit row naming who did it to what.

Each case does one action the way a person would (typed command, then the ✅ or the button) and
looks for the `AuditLog` row with that action, the actor's id and the target. (Oversized uploads
refused before download — the other item of §6 — are tested where uploads are handled:
tests/bot/test_import_chat.py::test_bad_files_get_a_clear_answer_and_nothing_is_imported and
tests/bot/test_policy.py::test_oversized_and_unauthorised_uploads_are_refused_before_download.)
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
from sqlmodel import select

from bot.testing import Harness
from core.models import AuditLog, Invite, PolicyVersion, Upload
from tests.security.checks import assert_no_error_logged
from tests.security.test_buttons_by_role import press_action
from tests.security.world import LOWER_THRESHOLDS, World, build

Steps = Callable[[Harness, World], Awaitable[None]]


@dataclass(frozen=True)
class Case:
    actor: str
    steps: Steps
    action: str
    target: Callable[[Harness, World], str]
    detail: dict | None = None  # keys and values the row's detail must hold


def _typed(actor: str, *texts: str, then: tuple[str, ...] = ()) -> Steps:
    async def steps(harness: Harness, world: World) -> None:
        for text in texts:
            await harness.send(world.person(actor), text)
        for action in then:
            await press_action(harness, world.person(actor), action)

    return steps


def customer(name: str) -> Callable[[Harness, World], str]:
    return lambda h, w: f"customer:{w.ids[name]}"


def user(role: str) -> Callable[[Harness, World], str]:
    return lambda h, w: f"user:{w.account(role).id}"


def _last_id(model: type) -> Callable[[Harness, World], int]:
    def last(harness: Harness, world: World) -> int:
        with harness.db.session() as session:
            return max(row.id for row in session.exec(select(model)).all())

    return last


async def _policy_upload(harness: Harness, world: World) -> None:
    manager = world.person("manager")
    await harness.upload(manager, "lower.toml", LOWER_THRESHOLDS.encode())
    await press_action(harness, manager, "policy.apply")


async def _policy_restore(harness: Harness, world: World) -> None:
    await _policy_upload(harness, world)
    admin = world.person("admin")
    await harness.send(admin, "/policy")
    await press_action(harness, admin, "policy.versions")
    await harness.press(admin, "shipped default")
    await press_action(harness, admin, "policy.apply")


async def _import(harness: Harness, world: World) -> None:
    manager = world.person("manager")
    await harness.upload(manager, "team.csv", b"Account Name,Owner\nNewco,Li Wei\n")
    await press_action(harness, manager, "import.confirm")


async def _revoke(harness: Harness, world: World) -> None:
    await harness.send(world.person("manager"), "/invite rep")
    await press_action(harness, world.person("manager"), "invite.revoke")


CASES: dict[str, Case] = {
    "reassign": Case(
        "manager",
        _typed("manager", "/team reassign Aurora @Emma", then=("team.confirm",)),
        "team.reassign",
        user("emma"),
        {"customers": 1},
    ),
    "reassign (each customer)": Case(
        "manager",
        _typed("manager", "/team reassign Aurora @Emma", then=("team.confirm",)),
        "customer.owner",
        customer("aurora"),
    ),
    "archive": Case(
        "manager",
        _typed("manager", "/team archive Aurora", then=("team.confirm",)),
        "customer.archive",
        customer("aurora"),
    ),
    "unarchive": Case(
        "other_manager", _typed("other_manager", "/team unarchive Echo"), "customer.unarchive", customer("echo")
    ),
    "merge": Case(
        "manager",
        _typed("manager", "/team merge Aurora | Borealis", then=("team.confirm",)),
        "customer.merge",
        customer("aurora"),
    ),
    "account manager": Case(
        "other_manager",
        _typed("other_manager", "/team am Cobalt @Xena"),
        "customer.account_manager",
        customer("cobalt"),
    ),
    "deactivate": Case(
        "manager", _typed("manager", "/team deactivate @Emma", then=("team.confirm",)), "user.deactivate", user("emma")
    ),
    "reactivate": Case(
        "other_manager", _typed("other_manager", "/team activate @Yuri"), "user.reactivate", user("yuri")
    ),
    "role change": Case(
        "admin",
        _typed("admin", "/team role @Emma manager", then=("team.confirm",)),
        "user.role",
        user("emma"),
        {"old": "rep", "new": "manager"},
    ),
    "move team": Case(
        "admin",
        _typed("admin", "/team move @Emma West", then=("team.confirm",)),
        "user.team",
        user("emma"),
        {"old": "East", "new": "West"},
    ),
    "override pin": Case(
        "manager", _typed("manager", "/override Aurora VIP big renewal"), "override.pin", customer("aurora")
    ),
    "override unpin": Case(
        "other_manager", _typed("other_manager", "/override Cobalt off"), "override.remove", customer("cobalt")
    ),
    "policy apply": Case(
        "manager",
        _policy_upload,
        "policy.apply",
        lambda h, w: f"policy_version:{_last_id(PolicyVersion)(h, w)}",
        {"note": "lower.toml"},
    ),
    "policy restore": Case(
        "admin",
        _policy_restore,
        "policy.apply",
        lambda h, w: f"policy_version:{_last_id(PolicyVersion)(h, w)}",
        {"note": "shipped default"},
    ),
    "import": Case(
        "manager", _import, "import.customers", lambda h, w: f"upload:{_last_id(Upload)(h, w)}", {"file": "team.csv"}
    ),
    "invite create": Case(
        "manager",
        _typed("manager", "/invite rep"),
        "invite.create",
        lambda h, w: f"invite:{_last_id(Invite)(h, w)}",
        {"role": "rep", "team": "East"},
    ),
    "invite revoke": Case("manager", _revoke, "invite.revoke", lambda h, w: f"invite:{_last_id(Invite)(h, w)}"),
}


@pytest.mark.parametrize("case", sorted(CASES))
async def test_manager_and_admin_actions_are_audited(
    harness: Harness, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    caplog.set_level(logging.WARNING)
    world = await build(harness)
    spec = CASES[case]
    with harness.db.session() as session:
        before = {row.id for row in session.exec(select(AuditLog)).all()}
    await spec.steps(harness, world)
    target = spec.target(harness, world)
    with harness.db.session() as session:
        rows = [
            row
            for row in session.exec(select(AuditLog).where(AuditLog.action == spec.action)).all()
            if row.id not in before
        ]
    assert rows, f"{case}: no {spec.action} row; the bot said {harness.last(world.person(spec.actor)).text[:300]!r}"
    mine = [row for row in rows if row.actor_id == world.account(spec.actor).id and row.target == target]
    assert mine, f"{case}: {[(r.actor_id, r.target) for r in rows]} (wanted {world.account(spec.actor).id}, {target})"
    for key, value in (spec.detail or {}).items():
        assert mine[-1].detail.get(key) == value, (case, key, mine[-1].detail)
    assert mine[-1].at == harness.clock.now()
    assert_no_error_logged(caplog, case)

"""Keys stored by the version before log and team were typed (payload dicts in the database) parse
into the new payload classes after the upgrade: the dicts below are what that version wrote."""

from __future__ import annotations

from typing import Any

import pytest

import bot.handlers.log
import bot.handlers.team  # noqa: F401 - registers the actions
from bot.button_dispatch import Payload, parse
from bot.payloads import (
    ConfirmArchive,
    ConfirmMerge,
    ConfirmPeople,
    ConfirmReassign,
    LogSet,
    LogSetFollowup,
    TeamAmSet,
    TeamAskReassign,
    TeamPage,
    TeamPick,
    TeamScope,
)

STORED: list[tuple[str, dict[str, Any], Payload]] = [
    ("log.set", {"field": "customer_id", "value": 7, "msg": 41}, LogSet(field="customer_id", value=7, msg=41)),
    (
        "log.set",
        {"field": "feedback_kind", "value": None, "msg": 41},
        LogSet(field="feedback_kind", value=None, msg=41),
    ),
    ("log.set_followup", {"days": 3, "msg": 41}, LogSetFollowup(days=3, msg=41)),
    ("team.page", {"page": 0}, TeamPage(page=0)),
    ("team.page", {"team": "West", "page": 2}, TeamPage(page=2, team="West")),
    ("team.scope", {"from": 5}, TeamScope(from_=5)),
    ("team.pick", {"from": 5, "tier": ["value", "a"]}, TeamPick(from_=5, tier=("value", "a"))),
    ("team.pick", {"ids": [9]}, TeamPick(ids=(9,))),
    ("team.ask_reassign", {"from": 5, "to": 6}, TeamAskReassign(from_=5, to=6)),
    ("team.ask_reassign", {"unassigned": True, "to": 6}, TeamAskReassign(unassigned=True, to=6)),
    ("team.am_set", {"customer": 9, "user": None}, TeamAmSet(customer=9, user=None)),
    ("team.confirm", {"op": "reassign", "ids": [9, 10], "to": 6}, ConfirmReassign(op="reassign", ids=(9, 10), to=6)),
    ("team.confirm", {"op": "archive", "id": 9}, ConfirmArchive(op="archive", id=9)),
    ("team.confirm", {"op": "merge", "keep": 9, "drop": 10}, ConfirmMerge(op="merge", keep=9, drop=10)),
    ("team.confirm", {"op": "role", "id": 5, "value": "manager"}, ConfirmPeople(op="role", id=5, value="manager")),
    ("team.confirm", {"op": "deactivate", "id": 5, "value": None}, ConfirmPeople(op="deactivate", id=5)),
]


@pytest.mark.parametrize(("action", "stored", "expected"), STORED)
def test_a_payload_stored_by_the_previous_version_parses(
    action: str, stored: dict[str, Any], expected: Payload
) -> None:
    assert parse(action, stored) == expected


def test_the_stored_names_are_kept() -> None:
    """`from_` is stored as "from", and a confirmation stores only its own shape's fields."""
    assert TeamScope(from_=5).as_dict() == {"from": 5}
    assert TeamAskReassign(from_=5, to=6).as_dict()["from"] == 5
    assert ConfirmArchive(op="archive", id=9).as_dict() == {"op": "archive", "id": 9}

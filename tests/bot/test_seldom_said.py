"""Answers no other test asks for, in each language the security world has (Li Wei and Omar West
read Chinese, Wang Fang English): a manager's customer and reassign-scope pages, a discarded
policy draft, a digest redrawn with nothing left, a reminder or pin whose customer is ambiguous, an
alias refused, a log card cancelled after a contact detail was applied (issue 12 §10: every
template is rendered by the suite)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.testing import Harness
from core import policy_store
from core.models import Customer
from tests.security.test_buttons_by_role import press_action, press_forged
from tests.security.world import LOWER_THRESHOLDS, build

# The East manager (en) and the West manager (zh), each with a rep of their own.
MANAGERS = {"en": ("manager", "emma", "borealis"), "zh": ("other_manager", "other_rep", "cobalt")}


@pytest.mark.parametrize(("lang", "expected"), [("en", ("owner Emma Stone", "What should happen to this customer?")),
                                                ("zh", ("负责人 Zoe Quinn", "要如何处理这位客户？"))])
async def test_a_manager_opens_a_team_customer(harness: Harness, lang: str, expected: tuple[str, ...]) -> None:
    world = await build(harness)
    manager, _, customer = MANAGERS[lang]
    await harness.send(world.person(manager), "/team")
    await press_forged(harness, world.person(manager), "team.customer", {"id": world.ids[customer]})
    text = harness.last(world.person(manager)).text
    assert all(part in text for part in expected), text


@pytest.mark.parametrize(("lang", "expected"), [("en", "Reassign which of <b>Emma Stone</b>'s customers?"),
                                                ("zh", "转交 <b>Zoe Quinn</b> 的哪些客户？")])
async def test_a_manager_chooses_which_customers_to_reassign(harness: Harness, lang: str, expected: str) -> None:
    world = await build(harness)
    manager, rep, _ = MANAGERS[lang]
    await harness.send(world.person(manager), "/team")
    await press_forged(harness, world.person(manager), "team.scope", {"from": world.account(rep).id})
    assert expected in harness.last(world.person(manager)).text


@pytest.mark.parametrize(("lang", "expected"), [("en", "✖ Cancelled: the policy in force is unchanged."),
                                                ("zh", "✖ 已取消，现行分档规则未变。")])
async def test_a_discarded_policy_draft_leaves_the_policy_in_force(harness: Harness, lang: str, expected: str) -> None:
    world = await build(harness)
    manager = world.person(MANAGERS[lang][0])
    with harness.db.session() as session:
        draft = policy_store.store_draft(session, harness.services.settings, world.account(MANAGERS[lang][0]),
                                         LOWER_THRESHOLDS, note="mine.toml", now=harness.clock.now())
    await harness.send(manager, "/policy")
    await press_forged(harness, manager, "policy.cancel", {"draft": draft.id})
    assert expected in harness.last(manager).text

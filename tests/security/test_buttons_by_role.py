"""Issue 7 §6: every button action, pressed with a forged key.

For each action registered with `@action(...)` (bot/button_dispatch.py `_ACTIONS`, filled by importing
the handler modules), a key is stored for the presser — as the real keyboards would — whose
payload points at what the presser may not touch: a customer, interaction, feedback, follow-up,
person, upload, invite or policy draft of the other team, or a teammate's customer. Pressed
(and, for a flow, followed by the typed answer or the next button), it must change nothing in
the database, let no name of a customer outside the presser's reach show in any message, file
or button notice, never answer with the error template and never log an error. Then the owner
(the rep or manager of those things, or an admin) presses the same kind of key and it works.

Attackers: a rep against the other team (`rep`/west) and a teammate's book (`rep`/mate), the
manager of the other team (`manager`/west). Buttons without a foreign reference (menus,
navigation, a settings value) are pressed the same way: they too must change nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import select

import bot.handlers  # noqa: F401 - importing the handler modules registers every action
from bot.button_dispatch import _ACTIONS
from bot.testing import Harness, Person
from core.chat import buttons, flows
from core.models import ActionKey, Customer
from tests.security.checks import Mark, assert_no_error_answer, assert_no_error_logged, assert_no_leak
from tests.security.world import World, build, changed_tables, hidden_from, snapshot

Ids = dict[str, Any]
Payload = Callable[[Ids], dict[str, Any]]
# A step after the press: ("text", template) types an answer; ("press", action) presses the
# button of that action on the last keyboard.
Step = tuple[str, str]
CARD_TEXT = "talked to them about pricing today"


@dataclass(frozen=True)
class Spec:
    payloads: tuple[Payload, ...]
    steps: tuple[Step, ...] = ()
    card: bool = False  # a log card must be open first (its buttons are bound to it)
    attackers: tuple[tuple[str, str], ...] = (("rep", "west"), ("rep", "mate"), ("manager", "west"))
    owner: str | None = None  # who may press the first payload for the west side
    owner_changes: bool = False  # …and the database changes
    owner_sees: str | None = None  # …or the answer shows this
    owner_payload: Payload | None = None
    self_only: bool = False  # acts on the presser's own things only (no foreign reference possible)


def same(payload: dict[str, Any]) -> Payload:
    return lambda ids: dict(payload)


REP_ONLY = (("rep", "west"),)  # policy menus: any manager may use them by design
COBALT = "Cobalt Mining"

SPECS: dict[str, Spec] = {
    # agenda, follow-ups, feedback, greetings
    "today.page": Spec((same({"page": 0}),)),
    "greeting.sent": Spec(
        (lambda i: {"customer_id": i["customer"], "occasion": "birthday", "name": {"en": "Birthday", "zh": "生日"}},),
        owner="other_rep",
        owner_changes=True,
    ),
    "greeting.skip": Spec((lambda i: {"customer_id": i["customer"], "occasion": "birthday"},)),
    "followup.start": Spec(
        (lambda i: {"id": i["customer"]},),
        steps=(("text", "next Friday call back"),),
        owner="other_rep",
        owner_changes=True,
    ),
    "followup.done": Spec(
        (
            lambda i: {"id": i["followup"]},
            lambda i: {"id": i["followup"], "view": "digest"},
            lambda i: {"id": i["followup"], "view": "today", "page": 0},
        ),
        owner="other_rep",
        owner_changes=True,
    ),
    "followup.snooze": Spec(
        (lambda i: {"id": i["followup"], "by": "1d"}, lambda i: {"id": i["followup"], "by": "1d", "view": "nudge"}),
        owner="other_rep",
        owner_changes=True,
    ),
    "followup.close_many": Spec((lambda i: {"ids": [i["followup"]]},), owner="other_rep", owner_changes=True),
    "followup.review": Spec((same({}),), self_only=True),
    "away.delegate": Spec((lambda i: {"id": i["user"]},)),
    "feedback.start": Spec((lambda i: {"id": i["customer"]},)),
    "feedback.kind": Spec(
        (lambda i: {"id": i["customer"], "kind": "complaint"},),
        steps=(("text", "late delivery again"),),
        owner="other_rep",
        owner_changes=True,
    ),
    "feedback.progress": Spec(
        (lambda i: {"id": i["feedback"]}, lambda i: {"id": i["feedback"], "view": "feedback"}),
        owner="other_rep",
        owner_changes=True,
    ),
    "feedback.resolve": Spec(
        (lambda i: {"id": i["feedback"]},), steps=(("text", "refunded"),), owner="other_rep", owner_changes=True
    ),
    "invite.revoke": Spec((lambda i: {"invite_id": i["invite"]},), owner="other_manager", owner_changes=True),
    # the log card
    "log.set": Spec(
        (lambda i: {"field": "customer_id", "value": i["customer"]},),
        card=True,
        steps=(("press", "log.save"),),
        owner="other_rep",
        owner_changes=True,
    ),
    "log.pick": Spec((same({"field": "kind"}),), card=True),
    "log.back": Spec((same({}),), card=True),
    "log.set_followup": Spec((same({"days": 1}),), card=True),
    "log.ask": Spec(
        (same({"field": "customer"}),), card=True, steps=(("text", "{prefix}"),), owner="other_rep", owner_sees=COBALT
    ),
    "log.cancel": Spec((same({}),), card=True),
    "log.create_customer": Spec((same({}),), card=True),
    "log.save": Spec((same({}),), card=True),
    "log.other": Spec((same({"index": 0}),), card=True),
    "log.reached": Spec((same({}),), card=True),
    "log.fact": Spec((same({"index": 0}),), card=True),
    "log.create_named": Spec((same({}),), card=True),
    "customer.log": Spec(
        (lambda i: {"id": i["customer"]},),
        steps=(("text", CARD_TEXT), ("press", "log.save")),
        owner="other_rep",
        owner_changes=True,
    ),
    # settings (one's own, always): invalid or harmless values change nothing
    "settings.menu": Spec((same({}),), self_only=True),
    "settings.pick": Spec((same({"field": "timezone"}),), self_only=True),
    "settings.set": Spec((same({"field": "timezone", "value": "Mars/Olympus"}),), self_only=True),
    "settings.type": Spec((same({"field": "quiet"}),), steps=(("text", "whenever"),), self_only=True),
    # the policy (organisation-wide: any manager may read and restore it by design)
    "policy.download": Spec((same({}),), attackers=REP_ONLY),
    "policy.versions": Spec((same({}),), attackers=REP_ONLY),
    "policy.restore": Spec((same({"id": None}),), attackers=REP_ONLY, owner="other_manager", owner_changes=True),
    "policy.apply": Spec((lambda i: {"draft": i["draft"]},), owner="other_manager", owner_changes=True),
    "policy.cancel": Spec((lambda i: {"draft": i["draft"]},), owner="other_manager", owner_changes=True),
    # /team
    "team.help": Spec((same({}),)),
    "team.page": Spec((lambda i: {"page": 0, "team": i["team_name"]},)),
    "team.member": Spec((lambda i: {"id": i["user"]},), owner="other_manager", owner_sees="Zoe Quinn"),
    "team.book": Spec((lambda i: {"id": i["user"]},), owner="other_manager", owner_sees=COBALT),
    "team.customer": Spec((lambda i: {"id": i["customer"]},), owner="other_manager", owner_sees=COBALT),
    "team.scope": Spec((lambda i: {"from": i["user"]},), owner="other_manager", owner_sees="Zoe Quinn"),
    "team.pick": Spec(
        (
            lambda i: {"from": i["user"]},
            lambda i: {"ids": [i["customer"]]},
            lambda i: {"from": i["user"], "tier": ["value", "vip"]},
        ),
        owner="other_manager",
        owner_sees="Zoe Quinn",
    ),
    "team.ask_reassign": Spec(
        (lambda i: {"ids": [i["customer"]], "to": i["ally"]}, lambda i: {"from": i["user"], "to": i["ally"]}),
        owner="other_manager",
        owner_sees=COBALT,
    ),
    "team.cancel": Spec((same({}),)),
    "team.confirm": Spec(
        (
            lambda i: {"op": "reassign", "ids": [i["customer"]], "to": i["ally"]},
            lambda i: {"op": "archive", "id": i["customer"]},
            lambda i: {"op": "merge", "keep": i["ally_customer"], "drop": i["customer"]},
            lambda i: {"op": "merge", "keep": i["customer"], "drop": i["ally_customer"]},
            lambda i: {"op": "deactivate", "id": i["user"], "value": None},
            lambda i: {"op": "role", "id": i["user"], "value": "manager"},
            lambda i: {"op": "move", "id": i["user"], "value": "East"},
        ),
        owner="admin",
        owner_changes=True,
    ),
    "team.am": Spec((same({}),)),
    "team.am_pick": Spec((lambda i: {"customer": i["customer"]},), owner="other_manager", owner_sees=COBALT),
    "team.am_set": Spec(
        (lambda i: {"customer": i["customer"], "user": i["ally"]}, lambda i: {"customer": i["customer"], "user": None}),
        owner="other_manager",
        owner_changes=True,
    ),
    "team.archive_prompt": Spec((same({}),), steps=(("text", "{prefix}"),), owner="other_manager", owner_sees=COBALT),
    "team.ask_archive": Spec((lambda i: {"id": i["customer"]},), owner="other_manager", owner_sees=COBALT),
    "team.archived": Spec((same({"offset": 0}),), owner="other_manager", owner_sees="Echo Archived"),
    "team.unarchive": Spec((lambda i: {"id": i["archived"]},), owner="other_manager", owner_changes=True),
    "team.merge_prompt": Spec(
        (same({}),), steps=(("text", "{ally_prefix} | {prefix}"),), owner="other_manager", owner_sees=COBALT
    ),
    "team.merge_with": Spec(
        (lambda i: {"id": i["customer"]},), steps=(("text", "{ally_prefix}"),), owner="other_manager", owner_sees=COBALT
    ),
    "team.ask_deactivate": Spec((lambda i: {"id": i["user"]},), owner="other_manager", owner_sees="Zoe Quinn"),
    "team.reactivate": Spec((lambda i: {"id": i["inactive"]},), owner="other_manager", owner_changes=True),
    "team.roles": Spec((lambda i: {"id": i["user"]},), owner="other_manager", owner_sees="Zoe Quinn"),
    "team.ask_role": Spec(
        (lambda i: {"id": i["user"], "role": "manager"},), owner="other_manager", owner_sees="Zoe Quinn"
    ),
    "team.teams": Spec((lambda i: {"id": i["user"]},), owner="admin", owner_sees="Zoe Quinn"),
    "team.ask_move": Spec((lambda i: {"id": i["user"], "team": "East"},), owner="admin", owner_sees="Zoe Quinn"),
    # /summary
    "summary.open": Spec((same({"period": "month"}),)),
    "summary.tier": Spec(
        (
            lambda i: {
                "scope": {"kind": "team", "team_id": i["team_id"], "label": i["team_name"]},
                "model": "value",
                "tier": "vip",
            },
            lambda i: {
                "scope": {"kind": "person", "user_id": i["user"], "label": "x"},
                "model": "value",
                "tier": "vip",
            },
            lambda i: {"scope": {"kind": "org"}, "model": "value", "tier": "vip"},
        ),
        owner="other_manager",
        owner_sees=COBALT,
    ),
    "summary.overdue": Spec((lambda i: {"user_id": i["user"]},), owner="other_manager", owner_sees=COBALT),
    "summary.card": Spec((lambda i: {"id": i["customer"]},), owner="other_manager", owner_sees=COBALT),
    # overrides (人工调档)
    "override.customer": Spec(
        (
            lambda i: {
                "id": i["customer"],
                "word": "key",
                "choices": [["value", "key"]],
                "reason": "downgrade",
                "until": None,
                "off": False,
            },
            lambda i: {"id": i["customer"], "off": True},
        ),
        owner="other_manager",
        owner_changes=True,
    ),
    "override.model": Spec(
        (lambda i: {"id": i["customer"], "model": "value", "tier": "key", "reason": "downgrade"},),
        owner="other_manager",
        owner_changes=True,
    ),
    "override.start": Spec((lambda i: {"id": i["customer"]},), owner="other_manager", owner_sees="strategic"),
    "override.pick_model": Spec((lambda i: {"id": i["customer"], "model": "value"},)),
    "override.pick_tier": Spec(
        (lambda i: {"id": i["customer"], "model": "value", "tier": "key"},),
        steps=(("text", "downgrade now"),),
        owner="other_manager",
        owner_changes=True,
    ),
    "override.remove": Spec(
        (lambda i: {"id": i["customer"], "model": "value"},), owner="other_manager", owner_changes=True
    ),
    # import
    "import.expect": Spec((same({"kind": "customers"}),)),
    "import.kind": Spec(
        (lambda i: {"upload": i["upload"], "kind": "customers"},), owner="other_rep", owner_changes=True
    ),
    "import.cancel": Spec((lambda i: {"upload": i["upload"]},), owner="other_rep", owner_changes=True),
    "import.confirm": Spec((lambda i: {"upload": i["upload"]},), owner="other_rep", owner_changes=True),
    # customers and the card
    "customer.new_stage": Spec((same({"stage": "active"}),)),
    "customer.new_skip": Spec((same({}),)),
    "customer.new_skip_input": Spec((same({}),)),
    "customer.create": Spec(
        (same({"name": "Zenith Forged", "stage": "prospect", "contact": None, "phone": None}),), self_only=True
    ),
    "customer.card": Spec((lambda i: {"id": i["customer"]},), owner="other_rep", owner_sees=COBALT),
    "customer.why": Spec((lambda i: {"id": i["customer"]},), owner="other_rep", owner_sees=COBALT),
    "customer.history": Spec((lambda i: {"id": i["customer"]},), owner="other_rep", owner_sees="call with Cobalt"),
    "customer.delete_log": Spec(
        (lambda i: {"id": i["customer"], "interaction": i["interaction"]},), owner="other_rep", owner_changes=True
    ),
    "customer.edit_log": Spec(
        (lambda i: {"id": i["customer"], "interaction": i["interaction"]},),
        steps=(("press", "customer.fix_log"), ("text", "rewritten by someone")),
        owner="other_rep",
        owner_changes=True,
    ),
    "customer.fix_log": Spec(
        (
            lambda i: {"id": i["customer"], "interaction": i["interaction"], "field": "amount"},
            lambda i: {"id": i["customer"], "interaction": i["interaction"], "field": "summary"},
        ),
        steps=(("text", "5000"),),
        owner="other_rep",
        owner_changes=True,
    ),
    "customer.fix_log_set": Spec(
        (
            lambda i: {"id": i["customer"], "interaction": i["interaction"], "field": "kind", "value": "visit"},
            lambda i: {"id": i["customer"], "interaction": i["interaction"], "field": "feedback", "value": "complaint"},
        ),
        owner="other_rep",
        owner_changes=True,
    ),
    # open opportunities on the card
    "opportunity.won": Spec((lambda i: {"id": i["opportunity"]},), owner="other_rep", owner_changes=True),
    "opportunity.lost": Spec(
        (lambda i: {"id": i["opportunity"]},),
        steps=(("text", "went elsewhere"),),
        owner="other_rep",
        owner_changes=True,
    ),
    "opportunity.edit": Spec(
        (lambda i: {"id": i["opportunity"]},), owner="other_rep", owner_sees="Cobalt Mining expansion"
    ),
    "opportunity.edit_field": Spec(
        (lambda i: {"id": i["opportunity"], "field": "title"}, lambda i: {"id": i["opportunity"], "field": "stage"}),
        steps=(("text", "renamed by someone"),),
        owner="other_rep",
        owner_changes=True,
    ),
    "opportunity.set_stage": Spec(
        (lambda i: {"id": i["opportunity"], "stage": "negotiation"},), owner="other_rep", owner_changes=True
    ),
    "customer.edit": Spec((lambda i: {"id": i["customer"]},)),
    "alias.add": Spec(
        (lambda i: {"id": i["customer"]},), steps=(("text", "Cobble Rock"),), owner="other_rep", owner_changes=True
    ),
    "alias.remove": Spec(
        (lambda i: {"id": i["customer"], "alias": i["alias"]},), owner="other_rep", owner_changes=True
    ),
    "customer.edit_field": Spec(
        (lambda i: {"id": i["customer"], "field": "company"},),
        steps=(("text", "Evil Corp"),),
        owner="other_rep",
        owner_changes=True,
    ),
}


def test_every_registered_action_has_a_row() -> None:
    assert sorted(_ACTIONS) == sorted(SPECS), "an action without a row in the security table (or a stale row)"


def ids_for(world: World, side: str, presser: str) -> Ids:
    """What the payloads point at: the west team's things, or the presser's teammate's."""
    w = world.ids
    ally = {"rep": "rep", "manager": "rep", "other_rep": "xena", "other_manager": "xena", "admin": "rep"}[presser]
    ally_customer = "aurora" if ally == "rep" else "delta"
    common = {
        "upload": w["upload"],
        "invite": w["invite"],
        "draft": w["policy_draft"],
        "archived": w["echo"],
        "inactive": world.account("yuri").id,
        "ally": world.account(ally).id,
        "ally_customer": w[ally_customer],
        "ally_prefix": ally_customer.capitalize(),
    }
    if side == "west":
        return {
            **common,
            "customer": w["cobalt"],
            "interaction": w["cobalt_interaction"],
            "alias": w["cobalt_alias"],
            "feedback": w["cobalt_feedback"],
            "followup": w["cobalt_followup"],
            "opportunity": w["cobalt_opportunity"],
            "user": world.account("other_rep").id,
            "team_id": w["west_team"],
            "team_name": "West",
            "prefix": "Cobalt",
        }
    return {
        **common,
        "customer": w["borealis"],
        "interaction": w["borealis_interaction"],
        "alias": w["borealis_alias"],
        "feedback": w["borealis_feedback"],
        "followup": w["borealis_followup"],
        "opportunity": w["borealis_opportunity"],
        "user": world.account("emma").id,
        "team_id": w["east_team"],
        "team_name": "East",
        "prefix": "Borealis",
    }


async def press_forged(
    harness: Harness, person: Person, action: str, payload: dict[str, Any], *, single_use: bool = True
) -> str:
    """Store a key for `person` as a keyboard would, and press it on their last message."""
    assert person.account is not None
    with harness.db.session() as session:
        key = buttons.issue(
            session,
            user_id=person.account.id,
            action=action,
            payload=payload,
            now=harness.clock.now(),
            single_use=single_use,
        )
    await harness.press_data(person, harness.last(person), key)
    return key


async def press_action(harness: Harness, person: Person, action: str) -> None:
    """Press the button of `action` on the person's last keyboard."""
    message = harness.last_with_buttons(person)
    with harness.db.session() as session:
        for _, data in message.buttons:
            row = session.get(ActionKey, data)
            if row is not None and row.action == action:
                await harness.press_data(person, message, data)
                return
    raise AssertionError(f"no {action} button on {message.text[:80]!r}")


async def run_press(
    harness: Harness, world: World, role: str, action: str, spec: Spec, payload: dict[str, Any], ids: Ids
) -> None:
    person = world.person(role)
    _clear_flow(world, role)
    await harness.send(person, "/help")  # a message for the button to sit on
    if spec.card:
        await harness.send(person, CARD_TEXT)
        with harness.db.session() as session:
            pending = flows.current(session, world.account(role).id, harness.clock.now())
        assert pending is not None and pending.flow == "log.confirm"
        payload = {**payload, "msg": pending.data["message_id"]}
    await press_forged(harness, person, action, payload)
    for kind, value in spec.steps:
        if kind == "text":
            await harness.send(person, value.format(**ids))
        else:
            try:
                await press_action(harness, person, value)
            except AssertionError:
                pass  # the button is not offered to this presser: nothing to press


@pytest.mark.parametrize("action", sorted(SPECS))
async def test_forged_key_for_every_action(harness: Harness, caplog: pytest.LogCaptureFixture, action: str) -> None:
    caplog.set_level(logging.WARNING)
    world = await build(harness)
    spec = SPECS[action]
    for role, side in spec.attackers:
        for number, make in enumerate(spec.payloads):
            what = f"{action} #{number} by {role} at {side}"
            ids = ids_for(world, side, role)
            before = snapshot(harness)
            mark = Mark(harness)
            await run_press(harness, world, role, action, spec, make(ids), ids)
            texts = mark.texts(world.person(role))
            assert_no_error_answer(harness, texts, what)
            assert_no_leak(texts, hidden_from(role), what)
            after = snapshot(harness)
            if spec.self_only:
                _only_own_changes(harness, world, role, before, after, what)
            else:
                assert before == after, f"{what} changed {changed_tables(before, after)}"
            _clear_flow(world, role)
    if spec.owner is not None:
        await _owner_presses(harness, world, action, spec)
    assert_no_error_logged(caplog, action)


async def _owner_presses(harness: Harness, world: World, action: str, spec: Spec) -> None:
    assert spec.owner is not None
    ids = ids_for(world, "west", spec.owner)
    payload = spec.payloads[0](ids)
    before = snapshot(harness)
    mark = Mark(harness)
    await run_press(harness, world, spec.owner, action, spec, payload, ids)
    texts = mark.texts(world.person(spec.owner))
    what = f"{action} by its owner {spec.owner}"
    assert_no_error_answer(harness, texts, what)
    if spec.owner_changes:
        assert snapshot(harness) != before, f"{what} changed nothing: {texts[-3:]}"
    if spec.owner_sees:
        assert any(spec.owner_sees in t for t in texts), f"{what}: {spec.owner_sees!r} not shown in {texts[-3:]}"


def _only_own_changes(harness: Harness, world: World, role: str, before: dict, after: dict, what: str) -> None:
    """A self-only button may change the presser's own things (a customer they create, their
    settings), nothing of anyone else."""
    changed = changed_tables(before, after)
    assert set(changed) <= {"customer", "customer_tier", "tier_assignment", "audit_log", "contact"}, (
        f"{what}: {changed}"
    )
    with harness.db.session() as session:
        owners = {c.owner_id for c in session.exec(select(Customer).where(Customer.name == "Zenith Forged")).all()}
    assert len(after["customer"]) - len(before["customer"]) in (0, 1), what
    if len(after["customer"]) > len(before["customer"]):
        assert world.account(role).id in owners, what


def _clear_flow(world: World, role: str) -> None:
    with world.harness.db.session() as session:
        flows.clear(session, world.account(role).id)

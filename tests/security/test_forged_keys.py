"""Issue 7 §6: forged and replayed callback keys, beyond tests/bot/test_access.py (a forged
15-character key and 64 x's, another person's invite key, a replayed invite revoke, an expired
settings key): the real keys of one person pressed by another for several kinds of action, a
random well-formed key, over-long callback data (also a real key with a tail), keys replayed after
their single-use action completed, and reminder keys (/today) valid for 14 days, then expired."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.testing import Harness
from core.chat import buttons
from core.models import ActionKey, AuditLog, Customer, FollowUp, PendingCard
from tests.security.checks import Mark, assert_no_error_answer, assert_no_error_logged, assert_no_leak
from tests.security.test_buttons_by_role import press_forged
from tests.security.world import build, changed_tables, hidden_from, snapshot


def _label(harness: Harness, key: str, lang: str = "en") -> str:
    return harness.services.renderer.label(lang, key)


def _key_of(harness: Harness, message, action: str) -> str:  # type: ignore[no-untyped-def]
    with harness.db.session() as session:
        for _, data in message.buttons:
            row = session.get(ActionKey, data)
            if row is not None and row.action == action:
                return data
    raise AssertionError(f"no {action} button")


async def test_keys_of_one_person_pressed_by_another_do_nothing(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """The West manager's and rep's real buttons (a card, a follow-up's ✓, an archive ✅, a
    reassignment target, the policy versions) pressed by the East manager, the East rep and even
    the admin: "belongs to someone else", nothing changes, nothing leaks."""
    caplog.set_level(logging.WARNING)
    world = await build(harness)
    zoe, omar = world.person("other_rep"), world.person("other_manager")
    await harness.send(zoe, "/find Cobalt")
    found = harness.last_with_buttons(zoe)
    await harness.send(zoe, "/today")
    today = harness.last_with_buttons(zoe)
    await harness.send(omar, "/team archive Cobalt")
    archive = harness.last_with_buttons(omar)
    await harness.send(omar, "/team reassign Cobalt @Xena")
    reassign = harness.last_with_buttons(omar)
    await harness.send(omar, "/policy")
    policy = harness.last_with_buttons(omar)
    keys = [
        (found, _key_of(harness, found, "customer.card")),
        (today, _key_of(harness, today, "followup.done")),
        (archive, _key_of(harness, archive, "team.confirm")),
        (reassign, _key_of(harness, reassign, "team.confirm")),
        (policy, _key_of(harness, policy, "policy.versions")),
    ]
    for role in ("rep", "manager", "admin"):
        presser = world.person(role)
        for message, key in keys:
            before = snapshot(harness)
            mark = Mark(harness)
            await harness.press_data(presser, message, key)
            lang = "zh" if role == "rep" else "en"
            assert mark.answers_text() == [_label(harness, "buttons.not_yours", lang)], (role, key)
            assert mark.sent() == [] and snapshot(harness) == before, (role, changed_tables(before, snapshot(harness)))
            assert_no_leak(mark.texts(presser), hidden_from(role), role)
    # the owners' keys still work afterwards (a refused press claims nothing)
    await harness.press_data(omar, archive, _key_of(harness, archive, "team.confirm"))
    with harness.db.session() as session:
        assert session.get(Customer, world.ids["cobalt"]).archived
    assert_no_error_logged(caplog, "foreign keys")


async def test_random_and_over_long_callback_data_are_refused(harness: Harness) -> None:
    world = await build(harness)
    manager = world.person("manager")
    await harness.send(manager, "/team archive Aurora")
    confirm = harness.last_with_buttons(manager)
    real = _key_of(harness, confirm, "team.confirm")
    before = snapshot(harness)
    for data in (
        secrets.token_urlsafe(buttons.KEY_BYTES),  # well-formed, never issued
        real + "A" * 100,  # a real key with a tail (Telegram sends at most 64 bytes; we never trust it)
        real[:-1],  # one character short
        "é" * 200,
        "",
        " " * 16,
        "'; DROP TABLE action_key; --",
    ):
        mark = Mark(harness)
        await harness.press_data(manager, confirm, data)
        assert mark.answers_text() == [_label(harness, "buttons.unknown")], data
        assert mark.sent() == []
    assert snapshot(harness) == before
    # the real key was not used up by the near misses
    await harness.press_data(manager, confirm, real)
    with harness.db.session() as session:
        assert session.get(Customer, world.ids["aurora"]).archived


async def test_single_use_keys_replayed_after_the_action_do_nothing_twice(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    world = await build(harness)
    manager, rep = world.person("manager"), world.person("rep")
    # ✅ of an archive
    await harness.send(manager, "/team archive Aurora")
    confirm = harness.last_with_buttons(manager)
    key = _key_of(harness, confirm, "team.confirm")
    await harness.press_data(manager, confirm, key)
    archived = _audits(harness, "customer.archive")
    with harness.db.session() as session:  # someone brings it back; the old ✅ must not archive it again
        customer = session.get(Customer, world.ids["aurora"])
        customer.archived, customer.archived_at = False, None
    before = snapshot(harness)
    mark = Mark(harness)
    await harness.press_data(manager, confirm, key)
    assert mark.answers_text() == [_label(harness, "buttons.done")]
    assert snapshot(harness) == before and _audits(harness, "customer.archive") == archived == 1
    # ✓ of a follow-up on /today (a rep, in Chinese)
    await harness.send(rep, "/today")
    today = harness.last_with_buttons(rep)
    done = _key_of(harness, today, "followup.done")
    await harness.press_data(rep, today, done)
    with harness.db.session() as session:
        follow_up = session.get(FollowUp, world.ids["aurora_followup"])
        assert follow_up.status == "done"
        follow_up.status, follow_up.done_at = "open", None  # reopened: the old ✓ must not close it
    mark = Mark(harness)
    await harness.press_data(rep, today, done)
    assert mark.answers_text() == [_label(harness, "buttons.done", "zh")]
    with harness.db.session() as session:
        assert session.get(FollowUp, world.ids["aurora_followup"]).status == "open"
    # a forged single-use key: the first press acts (or is refused), the replay is "already done"
    key = await press_forged(harness, manager, "customer.card", {"id": world.ids["cobalt"]})
    mark = Mark(harness)
    await harness.press_data(manager, harness.last(manager), key)
    assert mark.answers_text() == [_label(harness, "buttons.done")] and mark.sent() == []
    assert_no_error_logged(caplog, "replays")


async def test_reminder_keys_live_fourteen_days_then_expire(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    world = await build(harness)
    rep = world.person("other_rep")
    await harness.send(rep, "/today")
    today = harness.last_with_buttons(rep)
    snooze, done = _key_of(harness, today, "followup.snooze"), _key_of(harness, today, "followup.done")
    harness.clock.advance(buttons.REMINDER_TTL - timedelta(minutes=5))
    mark = Mark(harness)
    await harness.press_data(rep, today, snooze)  # still valid on day 13 (a settings key expires after 2)
    assert mark.answers_text() and "Cobalt Mining" in mark.answers_text()[0]
    harness.clock.advance(timedelta(minutes=10))
    before = snapshot(harness)
    mark = Mark(harness)
    await harness.press_data(rep, today, done)
    assert mark.answers_text() == [_label(harness, "buttons.expired")]
    assert snapshot(harness) == before
    with harness.db.session() as session:
        assert session.get(FollowUp, world.ids["cobalt_followup"]).status == "open"
    assert_no_error_answer(harness, mark.texts(rep), "expired")
    assert_no_error_logged(caplog, "expired reminder key")


def _audits(harness: Harness, action: str) -> int:
    with harness.db.session() as session:
        return len(session.exec(select(AuditLog).where(AuditLog.action == action)).all())


# the owner's own keys, stored with a payload that does not fit the action's payload class (an old
# key from before a change of shape, or a row written by hand): "no longer works", like an unknown
# key — the handler never runs, nothing changes, nothing is claimed, no traceback
MISFIT_PAYLOADS = (
    (
        "import.cancel",
        "other_rep",
        "upload",
        ({}, {"upload": "7"}, {"upload": None}, {"upload": [7]}, {"upload": True}),
    ),
    ("invite.revoke", "other_manager", "invite", ({"id": 1}, {"invite_id": "x"}, {"invite_id": 1.5})),
    ("policy.cancel", "other_manager", "policy_draft", ({"draft": {"id": 1}}, {"draft": False})),
    ("opportunity.set_stage", "other_rep", "cobalt_opportunity", ({"id": 1, "stage": 3}, {"stage": "won"})),
    # ✅ of a log card: `msg` names the card's message (the fitting one is read from the open card)
    ("log.save", "other_rep", "cobalt", ({}, {"msg": "1"}, {"msg": None}, {"msg": [1]}, {"msg": 1.5})),
    # ✅ of a /team confirmation: one of its shapes, told apart by `op`
    (
        "team.confirm",
        "other_manager",
        "cobalt",
        (
            {"op": "archive"},
            {"op": "archive", "id": "7"},
            {"op": "archive", "ids": [7]},
            {"op": "erase", "id": 7},
            {"id": 7},
            {"op": "merge", "keep": 7},
            {"op": "reassign", "ids": 7, "to": 7},
            {"op": "role", "id": 7, "value": 3},
        ),
    ),
)
# what the person sends first, for the buttons to sit on (a log card for log.save)
MISFIT_SETUP = {"log.save": "Called Cobalt Mining today, they want a quote"}


@pytest.mark.parametrize(("action", "owner", "target", "misfits"), MISFIT_PAYLOADS, ids=[m[0] for m in MISFIT_PAYLOADS])
async def test_a_key_whose_payload_does_not_fit_its_action_no_longer_works(
    harness: Harness,
    caplog: pytest.LogCaptureFixture,
    action: str,
    owner: str,
    target: str,
    misfits: tuple[dict, ...],  # type: ignore[type-arg]
) -> None:
    caplog.set_level(logging.WARNING)
    world = await build(harness)
    person = world.person(owner)
    await harness.send(person, MISFIT_SETUP.get(action, "/help"))
    unknown = {_label(harness, "buttons.unknown", lang) for lang in ("zh", "en")}  # in the presser's language
    for payload in misfits:
        before = snapshot(harness)
        mark = Mark(harness)
        key = await press_forged(harness, person, action, payload)
        [answer] = mark.answers_text()
        assert answer in unknown, payload
        assert mark.sent() == [] and snapshot(harness) == before, (payload, changed_tables(before, snapshot(harness)))
        with harness.db.session() as session:
            assert session.get(ActionKey, key).done_at is None, payload
    # the same action with a payload that fits does its work (so the refusals above were the payload's)
    fits = {"import.cancel": {"upload": world.ids[target]}, "invite.revoke": {"invite_id": world.ids[target]}}
    fits |= {"policy.cancel": {"draft": world.ids[target]}}
    fits |= {"opportunity.set_stage": {"id": world.ids[target], "stage": "negotiation"}}
    fits |= {"team.confirm": {"op": "archive", "id": world.ids[target]}}
    if action == "log.save":
        with harness.db.session() as session:
            card = session.exec(select(PendingCard).where(PendingCard.user_id == person.account.id)).one()
            assert card.data["draft"]["customer_id"] == world.ids[target]  # the card is about Cobalt
            fits |= {"log.save": {"msg": card.data["message_id"]}}
    before = snapshot(harness)
    mark = Mark(harness)
    await press_forged(harness, person, action, fits[action])
    assert not unknown & set(mark.answers_text())
    assert snapshot(harness) != before, f"{action} with a fitting payload changed nothing"
    assert_no_error_logged(caplog, action)

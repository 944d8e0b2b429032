"""Issue 12 §2 through the offline harness: a single-use key is claimed in the transaction of the
write its action makes, never before it (the kill itself: tests/faults/test_kill_save.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot import access
from bot.testing import Harness, Person
from core.chat import buttons
from core.interactions import logbook
from core.models import ActionKey, AuditLog, Customer, Interaction
from core.names import book
from core.tier_records.retier import retier_customer


@pytest.fixture(autouse=True)
def fresh_index() -> Iterator[None]:
    book.invalidate()  # each test has its own database; the in-process index must not leak
    yield
    book.invalidate()


async def _card(harness: Harness) -> tuple[Person, str]:
    """A rep with one customer, and the ✅ key of a log card for it."""
    rep = await harness.person("rep", name="Li", language="en", team="East")
    with harness.db.session() as session:
        session.add(
            Customer(
                name="Acme", owner_id=rep.account.id, stage="active", added_at=harness.clock.now() - timedelta(days=60)
            )
        )
    book.invalidate()
    await harness.send(rep, "Called Acme about the quote")
    save = next(data for label, data in harness.last_with_buttons(rep).buttons if "Save" in label)
    return rep, save


def _done_at(harness: Harness, key: str) -> Any:
    with harness.db.session() as session:  # a connection of its own: what is committed
        return session.get(ActionKey, key).done_at


def _logs(harness: Harness) -> int:
    with harness.db.session() as session:
        return len(session.exec(select(Interaction)).all())


async def test_the_key_is_not_claimed_before_the_save_commits(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the save's transaction runs (its interaction written, not committed), the key is
    still unclaimed for everyone else: a process killed there leaves ✅ pressable. The gate
    used to commit the claim first, and a kill in between lost the log for good."""
    rep, save = await _card(harness)
    seen: list[Any] = []

    def retier_and_look(session: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append((_done_at(harness, save), _logs(harness)))
        return retier_customer(session, *args, **kwargs)

    monkeypatch.setattr(logbook, "retier_customer", retier_and_look)
    await harness.press(rep, "Save")
    assert seen == [(None, 0)]  # mid-save: neither the log nor the claim is visible
    assert _logs(harness) == 1 and _done_at(harness, save) is not None  # committed together
    assert harness.last(rep).text.startswith("✅")


async def test_a_fault_after_the_write_rolls_back_the_claim_with_it(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    rep, save = await _card(harness)
    card = harness.last_with_buttons(rep)

    def broken_retier(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("injected after the interaction was written")

    monkeypatch.setattr(logbook, "retier_customer", broken_retier)
    await harness.press_data(rep, card, save)
    assert _logs(harness) == 0 and _done_at(harness, save) is None  # neither: ✅ is still pressable
    with harness.db.session() as session:
        assert session.exec(select(AuditLog).where(AuditLog.action == "interaction.create")).all() == []
    monkeypatch.setattr(logbook, "retier_customer", retier_customer)
    await harness.press_data(rep, card, save)
    assert _logs(harness) == 1 and _done_at(harness, save) is not None
    await harness.press_data(rep, card, save)  # a tap after success
    assert harness.last_answer() == "Already done ✓" and _logs(harness) == 1


def _arrive_then_the_other_worker_commits(harness: Harness, key: str) -> Any:
    """The gate's read, after which another worker's press of `key` commits its claim."""
    resolve = access._arrive

    def arrive(session: Any, *args: Any, **kwargs: Any) -> Any:
        arrival = resolve(session, *args, **kwargs)
        with harness.db.session() as other:
            other.get(ActionKey, key).done_at = harness.clock.now()
        return arrival

    return arrive


async def test_a_press_that_loses_the_claim_to_another_worker_writes_nothing(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers took the same ✅ (both passed the gate); the other one committed first: this
    one's save is rolled back with its failed claim, and it answers "already done"."""
    rep, save = await _card(harness)
    monkeypatch.setattr(access, "_arrive", _arrive_then_the_other_worker_commits(harness, save))
    await harness.press(rep, "Save")
    assert _logs(harness) == 0
    assert harness.last_answer() == "Already done ✓"


async def test_a_press_whose_write_fails_on_another_workers_commit_answers_already_done(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL the other worker's commit can make this one's write fail (the same log,
    the unique index) before its claim: that is "already done", not an error."""
    rep, save = await _card(harness)

    def the_other_worker_won(*args: Any, **kwargs: Any) -> Any:
        raise IntegrityError("INSERT INTO interaction …", {}, Exception("uq_interaction_source"))

    monkeypatch.setattr(access, "_arrive", _arrive_then_the_other_worker_commits(harness, save))
    monkeypatch.setattr(logbook, "retier_customer", the_other_worker_won)
    before = len(harness.sent(rep))
    await harness.press(rep, "Save")
    assert harness.last_answer() == "Already done ✓"
    assert len(harness.sent(rep)) == before and _logs(harness) == 0  # no error message, nothing of its own


async def test_a_button_whose_write_is_the_question_it_asks_is_claimed_with_it(harness: Harness) -> None:
    rep = await harness.person("rep", name="Li", language="en", team="East")
    await harness.send(rep, "/import")
    choose = harness.last_with_buttons(rep)
    key = choose.buttons[0][1]
    with harness.db.session() as session:
        assert session.get(ActionKey, key).single_use
    await harness.press_data(rep, choose, key)  # it writes the pending flow "send the file now"
    assert _done_at(harness, key) is not None
    await harness.press_data(rep, choose, key)
    assert harness.last_answer() == "Already done ✓"


async def test_a_button_that_writes_nothing_is_done_once_it_has_run(harness: Harness) -> None:
    rep = await harness.person("rep", name="Li", language="en", team="East")
    await harness.send(rep, "/help")
    with harness.db.session() as session:  # a greeting reminder's ✗ (core.reminders stores it so)
        key = buttons.issue(
            session,
            user_id=rep.account.id,
            action="greeting.skip",
            payload={"customer_id": 1},
            now=harness.clock.now(),
            ttl=buttons.REMINDER_TTL,
        )
    await harness.press_data(rep, harness.last(rep), key)
    assert harness.last_answer() == "Skipped" and _done_at(harness, key) is not None
    await harness.press_data(rep, harness.last(rep), key)
    assert harness.last_answer() == "Already done ✓"


async def test_a_save_committed_before_the_card_was_redrawn_shows_it_on_the_next_tap(harness: Harness) -> None:
    """A process killed after the save's commit but before the card's edit leaves "Log this?" on
    screen with the key done: the next ✅ redraws the card as saved instead of only saying
    "already done" under a card that still asks."""
    rep, save = await _card(harness)
    card = harness.last_with_buttons(rep)
    asked, markup = card.text, card.reply_markup
    await harness.press_data(rep, card, save)
    assert _logs(harness) == 1
    shown = harness.api.messages[(card.chat_id, card.message_id)]
    shown.text, shown.reply_markup = asked, markup  # as the killed process left it
    await harness.press_data(rep, card, save)
    assert harness.last_answer() == "Already done ✓" and _logs(harness) == 1
    redrawn = harness.api.messages[(card.chat_id, card.message_id)]
    assert redrawn.text.startswith("✅") and "Acme" in redrawn.text and "Call" in redrawn.text
    assert not redrawn.buttons


async def test_a_done_save_undone_since_leaves_the_card_and_says_done(harness: Harness) -> None:
    rep, save = await _card(harness)
    card = harness.last_with_buttons(rep)
    await harness.press_data(rep, card, save)
    await harness.send(rep, "/undo")
    saved_text = harness.api.messages[(card.chat_id, card.message_id)].text
    await harness.press_data(rep, card, save)
    assert harness.last_answer() == "Already done ✓" and _logs(harness) == 0
    assert harness.api.messages[(card.chat_id, card.message_id)].text == saved_text

"""The outbox sender with claims: a long message cut by a failure resumes after the last part
sent (no part twice), and a row another sender holds is not sent."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlmodel import select

from bot import jobs
from bot.local_api import Fault
from bot.testing import Harness
from core.chat import outbox
from core.chat.messages import OutboxMessage
from core.models import Notification


def _long_reminder(harness: Harness, recipient_id: int, key: str) -> None:
    # One paragraph per line: split_message cuts it at lines into three parts.
    text = "\n".join(f"line {n:03d} " + "x" * 90 for n in range(120))
    with harness.db.session() as session:
        outbox.enqueue(
            session,
            recipient_id=recipient_id,
            kind="followup",
            dedupe_key=key,
            now=harness.clock.now(),
            message=OutboxMessage("reminders/followup", {"name": "Acme", "text": text, "due": ""}),
        )


async def test_a_failure_between_parts_resumes_after_the_last_part_sent(harness: Harness) -> None:
    rep = await harness.person("rep", language="en")
    _long_reminder(harness, rep.account.id, "long:1")
    calls_before = sum(1 for name, _ in harness.api.calls if name.lower() == "sendmessage")
    # the second sendMessage of this sweep fails with a 500: part 1 went out, part 2 did not
    harness.api.faults.append(Fault("sendMessage", 500, "Internal Server Error", every=calls_before + 2))
    await jobs.send_outbox(harness.app, harness.clock.now())
    first_try = [s.text for s in harness.sent(rep)]
    assert len(first_try) == 1
    with harness.db.session() as session:
        row = session.exec(select(Notification)).one()
        assert (row.status, row.parts_sent, row.attempts, row.claimed_until) == ("pending", 1, 1, None)
    harness.api.faults.clear()

    harness.clock.advance(timedelta(minutes=5))  # past the back-off
    await jobs.send_outbox(harness.app, harness.clock.now())
    texts = [s.text for s in harness.sent(rep)]
    assert len(texts) == 3 and len(set(texts)) == 3  # parts 2 and 3 now, part 1 not again
    lines = [line for t in texts for line in t.split("\n") if "line " in line]
    assert len(lines) == 120 and len(set(lines)) == 120  # every line arrived, none twice
    with harness.db.session() as session:
        row = session.exec(select(Notification)).one()
        assert (row.status, row.attempts) == ("sent", 2)


async def test_a_row_claimed_by_another_sender_waits_for_its_lease(harness: Harness) -> None:
    rep = await harness.person("rep", language="en")
    with harness.db.session() as session:
        outbox.enqueue(
            session,
            recipient_id=rep.account.id,
            kind="followup",
            dedupe_key="held:1",
            now=harness.clock.now(),
            message=OutboxMessage("reminders/followup", {"name": "Acme", "text": "call", "due": ""}),
        )
        # another worker claimed it a moment ago (and may be sending it right now)
        session.execute(update(Notification).values(claimed_until=harness.clock.now() + timedelta(seconds=60)))
    await jobs.send_outbox(harness.app, harness.clock.now())
    assert harness.sent(rep) == []
    harness.clock.advance(timedelta(seconds=61))  # that worker died: its lease ended
    await jobs.send_outbox(harness.app, harness.clock.now())
    assert len(harness.sent(rep)) == 1 and "Acme" in harness.sent(rep)[0].text

"""The buttons of pushed messages are drawn by the bot from what core says a message offers
(bot.push_buttons), and an outbox row stored by an older version — ready "buttons" in its
payload — still goes out with its buttons working after an upgrade."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot import jobs, push_buttons
from bot.keyboards import Button
from bot.testing import Harness
from core.chat.messages import Act, Offer, OutboxMessage
from core.models import Customer, FollowUp, Notification


def _labels(rows: list[list[Button]]) -> list[list[str]]:
    return [[b.label for b in row] for row in rows]


def test_a_digest_offers_per_line_and_the_bot_draws_one_row_per_line() -> None:
    message = OutboxMessage(
        "reminders/digest",
        {"entries": []},
        (
            Offer(Act.LOG, {"customer": 7}, 1),
            Offer(Act.DONE, {"follow_up": 70}, 1),
            Offer(Act.SNOOZE, {"follow_up": 70}, 1),
            Offer(Act.LOG, {"customer": 8}, 2),
            Offer(Act.RESOLVE, {"complaint": 80}, 2),
            Offer(Act.DONE, {"follow_up": 90}, 3),  # a personal follow-up: nothing to log
            Offer(Act.REVIEW, line=4),
        ),
    )
    rows = push_buttons.rows(message)
    assert _labels(rows) == [["1 ✍", "1 ✓", "1 +1d", "1 +3d"], ["2 ✍", "2 ✓"], ["3 ✓"], ["4 🗂"]]
    first, second, third, review = rows
    assert [(b.action, b.payload, b.single_use) for b in first] == [
        ("customer.log", {"id": 7}, False),
        ("followup.done", {"id": 70, "view": "digest"}, True),  # ✓ redraws the digest it sits on
        ("followup.snooze", {"id": 70, "by": "1d", "view": "digest"}, True),
        ("followup.snooze", {"id": 70, "by": "3d", "view": "digest"}, True),
    ]
    assert [(b.action, b.payload, b.single_use) for b in second] == [
        ("customer.log", {"id": 8}, False),
        ("feedback.resolve", {"id": 80}, False),
    ]
    assert (third[0].action, third[0].payload) == ("followup.done", {"id": 90, "view": "digest"})
    assert [(b.action, b.payload) for b in review] == [("followup.review", {})]


def test_each_pushed_kind_gets_its_buttons_from_its_offers() -> None:
    nudge = OutboxMessage("reminders/nudge", {}, (Offer(Act.DONE, {"follow_up": 5}, 1),))
    assert push_buttons.rows(nudge)[0][0].payload == {"id": 5, "view": "nudge"}
    timed = OutboxMessage(
        "reminders/followup", {}, (Offer(Act.DONE, {"follow_up": 5}), Offer(Act.SNOOZE, {"follow_up": 5}))
    )
    [row] = push_buttons.rows(timed)
    assert [(b.label, b.payload) for b in row] == [
        ("✓", {"id": 5}),  # no view: the reminder stays as it is
        ("+1d", {"id": 5, "by": "1d"}),
        ("+3d", {"id": 5, "by": "3d"}),
    ]
    name = {"zh": "生日", "en": "birthday"}
    greetings = OutboxMessage(
        "reminders/greetings",
        {},
        (
            Offer(Act.GREETING_SENT, {"customer": 3, "occasion": "birthday:2027-03-08", "name": name}, 1),
            Offer(Act.GREETING_SKIPPED, {"customer": 3}, 1),
        ),
    )
    [[sent, skip]] = push_buttons.rows(greetings)
    assert (sent.label, sent.action, sent.payload) == (
        "1 ✓",
        "greeting.sent",
        {"customer_id": 3, "occasion": "birthday:2027-03-08", "name": name},
    )
    assert (skip.label, skip.action, skip.payload) == ("1 ✗", "greeting.skip", {"customer_id": 3})
    weekly = OutboxMessage("summary/weekly", {}, (Offer(Act.OPEN_SUMMARY, {"period": "week"}),))
    assert [(b.label, b.action, b.payload, b.single_use) for b in push_buttons.rows(weekly)[0]] == [
        ("📊", "summary.open", {"period": "week"}, False)
    ]
    assert push_buttons.rows(OutboxMessage("ops/alert", {"kind": "db_busy"})) == []


def test_a_message_survives_its_json_column() -> None:
    message = OutboxMessage(
        "reminders/digest",
        {"entries": [{"name": "Acme"}], "more": 0},
        (Offer(Act.LOG, {"customer": 1}, 1), Offer(Act.REVIEW, line=2)),
    )
    payload = message.to_payload()
    assert payload["offers"][0] == {"act": "log", "target": {"customer": 1}, "line": 1}
    assert "buttons" not in payload and "label" not in str(payload)  # the row stores no button
    assert OutboxMessage.from_payload(payload) == message
    assert push_buttons.rows_of(payload) == push_buttons.rows(message)
    assert OutboxMessage("notify/user_joined", {"name": "Li"}).to_payload() == {
        "template": "notify/user_joined",
        "params": {"name": "Li"},
    }


async def test_a_row_stored_by_an_older_version_still_goes_out_with_working_buttons(harness: Harness) -> None:
    """Before offers, the planner stored ready buttons (label, action, payload) in the row: one
    left pending at the upgrade is sent with them, and pressing one does what it did."""
    rep = await harness.person("rep", name="Li", language="en", team="East")
    now = harness.clock.now()
    with harness.db.session() as session:
        customer = Customer(name="Acme", owner_id=rep.account.id, stage="active", added_at=now - timedelta(days=100))
        session.add(customer)
        session.flush()
        follow_up = FollowUp(customer_id=customer.id, rep_id=rep.account.id, due_at=now, text="call", created_at=now)
        session.add(follow_up)
        session.flush()
        session.add(
            Notification(
                recipient_id=rep.account.id,
                kind="followup",
                dedupe_key=f"followup:{follow_up.id}:old",
                payload={  # the shape main wrote up to 92d1a2e
                    "template": "reminders/followup",
                    "params": {"name": "Acme", "text": "call", "due": "10:00"},
                    "buttons": [
                        [
                            {"label": "✓", "action": "followup.done", "payload": {"id": follow_up.id}},
                            *[
                                {
                                    "label": f"+{d}",
                                    "action": "followup.snooze",
                                    "payload": {"id": follow_up.id, "by": d},
                                }
                                for d in ("1d", "3d")
                            ],
                        ]
                    ],
                },
                status="pending",
                created_at=now,
                not_before=now,
            )
        )
    await jobs.send_outbox(harness.app, now)
    [sent] = harness.sent(rep)
    assert "Acme" in sent.text and "call" in sent.text
    assert [label for label, _ in sent.buttons] == ["✓", "+1d", "+3d"]
    await harness.press(rep, "✓", sent)
    assert "Done" in (harness.last_answer() or "")
    with harness.db.session() as session:
        assert session.exec(select(FollowUp)).one().status == "done"
        assert session.exec(select(Notification)).one().status == "sent"

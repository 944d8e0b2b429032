"""Scheduled messages end to end through the harness: the digest at 09:00 with working buttons
days later, /away, template fallback, and the sender's handling of Bot API failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.jobs import render_payload
from bot.local_api import Fault
from bot.render import Renderer
from bot.testing import Harness
from core.chat import outbox
from core.chat.messages import OutboxMessage
from core.models import Customer, FollowUp, Notification, User


async def _rep(harness: Harness, language: str = "en"):
    rep = await harness.person("rep", name="Li", language=language, team="East")
    with harness.db.session() as session:
        customer = Customer(
            name="Acme", owner_id=rep.account.id, stage="active", added_at=harness.clock.now() - timedelta(days=100)
        )
        session.add(customer)
        session.flush()
        session.add(
            FollowUp(
                customer_id=customer.id,
                rep_id=rep.account.id,
                due_at=harness.clock.now(),
                text="send the quote",
                created_at=harness.clock.now(),
            )
        )
    return rep


async def test_digest_arrives_at_nine_and_its_buttons_work_days_later(harness: Harness) -> None:
    rep = await _rep(harness)
    harness.clock.set(datetime(2026, 11, 24, 0, 30, tzinfo=UTC))  # 08:30 in Shanghai
    await harness.advance_to(datetime(2026, 11, 24, 0, 59, tzinfo=UTC))
    assert harness.sent(rep) == []
    await harness.advance_to(datetime(2026, 11, 24, 1, 1, tzinfo=UTC))  # 09:01
    [digest] = harness.sent(rep)
    assert "Good morning" in digest.text and "send the quote" in digest.text and "Acme" in digest.text
    await harness.advance_to(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))
    assert len([s for s in harness.sent(rep) if "Good morning" in s.text]) == 1  # once a day
    harness.clock.advance(timedelta(days=10))
    done = next(label for label, _ in digest.buttons if "✓" in label)
    await harness.press(rep, done, digest)
    assert "Done" in (harness.last_answer() or "")
    with harness.db.session() as session:
        assert session.exec(select(FollowUp)).one().status == "done"


async def test_away_pauses_the_digest(harness: Harness) -> None:
    rep = await _rep(harness)
    await harness.send(rep, "/away until 2026-11-26")
    assert "Away until 2026-11-26" in harness.last(rep).text
    await harness.send(rep, "/away until 2020-01-01")
    assert "in the past" in harness.last(rep).text
    await harness.send(rep, "/away until 2026-11-26 @nobody")
    assert "don't know a colleague" in harness.last(rep).text
    harness.clock.set(datetime(2026, 11, 24, 0, 50, tzinfo=UTC))
    await harness.advance_to(datetime(2026, 11, 24, 2, 0, tzinfo=UTC))
    assert not any("Good morning" in s.text for s in harness.sent(rep))
    await harness.send(rep, "/away off")
    assert "Welcome back" in harness.last(rep).text
    with harness.db.session() as session:
        assert session.get(User, rep.account.id).away_until is None


async def test_away_refuses_a_delegate_of_another_team(harness: Harness) -> None:
    rep = await _rep(harness, "zh")
    await harness.person("rep", name="Zoe", language="en", team="West")
    await harness.person("rep", name="Zhao", language="zh", team="East")
    await harness.send(rep, "/away until 2026-11-26 @Zoe")
    assert "Zoe 不在您的团队" in harness.last(rep).text
    with harness.db.session() as session:
        assert session.get(User, rep.account.id).delegate_id is None
    await harness.send(rep, "/away until 2026-11-26 @Zhao")
    assert "Zhao" in harness.last(rep).text and "您的主管" in harness.last(rep).text


def test_a_broken_template_falls_back_to_plain_text(tmp_path) -> None:
    templates = tmp_path / "templates"
    for lang in ("en", "zh"):
        (templates / lang / "reminders").mkdir(parents=True)
        (templates / lang / "reminders" / "digest.html.j2").write_text("{{ broken( }}")
        (templates / lang / "reminders" / "fallback.html.j2").write_text("plain fallback")
    text = render_payload(Renderer(templates), "en", {"template": "reminders/digest", "params": {}})
    assert text == "plain fallback"


async def test_server_errors_are_retried_later_and_rate_limits_waited_out(harness: Harness) -> None:
    rep = await harness.person("rep")
    with harness.db.session() as session:
        for n in range(3):
            outbox.enqueue(
                session,
                recipient_id=rep.account.id,
                kind="test",
                dedupe_key=f"t:{n}",
                now=harness.clock.now(),
                message=OutboxMessage("reminders/followup", {"name": f"K{n}", "text": "x", "due": "10:00"}),
            )
    harness.api.faults.append(Fault("sendMessage", 500, "Internal Server Error"))
    await harness.advance_to(harness.clock.now() + timedelta(minutes=1))
    with harness.db.session() as session:
        rows = {n.dedupe_key: n for n in session.exec(select(Notification)).all()}
    assert rows["t:0"].status == "pending" and rows["t:0"].attempts == 1 and "Internal" in rows["t:0"].last_error
    assert rows["t:1"].status == rows["t:2"].status == "sent"
    await harness.advance_to(harness.clock.now() + timedelta(minutes=5))  # after the back-off
    texts = [s.text for s in harness.sent(rep)]
    assert sum("K0" in t for t in texts) == 1 and sum("K1" in t for t in texts) == 1

"""Follow-ups have a life cycle, end to end: a logged call closes the "call back" it answers, the
saved reply offers one ✓ for the customer's other open follow-ups, resolving a complaint closes
the follow-up it created, and ✓ on a digest or /today entry redraws that message in place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from bot.testing import Harness, Person
from core.models import Customer, Feedback, FollowUp
from core.names import book


async def _rep(harness: Harness, language: str = "zh") -> tuple[Person, int]:
    rep = await harness.person("rep", name="李伟", language=language, team="East")
    with harness.db.session() as session:
        row = Customer(
            name="华为", owner_id=rep.account.id, stage="active", added_at=harness.clock.now() - timedelta(days=60)
        )
        session.add(row)
        session.flush()
        customer_id = row.id
    book.invalidate()
    return rep, customer_id  # type: ignore[return-value]


def _follow_up(harness: Harness, rep: Person, customer_id: int, text: str, *, days: float = 1) -> int:
    with harness.db.session() as session:
        row = FollowUp(
            customer_id=customer_id,
            rep_id=rep.account.id,
            due_at=harness.clock.now() + timedelta(days=days),
            text=text,
            created_at=harness.clock.now() - timedelta(days=3),
        )
        session.add(row)
        session.flush()
        return row.id  # type: ignore[return-value]


def _statuses(harness: Harness) -> dict[str, str]:
    with harness.db.session() as session:
        return {f.text: f.status for f in session.exec(select(FollowUp)).all()}


async def test_a_logged_call_closes_the_call_back_and_offers_to_close_the_rest(harness: Harness) -> None:
    rep, customer = await _rep(harness)
    _follow_up(harness, rep, customer, "给华为回电话")
    _follow_up(harness, rep, customer, "发报价单")
    _follow_up(harness, rep, customer, "下个月电话回访", days=30)  # not due yet: a call today does not answer it
    await harness.send(rep, "给华为打了电话，聊了交付安排")
    await harness.press(rep, "保存")
    saved = harness.last(rep)
    assert "已完成跟进：给华为回电话" in saved.text and "还有 2 条未完成的跟进" in saved.text
    assert _statuses(harness) == {"给华为回电话": "done", "发报价单": "open", "下个月电话回访": "open"}
    [(label, _)] = saved.buttons
    assert label == "✓ 关闭 2 条跟进"
    after = await harness.press(rep, label, saved)
    assert set(_statuses(harness).values()) == {"done"}
    assert "已关闭 2 条跟进" in (harness.last_answer() or "") and after is not None and not after.buttons


async def test_resolving_a_complaint_closes_the_follow_up_it_created(harness: Harness) -> None:
    rep, customer = await _rep(harness, language="en")
    await harness.send(rep, "/feedback 华为")
    await harness.press(rep, "华为")
    await harness.press(rep, "Complaint")
    await harness.send(rep, "the delivery was late")
    _follow_up(harness, rep, customer, "unrelated: send the brochure")
    with harness.db.session() as session:
        complaint = session.exec(select(Feedback)).one()
        assert session.exec(select(FollowUp).where(FollowUp.feedback_id == complaint.id)).one().status == "open"
    await harness.send(rep, "/feedback")
    await harness.press(rep, "1 ✓")
    await harness.send(rep, "apologised and shipped a replacement")
    assert _statuses(harness) == {"the delivery was late": "done", "unrelated: send the brochure": "open"}


async def test_done_on_a_digest_and_on_today_redraws_the_message_in_place(harness: Harness) -> None:
    rep, customer = await _rep(harness, language="en")
    _follow_up(harness, rep, customer, "send the quote", days=0)
    harness.clock.set(datetime(2026, 11, 24, 0, 50, tzinfo=UTC))
    await harness.advance_to(datetime(2026, 11, 24, 1, 1, tzinfo=UTC))  # 09:01 Shanghai
    [digest] = harness.sent(rep)
    assert "send the quote" in digest.text
    after = await harness.press(rep, "1 ✓", digest)
    assert after is not None and after.message_id == digest.message_id and "send the quote" not in after.text
    _follow_up(harness, rep, customer, "call about the contract", days=0)
    await harness.send(rep, "/today")
    today = harness.last(rep)
    after = await harness.press(rep, "1 ✓", today)
    assert after is not None and after.message_id == today.message_id
    assert "call about the contract" not in after.text


async def test_remind_without_a_customer_is_a_personal_reminder(harness: Harness) -> None:
    rep, _ = await _rep(harness)
    await harness.send(rep, "/remind 下周二 交季度报表")
    assert "个人提醒" in harness.last(rep).text and "交季度报表" in harness.last(rep).text
    with harness.db.session() as session:
        [reminder] = session.exec(select(FollowUp)).all()
    assert reminder.customer_id is None and reminder.rep_id == rep.account.id
    harness.clock.set(reminder.due_at + timedelta(hours=2))
    await harness.send(rep, "/today")
    today = harness.last(rep)
    assert "📝 个人提醒" in today.text and "交季度报表" in today.text
    assert [label for label, _ in today.buttons if label.startswith("1 ")] == ["1 ✓", "1 +1d", "1 +3d", "1 +1w"]
    await harness.press(rep, "1 ✓", today)
    assert list(_statuses(harness).values()) == ["done"]

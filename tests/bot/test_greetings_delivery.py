"""Greeting reminders in chat: the drafts arrive on the send date, Mark sent logs a greeting
(resetting the contact clock), Skip does nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from bot.testing import Harness
from core import accounts
from core.models import Contact, Customer, CustomerTier, Interaction


async def test_birthday_drafts_and_mark_sent(harness: Harness) -> None:
    rep = await harness.person("rep", name="Li", language="zh", team="East")
    now = harness.clock.now()
    with harness.db.session() as session:
        customer = Customer(
            name="华为", owner_id=rep.account.id, stage="active", region="CN", added_at=now - timedelta(days=300)
        )
        session.add(customer)
        session.flush()
        session.add(
            Contact(customer_id=customer.id, name="张总", title="采购总监", birthday=date(1975, 12, 1), is_primary=True)
        )
        session.add(
            CustomerTier(customer_id=customer.id, model="value", tier="vip", policy_version="x", assigned_at=now)
        )
        customer_id = customer.id
    await harness.send(rep, "/help")  # the client language (zh) is known once the rep has written
    # VIP lead time 7 days: the draft comes on 2026-11-24 for a 2026-12-01 birthday
    harness.clock.set(datetime(2026, 11, 24, 0, 30, tzinfo=UTC))
    await harness.advance_to(datetime(2026, 11, 24, 2, 5, tzinfo=UTC))
    [greeting] = [s for s in harness.sent(rep) if "待发送的问候" in s.text]
    assert "华为" in greeting.text and "张总" in greeting.text and "12-01" in greeting.text
    await harness.press(rep, "1 ✓", greeting)
    assert "已记录" in (harness.last_answer() or "")
    assert "生日" in greeting.text
    await harness.press(rep, "1 ✓", greeting)  # single use: nothing twice
    with harness.db.session() as session:
        logged = session.exec(select(Interaction).where(Interaction.customer_id == customer_id)).all()
    assert [i.kind for i in logged] == ["greeting"]
    await harness.advance_to(datetime(2026, 11, 24, 6, 0, tzinfo=UTC))
    assert len([s for s in harness.sent(rep) if "待发送的问候" in s.text]) == 1  # once per occasion and send date


async def test_drafts_come_at_the_digest_minute_not_the_next_hour(harness: Harness) -> None:
    """A rep whose digest time is 09:40 gets the day's greeting drafts at 09:40, with the digest,
    not when the hourly catch-up pass comes round at 10:00."""
    rep = await harness.person("rep", name="Li", language="en", team="East")
    now = harness.clock.now()
    with harness.db.session() as session:
        customer = Customer(
            name="Globex", owner_id=rep.account.id, stage="active", region="CN", added_at=now - timedelta(days=300)
        )
        session.add(customer)
        session.flush()
        session.add(Contact(customer_id=customer.id, name="Bob", birthday=date(1975, 12, 1), is_primary=True))
        session.add(
            CustomerTier(customer_id=customer.id, model="value", tier="vip", policy_version="x", assigned_at=now)
        )
        accounts.set_digest_time(session, rep.account.id, "09:40")
    await harness.send(rep, "/help")
    harness.clock.set(datetime(2026, 11, 24, 1, 30, tzinfo=UTC))  # 09:30 in Shanghai
    await harness.advance_to(datetime(2026, 11, 24, 1, 39, tzinfo=UTC))
    assert not [s for s in harness.sent(rep) if "greetings to send" in s.text]
    await harness.advance_to(datetime(2026, 11, 24, 1, 41, tzinfo=UTC))  # 09:41, well before 10:00
    [greeting] = [s for s in harness.sent(rep) if "greetings to send" in s.text]
    assert "Globex" in greeting.text and "Bob" in greeting.text
    await harness.advance_to(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))  # the hourly passes add nothing
    assert len([s for s in harness.sent(rep) if "greetings to send" in s.text]) == 1

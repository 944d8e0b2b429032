"""Greetings a rep would send as they are: holiday names in the message's language, a personal
draft that never thanks a customer for the call in which they complained, and a new customer
that speaks its rep's language and lives in its rep's region."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select

from core import accounts
from core.customers import registry
from core.db import Database
from core.models import Customer, Feedback, Interaction, User
from core.policies import default_policy_text
from core.reminders.greetings import GreetingBatch, due_greetings, greetings_environment
from core.tiering import parse_policy

from .book import TZ, Book

POLICY = parse_policy(default_policy_text())
ENV = greetings_environment()


def _due(db: Database, today: date) -> list[GreetingBatch]:
    with db.session() as session:
        return due_greetings(session, POLICY, ENV, today, org_timezone=TZ)


def test_a_chinese_message_names_a_us_holiday_in_chinese(any_db: Database) -> None:
    with any_db.session() as session:
        book = Book(session)
        book.contact(book.customer("Yankee Inc", tier="key", region="US", language="zh"), "王经理", primary=True)
        book.customer("Acme", tier="key", region="US", language="en")
    [christmas] = [b for b in _due(any_db, date(2027, 12, 22)) if "christmas" in b.occasion_key]  # Key: 3 days ahead
    assert christmas.occasion_name == {"zh": "圣诞节", "en": "Christmas Day"}
    drafts = {item.language: item.draft for item in christmas.items}
    assert "圣诞节" in drafts["zh"] and "Christmas" not in drafts["zh"]
    assert "Christmas Day" in drafts["en"]


def test_an_untranslated_holiday_is_not_named_in_english_inside_a_chinese_message(any_db: Database) -> None:
    with any_db.session() as session:
        Book(session).customer("Yankee Inc", tier="key", region="US", language="zh")
    [columbus] = [b for b in _due(any_db, date(2027, 10, 8)) if "columbus" in b.occasion_key]  # 11 Oct 2027
    [item] = columbus.items
    assert "Columbus" not in item.draft and "节日" in item.draft


def test_a_personal_draft_never_thanks_for_a_complaint_call(any_db: Database) -> None:
    moment = datetime(2027, 9, 1, 3, 0, tzinfo=UTC)
    with any_db.session() as session:
        book = Book(session)
        pleased = book.customer("乙公司", tier="vip")
        annoyed = book.customer("甲公司", tier="vip")
        for customer in (pleased, annoyed):
            book.touch(customer, "call", moment, "聊了二期方案")
        call = session.exec(select(Interaction).where(Interaction.customer_id == annoyed)).one()
        session.add(
            Feedback(
                customer_id=annoyed,
                interaction_id=call.id,
                kind="complaint",
                text="交付太慢",
                status="open",
                created_at=moment,
            )
        )
    [batch] = _due(any_db, date(2027, 9, 8))  # 中秋, VIP 7 days ahead
    items = {item.customer_name: item for item in batch.items}
    assert items["乙公司"].last_touch is not None and "电话中的耐心沟通" in items["乙公司"].draft
    assert items["甲公司"].last_touch is None and "电话" not in items["甲公司"].draft


def test_a_new_customer_gets_its_reps_language_and_region_unless_told(any_db: Database) -> None:
    now = datetime(2027, 1, 4, 2, 0, tzinfo=UTC)
    with any_db.session() as session:
        rep = accounts.add_user(session, telegram_id=4242, name="Sam", role="rep", now=now)
        user = session.get(User, rep.id)
        user.language, user.country = "en", "US"
        session.add(user)
        session.flush()
        rep = accounts.get_account(session, rep.id)
        plain = registry.create(session, rep, registry.NewCustomer("Acme"), now)
        told = registry.create(session, rep, registry.NewCustomer("华为", region="CN", language="zh"), now)
        assert (session.get(Customer, plain).language, session.get(Customer, plain).region) == ("en", "US")
        assert (session.get(Customer, told).language, session.get(Customer, told).region) == ("zh", "CN")

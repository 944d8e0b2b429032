"""Rep workflows through the offline harness: customers, logging by free text (zh and en),
feedback, follow-ups, /today, /tier, /undo — for the right roles, in both languages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from bot.testing import Harness, Person
from core.models import Contact, Customer, Feedback, FollowUp, Interaction
from core.money import from_minor
from core.names import book


@pytest.fixture(autouse=True)
def fresh_index():
    book.invalidate()  # each test has its own database; the in-process index must not leak
    yield
    book.invalidate()


async def _rep_with_book(harness: Harness, language: str = "zh", name: str = "李伟") -> Person:
    rep = await harness.person("rep", name=name, language=language, team="East")
    with harness.db.session() as session:
        for customer, contact in (
            ("华为", "张总"),
            ("Acme", "Bob Smith"),
            ("星辰科技", "王经理"),
            ("腾讯", None),
            ("Initech", None),
            ("蓝海物流", "陈主任"),
            ("Globex", "Alice Jones"),
        ):
            row = Customer(
                name=customer,
                owner_id=rep.account.id,
                stage="active",
                added_at=harness.clock.now() - timedelta(days=60),
                potential=3,
                influence=3,
            )
            session.add(row)
            session.flush()
            if contact:
                session.add(Contact(customer_id=row.id, name=contact, is_primary=True))
    book.invalidate()
    return rep


def _customer(harness: Harness, name: str) -> Customer:
    with harness.db.session() as session:
        return session.exec(select(Customer).where(Customer.name == name)).one()


def _interactions(harness: Harness) -> list[Interaction]:
    with harness.db.session() as session:
        return list(session.exec(select(Interaction)).all())


async def test_log_in_chinese_from_sentence_to_saved(harness: Harness) -> None:
    rep = await _rep_with_book(harness)
    await harness.send(rep, "拜访了华为，签约50万，下周三回访")
    card = harness.last(rep)
    assert "华为" in card.text and "成交" in card.text and "500,000.00" in card.text
    assert "2026-12-02" in card.text
    assert _interactions(harness) == []  # nothing is saved before ✅
    await harness.press(rep, "保存")
    saved = harness.last(rep)
    assert "已记录" in saved.text and "下次联系" in saved.text
    [row] = _interactions(harness)
    assert (row.kind, row.channel, from_minor(row.amount_minor, "CNY")) == ("deal", "visit", Decimal("500000.00"))
    with harness.db.session() as session:
        [follow_up] = session.exec(select(FollowUp)).all()
    assert follow_up.due_at.astimezone(UTC).date() in (date(2026, 12, 2), date(2026, 12, 1))


async def test_log_in_english_and_the_card_buttons_change_parts(harness: Harness) -> None:
    rep = await _rep_with_book(harness, language="en", name="Emma")
    await harness.send(rep, "Called Acme, they want a quote for 200 units. Follow up Friday")
    card = harness.last(rep)
    assert "Acme" in card.text and "Call" in card.text and "2026-11-27" in card.text
    await harness.press(rep, "Kind")
    await harness.press(rep, "Visit")
    assert "Visit" in harness.last(rep).text
    await harness.press(rep, "Amount")
    await harness.send(rep, "about a lot")
    assert "not an amount" in harness.last(rep).text
    await harness.send(rep, "$2,000")
    assert "2,000.00" in harness.last(rep).text
    await harness.press(rep, "Save")
    [row] = _interactions(harness)
    assert row.kind == "visit" and row.currency in ("USD", "CNY") and row.amount_minor == 200_000


async def test_double_tap_and_repeated_delivery_save_once(harness: Harness) -> None:
    rep = await _rep_with_book(harness)
    update = harness.api.message(rep.telegram, "给腾讯发了中秋祝福")
    await harness.feed(update)
    await harness.feed(update)  # Telegram delivered it again
    cards = [s for s in harness.sent(rep) if s.buttons]
    assert len(cards) == 1
    save = next(data for label, data in cards[0].buttons if "保存" in label)
    await harness.press_data(rep, cards[0], save)
    await harness.press_data(rep, cards[0], save)
    assert harness.last_answer() == "已处理 ✓"
    assert [r.kind for r in _interactions(harness)] == ["greeting"]


async def test_ambiguous_and_unknown_customers(harness: Harness) -> None:
    rep = await _rep_with_book(harness, language="en")
    await harness.send(rep, "met Bob and Alice today")  # two customers' contacts: the rep chooses
    card = harness.last(rep)
    assert "which customer" in card.text
    labels = [label for label, _ in card.buttons]
    assert "Acme" in labels and "Globex" in labels and not any("Save" in label for label in labels)
    await harness.press(rep, "Globex")
    assert "Save" in " ".join(label for label, _ in harness.last(rep).buttons)
    await harness.press(rep, "Save")
    assert [r.customer_id for r in _interactions(harness)] == [_customer(harness, "Globex").id]
    await harness.send(rep, "拜访了新客户云帆科技")  # unknown: offer to create it
    card = harness.last(rep)
    assert "“云帆科技” is not in your book" in card.text
    await harness.press(rep, "Create this customer")
    await harness.press(rep, "Save")
    assert _customer(harness, "云帆科技").owner_id == rep.account.id
    assert len(_interactions(harness)) == 2


async def test_complaint_creates_feedback_and_a_follow_up_and_shows_today(harness: Harness) -> None:
    rep = await _rep_with_book(harness)
    await harness.send(rep, "微信联系张总（星辰科技），对交付时间不满意")
    assert "星辰科技" in harness.last(rep).text and "投诉" in harness.last(rep).text
    await harness.press(rep, "保存")
    with harness.db.session() as session:
        [feedback] = session.exec(select(Feedback)).all()
        follow_ups = session.exec(select(FollowUp)).all()
    assert (feedback.kind, feedback.status) == ("complaint", "open") and len(follow_ups) == 1
    harness.clock.advance(timedelta(days=1, hours=1))
    await harness.send(rep, "/today")
    today = harness.last(rep)
    assert "投诉" in today.text and "星辰科技" in today.text


async def test_undo_removes_the_last_log(harness: Harness) -> None:
    rep = await _rep_with_book(harness, language="en")
    await harness.send(rep, "email to initech about the invoice, remind me in 3 days")
    await harness.press(rep, "Save")
    assert len(_interactions(harness)) == 1
    await harness.send(rep, "/undo")
    assert "Removed your last log" in harness.last(rep).text
    assert _interactions(harness) == []
    with harness.db.session() as session:
        assert session.exec(select(FollowUp)).all() == []
    await harness.send(rep, "/undo")
    assert "Nothing to undo" in harness.last(rep).text


async def test_edited_message_updates_the_open_card(harness: Harness) -> None:
    rep = await _rep_with_book(harness, language="en")
    update = harness.api.message(rep.telegram, "called acme")
    await harness.feed(update)
    card = harness.last(rep)
    edited = {
        "update_id": update["update_id"] + 1000,
        "edited_message": {**update["message"], "text": "visited globex", "edit_date": 1},
    }
    await harness.feed(edited)
    refreshed = harness.api.messages[(card.chat_id, card.message_id)]
    assert "Globex" in refreshed.text and refreshed.history


async def test_photo_caption_is_read_and_photo_without_caption_gets_a_hint(harness: Harness) -> None:
    rep = await _rep_with_book(harness, language="en")
    photo = [{"file_id": "p1", "file_unique_id": "p1", "width": 10, "height": 10}]
    await harness.feed(harness.api.message(rep.telegram, None, photo=photo, caption="visited Acme today"))
    assert "Acme" in harness.last(rep).text and "Visit" in harness.last(rep).text
    await harness.feed(harness.api.message(rep.telegram, None, photo=photo))
    assert "caption" in harness.last(rep).text


async def test_new_customer_one_line_and_duplicate_warning(harness: Harness) -> None:
    rep = await _rep_with_book(harness)
    other = await harness.person("rep", name="Other Rep", team="West")
    with harness.db.session() as session:
        session.add(Customer(name="云帆科技", owner_id=other.account.id, stage="active", added_at=harness.clock.now()))
    book.invalidate()
    await harness.send(rep, "/new 星辰物流 / 刘总 / 13800000000")
    assert "已新建客户" in harness.sent(rep)[-2].text
    with harness.db.session() as session:
        created = session.exec(select(Customer).where(Customer.name == "星辰物流")).one()
        contact = session.exec(select(Contact).where(Contact.customer_id == created.id)).one()
    assert (contact.name, contact.phone, created.owner_id) == ("刘总", "13800000000", rep.account.id)
    await harness.send(rep, "/new 云帆科技")
    warning = harness.last(rep)
    assert "相似" in warning.text and "Other Rep" in warning.text and "云帆科技" not in warning.text.split("\n", 1)[1]
    assert [label for label, _ in warning.buttons] == ["仍然新建"]  # another rep's customer is not opened
    await harness.send(rep, "/new x / y / not-a-phone")
    assert "电话" in harness.last(rep).text


async def test_duplicate_check_matches_customer_names_and_short_forms_not_contacts(harness: Harness) -> None:
    """Issue 12 §14: 查重 warns of the same customer (its name or a short form of it), shows another
    team's only as "already a customer of <owner>", and a piece of a contact's name is no match."""
    rep = await _rep_with_book(harness)
    other = await harness.person("rep", name="Zoe Quinn", team="West")
    with harness.db.session() as session:
        for name, contact in (("深圳市云帆科技有限公司", "王小明"), ("Cobalt Mining Corporation", "Mining Contact")):
            row = Customer(name=name, owner_id=other.account.id, stage="active", added_at=harness.clock.now())
            session.add(row)
            session.flush()
            session.add(Contact(customer_id=row.id, name=contact, is_primary=True))
    book.invalidate()
    for name in ("云帆科技", "Cobalt Mining", "COBALT MINING CORP."):
        await harness.send(rep, f"/new {name}")
        warning = harness.last(rep)
        assert "已是 Zoe Quinn 的客户" in warning.text, (name, warning.text)
        assert "深圳市云帆科技有限公司" not in warning.text and "Cobalt Mining Corporation" not in warning.text
        assert [label for label, _ in warning.buttons] == ["仍然新建"]
    await harness.send(rep, "/new 星辰")  # the short form of one of the rep's own: theirs to open
    assert [label for label, _ in harness.last(rep).buttons] == ["仍然新建", "星辰科技"]
    for name in ("王小", "Mining Contact", "Mining"):  # contacts' names, or a piece of one: no match
        await harness.send(rep, f"/new {name}")
        assert "已新建客户" in harness.sent(rep)[-2].text, (name, harness.last(rep).text)


async def test_guided_new_customer(harness: Harness) -> None:
    rep = await _rep_with_book(harness, language="en")
    await harness.send(rep, "/new")
    await harness.send(rep, "Umbrella Corp")
    await harness.press(rep, "Active customer")
    await harness.send(rep, "Alice / +1 555 0100")
    assert any(
        "Umbrella Corp" in s.text and "Edit" in " ".join(label for label, _ in s.buttons)
        for s in harness.sent(rep)[-2:]
    )
    assert _customer(harness, "Umbrella Corp").stage == "active"


async def test_find_card_edit_and_why(harness: Harness) -> None:
    rep = await _rep_with_book(harness, language="en")
    await harness.send(rep, "/find huawei")
    await harness.press(rep, "华为")
    card = harness.last(rep)
    for part in ("华为", "Value tier", "Last interactions", "Why this tier", "History", "Edit"):
        assert part in card.text + " ".join(label for label, _ in card.buttons)
    await harness.press(rep, "Edit")
    await harness.press(rep, "Phone")
    await harness.send(rep, "call me maybe")
    assert "doesn't look like a phone number" in harness.last(rep).text
    await harness.send(rep, "+86 138 0000 0000")
    assert "+86 138 0000 0000" in harness.last(rep).text
    await harness.press(rep, "Why this tier")
    why = harness.last(rep)
    assert "Why 华为" in why.text and "Contribution" in why.text


async def test_tier_command_and_visibility_between_reps(harness: Harness) -> None:
    rep = await _rep_with_book(harness, language="en")
    outsider = await harness.person("rep", name="Outsider", team="West")
    await harness.send(rep, "/tier Acme")
    assert "Why Acme" in harness.last(rep).text
    await harness.send(outsider, "/tier Acme")
    assert "No customer of yours" in harness.last(outsider).text
    await harness.send(outsider, "called acme")
    assert "Acme" not in harness.last(outsider).text.split("\n")[1]


async def test_remind_and_today_buttons(harness: Harness) -> None:
    rep = await _rep_with_book(harness, language="en")
    await harness.send(rep, "/remind Acme Friday send the quote")
    assert "Follow-up for <b>Acme</b>" in harness.last(rep).text and "2026-11-27" in harness.last(rep).text
    harness.clock.set(datetime(2026, 11, 27, 2, 0, tzinfo=UTC))
    await harness.send(rep, "/today")
    today = harness.last(rep)
    assert "send the quote" in today.text
    done = next(label for label, _ in today.buttons if "✓" in label)
    await harness.press(rep, done)
    assert "Done" in (harness.last_answer() or "")
    with harness.db.session() as session:
        assert session.exec(select(FollowUp)).one().status == "done"


async def test_customer_names_are_escaped(harness: Harness) -> None:
    rep = await _rep_with_book(harness, language="en")
    with harness.db.session() as session:
        session.add(
            Customer(name="<b>Acme & Co</b>", owner_id=rep.account.id, stage="active", added_at=harness.clock.now())
        )
    book.invalidate()
    await harness.send(rep, "/find Acme & Co")
    await harness.press(rep, "<b>Acme & Co</b>")
    assert "&lt;b&gt;Acme &amp; Co&lt;/b&gt;" in harness.last(rep).text


async def test_bad_input_saves_nothing(harness: Harness) -> None:
    rep = await _rep_with_book(harness)
    for text in (
        "   ",
        "🙂🙂🙂",
        "'; DROP TABLE interaction; --",
        "<script>alert(1)</script>",
        "字" * 5000,
        "2月30日拜访了华为",
        "大约5万?",
    ):
        replies = await harness.send(rep, text)
        assert replies and all(len(r.text) <= 4096 for r in replies)
    assert _interactions(harness) == []


async def test_history_edit_and_delete(harness: Harness) -> None:
    rep = await _rep_with_book(harness, language="en")
    for text in ("called acme about the quote", "visited acme, good talk"):
        await harness.send(rep, text)
        await harness.press(rep, "Save")
    await harness.send(rep, "/find acme")
    await harness.press(rep, "Acme")
    await harness.press(rep, "History")
    assert "history" in harness.last(rep).text and "(2)" in harness.last(rep).text
    await harness.press(rep, "✏️ 1")
    await harness.press(rep, "Text")
    await harness.send(rep, "visited Acme: agreed on the Q1 order")
    with harness.db.session() as session:
        summaries = sorted(r.summary for r in session.exec(select(Interaction)).all())
    assert summaries == ["called acme about the quote", "visited Acme: agreed on the Q1 order"]
    await harness.press(rep, "History")
    await harness.press(rep, "🗑 2")
    assert [r.summary for r in _interactions(harness)] == ["visited Acme: agreed on the Q1 order"]


async def test_an_older_cards_buttons_do_not_touch_the_newer_draft(harness: Harness) -> None:
    rep = await _rep_with_book(harness, language="en")
    await harness.send(rep, "called acme")
    first = harness.last_with_buttons(rep)
    await harness.send(rep, "visited globex")
    await harness.press(rep, "Save", first)  # the first card's ✅, after a second message
    assert "has already ended" in harness.api.messages[(first.chat_id, first.message_id)].text
    assert _interactions(harness) == []
    await harness.press(rep, "Save")  # the open card saves its own draft
    assert [r.customer_id for r in _interactions(harness)] == [_customer(harness, "Globex").id]


async def test_buttons_of_removed_items_answer_gone(harness: Harness) -> None:
    rep = await _rep_with_book(harness, language="en")
    await harness.send(rep, "/remind Acme tomorrow send the quote")
    harness.clock.advance(timedelta(days=1, hours=1))
    await harness.send(rep, "/today")
    today = harness.last(rep)
    with harness.db.session() as session:
        for row in session.exec(select(FollowUp)).all():
            session.delete(row)
    done = next(label for label, _ in today.buttons if "✓" in label)
    await harness.press(rep, done, today)
    assert "no longer exists" in (harness.last_answer() or "")


@pytest.mark.parametrize(
    ("score", "kind"), [(5, "praise"), (4, "praise"), (3, "suggestion"), (2, "complaint"), (1, "complaint")]
)
async def test_a_satisfaction_score_alone_is_saved_as_the_feedback_it_stands_for(
    harness: Harness, score: int, kind: str
) -> None:
    """The rule lives in core (core.interactions.feedback.kind_for_score); the card offers it and ✅ saves it."""
    rep = await _rep_with_book(harness, language="en", name="Lee")
    await harness.send(rep, f"Lunch with Globex yesterday, satisfaction {score}")
    await harness.press(rep, "Save")
    with harness.db.session() as session:
        [row] = session.exec(select(Feedback)).all()
    assert (row.kind, row.satisfaction) == (kind, score)

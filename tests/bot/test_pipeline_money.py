"""Booked, expected and refunded money through the chat (issue 11 items 3 and 9): the card and
the saved reply say what the amount is, expected money becomes an opportunity the customer card
lists with won · lost · edit, and a saved log is corrected fully from the History."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from sqlmodel import select

from bot.testing import Harness, Person
from core.models import Customer, Feedback, Interaction, Opportunity
from core.names import book


@pytest.fixture(autouse=True)
def fresh_index():
    book.invalidate()
    yield
    book.invalidate()


async def _rep(harness: Harness, language: str) -> Person:
    rep = await harness.person("rep", name="Li", language=language, team="East")
    with harness.db.session() as session:
        for name, stage in (("华为", "prospect"), ("Acme", "prospect"), ("Globex", "active")):
            session.add(
                Customer(
                    name=name, owner_id=rep.account.id, stage=stage, added_at=harness.clock.now() - timedelta(days=60)
                )
            )
    book.invalidate()
    return rep


def _expected_by_parser(monkeypatch: pytest.MonkeyPatch, money: str, by: date | None) -> None:
    """The parser's side of issue 11 (money, expected_by) as the lead's parser will fill it."""
    read_in = book.read_in

    def reading(*args, **kwargs):
        return dataclasses.replace(read_in(*args, **kwargs), money=money, expected_by=by)

    monkeypatch.setattr(book, "read_in", reading)


def _rows(harness: Harness, model):
    with harness.db.session() as session:
        return list(session.exec(select(model)).all())


async def test_expected_money_in_chinese_card_reply_and_customer_card(harness: Harness, monkeypatch) -> None:
    rep = await _rep(harness, "zh")
    _expected_by_parser(monkeypatch, "expected", date(2027, 1, 15))
    await harness.send(rep, "拜访华为，下个月签 大约八十万")
    card = harness.last(rep)
    assert "🎯 预计 800,000.00 CNY · 2027-01-15前" in card.text and "💰 成交" not in card.text
    await harness.press(rep, "保存")
    saved = harness.last(rep).text
    assert "🎯 预计 800,000.00 CNY" in saved and "已新建商机" in saved
    [row] = _rows(harness, Interaction)
    assert row.kind != "deal" and row.amount_minor is None
    [opportunity] = _rows(harness, Opportunity)
    assert (opportunity.amount_minor, opportunity.expected_signing_date) == (80_000_000, date(2027, 1, 15))
    monkeypatch.undo()
    await harness.send(rep, "/find 华为")
    await harness.press(rep, "华为")
    customer_card = harness.last(rep)
    assert "进行中的商机" in customer_card.text and "预计 800,000.00 CNY · 2027-01-15前" in customer_card.text
    await harness.press(rep, "✖ 1")
    await harness.send(rep, "客户选择了竞争对手")
    assert "输单" in harness.sent(rep)[-2].text
    [opportunity] = _rows(harness, Opportunity)
    assert (opportunity.status, opportunity.lost_reason) == ("lost", "客户选择了竞争对手")
    assert "进行中的商机" not in harness.last(rep).text


async def test_the_card_toggle_won_and_edit_in_english(harness: Harness) -> None:
    rep = await _rep(harness, "en")
    await harness.send(rep, "Met Acme, deal 120k USD")
    await harness.press(rep, "Booked / expected / refund")
    await harness.press(rep, "Expected")
    card = harness.last(rep)
    assert "🎯 expected 120,000.00 USD" in card.text and "not a deal" in card.text
    await harness.press(rep, "Save")
    assert "New opportunity opened" in harness.last(rep).text
    assert [r.kind for r in _rows(harness, Interaction)] != ["deal"]
    await harness.send(rep, "/find acme")
    await harness.press(rep, "Acme")
    await harness.press(rep, "🎯 1")
    await harness.press(rep, "Stage")
    await harness.press(rep, "negotiation")
    await harness.press(rep, "🎯 1")
    await harness.press(rep, "Signing date")
    await harness.send(rep, "not a date")
    assert "not a date I can read" in harness.last(rep).text
    await harness.send(rep, "2026-12-20")
    [opportunity] = _rows(harness, Opportunity)
    assert (opportunity.stage, opportunity.expected_signing_date) == ("negotiation", date(2026, 12, 20))
    assert "by 2026-12-20" in harness.last(rep).text and "negotiation" in harness.last(rep).text
    await harness.press(rep, "🏆 1")
    assert "Won" in harness.sent(rep)[-2].text
    deals = [r for r in _rows(harness, Interaction) if r.kind == "deal"]
    assert [(d.amount_minor, d.currency) for d in deals] == [(12_000_000, "USD")]
    with harness.db.session() as session:
        assert session.exec(select(Customer).where(Customer.name == "Acme")).one().stage == "active"
    assert "Open opportunities" not in harness.last(rep).text


async def test_a_refund_is_shown_and_saved_as_a_negative_deal(harness: Harness, monkeypatch) -> None:
    rep = await _rep(harness, "en")
    _expected_by_parser(monkeypatch, "refund", None)
    await harness.send(rep, "Globex called, we refund 5,000 for the damaged units")
    assert "↩️ refund 5,000.00" in harness.last(rep).text
    await harness.press(rep, "Save")
    assert "↩️ refund 5,000.00" in harness.last(rep).text
    [row] = _rows(harness, Interaction)
    assert (row.kind, row.amount_minor) == ("deal", -500_000)


async def test_history_corrects_customer_kind_date_amount_and_feedback(harness: Harness) -> None:
    rep = await _rep(harness, "en")
    await harness.send(rep, "called acme about the order")
    await harness.press(rep, "Save")
    await harness.send(rep, "/find acme")
    await harness.press(rep, "Acme")
    await harness.press(rep, "History")
    await harness.press(rep, "✏️ 1")
    await harness.press(rep, "Amount")
    await harness.send(rep, "plenty")
    assert "not an amount" in harness.last(rep).text
    await harness.send(rep, "3万 USD")
    assert "Corrected" in harness.sent(rep)[-2].text
    [row] = _rows(harness, Interaction)
    assert (row.amount_minor, row.currency) == (3_000_000, "USD")
    for label, then in (("Kind", "Deal"), ("Feedback", "Complaint")):
        await harness.press(rep, "History")
        await harness.press(rep, "✏️ 1")
        await harness.press(rep, label)
        await harness.press(rep, then)
    await harness.press(rep, "History")
    await harness.press(rep, "✏️ 1")
    await harness.press(rep, "Date")
    await harness.send(rep, "2026-11-20 15:00")
    await harness.press(rep, "History")
    await harness.press(rep, "✏️ 1")
    await harness.press(rep, "Customer")
    await harness.send(rep, "globex")
    saved = harness.sent(rep)[-2].text
    assert "now belongs to this customer" in saved and "Globex" in harness.last(rep).text
    [row] = _rows(harness, Interaction)
    with harness.db.session() as session:
        globex = session.exec(select(Customer).where(Customer.name == "Globex")).one()
    assert (row.customer_id, row.kind, row.occurred_at.date()) == (globex.id, "deal", date(2026, 11, 20))
    assert [(f.kind, f.customer_id) for f in _rows(harness, Feedback)] == [("complaint", globex.id)]


async def test_the_parser_reads_expected_money_and_the_save_opens_an_opportunity(harness: Harness) -> None:
    """End to end with the real parser: 'sign 1.2m by Jan 15' is expected money, never a deal."""
    rep = await _rep(harness, "en")
    await harness.send(rep, "Met Acme, they want to sign 1.2m by Jan 15")
    assert "🎯 expected 1,200,000.00 CNY · by 2027-01-15" in harness.last(rep).text
    await harness.press(rep, "Save")
    assert "New opportunity opened" in harness.last(rep).text
    assert [r.amount_minor for r in _rows(harness, Interaction)] == [None]
    [opportunity] = _rows(harness, Opportunity)
    assert (opportunity.amount_minor, opportunity.expected_signing_date) == (120_000_000, date(2027, 1, 15))

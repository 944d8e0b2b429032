"""Rules added after the field set's fifth look (one rule per test)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "text, contact, number",
    [
        (
            "new number for bob at globex 555-867-5309",
            "bob",
            "5558675309",
        ),  # the person between the word and the number
        ("new # for jane: +1 505 555 0188", "jane", "+15055550188"),  # "#" for number
        ("Pepper's cell # is now 139 1234 5678", "pepper", "13912345678"),
    ],
)
def test_a_new_number_written_the_short_way(read, text: str, contact: str, number: str) -> None:
    phones = [f for f in read(text).facts if f.kind == "phone"]
    assert phones and phones[0].value == number
    assert contact in phones[0].contact.lower()


def test_a_number_far_from_its_word_is_no_phone(read) -> None:
    """An order number is not a phone: no phone word within reach of the digits."""
    assert not [f for f in read("Globex PO received, ref 4500012345, shipping next week").facts if f.kind == "phone"]


@pytest.mark.parametrize(
    "text, kind",
    [
        ("去华为园区开会 李经理说下个月初付款", "visit"),  # the customer's plan to pay is no deal yet
        ("globex will send the signed contract by friday", "note"),
    ],
)
def test_money_the_customer_will_pay_or_sign_later_is_no_deal(read, text: str, kind: str) -> None:
    assert read(text).kind == kind


def test_a_deal_said_before_the_customers_next_plan_stays_a_deal(read) -> None:
    assert read("华为签约50万 李经理说下个月付首款").kind == "deal"

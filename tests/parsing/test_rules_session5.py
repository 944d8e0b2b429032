"""Rules added after the field set's fifth look (one rule per test)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("text, contact, number", [
    ("new number for bob at globex 555-867-5309", "bob", "5558675309"),   # the person between the word and the number
    ("new # for jane: +1 505 555 0188", "jane", "+15055550188"),           # "#" for number
    ("Pepper's cell # is now 139 1234 5678", "pepper", "13912345678"),
])
def test_a_new_number_written_the_short_way(read, text: str, contact: str, number: str) -> None:
    phones = [f for f in read(text).facts if f.kind == "phone"]
    assert phones and phones[0].value == number
    assert contact in phones[0].contact.lower()


def test_a_number_far_from_its_word_is_no_phone(read) -> None:
    """An order number is not a phone: no phone word within reach of the digits."""
    assert not [f for f in read("Globex PO received, ref 4500012345, shipping next week").facts if f.kind == "phone"]

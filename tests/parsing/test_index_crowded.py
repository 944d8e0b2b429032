"""A short form many customers share names none of them (the index leaves it out of the scan)."""

from __future__ import annotations

from core.parsing.customers import CustomerIndex
from core.parsing.model import BookEntry


def _book(n: int) -> CustomerIndex:
    return CustomerIndex(
        [BookEntry(i, f"Company {i:05d} Ltd") for i in range(1, n + 1)]
        + [BookEntry(10_001, "中兴通讯"), BookEntry(10_002, "中兴微电子")]
    )


def test_a_form_shared_by_more_customers_than_a_card_can_rank_makes_no_mention() -> None:
    index = _book(2_000)  # "company" (the first word) and "company 000" are each shared by hundreds
    assert index.scan("the company wants a quote") == []  # not 2,000 mentions to rank, for a choice of none
    assert index.scan("company 000 asked again") == []
    assert {m.customer_id for m in index.scan("called company 00042 ltd about the invoice")} == {42}


def test_a_form_few_customers_share_still_offers_each_of_them() -> None:
    index = _book(50)
    assert {c.customer_id for c in index.mentions("给中兴打了电话")} == {10_001, 10_002}  # ambiguous: ask
    assert {m.customer_id for m in index.scan("company 0004")} == set(range(40, 50))  # 10 share it: kept

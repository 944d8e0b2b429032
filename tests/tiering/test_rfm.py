"""RFM scores by position, ties broken by id, the segment table and "No purchases"."""

from dataclasses import replace
from decimal import Decimal

import pytest

from core.tiering import build_stats, evaluate_book, evaluate_one
from core.tiering.rfm import position_score

from .factories import NOW, cny, days_ago, facts


def buyer(id, days=10, deals=1, amount="100", **overrides):
    return facts(id, rfm_last_deal_at=days_ago(days), rfm_deal_count=deals, rfm_amount=cny(amount), **overrides)


def rfm_of(policy, book):
    return {r.customer_id: r.model("rfm") for r in evaluate_book(book, policy, NOW)}


def test_position_score_formula():
    assert [position_score(i, 10) for i in range(10)] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert [position_score(i, 5) for i in range(5)] == [1, 2, 3, 4, 5]
    assert position_score(0, 1) == 1  # a lone buyer: small books cannot reach 5


def test_recency_by_position_most_recent_scores_five(policy):
    book = [buyer(i, days=20 - i) for i in range(1, 11)]  # id 10 bought most recently
    scores = {cid: result.r for cid, result in rfm_of(policy, book).items()}
    assert scores == {1: 1, 2: 1, 3: 2, 4: 2, 5: 3, 6: 3, 7: 4, 8: 4, 9: 5, 10: 5}


def test_ties_are_broken_by_ascending_customer_id(policy):
    book = [buyer(i, days=3, deals=2, amount="50") for i in (5, 3, 1, 4, 2)]
    results = rfm_of(policy, book)
    assert {cid: (r.r, r.f, r.m) for cid, r in results.items()} == {
        1: (1, 1, 1),
        2: (2, 2, 2),
        3: (3, 3, 3),
        4: (4, 4, 4),
        5: (5, 5, 5),
    }


def test_frequency_and_monetary_use_count_and_converted_amount(policy):
    book = [
        buyer(1, deals=9, amount="1000"),
        buyer(2, deals=1, amount="10"),
        facts(
            3, rfm_last_deal_at=days_ago(10), rfm_deal_count=5, rfm_amount={"USD": Decimal("200")}
        ),  # 1420 CNY: the biggest
        buyer(4, deals=3, amount="500"),
        buyer(5, deals=7, amount="1"),
    ]
    results = rfm_of(policy, book)
    assert {cid: r.f for cid, r in results.items()} == {1: 5, 2: 1, 3: 3, 4: 2, 5: 4}
    assert {cid: r.m for cid, r in results.items()} == {1: 4, 2: 2, 3: 5, 4: 3, 5: 1}
    assert results[3].amount == Decimal("1420.00")


@pytest.mark.parametrize(
    "scores, segment",
    [
        ((5, 5, 5), "champions"),
        ((4, 4, 4), "champions"),
        ((1, 4, 5), "cant_lose_them"),
        ((1, 5, 4), "cant_lose_them"),
        ((3, 3, 3), "loyal"),
        ((2, 5, 3), "loyal"),
        ((5, 3, 5), "loyal"),
        ((5, 1, 1), "new"),
        ((4, 1, 1), "new"),
        ((3, 1, 1), "promising"),
        ((5, 2, 1), "potential_loyalist"),
        ((3, 3, 1), "potential_loyalist"),
        ((3, 2, 2), "potential_loyalist"),
        ((3, 1, 2), "potential_loyalist"),
        ((2, 2, 2), "need_attention"),
        ((2, 3, 2), "need_attention"),
        ((2, 1, 1), "about_to_sleep"),
        ((2, 1, 2), "about_to_sleep"),
        ((2, 2, 1), "about_to_sleep"),
        ((1, 3, 3), "at_risk"),
        ((1, 2, 5), "at_risk"),
        ((1, 4, 3), "at_risk"),
        ((1, 1, 1), "lost"),
        ((1, 2, 1), "lost"),
        ((1, 1, 2), "lost"),
        ((5, 5, 1), "others"),
        ((1, 1, 5), "others"),
        ((5, 1, 5), "others"),
    ],
)
def test_segment_table_first_matching_row_wins(policy, scores, segment):
    assert policy.model("rfm").segment_for(*scores).code == segment


def test_every_segment_row_is_reachable(policy):
    model = policy.model("rfm")
    reached = {model.segment_for(r, f, m).code for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)}
    assert reached == {s.code for s in model.segments} | {"others"}


def test_customers_without_purchases(policy):
    result = rfm_of(policy, [facts(1), buyer(2)])[1]
    assert (result.tier, result.r, result.f, result.m) == ("no_purchases", None, None, None)
    assert result.name("en") == "No purchases"
    assert result.summary()["segment"] == "no_purchases"


def test_half_a_purchase_record_is_no_purchase_and_flagged(policy):
    result = rfm_of(policy, [facts(1, rfm_deal_count=3)])[1]
    assert result.tier == "no_purchases" and result.flags == ("inconsistent_rfm",)


def test_future_deal_is_ranked_and_flagged(policy):
    results = rfm_of(policy, [buyer(1, days=-3), buyer(2, days=5)])
    assert "future_date:rfm_last_deal_at" in results[1].flags
    assert results[1].r > results[2].r


def test_segments_end_to_end(policy):
    # five buyers: id 5 is the most recent, most frequent and biggest; id 1 the least of each
    book = [buyer(i, days=60 - 10 * i, deals=i, amount=str(100 * i)) for i in range(1, 6)]
    results = rfm_of(policy, book)
    assert results[5].tier == "champions" and results[5].name("zh") == "冠军客户"
    assert results[1].tier == "lost"
    assert (results[3].r, results[3].f, results[3].m, results[3].tier) == (3, 3, 3, "loyal")


def test_evaluate_one_ranks_a_changed_customer_against_the_others(policy):
    book = [buyer(i, days=20 - i) for i in range(1, 11)]
    stats = build_stats(book, policy)
    renewed = replace(book[0], rfm_last_deal_at=NOW, rfm_deal_count=2)  # id 1 buys again today
    result = evaluate_one(renewed, stats, policy, NOW).model("rfm")
    assert result.r == 5  # position 9 of 10: its old entry is not counted against it
    newcomer = buyer(99, days=0)
    assert evaluate_one(newcomer, stats, policy, NOW).model("rfm").r == 5  # 10 of 11

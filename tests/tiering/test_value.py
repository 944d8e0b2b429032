"""Value tiers: contribution percentile, ratings, stability, thresholds, the develop flag."""

from datetime import timedelta
from decimal import Decimal

import pytest

from core.tiering import evaluate_book

from .factories import NOW, TODAY, cny, days_ago, facts


def value_results(policy, book):
    return {result.customer_id: result.model("value") for result in evaluate_book(book, policy, NOW)}


def contribution(policy, book):
    return {
        cid: result.component("contribution").points
        for cid, result in value_results(policy, book).items()
        if result is not None
    }


# --- contribution percentile ----------------------------------------------------------------


def test_percentile_with_ties(policy):
    book = [
        facts(1, revenue_12m=cny("100")),
        facts(2, revenue_12m=cny("200")),
        facts(3, revenue_12m=cny("200")),
        facts(4, revenue_12m=cny("300")),
        facts(5, revenue_12m=cny("0")),
    ]
    # n = 5: L and E count the *other* active customers; points = 100·(L + E/2)/(n − 1)
    assert contribution(policy, book) == {1: 25.0, 2: 62.5, 3: 62.5, 4: 100.0, 5: 0.0}


def test_only_active_customers_are_compared(policy):
    book = [
        facts(1, revenue_12m=cny("100")),
        facts(2, revenue_12m=cny("300")),
        facts(3, stage="prospect", revenue_12m=cny("1000")),
        facts(4, stage="lost", revenue_12m=cny("1000")),
    ]
    assert contribution(policy, book) == {1: 0.0, 2: 100.0}


def test_lower_equal_and_others_are_in_the_explanation(policy):
    book = [facts(1, revenue_12m=cny("100")), facts(2, revenue_12m=cny("200")), facts(3, revenue_12m=cny("200"))]
    component = value_results(policy, book)[2].component("contribution")
    assert dict(component.inputs) == {"lower": 1, "equal": 1, "others": 2}
    assert component.raw == Decimal("200")


def test_empty_book(policy):
    assert evaluate_book([], policy, NOW) == ()


def test_single_customer_gets_full_points_when_it_has_revenue(policy):
    assert contribution(policy, [facts(1, revenue_12m=cny("0.01"))]) == {1: 100.0}
    assert contribution(policy, [facts(1, revenue_12m=cny("0"))]) == {1: 0.0}
    assert contribution(policy, [facts(1)]) == {1: 0.0}


def test_identical_positive_revenues_score_fifty_each(policy):
    book = [facts(i, revenue_12m=cny("500")) for i in range(1, 5)]
    assert set(contribution(policy, book).values()) == {50.0}


def test_amounts_with_cents_and_exchange_rates(policy):
    book = [
        facts(1, revenue_12m={"USD": Decimal("100.25")}),  # 711.7750 CNY
        facts(2, revenue_12m=cny("711.78")),
        facts(3, revenue_12m={"USD": Decimal("100.25"), "CNY": Decimal("0.01")}),
        facts(4, revenue_12m=cny("711.77")),
    ]
    results = value_results(policy, book)
    assert results[1].component("contribution").raw == Decimal("711.7750")
    assert results[3].component("contribution").raw == Decimal("711.7850")
    assert contribution(policy, book) == {
        4: 0.0,
        1: pytest.approx(100 / 3, abs=0.01),
        2: pytest.approx(200 / 3, abs=0.01),
        3: 100.0,
    }


def test_unknown_currency_counts_zero_and_is_flagged(policy):
    result = value_results(policy, [facts(1, revenue_12m={"XYZ": Decimal("5"), "CNY": Decimal("10")})])[1]
    assert result.component("contribution").raw == Decimal("10")
    assert "unknown_currency:XYZ" in result.flags


def test_negative_revenue_counts_as_given_scores_zero_and_is_flagged(policy):
    book = [facts(1, revenue_12m=cny("-50")), facts(2, revenue_12m=cny("10"))]
    results = value_results(policy, book)
    assert results[1].component("contribution").points == 0
    assert "negative_revenue" in results[1].flags
    assert dict(results[2].component("contribution").inputs)["lower"] == 1


def test_non_finite_amounts_count_zero_and_are_flagged(policy):
    result = value_results(policy, [facts(1, revenue_12m={"CNY": Decimal("NaN"), "USD": Decimal("1")})])[1]
    assert result.component("contribution").raw == Decimal("7.10")
    assert "invalid_amount:CNY" in result.flags


# --- ratings --------------------------------------------------------------------------------


@pytest.mark.parametrize("rating, points", [(1, 0), (2, 25), (3, 50), (4, 75), (5, 100)])
def test_rating_points(policy, rating, points):
    result = value_results(policy, [facts(potential=rating, influence=rating)])[1]
    assert result.component("potential").points == points
    assert result.component("influence").points == points


def test_unrated_counts_fifty_and_is_flagged(policy):
    result = value_results(policy, [facts(potential=None, influence=3)])[1]
    assert result.component("potential").points == 50
    assert dict(result.component("potential").inputs) == {"missing": True}
    assert "unrated_potential" in result.flags and "unrated_influence" not in result.flags


def test_out_of_range_rating_is_ignored_and_flagged(policy):
    result = value_results(policy, [facts(potential=7)])[1]
    assert result.component("potential").points == 50
    assert "invalid_rating:potential" in result.flags


# --- stability ------------------------------------------------------------------------------


def stability(policy, **overrides):
    return value_results(policy, [facts(**overrides)])[1].component("stability")


def test_stability_half_length_half_active_months(policy):
    component = stability(policy, contract_start=TODAY - timedelta(days=730), active_months_12=6)
    assert component.points == 45.0  # 50·(2 years / 5) + 50·6/12
    assert component.raw == {"years": 2.0, "active_months": 6}


def test_stability_falls_back_to_the_first_interaction(policy):
    component = stability(policy, first_interaction_at=days_ago(365), active_months_12=12)
    assert component.points == 60.0
    assert dict(component.inputs)["since"] == days_ago(365)


def test_stability_is_full_from_five_years(policy):
    assert stability(policy, contract_start=TODAY - timedelta(days=3000), active_months_12=12).points == 100.0


def test_stability_without_a_start_date_is_flagged(policy):
    result = value_results(policy, [facts(active_months_12=3)])[1]
    assert result.component("stability").points == 12.5
    assert "no_relationship_start" in result.flags


def test_future_contract_start_counts_zero_and_is_flagged(policy):
    result = value_results(policy, [facts(contract_start=TODAY + timedelta(days=10))])[1]
    assert result.component("stability").points == 0
    assert "future_date:contract_start" in result.flags


def test_active_months_out_of_range_are_clamped_and_flagged(policy):
    result = value_results(policy, [facts(active_months_12=15)])[1]
    assert result.component("stability").raw["active_months"] == 12
    assert "invalid_active_months" in result.flags


# --- score and tiers ------------------------------------------------------------------------


def test_score_is_the_weighted_sum(policy):
    book = [
        facts(1, revenue_12m=cny("100")),
        facts(
            2,
            revenue_12m=cny("200"),
            potential=4,
            influence=2,
            active_months_12=6,
            contract_start=TODAY - timedelta(days=730),
        ),
        facts(3, revenue_12m=cny("200")),
        facts(4, revenue_12m=cny("300")),
        facts(5, revenue_12m=cny("0")),
    ]
    result = value_results(policy, book)[2]
    # contribution 62.5 × 40 + potential 75 × 25 + stability 45 × 20 + influence 25 × 15, / 100
    assert result.parts == (25.0, 18.75, 9.0, 3.75)
    assert result.score == 56.5 and result.tier == "key"


def vip_candidate(days_of_contract: int):
    # Alone with revenue: contribution 100 (40); potential 5 (25); influence 1 (0);
    # stability only from the contract's length, without active months.
    return facts(
        revenue_12m=cny("1"),
        potential=5,
        influence=1,
        active_months_12=0,
        contract_start=TODAY - timedelta(days=days_of_contract),
    )


def test_threshold_74_99_is_key_and_75_is_vip(policy):
    just_below = value_results(policy, [vip_candidate(1823)])[1]
    assert just_below.component("stability").points == 49.95
    assert (just_below.score, just_below.tier) == (74.99, "key")
    at_threshold = value_results(policy, [vip_candidate(1825)])[1]
    assert (at_threshold.score, at_threshold.tier) == (75.0, "vip")


def test_gap_to_the_next_tier(policy):
    result = value_results(policy, [vip_candidate(1823)])[1]
    assert result.next_tier == "vip" and result.gap == 0.01
    top = value_results(policy, [vip_candidate(1825)])[1]
    assert top.next_tier is None and top.gap is None


def test_regular_below_fifty(policy):
    result = value_results(policy, [facts(potential=1, influence=1)])[1]
    assert result.score == 0.0 and result.tier == "regular"
    assert result.name("zh") == "普通客户" and result.name("en") == "Regular"


def test_develop_flag_for_high_potential_below_vip(policy):
    assert "develop" in value_results(policy, [facts(potential=4)])[1].flags
    assert "develop" not in value_results(policy, [facts(potential=3)])[1].flags
    vip = value_results(policy, [vip_candidate(1825)])[1]
    assert vip.tier == "vip" and "develop" not in vip.flags


def test_value_tier_does_not_apply_to_prospects_or_lost(policy):
    results = value_results(policy, [facts(1, stage="prospect"), facts(2, stage="lost")])
    assert results == {1: None, 2: None}

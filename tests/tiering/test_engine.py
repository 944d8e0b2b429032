"""Batch and single evaluation, consistency between them, and bad input that must not crash."""

import json
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from core.tiering import BookError, Occasion, build_stats, evaluate_book, evaluate_one, explain

from .factories import NOW, cny, days_ago, facts
from .synthetic import synthetic_book


def test_results_keep_the_book_order_and_the_policy_version(policy):
    book = [facts(3), facts(1), facts(2, stage="prospect")]
    results = evaluate_book(book, policy, NOW)
    assert [r.customer_id for r in results] == [3, 1, 2]
    assert {r.policy_version for r in results} == {policy.version}


def test_models_that_do_not_apply_are_none(policy):
    prospect = evaluate_book([facts(stage="prospect")], policy, NOW)[0]
    assert prospect.models == {
        "value": None,
        "rfm": prospect.model("rfm"),
        "pipeline": prospect.model("pipeline"),
        "service": None,
    }
    with pytest.raises(KeyError):
        prospect.model("loyalty")


def test_evaluate_one_agrees_with_evaluate_book(policy):
    book = synthetic_book(300, seed=3, now=NOW)
    stats = build_stats(book, policy)
    for customer, result in zip(book, evaluate_book(book, policy, NOW)):
        assert evaluate_one(customer, stats, policy, NOW).to_dict("en") == result.to_dict("en")


def test_evaluate_one_after_a_new_deal(policy):
    book = [facts(1, revenue_12m=cny("100")), facts(2, revenue_12m=cny("200")), facts(3, revenue_12m=cny("300"))]
    stats = build_stats(book, policy)
    grown = replace(book[0], revenue_12m=cny("250"))
    component = evaluate_one(grown, stats, policy, NOW).model("value").component("contribution")
    assert dict(component.inputs) == {"lower": 1, "equal": 0, "others": 2}
    assert component.points == 50.0
    stranger = facts(9, revenue_12m=cny("1000"))  # not in the statistics yet: n grows by one
    assert dict(evaluate_one(stranger, stats, policy, NOW).model("value").component("contribution").inputs) == {
        "lower": 3,
        "equal": 0,
        "others": 3,
    }


def test_identical_customers_get_identical_results(policy):
    book = [
        facts(
            i,
            revenue_12m=cny("100"),
            potential=3,
            rfm_last_deal_at=days_ago(5),
            rfm_deal_count=2,
            rfm_amount=cny("100"),
        )
        for i in range(1, 6)
    ]
    results = evaluate_book(book, policy, NOW)
    assert len({(r.model("value").score, r.model("value").tier) for r in results}) == 1
    assert [r.model("rfm").r for r in results] == [1, 2, 3, 4, 5]  # ties broken by id


def test_statistics_of_another_policy_are_refused(policy, sponsor_policy):
    stats = build_stats([facts()], sponsor_policy)
    with pytest.raises(BookError):
        evaluate_one(facts(), stats, policy, NOW)


def test_now_must_be_aware(policy):
    with pytest.raises(BookError):
        evaluate_book([facts()], policy, datetime(2025, 6, 15, 12, 0))


def test_duplicate_ids_are_refused(policy):
    with pytest.raises(BookError):
        evaluate_book([facts(1), facts(1)], policy, NOW)


def test_flags_are_sorted_and_unique(policy):
    result = evaluate_book(
        [
            facts(
                revenue_12m={"XYZ": Decimal(1)},
                rfm_deal_count=1,
                rfm_last_deal_at=days_ago(1),
                rfm_amount={"XYZ": Decimal(1)},
            )
        ],
        policy,
        NOW,
    )[0]
    assert list(result.flags) == sorted(set(result.flags))
    assert result.flags.count("unknown_currency:XYZ") == 1


ODD_FACTS = [
    facts(1, stage="archived"),
    facts(
        2,
        added_at=datetime(2025, 6, 1, 8, 0),
        last_contact_at=datetime(2025, 6, 2),
        rfm_last_deal_at=datetime(2025, 6, 3),
        rfm_deal_count=1,
        rfm_amount=cny("5"),
    ),
    facts(
        3,
        added_at=NOW + timedelta(days=30),
        last_contact_at=NOW + timedelta(days=3),
        last_visit_at=NOW + timedelta(days=9),
        contract_start=date(2030, 1, 1),
        first_interaction_at=NOW + timedelta(days=1),
    ),
    facts(
        4,
        revenue_12m={"CNY": Decimal("1E+30"), "USD": Decimal("Infinity")},
        rfm_last_deal_at=days_ago(1),
        rfm_deal_count=10**9,
        rfm_amount={"CNY": Decimal("-1E+12")},
    ),
    facts(
        5,
        potential=0,
        influence=6,
        expectation=True,
        satisfaction=-1,
        latest_feedback_satisfaction=99,
        active_months_12=-4,
        open_complaints=-2,
        interactions_last_90=-1,
        interactions_prev_90=-5,
    ),
    facts(6, timezone="Not/AZone", rfm_deal_count=-3, rfm_last_deal_at=days_ago(2)),
    facts(
        7,
        stage="prospect",
        pipeline_stage="",
        expected_signing_date=date(1999, 1, 1),
        intention=10,
        occasions=(Occasion("birthday", date(2025, 6, 15)), Occasion("funeral", date(2025, 6, 16))),
    ),
    facts(8, attributes={"amount": Decimal("NaN")}, assigned_tiers={"value": "ghost", "x": "y"}, timezone=""),
]


def test_odd_facts_never_crash(policy, sponsor_policy):
    for chosen in (policy, sponsor_policy):
        results = evaluate_book(ODD_FACTS, chosen, NOW)
        stats = build_stats(ODD_FACTS, chosen)
        for customer, result in zip(ODD_FACTS, results):
            assert evaluate_one(customer, stats, chosen, NOW) == result
            for lang in ("en", "zh"):
                explain(result, chosen, lang)
                json.dumps(result.to_dict(lang))
                [action.text(lang) for action in result.actions]


def test_odd_facts_are_flagged(policy):
    results = {r.customer_id: r for r in evaluate_book(ODD_FACTS, policy, NOW)}
    assert "unknown_stage:archived" in results[1].flags
    assert all(r is None for r in results[1].models.values())
    assert {"future_date:contract_start", "future_date:last_contact_at"} <= set(results[3].flags)
    assert results[3].cadence.status == "ok"
    assert "invalid_amount:USD" in results[4].flags
    assert {"invalid_rating:potential", "invalid_rating:influence", "invalid_active_months"} <= set(results[5].flags)
    assert "unknown_timezone" in results[6].flags
    assert results[6].model("rfm").tier == "no_purchases"
    assert {
        "signing_date_passed",
        "unknown_pipeline_stage:",
        "invalid_rating:intention",
        "unknown_occasion:funeral",
    } <= set(results[7].flags)
    assert "unknown_tier:value:ghost" in results[8].flags


def test_a_naive_datetime_in_the_facts_is_read_as_utc(policy):
    aware = facts(last_contact_at=days_ago(3), last_visit_at=None)
    naive = replace(aware, last_contact_at=days_ago(3).replace(tzinfo=None))
    assert evaluate_book([naive], policy, NOW)[0].cadence.any.days_since == 3
    assert (
        evaluate_book([naive], policy, NOW)[0].cadence.status == evaluate_book([aware], policy, NOW)[0].cadence.status
    )


def test_results_are_frozen(policy):
    result = evaluate_book([facts()], policy, NOW)[0]
    with pytest.raises(AttributeError):
        result.flags = ()
    with pytest.raises(AttributeError):
        result.model("value").score = 100

"""Pipeline grades A/B/C for prospects and service grades D/E/F for active customers."""

from datetime import UTC, datetime

import pytest

from core.tiering import OpenOpportunity, evaluate_book

from .factories import NOW, date_in, facts


def pipeline(policy, now=NOW, **overrides):
    return evaluate_book([facts(stage="prospect", **overrides)], policy, now)[0].model("pipeline")


def service(policy, **overrides):
    return evaluate_book([facts(**overrides)], policy, NOW)[0].model("service")


# --- pipeline -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rating, stage, signing, maturity, grade",
    [
        (4, "contract_sent", None, 0.7, "A"),  # 0.3 + 0.4 + 0: exactly the A threshold
        (4, "proposal", date_in(10), 0.74, "A"),  # 0.3 + 0.24 + 0.2
        (5, "lead", None, 0.4, "B"),  # 0.4: exactly the B threshold
        (4, "lead", date_in(60), 0.4, "B"),  # 0.3 + 0 + 0.1
        (4, "contacted", None, 0.38, "C"),  # 0.3 + 0.08
        (1, "negotiation", date_in(200), 0.32, "C"),
        (5, "contract_sent", date_in(0), 1.0, "A"),
    ],
)
def test_maturity_and_grade(policy, rating, stage, signing, maturity, grade):
    result = pipeline(policy, intention=rating, pipeline_stage=stage, expected_signing_date=signing)
    assert (result.score, result.tier) == (maturity, grade)


def test_parts_add_up_to_the_maturity(policy):
    result = pipeline(policy, intention=3, pipeline_stage="negotiation", expected_signing_date=date_in(45))
    assert result.parts == (0.2, 0.32, 0.1)
    assert (result.intention, result.progress, result.timing) == (0.5, 0.8, 0.5)
    assert result.score == 0.62


@pytest.mark.parametrize("days, timing", [(0, 1.0), (30, 1.0), (31, 0.5), (90, 0.5), (91, 0.0)])
def test_timing_windows_are_inclusive(policy, days, timing):
    result = pipeline(policy, intention=3, pipeline_stage="lead", expected_signing_date=date_in(days))
    assert result.timing == timing and result.days_to_signing == days


def test_signing_date_in_the_past_counts_zero_and_is_flagged(policy):
    result = pipeline(policy, intention=3, pipeline_stage="lead", expected_signing_date=date_in(-1))
    assert result.timing == 0 and "signing_date_passed" in result.flags


def test_missing_inputs_count_zero_and_are_flagged(policy):
    result = pipeline(policy)
    assert (result.score, result.tier) == (0.0, "C")
    assert result.flags == ("no_pipeline_stage", "no_signing_date", "unrated_intention")
    assert "unknown_pipeline_stage:won" in pipeline(policy, pipeline_stage="won").flags


def test_signing_timing_uses_the_customers_local_date(policy):
    # 20:00 UTC on 15 June is already 16 June in Shanghai: 16 July is 30 days away there
    evening = datetime(2025, 6, 15, 20, 0, tzinfo=UTC)
    signing = datetime(2025, 7, 16).date()
    in_shanghai = pipeline(
        policy, now=evening, timezone="Asia/Shanghai", intention=3, pipeline_stage="lead", expected_signing_date=signing
    )
    in_utc = pipeline(policy, now=evening, intention=3, pipeline_stage="lead", expected_signing_date=signing)
    assert (in_shanghai.days_to_signing, in_shanghai.timing) == (30, 1.0)
    assert (in_utc.days_to_signing, in_utc.timing) == (31, 0.5)


def test_pipeline_applies_to_prospects_only(policy):
    assert evaluate_book([facts()], policy, NOW)[0].model("pipeline") is None


def test_open_opportunities_give_intention_stage_and_signing_date(policy):
    """The highest intention, the furthest known stage and the nearest date not yet passed of the
    open opportunities win over the customer's own fields."""
    opportunities = (
        OpenOpportunity("lead", 2, date_in(60)),
        OpenOpportunity("negotiation", None, date_in(-5)),
        OpenOpportunity("lost-in-translation", 5, date_in(20)),
    )
    result = pipeline(
        policy,
        intention=1,
        pipeline_stage="contacted",
        expected_signing_date=date_in(200),
        open_opportunities=opportunities,
    )
    assert (result.rating, result.stage, result.days_to_signing) == (5, "negotiation", 20)
    assert result.score == 0.92 and result.tier == "A"  # 0.4 + 0.32 + 0.2


def test_what_no_opportunity_says_comes_from_the_customer(policy):
    result = pipeline(
        policy,
        intention=4,
        pipeline_stage="proposal",
        expected_signing_date=date_in(10),
        open_opportunities=(OpenOpportunity(None, None, None),),
    )
    assert (result.rating, result.stage, result.days_to_signing) == (4, "proposal", 10)


def test_when_every_signing_date_has_passed_the_latest_is_flagged(policy):
    result = pipeline(
        policy,
        intention=3,
        pipeline_stage="lead",
        open_opportunities=(OpenOpportunity(None, None, date_in(-30)), OpenOpportunity(None, None, date_in(-2))),
    )
    assert result.days_to_signing == -2 and "signing_date_passed" in result.flags


# --- service --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expectation, satisfaction, total, grade",
    [
        (5, 5, 10, "D"),
        (4, 4, 8, "D"),
        (4, 3, 7, "E"),
        (3, 2, 5, "E"),
        (2, 2, 4, "F"),
        (1, 1, 2, "F"),
    ],
)
def test_service_grade_boundaries(policy, expectation, satisfaction, total, grade):
    result = service(policy, expectation=expectation, satisfaction=satisfaction)
    assert (result.score, result.tier, result.satisfaction_source) == (total, grade, "rating")


def test_latest_feedback_beats_the_rating(policy):
    result = service(policy, expectation=4, satisfaction=2, latest_feedback_satisfaction=5)
    assert (result.satisfaction, result.satisfaction_source, result.score, result.tier) == (5, "feedback", 9, "D")


def test_invalid_feedback_falls_back_to_the_rating_and_is_flagged(policy):
    result = service(policy, expectation=4, satisfaction=2, latest_feedback_satisfaction=9)
    assert (result.satisfaction_source, result.score) == ("rating", 6)
    assert "invalid_rating:latest_feedback_satisfaction" in result.flags


def test_unscored_service_has_no_grade(policy):
    result = service(policy, satisfaction=4)
    assert (result.tier, result.score) == (None, None)
    assert result.flags == ("unrated_expectation", "unscored_service")
    assert service(policy, expectation=3).flags == ("unrated_satisfaction", "unscored_service")


def test_service_summary_shape(policy):
    assert service(policy, expectation=4, satisfaction=3).summary() == {
        "grade": "E",
        "total": 7,
        "expectation": 4,
        "satisfaction": 3,
        "satisfaction_source": "rating",
        "flags": [],
    }

"""Parsing the shipped policies, and rejecting bad ones with exact key paths."""

import hashlib
from decimal import Decimal

import pytest

from core.policies import default_policy_text, example_policy_text
from core.tiering import PolicyError, parse_policy

from .factories import edited_policy_text


def issues_of(text: str) -> list[str]:
    with pytest.raises(PolicyError) as raised:
        parse_policy(text)
    return [str(issue) for issue in raised.value.issues]


def issues_after(*replacements) -> list[str]:
    return issues_of(edited_policy_text(*replacements))


# --- the shipped policies -----------------------------------------------------------------


def test_default_policy_parses_with_its_models(policy):
    assert [model.code for model in policy.models] == ["value", "rfm", "pipeline", "service"]
    assert policy.name == "default"
    assert policy.base_currency == "CNY"
    assert policy.fx["USD"] == Decimal("7.10") and policy.fx["CNY"] == 1


def test_version_is_the_content_hash():
    text = default_policy_text()
    assert parse_policy(text).version == hashlib.sha256(text.encode()).hexdigest()[:12]
    assert parse_policy(text + "\n# a comment\n").version != parse_policy(text).version


def test_time_allocation_and_rfm_window_are_exposed(policy):
    assert policy.time_allocation == {"D": Decimal("0.70"), "E": Decimal("0.20"), "F": Decimal("0.10")}
    assert policy.rfm_window_days == 730


def test_sponsor_policy_parses(sponsor_policy):
    assert [model.code for model in sponsor_policy.models] == ["sponsor"]
    assert [tier.code for tier in sponsor_policy.model("sponsor").tiers] == ["high", "mid", "basic"]
    assert sponsor_policy.rfm_window_days is None and sponsor_policy.time_allocation == {}


def test_example_policy_text_refuses_unknown_names():
    with pytest.raises(ValueError):
        example_policy_text("../secrets")


def test_flag_text_uses_the_prefix_entry_with_its_argument(policy):
    assert policy.flag_text("unknown_currency:XYZ", "en") == "no exchange rate for XYZ: those deals count 0"
    assert policy.flag_text("develop", "zh") == "重点培养"
    assert policy.flag_text("no_words_for_this", "en") == "no_words_for_this"


def test_rfm_segment_names_are_the_standard_english_ones(policy):
    names = [segment.name.en for segment in policy.model("rfm").segments]
    assert names == [
        "Champions",
        "Can't Lose Them",
        "Loyal",
        "New",
        "Promising",
        "Potential Loyalist",
        "Need Attention",
        "About To Sleep",
        "At Risk",
        "Lost",
    ]
    assert policy.model("rfm").others.name.en == "Others"
    assert policy.model("rfm").no_purchases.name.en == "No purchases"


# --- bad policies -------------------------------------------------------------------------


def test_min_score_out_of_range():
    assert issues_after(("min_score = 50\n", "min_score = 150\n")) == [
        "value.tiers[1].min_score: must be between 0 and 100"
    ]


def test_two_tiers_with_the_same_threshold_overlap():
    assert issues_after(("min_score = 50\n", "min_score = 75\n")) == [
        "value.tiers[1].min_score: same min_score as value.tiers[0] (75): the tiers overlap"
    ]


def test_thresholds_must_fall_from_the_top_tier_down():
    assert issues_after(("min_score = 50\n", "min_score = 80\n")) == [
        "value.tiers[1].min_score: thresholds must fall from the top tier down: 80 is above value.tiers[0] (75)"
    ]


def test_a_tier_must_cover_score_zero():
    text = edited_policy_text(
        (
            'code = "regular"\nname = { en = "Regular", zh = "普通客户" }\nmin_score = 0',
            'code = "regular"\nname = { en = "Regular", zh = "普通客户" }\nmin_score = 10',
        )
    )
    assert issues_of(text) == [
        "value.tiers[2].min_score: the lowest tier must start at 0: no tier covers scores below 10"
    ]


def test_service_grades_must_cover_the_lowest_total():
    assert issues_after(("min_score = 2\n", "min_score = 3\n")) == [
        "service.tiers[2].min_score: the lowest tier must start at 2: no tier covers scores below 3"
    ]


def test_negative_weight():
    assert issues_after(("weight = 25\n", "weight = -25\n")) == ["value.dimensions[1].weight: must not be negative"]


def test_weights_all_zero():
    assert issues_after(
        ("weight = 40\n", "weight = 0\n"),
        ("weight = 25\n", "weight = 0\n"),
        ("weight = 20\n", "weight = 0\n"),
        ("weight = 15\n", "weight = 0\n"),
    ) == ["value.dimensions: weights must not all be zero"]


def test_cadence_ideal_above_max():
    assert issues_after(
        ("lead_days = 7\ncadence = { any = { ideal = 7,", "lead_days = 7\ncadence = { any = { ideal = 20,")
    ) == ["value.tiers[0].cadence.any: ideal (20) must not exceed max (14)"]


def test_unknown_model_type():
    assert issues_after(('type = "weighted"', 'type = "magic"')) == [
        "value.type: unknown model type 'magic' (expected one of weighted, rfm, pipeline, service)"
    ]


def test_unknown_dimension_source():
    assert issues_after(('source = "stability"', 'source = "loyalty"')) == [
        "value.dimensions[2].source: unknown dimension source 'loyalty' (expected "
        "contribution_percentile, rating:<field>, stability, attribute:<name>)"
    ]


def test_unknown_rating_field():
    assert issues_after(('source = "rating:influence"', 'source = "rating:charm"')) == [
        "value.dimensions[3].source: unknown rating field 'charm' (expected one of potential, "
        "influence, intention, expectation, satisfaction)"
    ]


def test_misspelt_key_is_reported_with_the_missing_one():
    assert issues_after(("min_score = 75", "min_scor = 75")) == [
        "value.tiers[0].min_score: required",
        "value.tiers[0].min_scor: unknown key",
    ]


def test_unknown_placeholder_in_an_action_text():
    issues = issues_after(("contact is {days} days overdue", "contact is {dayz} days overdue"))
    assert issues == [
        "actions.contact_overdue.text.en: unknown placeholder {dayz} (allowed: "
        "{days}, {ideal_days}, {last_date}, {max_days}, {since})"
    ]


def test_bad_exchange_rates():
    assert issues_after(('USD = "7.10"', 'USD = "-1"'), ('base = "CNY"', 'base = "yuan"')) == [
        'fx.base: must be a three-letter currency code like "CNY"',
        "fx.USD: must be greater than 0",
    ]


def test_rfm_segment_range_outside_scores():
    issues = issues_after(("r = [4, 5]\nf = [4, 5]\nm = [4, 5]", "r = [4, 6]\nf = [4, 5]\nm = [4, 5]"))
    assert issues == ["rfm.segments[0]: r = [4, 6]: ranges must satisfy 1 ≤ low ≤ high ≤ 5"]


def test_review_dates_must_be_month_days():
    assert issues_after(('cycle = "quarterly"\nday = 1', 'cycle = "dates"\ndates = ["01-15", "02-30"]')) == [
        "review.dates[1]: '02-30' is not a month-day like \"04-01\""
    ]


def test_time_shares_must_add_up_to_one():
    assert issues_after(('time_share = "0.10"', 'time_share = "0.20"')) == [
        "service.tiers: time_share values must add up to 1 (they add up to 1.10)"
    ]


def test_closing_incentive_must_name_a_pipeline_model_and_its_tiers():
    assert issues_after(('tiers = ["A"]', 'tiers = ["A", "Z"]')) == [
        "actions.closing_incentive.tiers[1]: 'Z' is not a tier of pipeline"
    ]


def test_pipeline_weights_must_not_all_be_zero():
    assert issues_after(
        (
            "weights = { intention = 0.4, progress = 0.4, timing = 0.2 }",
            "weights = { intention = 0, progress = 0, timing = 0 }",
        )
    ) == ["pipeline.weights: weights must not all be zero"]


def test_missing_explain_table_and_invalid_toml():
    text = default_policy_text()
    without_explain = text[: text.index("\n[explain]\n")] + text[text.index("\n[flags]\n") :]
    assert issues_of(without_explain) == ["explain: required table is missing"]
    issues = issues_of("value = [")
    assert len(issues) == 1 and issues[0].startswith("not valid TOML")


def test_a_model_table_without_type():
    assert issues_of(default_policy_text() + '\n[extra]\nname = "x"\n') == [
        "extra.type: required (one of weighted, rfm, pipeline, service)"
    ]


def test_several_issues_are_reported_at_once():
    issues = issues_after(
        ("min_score = 50\n", "min_score = 150\n"),
        ("weight = 25\n", "weight = -25\n"),
        ('type = "pipeline"', 'type = "funnel"'),
    )
    assert issues == [
        "value.tiers[1].min_score: must be between 0 and 100",
        "value.dimensions[1].weight: must not be negative",
        "pipeline.type: unknown model type 'funnel' (expected one of weighted, rfm, pipeline, service)",
    ]


def test_policy_error_exposes_paths():
    with pytest.raises(PolicyError) as raised:
        parse_policy(edited_policy_text(("min_score = 50\n", "min_score = 150\n")))
    assert raised.value.paths == ("value.tiers[1].min_score",)
    assert "value.tiers[1].min_score: must be between 0 and 100" in str(raised.value)

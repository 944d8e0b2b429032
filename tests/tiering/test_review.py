"""Re-evaluation decisions (hysteresis, overrides, review days) and the review calendar."""

from datetime import date, timedelta

import pytest

from core.tiering import BookError, Override, decide_tier, is_review_day, next_review_date

from .factories import NOW, policy_with


def decide(policy, previous, live, score, override=None, review=True, model="value"):
    return decide_tier(model, previous, live, score, override, review, policy, NOW)


def test_no_previous_tier_takes_the_live_one(policy):
    decision = decide(policy, None, "key", 60.0, review=False)
    assert (decision.tier, decision.changed, decision.reason) == ("key", True, "initial")


def test_outside_a_review_the_previous_tier_stays(policy):
    decision = decide(policy, "regular", "vip", 90.0, review=False)
    assert (decision.tier, decision.changed, decision.reason) == ("regular", False, "not_review")


def test_review_upgrades_at_once(policy):
    decision = decide(policy, "regular", "vip", 75.0)
    assert (decision.tier, decision.changed, decision.reason) == ("vip", True, "upgrade")


@pytest.mark.parametrize(
    "score, tier, reason",
    [
        (74.99, "vip", "hysteresis"),
        (70.01, "vip", "hysteresis"),
        (70.0, "key", "downgrade"),
        (40.0, "regular", "downgrade"),
    ],
)
def test_review_downgrades_only_past_the_hysteresis(policy, score, tier, reason):
    live = "key" if score >= 50 else "regular"
    decision = decide(policy, "vip", live, score)
    assert (decision.tier, decision.reason) == (tier, reason)


def test_unchanged_at_review(policy):
    decision = decide(policy, "key", "key", 60.0)
    assert (decision.tier, decision.changed, decision.reason) == ("key", False, "unchanged")


def test_active_override_pins_the_tier(policy):
    pin = Override("vip", "strategic account", expires_at=NOW + timedelta(days=30))
    decision = decide(policy, "regular", "regular", 10.0, override=pin, review=False)
    assert (decision.tier, decision.changed, decision.reason) == ("vip", True, "override")
    assert decide(policy, "vip", "regular", 10.0, override=Override("vip")).reason == "override"


def test_expired_override_is_decided_as_at_a_review(policy):
    expired = Override("vip", "trial", expires_at=NOW - timedelta(seconds=1))
    decision = decide(policy, "vip", "regular", 10.0, override=expired, review=False)
    assert (decision.tier, decision.reason) == ("regular", "downgrade")


def test_override_to_an_unknown_tier_is_ignored(policy):
    decision = decide(policy, "key", "vip", 80.0, override=Override("platinum"), review=False)
    assert (decision.tier, decision.reason) == ("key", "not_review")


def test_previous_tier_unknown_to_the_policy(policy):
    assert decide(policy, "gold", "key", 60.0, review=False).reason == "previous_unknown"


def test_no_live_tier_keeps_the_previous_one(policy):
    decision = decide(policy, "E", None, None, model="service")
    assert (decision.tier, decision.changed, decision.reason) == ("E", False, "no_live_tier")


def test_pipeline_hysteresis_is_in_maturity_units(policy):
    assert decide(policy, "A", "B", 0.66, model="pipeline").reason == "hysteresis"
    assert decide(policy, "A", "B", 0.65, model="pipeline").tier == "B"  # 0.7 − 0.65 ≥ 0.05


def test_rfm_segments_are_reassigned_at_review(policy):
    decision = decide(policy, "champions", "at_risk", None, model="rfm")
    assert (decision.tier, decision.reason) == ("at_risk", "reassigned")


def test_unknown_model_is_an_error(policy):
    with pytest.raises(BookError):
        decide(policy, None, "x", 1.0, model="loyalty")


@pytest.mark.parametrize(
    "on, expected",
    [
        (date(2025, 3, 31), date(2025, 4, 1)),
        (date(2025, 4, 1), date(2025, 7, 1)),
        (date(2025, 12, 15), date(2026, 1, 1)),
        (date(2025, 1, 1), date(2025, 4, 1)),
    ],
)
def test_quarterly_review(policy, on, expected):
    assert next_review_date(policy, on) == expected


def test_review_days(policy):
    assert is_review_day(policy, date(2025, 10, 1))
    assert not is_review_day(policy, date(2025, 10, 2))


def test_monthly_review_clamps_to_the_month_end():
    monthly = policy_with(('cycle = "quarterly"\nday = 1', 'cycle = "monthly"\nday = 31'))
    assert next_review_date(monthly, date(2025, 1, 31)) == date(2025, 2, 28)
    assert next_review_date(monthly, date(2024, 1, 31)) == date(2024, 2, 29)
    assert next_review_date(monthly, date(2025, 2, 28)) == date(2025, 3, 31)


def test_review_on_listed_month_days(sponsor_policy):
    assert next_review_date(sponsor_policy, date(2025, 1, 14)) == date(2025, 1, 15)
    assert next_review_date(sponsor_policy, date(2025, 1, 15)) == date(2025, 7, 15)
    assert next_review_date(sponsor_policy, date(2025, 12, 1)) == date(2026, 1, 15)


def test_leap_day_reviews_skip_other_years():
    leap = policy_with(('cycle = "quarterly"\nday = 1', 'cycle = "dates"\ndates = ["02-29"]'))
    assert next_review_date(leap, date(2025, 3, 1)) == date(2028, 2, 29)

"""Hostile policies (issue 12 §6): every number bounded, no width or precision in a format spec,
and any parse failure a PolicyError with a key path — never an OverflowError, a gigabyte or a
RecursionError later."""

import tracemalloc
from datetime import date

import pytest

from core.policies import default_policy_text
from core.tiering import MAX_POLICY_BYTES, cadence_for, parse_policy

from .factories import NOW, TODAY, days_ago, edited_policy_text, facts
from .test_policy import issues_after, issues_of


def test_a_cadence_of_a_billion_days_is_refused():
    issues = issues_after(
        (
            "cadence = { any = { ideal = 7, max = 14 }, visit = { ideal = 30, max = 45 } }",
            "cadence = { any = { ideal = 7, max = 1000000000 }, visit = { ideal = 30, max = 45 } }",
        )
    )
    assert issues == ["value.tiers[0].cadence.any.max: must be at most 3660"]


@pytest.mark.parametrize(
    ("old", "new", "path"),
    [
        ("lead_days = 7\n", "lead_days = 100000\n", "value.tiers[0].lead_days"),
        ("weight = 40\n", "weight = 1e300\n", "value.dimensions[0].weight"),
        ("hysteresis = 5 ", "hysteresis = 1e300 ", "value.hysteresis"),
        ("upsell_margin = 5 ", "upsell_margin = inf ", "value.upsell_margin"),
        ("full_years = 5\n", "full_years = nan\n", "value.dimensions[2].full_years"),
        ("priority = 100\n", "priority = 100000000000000000000\n", "actions.open_complaint.priority"),
        ('USD = "7.10"', 'USD = "1e400"', "fx.USD"),
        ("min_score = 75", "min_score = nan", "value.tiers[0].min_score"),
    ],
)
def test_every_number_is_bounded(old, new, path):
    issues = issues_after((old, new))
    assert [issue.split(":")[0] for issue in issues] == [path], issues


def test_a_format_spec_with_a_width_is_refused_without_formatting_it():
    tracemalloc.start()
    try:
        issues = issues_after(("contact is {days} days overdue", "contact is {days:100000000} days overdue"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert issues == [
        "actions.contact_overdue.text.en: {days:100000000} sets a width or precision (write {days} alone)"
    ]
    assert peak < 20_000_000  # formatting it would take 100 MB per language


def test_a_precision_and_a_nested_width_are_refused_too():
    issues = issues_after(("contact is {days} days overdue", "contact is {days:.3} or {days:{since}} days overdue"))
    assert issues == [
        "actions.contact_overdue.text.en: {days:.3} sets a width or precision (write {days} alone)",
        "actions.contact_overdue.text.en: {days:{since}} sets a width or precision (write {days} alone)",
    ]


def test_deep_nesting_is_a_policy_error_not_a_recursion_error():
    assert issues_of(default_policy_text() + "\nx = " + "[" * 3000 + "]" * 3000 + "\n") == [
        "not valid TOML: nested too deeply"
    ]


def test_a_huge_integer_is_a_policy_error():
    issues = issues_of(default_policy_text().replace("day = 1\n", "day = " + "9" * 5000 + "\n", 1))
    assert len(issues) == 1 and issues[0].startswith("not valid TOML"), issues


def test_the_size_is_checked_before_parsing():
    text = default_policy_text() + "#" * MAX_POLICY_BYTES
    assert issues_of(text) == [f"the policy is larger than {MAX_POLICY_BYTES // 1024} KB"]


def test_cross_checks_still_run_when_a_table_is_invalid():
    """Every error at once: a bad number in one model and a bad placeholder in an action."""
    issues = issues_after(
        ("min_score = 50\n", "min_score = 150\n"), ("contact is {days} days overdue", "contact is {dayz} days overdue")
    )
    assert issues == [
        "value.tiers[1].min_score: must be between 0 and 100",
        "actions.contact_overdue.text.en: unknown placeholder {dayz} (allowed: "
        "{days}, {ideal_days}, {last_date}, {max_days}, {since})",
    ]


def test_the_largest_cadence_allowed_still_gives_dates():
    """At the bound a card still has dates: no OverflowError for a customer never contacted."""
    policy = parse_policy(
        edited_policy_text(
            (
                "cadence = { any = { ideal = 7, max = 14 }, visit = { ideal = 30, max = 45 } }",
                "cadence = { any = { ideal = 3660, max = 3660 }, visit = { ideal = 3660, max = 3660 } }",
            )
        )
    )
    cadence = cadence_for(facts(last_contact_at=days_ago(2), last_visit_at=None), {"value": "vip"}, policy, NOW)
    assert cadence.any.deadline == date.fromordinal(TODAY.toordinal() - 2 + 3660)

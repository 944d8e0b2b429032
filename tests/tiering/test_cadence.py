"""Contact cadence: ok / due / overdue, tightest wins, local dates, assigned vs live tiers."""

from datetime import UTC, date, datetime

import pytest

from core.tiering import cadence_for, evaluate_book, live_cadence

from .factories import NOW, TODAY, cny, days_ago, facts, policy_with

VIP = {"value": "vip"}


@pytest.mark.parametrize(
    "days, status, overdue",
    [
        (0, "ok", 0),
        (6, "ok", 0),
        (7, "due", 0),
        (14, "due", 0),
        (15, "overdue", 1),
        (20, "overdue", 6),
    ],
)
def test_any_contact_status_for_a_vip(policy, days, status, overdue):
    clock = cadence_for(facts(last_contact_at=days_ago(days), last_visit_at=None), VIP, policy, NOW).any
    assert (clock.status, clock.days_since, clock.days_overdue) == (status, days, overdue)
    assert clock.next_due == date.fromordinal(TODAY.toordinal() - days + 7)
    assert clock.deadline == date.fromordinal(TODAY.toordinal() - days + 14)


def test_visit_clock_and_overall_status(policy):
    cadence = cadence_for(facts(last_contact_at=days_ago(2), last_visit_at=days_ago(31)), VIP, policy, NOW)
    assert (cadence.any.status, cadence.visit.status, cadence.status) == ("ok", "due", "due")
    assert cadence.next_visit_due == date(2025, 6, 14)
    late = cadence_for(facts(last_contact_at=days_ago(2), last_visit_at=days_ago(50)), VIP, policy, NOW)
    assert (late.status, late.days_overdue) == ("overdue", 5)


def test_a_visit_resets_the_any_clock_too(policy):
    clock = cadence_for(facts(last_contact_at=days_ago(20), last_visit_at=days_ago(2)), VIP, policy, NOW).any
    assert clock.days_since == 2 and clock.status == "ok"


def test_regular_customers_have_no_visit_clock(policy):
    cadence = cadence_for(facts(last_contact_at=days_ago(31), last_visit_at=None), {"value": "regular"}, policy, NOW)
    assert cadence.visit is None and cadence.next_visit_due is None
    assert (cadence.any.ideal_days, cadence.any.max_days, cadence.status) == (30, 45, "due")


def test_the_tightest_cadence_wins(policy):
    tight = policy_with(('time_share = "0.70"', 'time_share = "0.70"\ncadence = { any = { ideal = 5, max = 30 } }'))
    clock = cadence_for(
        facts(last_contact_at=days_ago(6), last_visit_at=None), {"value": "vip", "service": "D"}, tight, NOW
    ).any
    # ideal 5 from service D, max 14 from VIP: taken separately
    assert (clock.ideal_days, clock.max_days, clock.set_by, clock.status) == (5, 14, "value:vip", "due")


def test_never_contacted_counts_from_added_at(policy):
    fresh = facts(added_at=NOW, last_contact_at=None, last_visit_at=None)
    cadence = cadence_for(fresh, VIP, policy, NOW)
    assert cadence.status == "ok" and cadence.any.last_at is None
    assert cadence.next_due == date(2025, 6, 22)
    forgotten = facts(added_at=days_ago(15), last_contact_at=None, last_visit_at=None)
    assert cadence_for(forgotten, VIP, policy, NOW).any.status == "overdue"


def test_dates_are_local_to_the_customer(policy):
    contact = datetime(2025, 6, 10, 23, 30, tzinfo=UTC)  # 11 June, 07:30 in Shanghai
    shanghai = cadence_for(
        facts(timezone="Asia/Shanghai", last_contact_at=contact, last_visit_at=None), VIP, policy, NOW
    )
    utc = cadence_for(facts(last_contact_at=contact, last_visit_at=None), VIP, policy, NOW)
    assert (shanghai.any.counted_from, shanghai.next_due) == (date(2025, 6, 11), date(2025, 6, 18))
    assert (utc.any.counted_from, utc.next_due) == (date(2025, 6, 10), date(2025, 6, 17))
    # "today" is 15 June in both places at 12:00 UTC
    assert (shanghai.any.days_since, utc.any.days_since) == (4, 5)


def test_unknown_timezone_falls_back_to_utc_and_is_flagged(policy):
    cadence = cadence_for(facts(timezone="Mars/Olympus"), VIP, policy, NOW)
    assert cadence.flags == ("unknown_timezone",) and cadence.any.status == "ok"


def test_future_contact_is_not_overdue_and_is_flagged(policy):
    cadence = cadence_for(facts(last_contact_at=days_ago(-3)), VIP, policy, NOW)
    assert cadence.any.status == "ok" and cadence.any.days_since == -3
    assert "future_date:last_contact_at" in cadence.flags


def test_tiers_of_other_stages_are_ignored_and_unknown_tiers_flagged(policy):
    cadence = cadence_for(facts(), {"pipeline": "A", "value": "platinum"}, policy, NOW)
    assert cadence.status == "none" and cadence.any is None
    assert cadence.flags == ("unknown_tier:value:platinum",)


def test_engine_cadence_follows_the_assigned_tier(policy):
    # live VIP (alone with revenue, top ratings, long contract) but stored as Key
    customer = facts(
        revenue_12m=cny("1"),
        potential=5,
        influence=5,
        active_months_12=12,
        contract_start=date(2015, 1, 1),
        last_contact_at=days_ago(15),
        last_visit_at=days_ago(15),
        assigned_tiers={"value": "key"},
    )
    result = evaluate_book([customer], policy, NOW)[0]
    assert result.model("value").tier == "vip" and result.tiers["value"] == "key"
    assert (result.cadence.any.max_days, result.cadence.status) == (21, "due")
    assert live_cadence(customer, result, policy, NOW).status == "overdue"


def test_a_stored_tier_the_policy_lacks_falls_back_to_live(policy):
    result = evaluate_book([facts(assigned_tiers={"value": "gold"})], policy, NOW)[0]
    assert result.tiers["value"] == result.model("value").tier
    assert "unknown_tier:value:gold" in result.flags


def test_lost_customers_have_no_cadence(policy):
    assert evaluate_book([facts(stage="lost")], policy, NOW)[0].cadence.status == "none"


def test_cadence_to_dict(policy):
    data = cadence_for(facts(last_contact_at=days_ago(15), last_visit_at=days_ago(15)), VIP, policy, NOW).to_dict()
    assert data["status"] == "overdue" and data["days_overdue"] == 1
    assert data["next_due"] == "2025-06-07" and data["any"]["deadline"] == "2025-06-14"

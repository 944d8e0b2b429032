"""Recommended actions: each situational action, the packages, and the ranking."""

from datetime import timedelta

from core.tiering import Occasion, evaluate_book

from .factories import NOW, TODAY, cny, date_in, days_ago, facts

VIP = {"value": "vip"}


def actions_of(policy, customer):
    return evaluate_book([customer], policy, NOW)[0].actions


def situational(policy, customer):
    return {a.code: a for a in actions_of(policy, customer) if a.kind == "situational"}


def test_contact_overdue(policy):
    customer = facts(last_contact_at=days_ago(50), last_visit_at=None)
    action = situational(policy, customer)["contact_overdue"]
    assert action.params == {
        "days": 5,
        "since": 50,
        "ideal_days": 30,
        "max_days": 45,
        "last_date": TODAY - timedelta(days=50),
    }
    assert action.text("en") == "Get in touch: contact is 5 days overdue"
    assert action.text("zh") == "尽快联系：已逾期 5 天"
    assert action.reason("en") == "No contact for 50 days; the cadence allows at most 45."


def test_visit_overdue(policy):
    customer = facts(assigned_tiers=VIP, last_contact_at=days_ago(1), last_visit_at=days_ago(50))
    found = situational(policy, customer)
    assert "contact_overdue" not in found
    assert found["visit_overdue"].params["days"] == 5
    assert found["visit_overdue"].text("zh") == "安排拜访：已逾期 5 天"


def test_open_complaint(policy):
    action = situational(policy, facts(open_complaints=2))["open_complaint"]
    assert action.text("en") == "Resolve the open complaint (2)"
    assert action.reason("zh") == "投诉未解决会损害客户关系。"


def greetings(policy, tiers, *occasions, stage="active"):
    customer = facts(stage=stage, assigned_tiers=tiers, occasions=occasions)
    return [
        (a.code, a.params["days"])
        for a in actions_of(policy, customer)
        if a.code in ("holiday", "birthday", "anniversary")
    ]


def test_greetings_within_the_tiers_lead_time(policy):
    assert greetings(
        policy, VIP, Occasion("birthday", date_in(7), "Ms. Li"), Occasion("holiday", date_in(8), "中秋节")
    ) == [("birthday", 7)]
    assert greetings(
        policy,
        {"value": "key"},
        Occasion("anniversary", date_in(3), "3 years"),
        Occasion("birthday", date_in(4), "Ms. Li"),
    ) == [("anniversary", 3)]
    assert greetings(
        policy,
        {"value": "regular"},
        Occasion("holiday", date_in(1), "春节"),
        Occasion("holiday", date_in(2), "元宵节"),
        Occasion("birthday", date_in(-1), "Ms. Li"),
    ) == [("holiday", 1)]


def test_greetings_for_prospects_use_the_default_lead_time(policy):
    assert greetings(
        policy, {}, Occasion("holiday", date_in(1), "春节"), Occasion("holiday", date_in(2), "元宵节"), stage="prospect"
    ) == [("holiday", 1)]


def test_greeting_texts(policy):
    customer = facts(assigned_tiers=VIP, occasions=(Occasion("holiday", date_in(0), "春节"),))
    action = situational(policy, customer)["holiday"]
    assert action.text("zh") == f"发送春节节日问候（{TODAY.isoformat()}）"
    assert action.reason("en") == "春节 is in 0 days."


def test_unknown_occasion_kind_is_flagged(policy):
    customer = facts(occasions=(Occasion("wedding", date_in(1), "x"),))
    result = evaluate_book([customer], policy, NOW)[0]
    assert "unknown_occasion:wedding" in result.flags


def near_vip(stability_days: int = 0, active_months: int = 6):
    # alone with revenue: 40 + potential 5 (25) + influence 1 (0) + stability × 0.2
    start = TODAY - timedelta(days=stability_days) if stability_days else None
    return facts(revenue_12m=cny("1"), potential=5, influence=1, contract_start=start, active_months_12=active_months)


def test_upsell_within_five_points_of_the_next_tier(policy):
    result = evaluate_book([near_vip()], policy, NOW)[0]
    assert (result.model("value").score, result.model("value").tier) == (70.0, "key")
    action = {a.code: a for a in result.actions}["upsell"]
    assert action.text("en") == "Grow the account: 5.00 points short of VIP"
    assert action.reason("en") == "Value tier score 70.00; VIP starts at 75."
    assert action.text("zh") == "深挖客户价值：距VIP客户还差 5.00 分"


def test_no_upsell_beyond_five_points(policy):
    result = evaluate_book([near_vip(stability_days=910, active_months=0)], policy, NOW)[0]
    assert result.model("value").score == 69.99
    assert "upsell" not in {a.code for a in result.actions}


def test_activity_dropping(policy):
    assert "activity_dropping" in situational(policy, facts(interactions_last_90=2, interactions_prev_90=5))
    assert "activity_dropping" not in situational(policy, facts(interactions_last_90=3, interactions_prev_90=6))
    assert "activity_dropping" not in situational(policy, facts(interactions_last_90=0, interactions_prev_90=0))
    customer = facts(interactions_last_90=1, interactions_prev_90=8)
    action = situational(policy, customer)["activity_dropping"]
    assert action.reason("en") == "1 interactions in the last 90 days against 8 in the 90 days before."


def prospect(rating, stage, signing_in_days):
    return facts(
        stage="prospect", intention=rating, pipeline_stage=stage, expected_signing_date=date_in(signing_in_days)
    )


def test_closing_incentive_for_an_a_prospect_signing_within_14_days(policy):
    action = situational(policy, prospect(5, "contract_sent", 14))["closing_incentive"]
    assert action.params == {"date": date_in(14), "days": 14}
    assert action.reason("en") == "A mature prospect expected to sign in 14 days."
    assert "closing_incentive" not in situational(policy, prospect(5, "contract_sent", 15))
    b_grade = evaluate_book([prospect(3, "lead", 10)], policy, NOW)[0]
    assert b_grade.model("pipeline").tier == "B"
    assert "closing_incentive" not in {a.code for a in b_grade.actions}


def test_packages_follow_the_served_tier(policy):
    codes = [a.code for a in actions_of(policy, facts(assigned_tiers=VIP)) if a.kind == "package"]
    assert codes[:3] == ["dedicated_manager", "quarterly_business_review", "exclusive_events"]
    package = actions_of(policy, facts(assigned_tiers=VIP))[0]
    assert package.text("zh") == "配备专属客户经理"
    assert package.reason("en") == "Part of the VIP service (Value tier)"
    assert package.reason("zh") == "价值分档「VIP客户」的服务内容"
    regular = [a.code for a in actions_of(policy, facts(potential=1, influence=1))]
    assert regular == ["newsletter", "standard_service"]


def test_ranking_by_priority_then_urgency(policy):
    customer = facts(
        revenue_12m=cny("1"),
        potential=5,
        influence=1,
        active_months_12=6,
        open_complaints=1,
        last_contact_at=days_ago(30),
        last_visit_at=days_ago(30),
        interactions_last_90=1,
        interactions_prev_90=9,
        expectation=4,
        satisfaction=4,
        occasions=(Occasion("holiday", date_in(3), "端午节"), Occasion("birthday", date_in(1), "Mr. Zhao")),
    )
    codes = [a.code for a in actions_of(policy, customer)]
    assert codes == [
        "open_complaint",
        "contact_overdue",
        "birthday",
        "holiday",
        "activity_dropping",
        "upsell",
        "regular_follow_up",
        "event_invitations",
        "maintain_and_renew",
    ]


def test_more_days_overdue_ranks_higher_across_customers(policy):
    book = [
        facts(1, last_contact_at=days_ago(48), last_visit_at=None),
        facts(2, last_contact_at=days_ago(60), last_visit_at=None),
    ]
    results = evaluate_book(book, policy, NOW)
    overdue = [a for r in results for a in r.actions if a.code == "contact_overdue"]
    assert [a.params["days"] for a in sorted(overdue, key=lambda a: a.rank_key)] == [15, 3]


def test_action_to_dict(policy):
    data = situational(policy, facts(open_complaints=1))["open_complaint"].to_dict("zh")
    assert data == {
        "code": "open_complaint",
        "kind": "situational",
        "priority": 100,
        "urgency": 1,
        "params": {"count": 1},
        "text": "处理未解决的投诉（1 条）",
        "reason": "投诉未解决会损害客户关系。",
    }

"""The sponsor policy: a second, complete policy that runs without code changes."""

from decimal import Decimal

from core.tiering import cadence_for, evaluate_book, explain

from .factories import NOW, days_ago, facts


def sponsor(id=1, amount=None, frequency=None, years=None, **overrides):
    attributes = {
        name: Decimal(value)
        for name, value in (("amount", amount), ("frequency", frequency), ("years", years))
        if value is not None
    }
    return facts(id, attributes=attributes, **overrides)


def level(policy, customer):
    return evaluate_book([customer], policy, NOW)[0]


def test_levels_from_amount_frequency_and_years(sponsor_policy):
    high = level(sponsor_policy, sponsor(amount="600000", frequency="6", years="5"))
    mid = level(sponsor_policy, sponsor(amount="200000", frequency="3", years="1"))
    basic = level(sponsor_policy, sponsor(amount="10000", frequency="1", years="0"))
    assert (high.model("sponsor").score, high.model("sponsor").tier) == (100.0, "high")
    assert (mid.model("sponsor").score, mid.model("sponsor").tier) == (57.5, "mid")
    assert (basic.model("sponsor").score, basic.model("sponsor").tier) == (7.5, "basic")
    assert [high.model("sponsor").name(lang) for lang in ("zh", "en")] == ["高档", "High"]
    assert mid.model("sponsor").name("zh") == "中档" and basic.model("sponsor").name("zh") == "低档"


def test_missing_attributes_count_zero_and_are_flagged(sponsor_policy):
    result = level(sponsor_policy, sponsor(amount="600000"))
    assert result.model("sponsor").score == 50.0
    assert {"missing_attribute:frequency", "missing_attribute:years"} <= set(result.flags)


def test_packages_cadence_and_upsell(sponsor_policy):
    customer = sponsor(
        amount="200000", frequency="6", years="1", potential=4, last_contact_at=days_ago(40), last_visit_at=days_ago(40)
    )
    result = level(sponsor_policy, customer)
    value = result.model("sponsor")
    assert (value.score, value.tier, value.gap) == (67.5, "mid", 2.5)
    assert "develop" in result.flags
    codes = [a.code for a in result.actions]
    assert codes == ["upsell", "regular_follow_up", "event_invitations"]
    assert result.actions[0].text("zh") == "推荐更高档赞助方案：距高档还差 2.50 分"
    assert (result.cadence.any.ideal_days, result.cadence.any.max_days) == (30, 45)
    assert result.cadence.status == "due"


def test_high_sponsors_get_the_full_package(sponsor_policy):
    result = level(sponsor_policy, sponsor(amount="900000", frequency="8", years="9"))
    assert [a.text("zh") for a in result.actions] == [
        "专属客服",
        "定制化活动与赞助方案",
        "专属资源",
        "市场信息分享与行业趋势分析",
    ]
    cadence = cadence_for(sponsor(), {"sponsor": "high"}, sponsor_policy, NOW)
    assert (cadence.any.max_days, cadence.visit.max_days) == (21, 90)


def test_integer_attributes_are_accepted_and_floats_refused(sponsor_policy):
    as_ints = facts(attributes={"amount": 600000, "frequency": 6, "years": 5})
    assert level(sponsor_policy, as_ints).model("sponsor").score == 100.0
    as_float = facts(attributes={"amount": 600000.0, "frequency": 6, "years": 5})
    result = level(sponsor_policy, as_float)
    assert "invalid_attribute:amount" in result.flags and result.model("sponsor").score == 50.0


def test_sponsor_explanation(sponsor_policy):
    result = level(sponsor_policy, sponsor(amount="200000", frequency="3", years="1"))
    assert explain(result, sponsor_policy, "en").splitlines() == [
        "Sponsorship amount: 200000 → 70.00 points × 50/100 = 35.00",
        "Sponsorship frequency: 3 → 60.00 points × 25/100 = 15.00",
        "Years of history: 1 → 30.00 points × 25/100 = 7.50",
        "Sponsor level: score 57.50 → Mid",
    ]
    assert explain(result, sponsor_policy, "zh").splitlines()[-1] == "赞助档次：总分 57.50 → 中档"

"""Explanations: structured and in words, and they add up to the reported score."""

import json
from datetime import timedelta
from decimal import Decimal

from core.tiering import evaluate_book, explain, explain_model

from .factories import NOW, TODAY, cny, date_in, facts


def small_buyer(days_ago: int) -> dict:
    return {"rfm_last_deal_at": NOW - timedelta(days=days_ago), "rfm_deal_count": 1, "rfm_amount": cny("10")}


def active_book():
    # customer 2 is the most recent, most frequent and biggest of five buyers
    return [
        facts(1, revenue_12m=cny("100"), **small_buyer(100)),
        facts(
            2,
            revenue_12m=cny("200"),
            potential=4,
            influence=2,
            active_months_12=6,
            contract_start=TODAY - timedelta(days=730),
            expectation=4,
            satisfaction=3,
            latest_feedback_satisfaction=5,
            rfm_last_deal_at=NOW - timedelta(days=3),
            rfm_deal_count=4,
            rfm_amount=cny("1234.5"),
        ),
        facts(3, revenue_12m=cny("200"), **small_buyer(200)),
        facts(4, revenue_12m=cny("300"), **small_buyer(300)),
        facts(5, revenue_12m=cny("0"), **small_buyer(400)),
    ]


def test_structured_value_components(policy):
    data = evaluate_book(active_book(), policy, NOW)[1].to_dict()
    value = data["models"]["value"]
    assert set(value["components"]) == {"contribution", "potential", "stability", "influence"}
    assert value["components"]["contribution"] == {
        "raw": "200",
        "points": 62.5,
        "weight": 40.0,
        "part": 25.0,
        "lower": 2,
        "equal": 1,
        "others": 4,
    }
    assert value["components"]["stability"] == {
        "raw": {"years": 2.0, "active_months": 6},
        "points": 45.0,
        "weight": 20.0,
        "part": 9.0,
        "since": (TODAY - timedelta(days=730)).isoformat(),
    }
    assert (value["tier"], value["score"]) == ("key", 56.5)
    assert data["models"]["rfm"]["segment"] == "champions"
    assert data["models"]["service"] == {
        "grade": "D",
        "total": 9,
        "expectation": 4,
        "satisfaction": 5,
        "satisfaction_source": "feedback",
        "flags": [],
    }
    assert data["models"]["pipeline"] is None
    json.dumps(data)  # JSON-ready as is


def test_parts_add_up_to_the_score_exactly(policy):
    for result in evaluate_book(active_book(), policy, NOW):
        value = result.model("value")
        parts = sum(Decimal(str(part)) for part in value.parts)
        assert parts == Decimal(str(value.score))
        for component in value.components:
            redo = Decimal(str(component.points)) * Decimal(str(component.weight)) / 100
            assert abs(redo - Decimal(str(component.part))) <= Decimal("0.005")


def test_explanation_in_english(policy):
    lines = explain(evaluate_book(active_book(), policy, NOW)[1], policy, "en").splitlines()
    assert lines == [
        "Contribution: 200.00 CNY in 12 months, above 2 and level with 1 of 4 other customers "
        "→ 62.50 points × 40/100 = 25.00",
        "Potential: rated 4/5 → 75.00 points × 25/100 = 18.75",
        "Stability: 2.00 years, active in 6 of the last 12 months → 45.00 points × 20/100 = 9.00",
        "Influence: rated 2/5 → 25.00 points × 15/100 = 3.75",
        "Value tier: score 56.50 → Key",
        "RFM: last deal 2025-06-12, 4 deals, 1,234.50 CNY → R5 F5 M5: Champions",
        "Service grade: expectation 4 + satisfaction 5 (latest feedback) = 9 → D (loyal)",
        "Notes: high potential: to develop",
    ]


def test_explanation_in_chinese(policy):
    text = explain(evaluate_book(active_book(), policy, NOW)[4], policy, "zh")
    assert "贡献度：近12个月 0.00 CNY，在其他 4 位客户中高于 0 位、持平 0 位 → 0.00 分 × 40/100 = 0.00" in text
    assert "潜力：未填写 → 50.00 分 × 25/100 = 12.50" in text
    assert "提示：缺少签约日期和首次互动；期望值未评分；" in text


def test_pipeline_explanation(policy):
    result = evaluate_book(
        [facts(stage="prospect", intention=4, pipeline_stage="proposal", expected_signing_date=date_in(10))],
        policy,
        NOW,
    )[0]
    assert explain_model(result.model("pipeline"), policy, "en") == [
        "Pipeline grade: intention 4 → 0.75 × 0.4 + stage proposal → 0.6 × 0.4 + signing "
        f"{date_in(10).isoformat()} → 1 × 0.2 = 0.74 → A (mature)"
    ]
    zh = explain_model(result.model("pipeline"), policy, "zh")[0]
    assert "签约进度 方案报价 → 0.6 × 0.4" in zh


def test_unscored_and_missing_inputs_are_explained(policy):
    result = evaluate_book([facts(stage="prospect")], policy, NOW)[0]
    assert explain_model(result.model("pipeline"), policy, "en") == [
        "Pipeline grade: intention not given → 0 × 0.4 + stage not given → 0 × 0.4 + signing "
        "not given → 0 × 0.2 = 0 → C (early)"
    ]
    service = evaluate_book([facts()], policy, NOW)[0].model("service")
    assert explain_model(service, policy, "en") == [
        "Service grade: expectation not given, satisfaction not given → not graded"
    ]


def test_rfm_without_purchases_is_explained(policy):
    result = evaluate_book([facts()], policy, NOW)[0]
    assert explain_model(result.model("rfm"), policy, "zh") == ["RFM分群：近 730 天无成交 → 无购买记录"]

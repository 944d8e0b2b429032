"""The annual revenue on the customer record (issue 14 §1): under `imported_revenue = "until_deals"`
it stands in for the 12-month revenue while higher and the customer has fewer than `own_deals`
booked deals in the 365 days; "never" ranks booked deals only; the policy check validates the
setting and its words; the "why" says where the figure came from."""

from decimal import Decimal

import pytest

from bot.cli import main
from core.tiering import PolicyError, evaluate_book, explain, parse_policy

from .factories import NOW, cny, edited_policy_text, facts


def _value(policy, book):
    return {r.customer_id: r.model("value") for r in evaluate_book(book, policy, NOW)}


def test_stated_revenue_ranks_until_the_customer_has_its_own_deals(policy):
    book = [
        facts(1, stated_revenue=cny("5000000")),  # imported, no deals yet: ranks as 5,000,000
        facts(2, revenue_12m=cny("1000000"), deals_12m=5),
        facts(3, revenue_12m=cny("200"), deals_12m=3, stated_revenue=cny("9000000")),  # its deals suffice
        facts(4, revenue_12m=cny("3000000"), deals_12m=1, stated_revenue=cny("100")),  # booked is higher
        facts(5),
    ]
    value = _value(policy, book)
    raws = {cid: result.component("contribution").raw for cid, result in value.items()}
    assert raws == {
        1: Decimal("5000000"),
        2: Decimal("1000000"),
        3: Decimal("200"),
        4: Decimal("3000000"),
        5: Decimal("0"),
    }
    assert value[1].component("contribution").points == 100.0
    assert dict(value[1].component("contribution").inputs)["imported"] is True
    assert "imported" not in dict(value[3].component("contribution").inputs)
    assert value[1].score > value[5].score + 39  # 40 points of contribution, where 0 was before


def test_never_ranks_booked_deals_only(policy):
    never = parse_policy(edited_policy_text(('imported_revenue = "until_deals"', 'imported_revenue = "never"')))
    book = [facts(1, stated_revenue=cny("5000000")), facts(2, revenue_12m=cny("100"), deals_12m=1)]
    assert {cid: r.component("contribution").points for cid, r in _value(never, book).items()} == {1: 0.0, 2: 100.0}
    assert {cid: r.component("contribution").points for cid, r in _value(policy, book).items()} == {1: 100.0, 2: 0.0}


def test_the_why_says_the_figure_came_from_the_import(policy):
    book = [facts(1, stated_revenue=cny("1200000"), deals_12m=1, revenue_12m=cny("5")), facts(2)]
    [result, _] = evaluate_book(book, policy, NOW)
    assert (
        "Contribution: annual revenue 1,200,000.00 CNY from the import (customer record; counts until 3 booked "
        "deals of its own in 12 months, 1 so far), above 1 and level with 0 of 1 other customers"
    ) in explain(result, policy, "en")
    assert "导入的年交易额 1,200,000.00 CNY（客户资料；近12个月自有成交满 3 笔前按此计，目前 1 笔）" in explain(
        result, policy, "zh"
    )


@pytest.mark.parametrize(
    ("replacements", "issue"),
    [
        ((('imported_revenue = "until_deals"', 'imported_revenue = "sometimes"'),), "value.imported_revenue"),
        ((("own_deals = 3", "own_deals = 0"),), "value.own_deals: must be at least 1"),
        ((("contribution_imported = { en", "unused_words = { en"),), "explain"),
        (
            (
                (
                    'contribution_imported = { en = "annual revenue {revenue}',
                    'contribution_imported = { en = "{dealz} {revenue}',
                ),
            ),
            "explain.contribution_imported.en: unknown placeholder {dealz}",
        ),
    ],
)
def test_the_policy_check_validates_the_setting(replacements, issue):
    with pytest.raises(PolicyError) as raised:
        parse_policy(edited_policy_text(*replacements))
    assert any(str(found).startswith(issue) for found in raised.value.issues), raised.value.issues


def test_an_imported_revenue_without_a_revenue_dimension_is_refused(sponsor_policy):
    text = sponsor_policy.text.replace(
        "upsell_margin = 5\n", 'upsell_margin = 5\nimported_revenue = "until_deals"\n', 1
    )
    with pytest.raises(PolicyError) as raised:
        parse_policy(text)
    assert [str(i) for i in raised.value.issues] == [
        "sponsor.imported_revenue: needs a contribution_percentile dimension (the revenue it stands in for)"
    ]


def test_the_missing_words_are_required_when_the_setting_is_on():
    text = edited_policy_text(("contribution_imported = { en", "# contribution_imported = { en"))
    with pytest.raises(PolicyError) as raised:
        parse_policy(text)
    assert [str(i) for i in raised.value.issues] == ["explain.contribution_imported: required by model 'value'"]


def test_tierbot_policy_check_documents_the_setting(tmp_path, capsys):
    path = tmp_path / "p.toml"
    path.write_text(edited_policy_text(("own_deals = 3", "own_deals = 2")), encoding="utf-8")
    assert main(["policy", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert (
        "imported revenue: value: the annual revenue on the customer record (import column 年交易额 / Annual "
        "Revenue, or the card) counts as the 12-month revenue (when higher) until the customer has 2 booked "
        'deal(s) of its own in 365 days (imported_revenue = "until_deals")'
    ) in out

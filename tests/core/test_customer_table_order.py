"""The Mini App table's filters and sort over kept rows (pure: no database): rows kept in name
order, ties keep it in both directions, empty values last in both directions, and tier filters of
two models both apply."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from core.customers.table import Query, Row, select_rows, sort_rows
from core.policies import default_policy_text
from core.tiering import parse_policy

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
POLICY = parse_policy(default_policy_text())


def _row(
    cid: int,
    name: str,
    *,
    revenue: int = 0,
    company: str | None = None,
    value: str | None = None,
    service: str | None = None,
    last: int | None = None,
) -> Row:
    tiers = {model: tier for model, tier in (("value", value), ("service", service)) if tier}
    return Row(
        cid,
        name,
        company,
        "active",
        None,
        1,
        "rep",
        None,
        None,
        tiers,
        "ok",
        None,
        NOW - timedelta(days=last) if last is not None else None,
        Decimal(revenue),
        (),
        NOW,
        Decimal(0),
        0,
    )


ROWS = sorted(
    [
        _row(1, "Bravo", revenue=5, company="Zeta", value="vip", service="D", last=3),
        _row(2, "alpha", revenue=5, value="key", service="D"),
        _row(3, "Charlie", revenue=9, company="acme", value="vip", service="E", last=40),
        _row(4, "delta", revenue=1, value="vip", service="D", last=80),
    ],
    key=lambda row: (row.name.casefold(), row.id),
)  # as build_rows keeps them


def _names(rows: list[Row]) -> list[str]:
    return [row.name for row in rows]


def test_ties_keep_the_name_order_whichever_the_direction() -> None:
    assert _names(sort_rows(ROWS, "revenue", False, POLICY)) == ["delta", "alpha", "Bravo", "Charlie"]
    assert _names(sort_rows(ROWS, "revenue", True, POLICY)) == ["Charlie", "alpha", "Bravo", "delta"]
    assert _names(sort_rows(ROWS, "name", True, POLICY)) == ["delta", "Charlie", "Bravo", "alpha"]


def test_empty_values_come_last_whichever_the_direction() -> None:
    assert _names(sort_rows(ROWS, "company", False, POLICY)) == ["Charlie", "Bravo", "alpha", "delta"]
    assert _names(sort_rows(ROWS, "company", True, POLICY)) == ["Bravo", "Charlie", "alpha", "delta"]
    assert _names(sort_rows(ROWS, "last_contact", True, POLICY)) == ["Bravo", "Charlie", "delta", "alpha"]


def test_tier_filters_of_two_models_both_apply_and_keep_the_order() -> None:
    found = select_rows(ROWS, Query(tiers={"value": ("vip",), "service": ("D", "F")}), NOW, lambda: None)
    assert _names(found) == ["Bravo", "delta"]
    assert _names(select_rows(ROWS, Query(tiers={"value": ("vip", "key")}, silent_days=30), NOW, lambda: None)) == [
        "alpha",
        "Charlie",
        "delta",
    ]


def test_search_finds_a_customer_by_its_two_character_short_form() -> None:
    from core.parsing import BookEntry, CustomerIndex

    rows = sorted([_row(7, "青岛啤酒"), _row(8, "东方航空"), _row(9, "青岛港")], key=lambda row: (row.name, row.id))
    index = CustomerIndex([BookEntry(r.id, r.name, None, ()) for r in rows])
    found = select_rows(rows, Query(text="青啤"), NOW, lambda: index)
    assert _names(found) == ["青岛啤酒"]

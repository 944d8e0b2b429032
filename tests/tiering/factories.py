"""Small builders for hand-computed cases: one fixed `now`, facts with only what a test sets."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from core.policies import default_policy_text
from core.tiering import CustomerFacts, parse_policy

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)  # a Sunday, 20:00 in Shanghai
TODAY = NOW.date()


def facts(id: int = 1, stage: str = "active", **overrides) -> CustomerFacts:
    """A customer added 400 days ago and contacted yesterday, unless a test says otherwise."""
    values = {
        "added_at": NOW - timedelta(days=400),
        "last_contact_at": NOW - timedelta(days=1),
        "last_visit_at": NOW - timedelta(days=1),
    }
    values.update(overrides)
    return CustomerFacts(id=id, stage=stage, **values)


def cny(amount: str) -> dict[str, Decimal]:
    return {"CNY": Decimal(amount)}


def days_ago(days: int, hours: int = 0) -> datetime:
    return NOW - timedelta(days=days, hours=hours)


def date_in(days: int) -> date:
    return TODAY + timedelta(days=days)


def policy_with(*replacements: tuple[str, str]):
    """The default policy with exact text replacements, each of which must match once."""
    return parse_policy(edited_policy_text(*replacements))


def edited_policy_text(*replacements: tuple[str, str]) -> str:
    text = default_policy_text()
    for old, new in replacements:
        assert text.count(old) == 1, f"{old!r} matches {text.count(old)} times"
        text = text.replace(old, new)
    return text

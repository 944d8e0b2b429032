"""AsOf: the policy, the instant and the organisation's timezone a use case reads the book as of."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from core.as_of import AsOf
from core.policies import default_policy_text
from core.tiering import parse_policy

POLICY = parse_policy(default_policy_text())


def test_today_is_the_organisations_local_date_not_utcs() -> None:
    midnight_in_shanghai = datetime(2026, 3, 31, 16, 0, tzinfo=UTC)  # 1 April, 00:00 in Shanghai
    assert AsOf(POLICY, midnight_in_shanghai, "Asia/Shanghai").today == date(2026, 4, 1)
    assert AsOf(POLICY, midnight_in_shanghai - timedelta(microseconds=1), "Asia/Shanghai").today == date(2026, 3, 31)
    assert AsOf(POLICY, midnight_in_shanghai, "UTC").today == date(2026, 3, 31)


def test_today_follows_daylight_saving_time() -> None:
    # New York is UTC-5 until 8 March 2026, 02:00, then UTC-4
    assert AsOf(POLICY, datetime(2026, 3, 8, 4, 59, tzinfo=UTC), "America/New_York").today == date(2026, 3, 7)
    assert AsOf(POLICY, datetime(2026, 3, 8, 5, 0, tzinfo=UTC), "America/New_York").today == date(2026, 3, 8)
    assert AsOf(POLICY, datetime(2026, 11, 2, 3, 59, tzinfo=UTC), "America/New_York").today == date(2026, 11, 1)
    assert AsOf(POLICY, datetime(2026, 11, 2, 4, 0, tzinfo=UTC), "America/New_York").today == date(2026, 11, 1)
    assert AsOf(POLICY, datetime(2026, 11, 2, 5, 0, tzinfo=UTC), "America/New_York").today == date(2026, 11, 2)


def test_an_instant_given_in_another_offset_is_the_same_moment() -> None:
    in_tokyo = datetime(2026, 4, 1, 0, 30, tzinfo=timezone(timedelta(hours=9)))  # 31 March, 15:30 UTC
    as_of = AsOf(POLICY, in_tokyo, "Europe/London")
    assert as_of.now == in_tokyo and as_of.today == date(2026, 3, 31)
    assert as_of.zone.key == "Europe/London" and as_of.now.astimezone(as_of.zone).hour == 16  # BST


def test_it_holds_what_it_was_given_and_cannot_change() -> None:
    now = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    as_of = AsOf(POLICY, now, "Asia/Shanghai")
    assert (as_of.policy, as_of.now, as_of.timezone) == (POLICY, now, "Asia/Shanghai")
    assert as_of == AsOf(POLICY, now, "Asia/Shanghai") != AsOf(POLICY, now, "UTC")
    with pytest.raises(dataclasses.FrozenInstanceError):
        as_of.now = now + timedelta(days=1)  # type: ignore[misc]
    assert not hasattr(as_of, "__dict__")  # slotted


def test_a_naive_instant_or_an_unknown_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        AsOf(POLICY, datetime(2026, 11, 24, 1, 0), "Asia/Shanghai")
    with pytest.raises(Exception, match="Mars/Olympus"):
        AsOf(POLICY, datetime(2026, 11, 24, 1, 0, tzinfo=UTC), "Mars/Olympus")

"""Which days are greeting occasions: lunar holidays from the `holidays` package, 元宵 derived
from 春节, multi-day holidays on their first day, 29 February, unknown regions."""

from __future__ import annotations

from datetime import date

import pytest

from core.occasions import falls_on, greeting_holidays, holidays_ahead, holidays_on, next_anniversary


def _by_code(region: str, year: int) -> dict[str, date]:
    return {h.code: h.day for h in greeting_holidays(region, year)}


def test_lunar_holidays_2027_come_from_the_package() -> None:
    days = _by_code("CN", 2027)
    assert days["mid_autumn"] == date(2027, 9, 15)
    assert days["spring_festival"] == date(2027, 2, 6)
    assert days["dragon_boat"] == date(2027, 6, 9)
    assert days["qingming"] == date(2027, 4, 5)


def test_lantern_festival_is_the_15th_day_of_the_first_lunar_month() -> None:
    assert _by_code("CN", 2027)["lantern"] == date(2027, 2, 20)
    assert _by_code("CN", 2026)["lantern"] == date(2026, 3, 3)


def test_cn_greets_exactly_the_seven_occasions_with_names_in_both_languages() -> None:
    found = greeting_holidays("cn", 2027)  # the region's case does not matter
    assert [h.code for h in found] == [
        "new_year",
        "spring_festival",
        "lantern",
        "qingming",
        "dragon_boat",
        "mid_autumn",
        "national_day",
    ]
    names = {h.code: dict(h.names) for h in found}
    assert names["mid_autumn"] == {"zh": "中秋节", "en": "Mid-Autumn Festival"}
    assert names["lantern"] == {"zh": "元宵节", "en": "Lantern Festival"}
    assert names["national_day"]["zh"] == "国庆节"


def test_a_multi_day_holiday_is_one_occasion_on_its_first_day() -> None:
    national = [h for h in greeting_holidays("CN", 2027) if h.code == "national_day"]
    assert [h.day for h in national] == [date(2027, 10, 1)]
    assert holidays_on("CN", {date(2027, 10, 2), date(2027, 2, 7), date(2027, 2, 9)}) == {}
    assert holidays_ahead("CN", date(2026, 10, 2), 20) == ()  # no 国庆 again on day two


def test_other_regions_have_their_own_holidays_and_unknown_ones_none() -> None:
    us = {h.key: h for h in greeting_holidays("US", 2027)}
    assert us["independence_day"].day == date(2027, 7, 4) and us["independence_day"].code == "holiday"
    assert us["new_year"].code == "new_year"
    assert "lantern" not in us
    for region in ("XX", "", None, "??"):
        assert greeting_holidays(region, 2027) == ()
        assert holidays_ahead(region, date(2027, 1, 1), 31) == ()


def test_substitute_days_off_are_no_occasions() -> None:
    for region in ("CN", "RU"):
        for year in (2026, 2027):
            assert not [h for h in greeting_holidays(region, year) if h.names["en"].startswith("Day off")]


@pytest.mark.parametrize(
    ("origin", "day", "expected"),
    [
        (date(2000, 2, 29), date(2027, 2, 28), True),  # common year: 28 February
        (date(2000, 2, 29), date(2027, 3, 1), False),
        (date(2000, 2, 29), date(2028, 2, 29), True),  # leap year: the day itself
        (date(2000, 2, 29), date(2028, 2, 28), False),
        (date(1990, 3, 8), date(2027, 3, 8), True),
    ],
)
def test_29_february_falls_on_28_february_in_common_years(origin: date, day: date, expected: bool) -> None:
    assert falls_on(origin, day) is expected


def test_next_anniversary_of_29_february() -> None:
    assert next_anniversary(date(2000, 2, 29), date(2027, 1, 10)) == date(2027, 2, 28)
    assert next_anniversary(date(2000, 2, 29), date(2027, 3, 1)) == date(2028, 2, 29)

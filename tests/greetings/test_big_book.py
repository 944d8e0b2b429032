"""The greetings sweep on a big book (the speed is measured by bench.greetings, not here): the
heaviest send date, a priority-tier holiday and a day without one give every due customer a
draft of its own occasion, never the fallback."""

from __future__ import annotations

from datetime import date

from core.db import Database
from core.reminders.greetings import due_greetings, greetings_environment

from .big_book import POLICY, build

DAYS = (date(2027, 9, 14), date(2027, 9, 8), date(2027, 9, 1))


def test_a_big_book_gets_its_greetings(sqlite_db: Database) -> None:
    build(sqlite_db, 5_000)
    env = greetings_environment()
    counts = {}
    for today in DAYS:
        with sqlite_db.session() as session:
            batches = due_greetings(session, POLICY, env, today, org_timezone="Asia/Shanghai")
        counts[today] = sum(len(b.items) for b in batches)
        assert all(item.template != "fallback" for b in batches for item in b.items)
    assert counts[DAYS[0]] > counts[DAYS[1]] > 0  # the bottom tier (most customers) is the heaviest send date
    assert counts[DAYS[2]] > 0  # birthdays on a day with no holiday

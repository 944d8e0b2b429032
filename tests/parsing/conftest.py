from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from core.parsing import CustomerIndex, ParsedLog, parse

from .book import NOW, ZONE, book_index


@pytest.fixture(scope="session")
def index() -> CustomerIndex:
    return book_index()


@pytest.fixture(scope="session")
def read(index: CustomerIndex):
    """parse() at the corpus moment (Tue 2026-11-24 09:00 Shanghai)."""

    def run(text: str, **kwargs) -> ParsedLog:
        kwargs.setdefault("now", NOW)
        kwargs.setdefault("timezone", ZONE)
        return parse(text, index, **kwargs)

    return run


def local(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(ZONE))

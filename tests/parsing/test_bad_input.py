"""Whatever a rep (or a cat on the keyboard) sends, parse() answers and never raises."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.parsing import KINDS, BookEntry, CustomerIndex, ParsedLog, parse

from .book import NOW, ZONE


def sane(log: ParsedLog) -> None:
    assert log.kind in KINDS
    assert log.occurred_at.tzinfo == UTC
    assert log.follow_up is None or log.follow_up.due.tzinfo == UTC
    assert log.satisfaction is None or 1 <= log.satisfaction <= 5
    assert (log.amount is None) == (log.currency is None)
    assert len(log.candidates) <= 8


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\n\t",
        "🙏",
        "🎉🎉🎉👍",
        "?",
        "。。。",
        "0",
        "1.2.3.4",
        "¥",
        "$$$",
        "万",
        "满意度",
        "SELECT * FROM customers WHERE name = '' OR 1=1; --",
        "'; DROP TABLE interactions; --",
        "<script>alert('x')</script>",
        "<b>华为</b><img src=x onerror=alert(1)>",
        "&lt;b&gt;",
        "\x00\x01\x02",
        "\u202e\u200b\ufeff",
        "𠀀𠀁𠀂",
        "Ｃａｌｌｅｄ　Ａｃｍｅ",
        "ℌ𝔢𝔩𝔩𝔬",
        "99999999999999999999999999万",
        "1e999",
        "2月30日2月31日13月45日",
        "满意度999999999999",
    ],
)
def test_odd_text(read, text: str) -> None:
    sane(read(text))


def test_five_thousand_characters(read) -> None:
    log = read("拜访了华为，签约50万。" + "很长的备注" * 1000)
    sane(log)
    assert log.candidates[0].name == "华为" and log.amount is not None
    assert len(log.summary) > 5000  # the summary keeps the whole message; reading stops at 1,000


def test_emoji_only_and_empty_have_no_customer(read) -> None:
    for text in ("", "🙏🙏"):
        log = read(text)
        assert log.candidates == () and log.customer_text is None and log.kind == "note"
        assert log.summary == text.strip()


def test_sql_and_html_text_is_only_text(read) -> None:
    log = read("SELECT * FROM customers; 拜访了腾讯")
    assert log.candidates[0].name == "腾讯" and log.kind == "visit"
    assert read("<a href='x'>Globex</a> visited").candidates[0].name == "Globex"


def test_a_name_matching_fifty_customers() -> None:
    index = CustomerIndex([BookEntry(i, "华为", f"华为{i}号分公司", ("王总",)) for i in range(50)])
    log = parse("拜访了华为王总", index, now=NOW, timezone=ZONE)
    sane(log)
    assert log.ambiguous and len(log.candidates) == 8


def test_empty_book(read) -> None:
    sane(parse("Called Acme, signed 50k", CustomerIndex([]), now=NOW, timezone=ZONE))


def test_unknown_timezone_and_naive_now(index) -> None:
    log = parse("visited acme yesterday", index, now=datetime(2026, 11, 24, 1), timezone="Mars/Base")
    sane(log)
    assert "unknown_timezone" in log.problems


def test_odd_book_entries() -> None:
    index = CustomerIndex(
        [
            BookEntry(1, "", None),
            BookEntry(2, " ", "  ", ("", " ")),
            BookEntry(3, "A", None),
            BookEntry(4, "🙏", None),
            BookEntry(5, "华", None),
        ]
    )
    sane(parse("华 A 🙏 called", index, now=NOW, timezone=ZONE))
    assert index.find("🙏") is not None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_any_text(read, text: str) -> None:
    sane(read(text))


_PIECES = st.sampled_from(
    [
        "华为",
        "Acme",
        "签约",
        "50万",
        "¥",
        "$",
        "1.2m",
        "明天",
        "下周三",
        "回访",
        "满意度",
        "4",
        "/5",
        "2月30日",
        "11.20",
        "11/20",
        "，",
        "。",
        " ",
        "follow up",
        "Friday",
        "about",
        "?",
        "约",
        "万",
        "点",
        "下午3点",
        "3天后",
        "张总",
        "(",
        "）",
        "yesterday",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_PIECES, max_size=12).map("".join))
def test_any_mix_of_the_words_it_reads(read, text: str) -> None:
    sane(read(text))

"""Rules added after the field set's sixth part (dev5, written blind), one rule per test."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "text", ["黄总说下周三给答复", "Pepper说她们下周三给答复", "pepper says stark will sign next tue"]
)
def test_what_a_contact_said_is_a_conversation_and_their_date_no_follow_up(read, text: str) -> None:
    log = read(text)
    assert log.kind == "call"
    assert log.follow_up is None  # the date is the speaker's plan, not the rep's task


def test_hearsay_stays_a_note(read) -> None:
    assert read("听林工说徐总下个月3号生日").kind == "note"


def test_the_reps_own_date_after_what_the_customer_said_is_the_follow_up(read) -> None:
    log = read("比亚迪韩总说他们周五出结果 我下周一再follow up")
    assert log.follow_up is not None and log.follow_up.due.weekday() == 0  # Monday, not their Friday


@pytest.mark.parametrize(
    "text, kind",
    [
        ("顺丰冯总打过来问上线进度", "call"),  # the customer rang us
        ("上周四跟京东物流罗经理在他们仓库开了个会", "visit"),  # a meeting at their site
        ("ran a live demo at the initech office, peter said it was exactly what they need", "visit"),
        ("Contoso的PO到了 $50k", "deal"),
    ],
)
def test_kinds_said_the_short_way(read, text: str, kind: str) -> None:
    assert read(text).kind == kind


@pytest.mark.parametrize(
    "text, name",
    [
        ("拜访了Zorg Industries 见了他们的COO", "Zorg Industries"),
        ("Nuka Cola的procurement head发email 问价格", "Nuka Cola"),
        ("Oceanic Airlines签了 首单$40k", "Oceanic Airlines"),
    ],
)
def test_a_latin_company_inside_a_chinese_sentence_is_offered(read, text: str, name: str) -> None:
    assert read(text).new_customer == name


def test_an_acronym_beside_a_contact_is_no_new_company(read) -> None:
    assert read("ZTE陈工call 说测试通过了").new_customer is None

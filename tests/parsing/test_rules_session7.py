"""Rules added after the field set's seventh part (dev6, written blind), one rule per test."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("text, name", [
    ("大疆采购部打电话来问交期", "大疆"),          # a brand, then its department
    ("隆基绿能签了第一单 30万", "隆基绿能"),        # a brand, then what it did
    ("安踏体育下了试用订单", "安踏体育"),
])
def test_a_bare_brand_before_its_department_or_deed_is_offered(read, text: str, name: str) -> None:
    assert read(text).new_customer == name


@pytest.mark.parametrize("text, name", [
    ("给用友的赵经理打电话 约下周演示", "用友"),      # 给 belongs to the sentence
    ("微信给海信的采购发了报价", "海信"),
    ("跟网易游戏的项目经理开了个线上会", "网易游戏"),  # a two-character title word before 经理
    ("理想汽车的人打电话来问续费", "理想汽车"),
])
def test_the_company_a_person_is_from_is_offered_without_the_words_before_it(read, text: str, name: str) -> None:
    assert read(text).new_customer == name


def test_a_possessive_is_no_brand(read) -> None:
    assert read("他们的采购部打电话来").new_customer != "他们"

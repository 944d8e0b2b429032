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


@pytest.mark.parametrize("text, name", [
    ("adventure works signed a pilot, $20k", "adventure works"),       # lower case, then what it did
    ("dharma initiative emailed back, i'll call them thursday", "dharma initiative"),
    ("zoom with litware inc about their crm migration", "litware inc"),  # a legal form after "with"
    ("met jane from weyland-yutani for coffee", "weyland-yutani"),     # a hyphenated name after "from"
    ("met the CTO of Tailspin Toys at the expo", "Tailspin Toys"),     # "the CTO of X"
    ("Bluth Company called asking about bulk pricing", "Bluth Company"),  # Company is part of the name
    ("Zentrix Ltd called asking about pricing", "Zentrix"),            # a legal form is not
])
def test_english_names_typed_the_quick_way_are_offered(read, text: str, name: str) -> None:
    assert read(text).new_customer == name


def test_a_persons_lower_case_name_is_no_company_when_common_words_follow(read) -> None:
    assert read("follow up with them next week").new_customer is None


@pytest.mark.parametrize("text, book, new", [
    ("华为林工介绍了立讯精密的采购给我们 约了明天打电话", "华为", "立讯精密"),
    ("百度何总推荐了小红书的市场部给我们", "百度", "小红书"),
    ("陪腾讯梁总去了趟长城汽车 一起见了他们IT部", "腾讯", "长城汽车"),
    ("acme's bob introduced us to Spacely Sprockets", "Acme", "Spacely Sprockets"),
])
def test_a_company_introduced_through_a_book_customer_is_offered_beside_it(read, text: str, book: str, new: str) -> None:
    log = read(text)
    assert log.candidates and log.candidates[0].name.startswith(book)  # the card stays the book customer's
    assert log.new_customer == new


def test_a_trip_to_a_place_is_no_company(read) -> None:
    assert read("陪腾讯梁总去了趟上海").new_customer is None

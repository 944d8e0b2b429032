"""Rules added after the field set's ninth part (dev9, written blind), one rule per test."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "text, name",
    [
        ("去三一重工长沙园区 见了采购处的刘处长", "三一重工"),  # a company before its site in a city
        ("去了趟立白佛山总部 聊了洗衣液配方", "立白"),  # ... after 去了趟
        ("到海康威视杭州工厂验了货", "海康威视"),  # ... after 到
    ],
)
def test_a_company_before_its_site_in_a_city_is_offered(read, text: str, name: str) -> None:
    assert read(text).new_customer == name


@pytest.mark.parametrize(
    "text, name",
    [
        ("微信里蔚来汽车的钱总说想先试用", "蔚来汽车"),  # the company after 里, before 的 and a person
        ("在酒会上认识了安踏的IT负责人", "安踏"),  # ... after 认识了, with a Latin department
        ("三只松鼠的电商总监来公司参观了仓库", "三只松鼠"),  # the message opens with whose person it is
    ],
)
def test_whose_person_it_is_names_the_company(read, text: str, name: str) -> None:
    assert read(text).new_customer == name


def test_the_reps_own_office_is_no_company(read) -> None:
    assert read("客户的采购总监来公司参观了产线").new_customer != "采购总监来公司"


def test_a_company_that_opens_the_message_then_came_is_offered(read) -> None:
    assert read("迈瑞医疗昨天下午来访 看了实验室").new_customer == "迈瑞医疗"


@pytest.mark.parametrize(
    "text, name",
    [
        ("Quantum Foods's CTO called about the pilot", "Quantum Foods"),  # a possessive ends the name
        ("Birch & Pine Coffee left a voicemail", "Birch & Pine Coffee"),  # an ampersand joins it
        ("WhatsApp from Northwind Traders's buyer: wants samples", "Northwind Traders"),  # a tool is no company
        ("Zoom w/ Proseware Labs IT about SSO", "Proseware Labs"),  # ... and w/ introduces one
    ],
)
def test_english_company_shapes_are_offered(read, text: str, name: str) -> None:
    assert read(text).new_customer == name


@pytest.mark.parametrize("text", ["Got the PO from Jane for 8,000 USD", "WhatsApp: Jane says the PO is coming"])
def test_a_verb_or_a_tool_at_the_start_is_no_company(read, text: str) -> None:
    log = read(text)
    assert log.new_customer is None
    assert log.candidates and log.candidates[0].name == "Acme"


@pytest.mark.parametrize(
    "text, customer",
    [
        ("鹅厂马经理说预算批了", "腾讯"),  # a well-known nickname
        ("byd孙总说下个月下单", "比亚迪"),  # the pinyin initials of a three-character name
        ("Dyson didn't pick up, will try again", "Cyberdyne"),  # a contact's surname alone, capitalised
    ],
)
def test_short_forms_reps_type_find_the_customer(read, text: str, customer: str) -> None:
    log = read(text)
    assert log.candidates and log.candidates[0].name == customer
    assert log.new_customer is None


def test_a_surname_in_lower_case_is_no_contact(read) -> None:
    log = read("the fox ate my lunch")
    assert not log.candidates

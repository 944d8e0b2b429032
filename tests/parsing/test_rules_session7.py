"""Rules added after the field set's seventh part (dev6, written blind), one rule per test."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "text, name",
    [
        ("大疆采购部打电话来问交期", "大疆"),  # a brand, then its department
        ("隆基绿能签了第一单 30万", "隆基绿能"),  # a brand, then what it did
        ("安踏体育下了试用订单", "安踏体育"),
    ],
)
def test_a_bare_brand_before_its_department_or_deed_is_offered(read, text: str, name: str) -> None:
    assert read(text).new_customer == name


@pytest.mark.parametrize(
    "text, name",
    [
        ("给用友的赵经理打电话 约下周演示", "用友"),  # 给 belongs to the sentence
        ("微信给海信的采购发了报价", "海信"),
        ("跟网易游戏的项目经理开了个线上会", "网易游戏"),  # a two-character title word before 经理
        ("理想汽车的人打电话来问续费", "理想汽车"),
    ],
)
def test_the_company_a_person_is_from_is_offered_without_the_words_before_it(read, text: str, name: str) -> None:
    assert read(text).new_customer == name


def test_a_possessive_is_no_brand(read) -> None:
    assert read("他们的采购部打电话来").new_customer != "他们"


@pytest.mark.parametrize(
    "text, name",
    [
        ("adventure works signed a pilot, $20k", "adventure works"),  # lower case, then what it did
        ("dharma initiative emailed back, i'll call them thursday", "dharma initiative"),
        ("zoom with litware inc about their crm migration", "litware inc"),  # a legal form after "with"
        ("met jane from weyland-yutani for coffee", "weyland-yutani"),  # a hyphenated name after "from"
        ("met the CTO of Tailspin Toys at the expo", "Tailspin Toys"),  # "the CTO of X"
        ("Bluth Company called asking about bulk pricing", "Bluth Company"),  # Company is part of the name
        ("Zentrix Ltd called asking about pricing", "Zentrix Ltd"),  # a legal form too, as typed
    ],
)
def test_english_names_typed_the_quick_way_are_offered(read, text: str, name: str) -> None:
    assert read(text).new_customer == name


def test_a_persons_lower_case_name_is_no_company_when_common_words_follow(read) -> None:
    assert read("follow up with them next week").new_customer is None


@pytest.mark.parametrize(
    "text, book, new",
    [
        ("华为林工介绍了立讯精密的采购给我们 约了明天打电话", "华为", "立讯精密"),
        ("百度何总推荐了小红书的市场部给我们", "百度", "小红书"),
        ("陪腾讯梁总去了趟长城汽车 一起见了他们IT部", "腾讯", "长城汽车"),
        ("acme's bob introduced us to Spacely Sprockets", "Acme", "Spacely Sprockets"),
    ],
)
def test_a_company_introduced_through_a_book_customer_is_offered_beside_it(
    read, text: str, book: str, new: str
) -> None:
    log = read(text)
    assert log.candidates and log.candidates[0].name.startswith(book)  # the card stays the book customer's
    assert log.new_customer == new


def test_a_trip_to_a_place_is_no_company(read) -> None:
    assert read("陪腾讯梁总去了趟上海").new_customer is None


@pytest.mark.parametrize(
    "text, kind",
    [
        ("收到海尔杨总的邮件 说界面不好用", "email"),  # 收到 + a name is no visit
        ("和东航吴经理在虹桥机场星巴克碰了个头", "meeting"),  # 碰了个头: met in person
        ("megan pinged me on teams chat, contoso finished UAT", "message"),
        ("去拼多多上海总部见了他们采购", "visit"),  # at their headquarters
        ("thanksgiving turkey delivered to michael scott's office", "greeting"),
        ("中星的尾款8000块到了", "deal"),  # the balance arrived: booked
        ("发郵件給中興周經理 確認交期", "email"),  # traditional characters
    ],
)
def test_kinds_said_the_short_way(read, text: str, kind: str) -> None:
    assert read(text).kind == kind


def test_traditional_characters_find_the_simplified_customer(read) -> None:
    assert read("發郵件給中興周經理 確認交期").candidates[0].name == "中兴通讯"


@pytest.mark.parametrize("text", ["按合同退给蒙牛2万押金", "refund了Wonka 3k 包装有问题"])
def test_money_given_back_is_a_refund(read, text: str) -> None:
    log = read(text)
    assert log.money == "refund" and log.kind == "deal" and log.amount is not None


def test_a_pack_word_after_an_amount_is_no_unit(read) -> None:
    assert read("refund了Wonka 3k 包装有问题").amount == 3000  # 包装 (packaging) is not 包 (packs)


@pytest.mark.parametrize("text", ["meeting w/ bruce tmr 2pm", "meeting w 张总 tmr"])
def test_a_meeting_planned_for_later_is_a_note_with_its_follow_up(read, text: str) -> None:
    log = read(text)
    assert log.kind == "note" and log.follow_up is not None


@pytest.mark.parametrize(
    "text",
    [
        "meeting w/ jared yesterday, follow up tmr",
        "call w/ lucius fox re: api quotas, send him the usage report by thurs",
    ],
)
def test_a_meeting_held_stays_a_meeting_when_a_follow_up_is_planned(read, text: str) -> None:
    assert read(text).kind in ("meeting", "call")


def test_asking_for_a_demo_is_no_demo_held(read) -> None:
    assert read("Paper Street Soap wants a demo, set up a call with them next wed").kind == "note"


@pytest.mark.parametrize(
    "text, contact, value",
    [
        ("宁德唐工电话18900112233 以后直接打这个", "唐工", "18900112233"),
        ("阿里郑经理微信同号 139 1122 3344", "郑经理", "13911223344"),
        ("gavin belson new number 650.555.0177", "gavin belson", "6505550177"),
        ("Nina Sharp's direct line is (212) 555-0198", "nina sharp", "2125550198"),
    ],
)
def test_a_number_to_use_from_now_on_is_a_phone_fact_and_the_message_a_note(read, text, contact, value) -> None:
    log = read(text)
    assert [(f.kind, f.contact.lower(), f.value) for f in log.facts] == [("phone", contact, value)]
    assert log.kind == "note"  # 电话 / 微信 label the number; nobody was called


def test_turning_an_age_on_a_day_is_a_birthday(read) -> None:
    [fact] = read("Richard Hendricks turns 30 on feb 14").facts
    assert (fact.kind, fact.value) == ("birthday", "02-14")


def test_the_next_step_after_an_introduction_is_with_the_company_introduced(read) -> None:
    log = read("华为林工介绍了立讯精密的采购给我们 约了明天打电话")
    assert log.follow_up is not None and log.follow_up.text == "给立讯精密打电话"  # no stray 约了

"""Rules added after the field set's tenth part (dev10, written blind), one rule per test."""

from __future__ import annotations

import pytest

from .conftest import local


@pytest.mark.parametrize(
    "text",
    [
        "顺丰冯总讲明年的运费框架还要再压一压",  # Shanghainese 讲 for 说: what a contact said is a call
        "青岛啤酒黄总呃讲新品的包装要改",  # ... with a dictation filler before 讲
        "百度何总的助理讲他下午在开董事会",  # ... an assistant speaking for them
    ],
)
def test_what_a_contact_tells_with_jiang_is_a_call(read, text: str) -> None:
    assert read(text).kind == "call"


@pytest.mark.parametrize(
    "text",
    [
        "万科许总上午去听了个行业讲座",  # 讲座 is a lecture, not "said"
        "小米宋经理在展会做了场演讲",  # ... nor is 演讲
    ],
)
def test_jiang_in_a_word_that_is_not_say_is_no_call(read, text: str) -> None:
    assert read(text).kind != "call"


def test_jiang_before_a_plan_for_us_leaves_the_reps_follow_up(read) -> None:
    follow_up = read("海尔杨总讲要我们周四前把测试报告发过去").follow_up
    assert follow_up is not None and local(follow_up.due).day == 26


@pytest.mark.parametrize(
    "text",
    [
        "Kevin from ByteDance say the pilot can start in Jan",  # Singapore English "X say"
        "Mr Liang PA say he in Beijing whole week",  # ... a PA speaking for the contact
        "Haier Mr Yang say their budget cut liao",  # ... a contact's name with no -s
    ],
)
def test_singapore_english_say_is_a_call(read, text: str) -> None:
    assert read(text).kind == "call"


@pytest.mark.parametrize(
    "text", ["Remember to say thanks to Kevin for the referral", "Cannot say yet whether Tony keen"]
)
def test_say_as_a_plain_verb_is_no_call(read, text: str) -> None:
    assert read(text).kind == "note"


@pytest.mark.parametrize(
    "text",
    [
        "小米宋经理的PO下了，总价 RMB 38w",  # PO下了
        "京东物流 PO 收到，US$12k",  # PO 收到
        "伊利 PO 追加 2k pcs，总 RMB 9.6w",  # PO 追加: a further order
        "美的邓总那边的 PO 和图纸都到了，RMB 20w",  # PO … 到了
        "海尔杨总拍板了，RMB 300w",  # 拍板了: decided
        "Yili Mr Guo PO reach us already, US$30k",  # Singapore English "PO reach us"
        "Mengniu sign already, S$40k for 2 years",  # "sign already"
    ],
)
def test_a_po_or_decision_in_hardware_and_singapore_wording_is_a_deal(read, text: str) -> None:
    assert read(text).kind == "deal"


def test_a_po_that_can_come_later_is_no_deal(read) -> None:
    assert read("宋经理说 PO 下个月才能下").kind != "deal"


@pytest.mark.parametrize(
    "text",
    [
        "伊利郭总上午到我们公司来了一趟看了演示机",  # 到我们公司来: came to us, said the other way round
        "唐工昨天来厂里看了老化测试",  # 来厂里: at our factory
        "Mr Feng from SF came our showroom this morning",  # Singapore English "came our showroom"
    ],
)
def test_the_customer_at_our_place_is_a_visit(read, text: str) -> None:
    assert read(text).kind == "visit"


@pytest.mark.parametrize(
    "text",
    [
        "Bump into Ms Cao at the airport lounge, chat abit",  # Singapore English "bump into"
        "昨晚跟比亚迪韩总去KTV，聊得很开心",  # a KTV night
    ],
)
def test_a_chance_meeting_or_ktv_is_a_meeting(read, text: str) -> None:
    assert read(text).kind == "meeting"


@pytest.mark.parametrize(
    "text, customer",
    [
        ("Gree Mr Sun whatsapp ask for the spec sheet", "格力电器"),  # the English trade name of a book customer
        ("China Eastern Ms Wu email the group fare sheet", "东方航空"),  # ... two words
        ("Lunch with JD Logistics ops team, very friendly", "京东物流"),  # ... after "with"
        ("ZTE 陈工 say the board need one more revision", "中兴通讯"),  # ... beside a Chinese contact
    ],
)
def test_a_chinese_customers_english_name_finds_it(read, text: str, customer: str) -> None:
    log = read(text)
    assert log.candidates and log.candidates[0].name == customer and log.new_customer is None


@pytest.mark.parametrize("text", ["Tried calling Pepper twice, no answer", "Pls remind me to send Bob the deck"])
def test_an_opening_verb_is_no_company(read, text: str) -> None:
    assert read(text).new_customer is None


def test_a_dictation_filler_is_no_part_of_a_new_company(read) -> None:
    assert read("呃宝钢股份那个风电的项目签下来了").new_customer == "宝钢股份"


def test_fillers_alone_are_no_company(read) -> None:
    log = read("呃那个海尔杨总昨天打电话来问报价")
    assert log.new_customer is None and log.candidates[0].name == "海尔"


@pytest.mark.parametrize(
    "text, name",
    [
        ("Signed with Orchard Road Dental Pte. Ltd. today", "Orchard Road Dental Pte. Ltd."),  # forms kept as typed
        ("Kowloon Bay Printing Co., Ltd. emailed the artwork", "Kowloon Bay Printing Co., Ltd."),  # … after a comma
        ("Dinner with Lantau Ferry Holdings Ltd. tonight", "Lantau Ferry Holdings Ltd."),  # … the dot after Ltd
    ],
)
def test_a_latin_companys_legal_form_is_kept_as_typed(read, text: str, name: str) -> None:
    assert read(text).new_customer == name


@pytest.mark.parametrize(
    "text, name",
    [
        ("呃名创优品那边有个运营加了我微信", "名创优品"),  # a filler, then the brand and 那边有
        ("呃叮咚买菜那边的采购电话没接", "叮咚买菜"),  # … 那边的
        ("那个新客户叫做科大讯飞呃上午见了他们的产品经理", "科大讯飞"),  # 新客户叫做 …, a filler after
        ("新客户 广州市视源电子科技股份有限公司，下周约 demo", "广州市视源电子科技股份有限公司"),  # a long legal name
        ("歌尔采购 Amy 问 MOQ 能不能降", "歌尔"),  # a brand then its buyer
        ("舜宇光学今天上午来厂里看了产线", "舜宇光学"),  # a company that opens the message, then came to our factory
    ],
)
def test_a_new_chinese_company_in_dictated_or_trade_wording_is_offered(read, text: str, name: str) -> None:
    assert read(text).new_customer == name


@pytest.mark.parametrize(
    "text",
    [
        "京东物流周总 email 过来 PO，RMB 12w",  # a PO sent through a channel is a deal, not the channel
        "小米刘经理微信发了个 PO 过来，US$9k",  # … on WeChat
        "Globex Bob Smith email confirm PO US$40k",  # … "confirm PO"
        "华为李经理电话里讲合同他们已经盖好章了",  # 盖好章: the contract is stamped
    ],
)
def test_a_po_or_stamp_told_through_a_channel_is_a_deal(read, text: str) -> None:
    assert read(text).kind == "deal"


def test_wishing_someone_a_happy_day_is_a_greeting(read) -> None:
    assert read("昨晚给星辰科技张总发了条短信祝他乔迁快乐").kind == "greeting"


@pytest.mark.parametrize(
    "text",
    [
        "上周四在他们南山总部见的面，聊了新平台",  # at their HQ, with the city between
        "下午去他们那边见了采购",  # 去…那边见了
    ],
)
def test_a_meeting_at_the_customers_place_is_a_visit(read, text: str) -> None:
    assert read(text).kind == "visit"


def test_a_voice_typed_homophone_before_the_contact_is_their_company(read) -> None:
    log = read("歌力的董总刚才打电话问交期")  # 歌力 sounds like 格力 and 董总 is 格力电器's
    assert log.new_customer is None and log.candidates and log.candidates[0].name == "格力电器"


@pytest.mark.parametrize(
    "text",
    [
        "星辰科技张总电话没人接，等下再打",  # 等下再打: later today
        "小米刘经理电话占线，晚上再 call",  # 晚上再 call: tonight
        "Jane from Acme missed my call, will try again later",  # "try again later"
        "Rang Globex Bob Smith, busy, call back later",  # "call back later"
    ],
)
def test_later_today_is_a_follow_up_today(read, text: str) -> None:
    follow_up = read(text).follow_up
    assert follow_up is not None and local(follow_up.due).date().isoformat() == "2026-11-24"


@pytest.mark.parametrize(
    "text",
    [
        "上午去松山湖一家模具厂看了产线",  # 去…看了: went to see them
        "Yesterday went Tuas see Hooli warehouse, Gavin Belson very happy",  # Singapore English "went X see"
    ],
)
def test_going_to_see_them_is_a_visit(read, text: str) -> None:
    assert read(text).kind == "visit"


def test_a_linkedin_approach_is_a_message(read) -> None:
    assert read("Initech 的 Peter Gibbons LinkedIn 上找我问 API 价格").kind == "message"

"""Rules added after the field set's ninth part (dev9, written blind), one rule per test."""

from __future__ import annotations

from datetime import date

import pytest

from .conftest import local


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


@pytest.mark.parametrize(
    "text, day, words",
    [
        ("Jane missed the 10am call, moved it to Thu", 26, "Call Acme"),  # moved it to <day>
        ("腾讯马经理说下周出差 会议推到12月7号", 7, "开会"),  # 推到 <date>: the meeting
        ("星辰科技张总今天的会取消了 改到下周四", 3, "开会"),  # 改到 after a cancelled 会
        ("Bob Smith wants to push the kickoff to the 8th", 8, "Globex"),  # push the <event> to the 8th
    ],
)
def test_a_rescheduled_event_is_the_follow_up_on_its_new_day(read, text: str, day: int, words: str) -> None:
    follow_up = read(text).follow_up
    assert follow_up is not None and local(follow_up.due).day == day and words in follow_up.text


@pytest.mark.parametrize(
    "text, day",
    [
        ("给华为李经理发了合同 请他周五前盖章", 27),  # what the rep asked of them: the rep chases
        ("给小米刘经理寄了样品 让他周四试用后反馈", 26),  # ... a bare weekday after 让他 is ahead
        ("Lucius Fox emailed, wants the updated SOW by Friday", 27),  # "wants <a thing> by <day>"
    ],
)
def test_what_the_customer_was_asked_for_by_a_day_is_the_reps_follow_up(read, text: str, day: int) -> None:
    follow_up = read(text).follow_up
    assert follow_up is not None and local(follow_up.due).day == day


def test_a_reminder_at_the_end_cues_the_date(read) -> None:
    follow_up = read("周四下午三点 蓝海物流王总电话会议 别忘了").follow_up
    assert follow_up is not None and local(follow_up.due).day == 26


@pytest.mark.parametrize(
    "text", ["昨晚饭局 比亚迪孙总喝多了 答应下个月下单", "Bob Smith promised to send the PO next week"]
)
def test_what_the_customer_promised_is_no_follow_up(read, text: str) -> None:
    assert read(text).follow_up is None


@pytest.mark.parametrize(
    "text",
    [
        "给华为李经理拨了两次都在忙线",
        "到星辰科技门口才知道张总去外地了 没见上",
        "Drove out to Initech but Peter was on vacation",
        "Went to Hooli HQ, nobody from sales showed up",
        "Gavin Belson didn't dial in for the 8am call",
    ],
)
def test_a_busy_line_or_an_absent_customer_is_an_attempt(read, text: str) -> None:
    assert read(text).attempt is True


def test_a_failed_call_then_contact_again_is_a_call(read) -> None:
    follow_up = read("给华为李经理打了三个电话都在忙线 周四再联系").follow_up
    assert follow_up is not None and "电话" in follow_up.text and "华为" in follow_up.text


def test_the_task_names_the_customers_person(read) -> None:
    follow_up = read("蓝海物流王总下周三来公司签约").follow_up
    assert follow_up is not None and "蓝海物流王总" in follow_up.text


@pytest.mark.parametrize(
    "text, month, day, words",
    [
        ("星辰科技张总生日12月8号 到时候送个蛋糕", 12, 8, "送个蛋糕"),  # the birthday, then what to do on it
        ("Pepper Potts bday is Dec 2 - set a reminder to wish her", 12, 2, "birthday"),
    ],
)
def test_a_birthday_with_what_to_do_on_the_day_is_a_follow_up(
    read, text: str, month: int, day: int, words: str
) -> None:
    log = read(text)
    assert log.facts and log.facts[0].kind == "birthday"
    assert log.follow_up is not None and (local(log.follow_up.due).month, local(log.follow_up.due).day) == (month, day)
    assert words in log.follow_up.text
    assert log.kind != "greeting"  # nothing was sent yet


def test_then_after_the_customers_day_makes_it_the_reps(read) -> None:
    follow_up = read("华为李经理说测试环境下周一才能准备好 到时候再约").follow_up
    assert follow_up is not None and local(follow_up.due).day == 30 and "约" in follow_up.text


def test_tonight_is_a_plan_in_the_morning(read) -> None:
    log = read("dinner with Bob Smith tonight")
    assert log.kind == "note"
    assert log.follow_up is not None and local(log.follow_up.due).day == 24 and "Dinner" in log.follow_up.text


def test_a_tour_of_our_place_is_hosting_them(read) -> None:
    follow_up = read("Pepper Potts wants to tour our warehouse Wednesday next week").follow_up
    assert follow_up is not None and local(follow_up.due).day == 2 and follow_up.text.startswith("Host")


def test_a_moved_kickoff_is_named(read) -> None:
    follow_up = read("Bob Smith wants to push the kickoff to the 8th").follow_up
    assert follow_up is not None and follow_up.text.startswith("Kickoff with")


@pytest.mark.parametrize(
    "text",
    [
        "Bob Smith put pen to paper 🎉 $900k",
        "Peter Gibbons sent over the countersigned MSA - 50k USD per year",
        "$12,000 from Initech landed in our account this morning",
        "deposit received from Hooli: 8k USD",
        "星辰科技那单终于落地了 合同八十万 今天盖的章",
    ],
)
def test_a_deal_done_said_these_ways_is_booked(read, text: str) -> None:
    log = read(text)
    assert log.kind == "deal" and log.money == "booked"


def test_an_nda_countersigned_is_no_deal(read) -> None:
    assert read("mail to Bob Smith re: NDA countersigned").kind != "deal"


def test_money_sent_back_is_a_refund(read) -> None:
    assert read("Umbrella overpaid, we sent back $900 today").money == "refund"


@pytest.mark.parametrize("text", ["华为李经理那边二十万的尾款这周五到账", "阿里陈总邮件确认 预付款三十万明天打"])
def test_money_paid_on_a_day_ahead_is_expected(read, text: str) -> None:
    assert read(text).money == "expected"


@pytest.mark.parametrize(
    "text, kind",
    [
        ("昨天星辰科技张总来我们公司看了演示 评价挺高", "praise"),
        ("小米刘经理电话里说 上批货有两箱受潮 要求换货", "complaint"),
        ("Cave Johnson yelled at me on the phone about the invoice", "complaint"),
    ],
)
def test_feedback_said_these_ways(read, text: str, kind: str) -> None:
    feedback = read(text).feedback
    assert feedback is not None and feedback.kind == kind


def test_zero_faults_is_no_complaint(read) -> None:
    feedback = read("京东物流周总表扬了我们的系统 双十一零故障").feedback
    assert feedback is not None and feedback.kind == "praise"


def test_a_department_after_the_brand_is_dropped(read) -> None:
    assert read("喜茶采购部打来电话 想要一份方案").new_customer == "喜茶"


@pytest.mark.parametrize(
    "text, lead, dropped",
    [
        ("小米刘经理要的样机已经京东物流寄出了", "小米", "京东物流"),  # the courier used
        ("腾讯马经理下周一生日 礼物已经在京东下单了", "腾讯", "京东物流"),  # the shop used
    ],
)
def test_a_customer_used_as_a_service_is_not_about_the_message(read, text: str, lead: str, dropped: str) -> None:
    log = read(text)
    names = [c.name for c in log.candidates] + [c.name for c in log.others]
    assert names and names[0] == lead and dropped not in names
    assert log.kind != "deal"  # 在京东下单了 bought a gift, no deal with the customer


def test_a_customer_named_alone_with_a_courier_word_stays(read) -> None:
    log = read("京东物流周总说货已经寄出了")
    assert log.candidates and log.candidates[0].name == "京东物流"


def test_a_city_that_is_a_short_form_is_no_customer(index) -> None:
    from core.parsing import BookEntry, CustomerIndex

    book = CustomerIndex([BookEntry(1, "青岛啤酒", "青岛啤酒股份有限公司", ("黄总",))])
    assert not book.mentions("在青岛吃的海鲜")
    assert book.mentions("青岛啤酒黄总来电")[0].name == "青岛啤酒"


@pytest.mark.parametrize(
    "text, value",
    [
        ("note: Pepper Potts was born on Valentine's Day", "02-14"),  # a birthday on a named day
        ("华为李经理的生日是圣诞节", "12-25"),
        ("一早给华为李经理打电话祝生日快乐 他今天四十岁", "11-24"),  # an age today
        ("Today is Art Vandelay's 50th 🎂 sent a cake", "11-24"),
    ],
)
def test_birthdays_said_these_ways(read, text: str, value: str) -> None:
    facts = read(text).facts
    assert facts and facts[0].kind == "birthday" and facts[0].value == value


def test_a_new_contacts_number_is_theirs(read) -> None:
    facts = read("华为李经理 微信 发来了新的对接人 小王 电话 13500001111").facts
    assert facts and facts[0].kind == "phone" and facts[0].contact == "小王"


def test_someone_talked_to_after_the_one_missed_is_no_attempt(read) -> None:
    assert read("去星辰科技拜访 张总临时开会没见上 跟他助理聊了一会").attempt is False


def test_an_attempt_before_a_spaced_plan_is_kept(read) -> None:
    assert read("打给华为李经理 一直无人接听😓 周五再打").attempt is True


@pytest.mark.parametrize(
    "text, kind",
    [
        ("星辰科技张总和蓝海物流王总 昨天都来了我们的年会", "visit"),  # the customer at our place
        ("Jane Doe is in our lobby right now for the quarterly review", "visit"),
        ("In yesterday's meeting at Acme, Jane suggested a bigger pilot", "visit"),  # at the customer's
        ("星辰科技张总对交付很满意 昨天饭桌上当面说的", "meeting"),
        ("昨天比亚迪孙总和华为李经理一起开了个供应链的会", "meeting"),
        ("降温了 给腾讯马经理送了两条羊绒围巾", "greeting"),
        ("阿里陈总的秘书说陈总下周出差", "call"),  # what a secretary said, like any contact
    ],
)
def test_kinds_said_the_dev9_ways(read, text: str, kind: str) -> None:
    assert read(text).kind == kind


@pytest.mark.parametrize(
    "text",
    [
        "华为李经理说下周出差 会议推到12月7号",  # a meeting moved was not held
        "蓝海物流王总这周五下午有空 约了去虹桥拜访",  # a visit arranged is ahead
        "周四下午三点 蓝海物流王总电话会议 别忘了",  # a reminder of what is ahead
    ],
)
def test_an_event_moved_arranged_or_reminded_is_not_held(read, text: str) -> None:
    log = read(text)
    assert log.kind not in ("meeting", "visit") and log.follow_up is not None


def test_a_count_is_no_day_of_the_month(read) -> None:
    log = read("Gavin Belson ghosting me, that's the 3rd unanswered email")
    assert local(log.occurred_at).date() == date(2026, 11, 24)


def test_the_day_of_the_meeting_being_logged_counts(read) -> None:
    log = read("In yesterday's meeting at Acme, Jane suggested a bigger pilot")
    assert local(log.occurred_at).date() == date(2026, 11, 23)


def test_a_cancelled_days_event_is_no_follow_up(read) -> None:
    assert read("星辰科技张总 text 我 说 12/1 的 meeting 取消").follow_up is None


def test_the_new_day_of_a_moved_visit_beats_their_other_plans(read) -> None:
    follow_up = read("瑞丰医疗李总发短信说 下周去外地出差 拜访改到12月9号").follow_up
    assert follow_up is not None and (local(follow_up.due).month, local(follow_up.due).day) == (12, 9)


def test_a_customer_said_not_to_be_meant_is_dropped(read) -> None:
    log = read("恒达集团的李经理（不是华为那个）约了明天中午吃饭")
    assert not log.candidates and log.new_customer == "恒达集团"


def test_an_english_meal_glued_to_chinese_dates_the_log(read) -> None:
    log = read("Umbrella的Alice Wong lunch聊了一下 他们要扩到亚太")
    assert local(log.occurred_at).date() == date(2026, 11, 23) and local(log.occurred_at).hour == 12


@pytest.mark.parametrize(
    "text, words",
    [
        ("明天 f/u 华为李经理 关于 pilot 的结果", "pilot"),  # what it is about, as the rep says
        ("字节跳动Kevin Zhang微信说 contract已经legal review完了 本周五签", "签"),  # a signing day
        ("蓝海物流王总这周五下午有空 约了去虹桥拜访", "拜访"),  # the visit arranged in another clause
    ],
)
def test_the_task_says_what_to_do(read, text: str, words: str) -> None:
    follow_up = read(text).follow_up
    assert follow_up is not None and words in follow_up.text


def test_a_brand_starting_with_de_is_no_self_note(read) -> None:
    log = read("得物的产品经理微信问我们能不能对接开放平台")
    assert log.kind == "message" and log.new_customer == "得物"


@pytest.mark.parametrize(
    "text",
    [
        "华为李经理说方案还要内部过一遍 估计下周才有结果",  # the customer's wait, not the rep's task
        "Called Pepper Potts this morning, Stark is approving the budget next week",  # what they are doing
    ],
)
def test_what_the_customer_is_doing_ahead_is_no_follow_up(read, text: str) -> None:
    assert read(text).follow_up is None


def test_a_trip_that_reached_no_one_is_a_visit(read) -> None:
    log = read("Went to Northwind Traders downtown, nobody from IT showed up")
    assert log.kind == "visit" and log.attempt is True


@pytest.mark.parametrize(
    "text, name",
    [
        ("proseware's cto, lunch yesterday, keen on the api", "proseware"),  # a lower-case possessive ends it
        ("邮件给农夫山泉采购发了报价 25万", "农夫山泉"),  # to whom the rep sent it, after the channel
    ],
)
def test_more_new_company_shapes(read, text: str, name: str) -> None:
    assert read(text).new_customer == name


@pytest.mark.parametrize(
    "text, words",
    [
        ("后天上午10点 去星辰科技签字", "签"),  # signing in person
        ("on site @ initech, peter wants the usage reports by friday", "report"),  # a plural thing
        ("called Pepper Potts re q1 renewal, she wants a revised quote by fri", "quote"),  # what they asked for
        ("acme asked for samples, ship them by thursday", "Send Acme the samples"),  # ship is a send
        ("follow up w/ acme next tue re: latex order", "Follow up"),  # w/ after the cue
        ("蓝海物流 王总 wechat 说下周一 kickoff", "王总"),  # the customer's person, in an English task
    ],
)
def test_more_tasks_say_what_to_do_and_with_whom(read, text: str, words: str) -> None:
    follow_up = read(text).follow_up
    assert follow_up is not None and words in follow_up.text


@pytest.mark.parametrize("text", ["小王昨天来电 问了下价格", "张三丰今天来访"])
def test_a_person_who_came_or_called_is_no_company(read, text: str) -> None:
    assert read(text).new_customer is None


def test_a_customer_where_the_rep_was_is_no_service(read) -> None:
    log = read("在华为开会 见了小米刘经理")
    names = [c.name for c in log.candidates] + [c.name for c in log.others]
    assert "华为" in names and "小米" in names


def test_shorthand_is_no_customers_initials() -> None:
    from core.parsing import BookEntry, CustomerIndex

    book = CustomerIndex([BookEntry(1, "美特高", None, ("王总",)), BookEntry(2, "比亚迪", None, ("孙总",))])
    assert not book.mentions("mtg w/ jane tmr")
    assert book.mentions("byd孙总说下个月下单")[0].name == "比亚迪"


def test_an_english_date_glued_to_chinese_is_read(read) -> None:
    follow_up = read("跟阿里陈总call了一下 next Tue再跟进").follow_up
    assert follow_up is not None and local(follow_up.due).date() == date(2026, 12, 1)


def test_an_english_action_glued_to_chinese_is_read(read) -> None:
    follow_up = read("华为李经理 明天call一下").follow_up
    assert follow_up is not None and "电话" in follow_up.text  # the call, not a bare follow-up


@pytest.mark.parametrize(
    "text, task",
    [
        ("星辰科技张总今早来电 让我们月底前给报价", "给星辰科技张总报价"),  # no 让我们 or stray 前
        ("给华为李经理打了三个电话都在忙线 周四再联系", "给华为李经理打电话"),  # no trailing 联系
        ("月底前 send quote to 京东物流 周总", "send quote to 京东物流"),  # the customer is already in it
    ],
)
def test_the_task_has_no_leftover_cue_words(read, text: str, task: str) -> None:
    follow_up = read(text).follow_up
    assert follow_up is not None and follow_up.text == task


def test_a_chinese_task_names_an_english_thing_without_the(read) -> None:
    follow_up = read("Acme 的 procurement 邮件发来 RFP 截止12月11号").follow_up
    assert follow_up is not None and "the " not in follow_up.text and "RFP" in follow_up.text

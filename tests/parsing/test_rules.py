"""One rule of the issue per test (tables where the rule has many forms)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from core.parsing import BookEntry, CustomerIndex, parse

from .book import NOW, ZONE
from .conftest import local

# -- customers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, name",
    [
        ("Called Acme", "Acme"),
        ("拜访了华为", "华为"),
        ("Lunch with Bob from Globex", "Globex"),
        ("meeting with acme corporation", "Acme"),  # company, lower case
        ("深圳市星辰科技有限公司来电", "星辰科技"),  # full company
        ("星辰来电", "星辰科技"),  # short name
        ("微信联系马经理", "腾讯"),  # a contact only one customer has
        ("coffee with Peter Gibbons", "Initech"),
        ("华伟签约了", "华为"),  # pinyin-IME homophone typo
        ("Visited Globx", "Globex"),  # Latin typo
        ("called huawei today", "华为"),  # name written in pinyin
        ("华为云签约了", "华为云"),  # the longer name wins
    ],
)
def test_customer_found_in_the_sentence(read, text: str, name: str) -> None:
    log = read(text)
    assert log.candidates and log.candidates[0].name == name and not log.ambiguous


@pytest.mark.parametrize("text", ["联系了张总", "跟王总吃饭"])
def test_shared_contact_is_ambiguous(read, text: str) -> None:
    log = read(text)
    assert log.ambiguous and len(log.candidates) >= 2 and log.others == ()


@pytest.mark.parametrize(
    "text, names",
    [
        ("Met with Acme and Globex", ["Acme", "Globex"]),
        ("Called Contoso and Fabrikam about the joint bid", ["Contoso", "Fabrikam"]),
        ("今天拜访了3家客户：华为、小米、海尔", ["华为", "小米", "海尔"]),
        ("给恒信银行和美团都发了新年祝福", ["恒信银行", "美团"]),
    ],
)
def test_several_customers_get_one_log_each(read, text: str, names: list[str]) -> None:
    log = read(text)
    assert not log.ambiguous
    assert [log.candidates[0].name, *(c.name for c in log.others)] == names


@pytest.mark.parametrize(
    "text, written",
    [
        ("拜访了新客户云帆科技", "云帆科技"),
        ("和新客户恒达集团的李总吃了顿饭", "恒达集团"),
        ("Zentrix Ltd called asking about pricing", "Zentrix Ltd"),
        ("Met a new prospect, Brightwave, at the expo", "Brightwave"),
    ],
)
def test_unknown_customer_offers_the_name_as_written(read, text: str, written: str) -> None:
    log = read(text)
    assert log.candidates == () and log.customer_text == written


def test_common_word_customer_needs_its_capitals() -> None:
    index = CustomerIndex([BookEntry(1, "Target", None), BookEntry(2, "Acme", None)])
    assert [c.name for c in index.mentions("Visited Target today")] == ["Target"]
    assert index.mentions("we hit the target today") == []


def test_find_reads_hanzi_latin_pinyin_initials_and_typos(index) -> None:
    assert index.find("huawei")[0].name == "华为"
    assert index.find("hw")[0].name == "华为"
    assert index.find("星辰")[0].name == "星辰科技"
    assert index.find("bob smith")[0].name == "Globex"
    assert index.find("glbex")[0].name == "Globex"
    assert index.find("Stark")[0].name == "Stark Industries"
    assert index.find("") == [] and index.find("   ") == []
    assert len(index.find("a", limit=3)) <= 3


# -- kind ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, kind, channel",
    [
        ("Called Acme", "call", None),
        ("visited acme", "visit", None),
        ("Lunch with Jane (Acme)", "meeting", None),
        ("和华为开会", "meeting", None),
        ("华为饭局", "meeting", None),
        ("微信联系华为", "message", None),
        ("texted acme", "message", None),
        ("短信通知华为", "message", None),
        ("emailed acme the deck", "email", None),
        ("给华为发了邮件", "email", None),
        ("拜访了华为，签约50万", "deal", "visit"),
        ("Called Acme and they signed", "deal", "call"),
        ("acme signed", "deal", None),
        ("给华为发了新年祝福", "greeting", None),
        ("Sent season's greetings to Acme", "greeting", None),
        ("华为那边还在走流程", "note", None),
    ],
)
def test_kind(read, text: str, kind: str, channel: str | None) -> None:
    log = read(text)
    assert (log.kind, log.channel) == (kind, channel)


@pytest.mark.parametrize(
    "text", ["Called Acme, they will sign next week", "华为准备下周签约", "华为还没签约", "腾讯的单子被竞争对手拿下"]
)
def test_a_deal_not_yet_closed_is_not_a_deal(read, text: str) -> None:
    assert read(text).kind != "deal"


def test_a_planned_call_is_a_note_with_a_follow_up(read) -> None:
    log = read("Globex call tomorrow 10:00")
    assert log.kind == "note"
    assert local(log.follow_up.due) == datetime(2026, 11, 25, 10, tzinfo=ZoneInfo(ZONE))


# -- when ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, day",
    [
        ("今天拜访了华为", "2026-11-24"),
        ("昨天拜访了华为", "2026-11-23"),
        ("前天拜访了华为", "2026-11-22"),
        ("大前天拜访了华为", "2026-11-21"),
        ("上周五拜访了华为", "2026-11-20"),
        ("本周一拜访了华为", "2026-11-23"),
        ("11月20日拜访了华为", "2026-11-20"),
        ("11月20号拜访了华为", "2026-11-20"),
        ("十一月十九号拜访了华为", "2026-11-19"),
        ("11.20拜访了华为", "2026-11-20"),
        ("2026-11-20 拜访华为", "2026-11-20"),
        ("2026年11月18日拜访华为", "2026-11-18"),
        ("三天前拜访了华为", "2026-11-21"),
        ("周五跟华为开会了", "2026-11-20"),
        ("visited acme yesterday", "2026-11-23"),
        ("visited acme last Friday", "2026-11-20"),
        ("visited acme Nov 20", "2026-11-20"),
        ("visited acme 20 Nov", "2026-11-20"),
        ("visited acme on November 19th", "2026-11-19"),
        ("visited acme on 11/19", "2026-11-19"),
        ("visited acme this morning", "2026-11-24"),
        ("visited acme two days ago", "2026-11-22"),
        ("visited acme the day before yesterday", "2026-11-22"),
        ("met acme last night", "2026-11-23"),
        ("met acme on the 20th", "2026-11-20"),
        ("met acme a week ago", "2026-11-17"),
    ],
)
def test_when_it_happened(read, text: str, day: str) -> None:
    log = read(text)
    assert local(log.occurred_at).date().isoformat() == day
    assert log.occurred_date_given and log.problems == ()


def test_today_keeps_now_and_another_day_is_noon_and_a_time_is_kept(read) -> None:
    assert read("今天拜访了华为").occurred_at == NOW.astimezone(UTC)
    assert local(read("昨天拜访了华为").occurred_at).time() == time(12)
    assert local(read("昨天下午3点拜访了华为").occurred_at).time() == time(15)
    assert local(read("visited acme at 8:30 this morning").occurred_at).time() == time(8, 30)


def test_occurred_at_is_utc_and_follows_the_timezone(read) -> None:
    log = read("visited acme yesterday", timezone="America/New_York")
    assert log.occurred_at.tzinfo == UTC
    # now is Mon 2026-11-23 20:00 in New York, so yesterday is the 22nd, at 12:00 there.
    assert log.occurred_at == datetime(2026, 11, 22, 17, tzinfo=UTC)


@pytest.mark.parametrize(
    "text", ["2月30日拜访了华为", "4月31号去过华为", "Called Acme on Nov 31", "2026-02-30 visited acme"]
)
def test_impossible_date_is_a_problem_and_falls_back_to_now(read, text: str) -> None:
    log = read(text)
    assert "invalid_date" in log.problems
    assert log.occurred_at == NOW.astimezone(UTC) and not log.occurred_date_given


@pytest.mark.parametrize("text", ["12月5日拜访华为", "Visited Hooli on 25 Nov", "今天下午3点拜访了华为"])
def test_interaction_in_the_future_is_a_problem(read, text: str) -> None:
    log = read(text)
    assert "future_date" in log.problems and log.occurred_at == NOW.astimezone(UTC)


# -- amounts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, amount, currency",
    [
        ("acme deal ¥50,000", "50000", "CNY"),
        ("华为签约5万", "50000", "CNY"),
        ("华为签约3.5万元", "35000", "CNY"),
        ("acme signed 50k", "50000", "CNY"),
        ("acme signed 1.2m", "1200000", "CNY"),
        ("acme signed 1,200,000", "1200000", "CNY"),
        ("acme paid $2,000", "2000", "USD"),
        ("acme paid €300", "300", "EUR"),
        ("华为签约五十万", "500000", "CNY"),
        ("华为签约一百二十万", "1200000", "CNY"),
        ("华为签约50万美元", "500000", "USD"),
        ("华为签约1.5亿", "150000000", "CNY"),
        ("acme signed 2.5 million USD", "2500000", "USD"),
        ("华为签约一点五万", "15000", "CNY"),
        ("华为 合同 15万元", "150000", "CNY"),
        ("Soylent paid £1,250.50", "1250.50", "GBP"),
    ],
)
def test_amounts(read, text: str, amount: str, currency: str) -> None:
    log = read(text)
    assert log.amount == Decimal(amount) and log.currency == currency
    assert isinstance(log.amount, Decimal)


def test_organisation_currency_is_the_default(read) -> None:
    assert read("acme signed 50k", currency="usd").currency == "USD"
    assert read("华为签约5万", currency="HKD").currency == "HKD"


@pytest.mark.parametrize("text", ["about 5万?", "大约5万", "约5万", "5万左右", "~$75k", "acme around 200k"])
def test_approximate_amounts(read, text: str) -> None:
    log = read(text)
    assert log.amount is not None and log.amount_approximate


@pytest.mark.parametrize(
    "text",
    [
        "Called Acme, quote for 200 units",
        "华为 电话 13912345678",
        "华为 3天后回访",
        "华为 满意度4",
        "华为 11月20日",
        "acme at 10:30",
        "采购100台服务器",
        "invoice #45210",
        "acme 5万人的大会",
        "Call Globex +1 415 555 0199",
        "acme rated 4/5",
        "华为 明天下午3点",
        "phoned Cyberdyne re: invoice 2026-0042",
    ],
)
def test_numbers_that_are_not_money(read, text: str) -> None:
    assert read(text).amount is None


# -- follow-up -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, due, has_time",
    [
        ("华为 明天回访", "2026-11-25 09:00", False),
        ("华为 后天跟进", "2026-11-26 09:00", False),
        ("华为 下周三回访", "2026-12-02 09:00", False),
        ("华为 周五回访", "2026-11-27 09:00", False),
        ("华为 3天后跟进", "2026-11-27 09:00", False),
        ("华为 月底回访", "2026-11-30 09:00", False),
        ("华为 下个月跟进", "2026-12-01 09:00", False),
        ("华为 明天上午10点回访", "2026-11-25 10:00", True),
        ("华为 下周一下午2点半跟进", "2026-11-30 14:30", True),
        ("acme follow up next Tuesday", "2026-12-01 09:00", False),
        ("acme, in 3 days", "2026-11-27 09:00", False),
        ("acme by Friday", "2026-11-27 09:00", False),
        ("acme follow up Friday", "2026-11-27 09:00", False),
        ("remind me in 3 days about acme", "2026-11-27 09:00", False),
        ("acme tomorrow 10:00", "2026-11-25 10:00", True),
        ("call acme tomorrow at 3pm", "2026-11-25 15:00", True),
        ("提醒我下午3点给华为打电话", "2026-11-24 15:00", True),
        ("acme follow up in a fortnight", "2026-12-08 09:00", False),  # via dateparser
    ],
)
def test_follow_up_due(read, text: str, due: str, has_time: bool) -> None:
    log = read(text)
    assert log.follow_up is not None
    assert local(log.follow_up.due).strftime("%Y-%m-%d %H:%M") == due
    assert log.follow_up.has_time is has_time and log.follow_up.due.tzinfo == UTC


def test_follow_up_text_says_what_to_do(read) -> None:
    assert read("Called Acme, remind me in 3 days to send the quote").follow_up.text == "Send Acme the quote"
    assert read("by Friday send Initech the SOW").follow_up.text == "Send Initech the SOW"
    assert read("Called Acme. Follow up Friday").follow_up.text == "Follow up with Acme"
    assert read("拜访了华为，下周三回访").follow_up.text == "回访华为"
    # issue 11: the action and the customer, never the first clause or a bare name
    assert read("百度 电话 没人接 周五再打").follow_up.text == "给百度打电话"
    assert read("mtg w/ acme today, went well. f/u next friday").follow_up.text == "Follow up with Acme"
    assert read("sent Globex the contract, chase them in 2 weeks").follow_up.text == "Chase Globex on the contract"
    assert read("两周后跟进一下比亚迪").follow_up.text == "跟进比亚迪"


def test_weekday_rules_on_a_friday(index) -> None:
    friday = datetime(2026, 11, 27, 9, tzinfo=ZoneInfo(ZONE))
    log = parse("华为 周五回访", index, now=friday, timezone=ZONE)
    assert local(log.follow_up.due).date() == date(2026, 12, 4)  # not today: next week's
    log = parse("周五拜访了华为", index, now=friday, timezone=ZONE)
    assert local(log.occurred_at).date() == date(2026, 11, 27)  # today


# -- feedback and satisfaction --------------------------------------------------------------


@pytest.mark.parametrize(
    "text, kind",
    [
        ("华为投诉交付慢", "complaint"),
        ("华为对价格不满意", "complaint"),
        ("华为抱怨服务", "complaint"),
        ("acme complained about delays", "complaint"),
        ("acme is unhappy", "complaint"),
        ("华为建议增加夜间配送", "suggestion"),
        ("acme suggested a pilot", "suggestion"),
        ("华为表扬了客服", "praise"),
        ("acme praised the team", "praise"),
        ("acme very happy with the install", "praise"),
        ("华为感谢我们的支持", "praise"),
        ("华为咨询价格", "question"),
        ("华为问了发票的事", "question"),
        ("acme asked about SSO", "question"),
        ("acme had a question on billing", "question"),
    ],
)
def test_feedback(read, text: str, kind: str) -> None:
    assert read(text).feedback.kind == kind


@pytest.mark.parametrize(
    "text", ["acme: no complaints", "华为没有投诉", "华为对方案没有意见", "Lunch with Globex, very positive"]
)
def test_no_feedback(read, text: str) -> None:
    assert read(text).feedback is None


@pytest.mark.parametrize(
    "text, score",
    [
        ("华为满意度4", 4),
        ("satisfaction 5", 5),
        ("满意度：5分", 5),
        ("满意度 4/5", 4),
        ("acme CSAT 3", 3),
        ("acme rated 4/5", 4),
        ("华为 满意度五分", 5),
        ("acme 2 stars", 2),
    ],
)
def test_satisfaction(read, text: str, score: int) -> None:
    log = read(text)
    assert log.satisfaction == score and "invalid_satisfaction" not in log.problems


@pytest.mark.parametrize("text", ["满意度10", "satisfaction 7/10", "满意度0", "satisfaction 4.5"])
def test_satisfaction_out_of_range_is_a_problem(read, text: str) -> None:
    log = read(text)
    assert log.satisfaction is None and "invalid_satisfaction" in log.problems

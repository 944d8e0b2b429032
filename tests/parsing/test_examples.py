"""The eight sentences of the issue, field by field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from .conftest import local


def test_called_acme_follow_up_friday(read) -> None:
    log = read("Called Acme, they want a quote for 200 units. Follow up Friday")
    assert [c.name for c in log.candidates] == ["Acme"] and not log.ambiguous
    assert log.kind == "call" and log.channel is None
    assert local(log.occurred_at).date() == date(2026, 11, 24) and not log.occurred_date_given
    assert log.amount is None and log.currency is None
    assert local(log.follow_up.due).date() == date(2026, 11, 27)
    assert not log.follow_up.has_time and local(log.follow_up.due).hour == 9
    assert log.problems == ()


def test_visit_deal_and_next_wednesday(read) -> None:
    log = read("拜访了华为，签约50万，下周三回访")
    assert log.candidates[0].name == "华为" and not log.ambiguous
    assert (log.kind, log.channel) == ("deal", "visit")
    assert log.amount == Decimal("500000") and log.currency == "CNY" and not log.amount_approximate
    assert local(log.follow_up.due).date() == date(2026, 12, 2)
    assert log.follow_up.text == "回访华为"


def test_wechat_contact_and_company_complaint(read) -> None:
    log = read("微信联系张总（星辰科技），对交付时间不满意")
    assert log.candidates[0].name == "星辰科技" and not log.ambiguous
    assert log.kind == "message"
    assert log.feedback.kind == "complaint" and log.feedback.text == "对交付时间不满意"


def test_lunch_with_bob_from_globex(read) -> None:
    log = read("Lunch with Bob from Globex yesterday, very positive, satisfaction 5")
    assert log.candidates[0].name == "Globex" and not log.ambiguous
    assert log.kind == "meeting"
    assert local(log.occurred_at).date() == date(2026, 11, 23) and log.occurred_date_given
    assert local(log.occurred_at).hour == 12  # a past day without a time: noon local
    assert log.satisfaction == 5
    assert log.feedback is None  # "very positive" is a mood, not praise (documented choice)


def test_acme_renewal_in_millions(read) -> None:
    log = read("acme signed the renewal 1.2m")
    assert log.candidates[0].name == "Acme"
    assert log.kind == "deal" and log.amount == Decimal("1200000") and log.currency == "CNY"


def test_mid_autumn_greeting(read) -> None:
    log = read("给腾讯发了中秋祝福")
    assert log.candidates[0].name == "腾讯" and log.kind == "greeting"


def test_email_and_remind_me_in_three_days(read) -> None:
    log = read("email to initech about the invoice, remind me in 3 days")
    assert log.candidates[0].name == "Initech"
    assert log.kind == "email"
    assert local(log.follow_up.due).date() == date(2026, 11, 27)
    assert log.follow_up.text == "Follow up with Initech on the invoice"  # never the first clause


def test_call_two_days_ago_with_suggestion(read) -> None:
    log = read("前天电话回访了蓝海物流，客户建议增加夜间配送")
    assert log.candidates[0].name == "蓝海物流"
    assert log.kind == "call"
    assert local(log.occurred_at).date() == date(2026, 11, 22)
    assert log.feedback.kind == "suggestion"
    assert log.follow_up is None  # 回访了 with a past date is the call itself

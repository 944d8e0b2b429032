"""Rules added after the field set's fourth look (one rule per test): meals still ahead of now,
complaints about someone else, to-dos and notes to self, relative birthdays, lower-case new
companies, task texts that keep the thing the message is about."""

from __future__ import annotations

from datetime import date

import pytest

from .conftest import local


@pytest.mark.parametrize(
    "text, hour",
    [
        ("晚饭 w/ 华为李经理 喝多了", 19),  # at 09:00, dinner was last night's
        ("lunch w/ Bob from Globex, talked roadmap", 12),
    ],
)
def test_a_meal_still_ahead_of_now_was_yesterday(read, text: str, hour: int) -> None:
    log = read(text)
    when = local(log.occurred_at)
    assert when.date() == date(2026, 11, 23) and when.hour == hour


def test_a_meal_in_a_plan_stays_in_the_plan(read) -> None:
    log = read("Initech lunch tmrw")
    assert local(log.occurred_at).date() == date(2026, 11, 24)
    assert log.follow_up is not None and log.follow_up.due.date() == date(2026, 11, 25)


@pytest.mark.parametrize(
    "text",
    [
        "拜访华为 李经理吐槽他们现在的物流供应商太慢",
        "call w/ Acme, Jane furious at their cloud provider (not us lol)",
        "lunch w/ Bob from Globex, he complained about his POS vendor — opening for us",
        "微信上华为李经理抱怨竞品售后很差 想换掉",
    ],
)
def test_a_complaint_about_someone_else_is_no_feedback(read, text: str) -> None:
    assert read(text).feedback is None


@pytest.mark.parametrize(
    "text",
    [
        "华为李经理抱怨我们比竞品贵",
        "Acme complained our support is slower than their old vendor",
    ],
)
def test_a_complaint_naming_us_beside_a_competitor_stays(read, text: str) -> None:
    log = read(text)
    assert log.feedback is not None and log.feedback.kind == "complaint"


def test_a_bare_to_do_call_is_a_plan_for_the_coming_weekday(read) -> None:
    log = read("周三上午给华为李经理回电话")  # said on Tuesday 24 November
    assert log.kind == "note"
    assert log.follow_up is not None and log.follow_up.due.date() == date(2026, 11, 25)


@pytest.mark.parametrize(
    "text",
    [
        "plan: demo for Initech next wed",
        "need to prep the Globex QBR deck",
    ],
)
def test_a_note_to_self_is_a_note(read, text: str) -> None:
    assert read(text).kind == "note"


def test_a_past_call_with_a_to_do_stays_a_call(read) -> None:
    assert read("Called Acme, need to send the quote friday").kind == "call"


@pytest.mark.parametrize(
    "text, month_day",
    [
        ("华为李经理这周六生日", "11-28"),
        ("今天是华为李经理生日 微信发了个红包", "11-24"),
        ("Jane Doe's birthday is next friday", "12-04"),
    ],
)
def test_a_birthday_given_by_a_relative_day(read, text: str, month_day: str) -> None:
    log = read(text)
    birthdays = [f for f in log.facts if f.kind == "birthday"]
    assert birthdays and birthdays[0].value == month_day
    assert log.follow_up is None  # the date is the birthday, not a task


@pytest.mark.parametrize(
    "text, name",
    [
        ("visited northwind traders, first mtg w/ their COO", "northwind traders"),
        ("email from proseware's CFO asking what the enterprise tier costs", "proseware"),
    ],
)
def test_a_new_company_typed_in_lower_case(read, text: str, name: str) -> None:
    assert read(text).new_customer == name


def test_the_date_of_another_event_is_not_when_it_happened(read) -> None:
    log = read("emailed Jane a recap of yesterday's call")
    assert local(log.occurred_at).date() == date(2026, 11, 24)


def test_a_task_keeps_the_thing_the_message_is_about(read) -> None:
    log = read("微信视频跟华为李经理过了一遍方案 周五前改好再发")
    assert log.follow_up is not None
    assert "方案" in log.follow_up.text and "华为" in log.follow_up.text


def test_a_gift_sent_is_a_greeting(read) -> None:
    assert read("sent Bob a bottle of tequila for the store opening").kind == "greeting"


def test_a_task_to_someone_at_the_customer_names_both(read) -> None:
    log = read("周三上午给华为李经理回电话")
    assert log.follow_up is not None and log.follow_up.text == "给华为李经理回电话"

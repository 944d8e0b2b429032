"""Greetings due on a send date, over a real database (SQLite, and PostgreSQL when configured):
lead times per tier, one batch per rep and occasion, 29 February, unknown regions, languages,
personal VIP drafts, broken templates."""

from __future__ import annotations

import logging
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.render import Renderer
from core.db import Database
from core.policies import default_policy_text
from core.reminders.greetings import GreetingBatch, due_greetings, greetings_environment
from core.tiering import parse_policy

from .book import TZ, Book

POLICY = parse_policy(default_policy_text())
ENV = greetings_environment()
MID_AUTUMN = date(2027, 9, 15)


def _due(db: Database, today: date, *, env=ENV, policy=POLICY) -> list[GreetingBatch]:
    with db.session() as session:
        return due_greetings(session, policy, env, today, org_timezone=TZ)


def _who(batches: list[GreetingBatch], kind: str | None = None) -> set[str]:
    return {item.customer_name for batch in batches if kind in (None, batch.kind) for item in batch.items}


def test_lead_time_follows_the_tier(any_db: Database) -> None:
    with any_db.session() as session:
        book = Book(session)
        book.customer("Vip Co", tier="vip")
        book.customer("Key Co", tier="key")
        book.customer("Regular Co", tier="regular")
        book.customer("New Co")  # active, not tiered yet: the policy's default lead time
        book.customer("Prospect Co", grade="A")  # the default policy gives grades no lead time
    expected = {7: {"Vip Co"}, 3: {"Key Co"}, 1: {"Regular Co", "New Co", "Prospect Co"}}
    for days_ahead in range(0, 9):
        today = date.fromordinal(MID_AUTUMN.toordinal() - days_ahead)
        batches = _due(any_db, today)
        assert _who(batches) == expected.get(days_ahead, set()), days_ahead
        for batch in batches:
            assert (batch.occasion_key, batch.occasion_date, batch.send_date) == (
                "holiday:CN:2027-09-15:mid_autumn",
                MID_AUTUMN,
                today,
            )
            assert batch.occasion_name == {"zh": "中秋节", "en": "Mid-Autumn Festival"}
    [vip] = _due(any_db, date(2027, 9, 8))[0].items
    [key] = _due(any_db, date(2027, 9, 12))[0].items
    assert (vip.tier, vip.lead_days, key.tier, key.lead_days) == ("personal", 7, "warm", 3)
    prospect = next(i for i in _due(any_db, date(2027, 9, 14))[0].items if i.customer_name == "Prospect Co")
    assert (prospect.tier, prospect.grade, prospect.lead_days) == ("personal", "A", 1)  # A is a priority tier


def test_a_pipeline_grade_with_lead_days_sets_the_prospect_lead_time(sqlite_db: Database) -> None:
    text = default_policy_text().replace('code = "A"\n', 'code = "A"\nlead_days = 5\n', 1)
    policy = parse_policy(text)
    with sqlite_db.session() as session:
        Book(session).customer("Hot Prospect", grade="A")
    assert _who(_due(sqlite_db, date(2027, 9, 10), policy=policy)) == {"Hot Prospect"}
    assert _who(_due(sqlite_db, date(2027, 9, 14), policy=policy)) == set()


def test_lantern_festival_2027(sqlite_db: Database) -> None:
    with sqlite_db.session() as session:
        Book(session).customer("Vip Co", tier="vip")
    [batch] = _due(sqlite_db, date(2027, 2, 13))
    assert (batch.occasion, batch.occasion_date, batch.occasion_name["zh"]) == ("lantern", date(2027, 2, 20), "元宵节")
    assert "元宵" in batch.items[0].draft


def test_one_batch_per_rep_and_occasion(any_db: Database) -> None:
    with any_db.session() as session:
        book = Book(session)
        a1 = book.customer("A1", tier="vip", rep="Ann")
        a2 = book.customer("A2", tier="key", rep="Ann")
        book.customer("B1", tier="vip", rep="Ben")
        book.customer("Nobody's", tier="vip", rep=None)  # no owner: skipped
        book.customer("Lost", tier="vip", stage="lost")
        book.customer("Archived", tier="vip", archived=True)
        book.contact(a1, "Alice", birthday=date(1985, 3, 18))  # VIP: 7 days ahead
        book.contact(a2, "Andy", birthday=date(1990, 3, 14))  # Key: 3 days ahead
        book.contact(a2, "Amy", birthday=date(1991, 3, 14))
        book.customer("A3", tier="regular", rep="Ann", contract_start=date(2024, 3, 12))
        book.customer("A4", tier="key", rep="Ann", contract_start=date(2027, 3, 14))  # year 0: none
    batches = _due(any_db, date(2027, 3, 11))
    assert {(b.kind, b.rep_id, len(b.items)) for b in batches} == {
        ("birthday", book.reps["Ann"], 3),
        ("anniversary", book.reps["Ann"], 1),
    }
    birthday = next(b for b in batches if b.kind == "birthday")
    assert birthday.occasion_date == date(2027, 3, 14)  # the earliest of the batch
    assert birthday.occasion_key == "birthday:2027-03-14"
    assert [(i.contact_name, i.occasion_date) for i in birthday.items] == [
        ("Amy", date(2027, 3, 14)),
        ("Andy", date(2027, 3, 14)),
        ("Alice", date(2027, 3, 18)),
    ]
    anniversary = next(b for b in batches if b.kind == "anniversary")
    assert (anniversary.items[0].customer_name, anniversary.items[0].years) == ("A3", 3)
    assert len({b.dedupe_key for b in batches}) == len(batches)

    national_day = _due(any_db, date(2027, 9, 24))  # 7 days before 国庆: the VIPs of each rep
    assert {(b.rep_id, tuple(i.customer_name for i in b.items)) for b in national_day} == {
        (book.reps["Ann"], ("A1",)),
        (book.reps["Ben"], ("B1",)),
    }


def test_29_february_birthday_is_greeted_on_28_february_in_common_years(any_db: Database) -> None:
    with any_db.session() as session:
        book = Book(session)
        leap = book.customer("Leap Co", tier="regular")
        book.contact(leap, "Lea", birthday=date(2000, 2, 29))
    [batch] = _due(any_db, date(2027, 2, 27))
    assert (batch.kind, batch.items[0].occasion_date) == ("birthday", date(2027, 2, 28))
    assert _due(any_db, date(2027, 2, 28)) == []
    assert _who(_due(any_db, date(2028, 2, 28))) == {"Leap Co"}  # 2028 is a leap year: 29 Feb
    assert _due(any_db, date(2028, 2, 27)) == []


def test_unknown_region_has_no_holidays_but_keeps_birthdays(sqlite_db: Database) -> None:
    with sqlite_db.session() as session:
        book = Book(session)
        nowhere = book.customer("Nowhere Ltd", tier="vip", region="XX")
        book.contact(nowhere, "Ned", birthday=date(1970, 9, 15))
        book.customer("Nothing Ltd", tier="vip", region="")
    batches = _due(sqlite_db, date(2027, 9, 8))
    assert [(b.kind, b.items[0].customer_name, b.items[0].language) for b in batches] == [
        ("birthday", "Nowhere Ltd", "en")
    ]


def test_other_countries_get_their_holidays_with_the_generic_template(sqlite_db: Database) -> None:
    with sqlite_db.session() as session:
        Book(session).customer("Yankee Inc", tier="key", region="US")
    [batch] = _due(sqlite_db, date(2027, 7, 1))
    assert batch.occasion_key == "holiday:US:2027-07-04:independence_day"
    assert batch.items[0].template == "greetings/holiday/warm.en.txt.j2"
    assert "Independence Day" in batch.items[0].draft


def test_vip_drafts_are_personal_and_in_the_customer_language(any_db: Database) -> None:
    with any_db.session() as session:
        book = Book(session)
        huawei = book.customer("华为", tier="vip")
        book.contact(huawei, "赵六", title="采购")
        book.contact(huawei, "王伟", title="总经理", primary=True)
        book.touch(huawei, "meeting", datetime(2027, 8, 20, 3, tzinfo=UTC), "讨论了二期方案，客户很满意")
        book.touch(huawei, "note", datetime(2027, 9, 1, 3, tzinfo=UTC), "内部备注")  # not recalled
        acme = book.customer("Acme <b>&", tier="vip", language="en-US")
        book.contact(acme, "John Smith", title="CEO")
        book.touch(acme, "visit", datetime(2027, 3, 2, 3, tzinfo=UTC), "Talked about phase 2. Great mood.")
        book.customer("Plain Co", tier="regular", language="fr")  # no templates in French: English
    vip = {i.customer_name: i for i in _due(any_db, date(2027, 9, 8), env=Renderer().env)[0].items}
    zh = vip["华为"]
    assert (zh.language, zh.contact_name, zh.contact_title) == ("zh", "王伟", "总经理")
    assert zh.draft.startswith("尊敬的王伟总经理，您好！")
    assert "8月20日" in zh.draft and "中秋" in zh.draft and "李明" in zh.draft
    assert (zh.last_touch.date, zh.last_touch.kind, zh.last_touch.summary) == (
        date(2027, 8, 20),
        "meeting",
        "讨论了二期方案",
    )
    en = vip["Acme <b>&"]
    assert en.language == "en" and en.draft.startswith("Dear John Smith,")
    assert "March 2" in en.draft and "Mid-Autumn" in en.draft
    assert en.last_touch.summary == "Talked about phase 2"
    [plain] = _due(any_db, date(2027, 9, 14))[0].items
    assert plain.language == "en" and plain.last_touch is None
    assert plain.draft.startswith("Dear Plain Co team,")
    assert "&amp;" not in en.draft + zh.draft


def test_a_broken_template_gives_a_log_line_and_the_fallback_text(
    sqlite_db: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(Path(__file__).resolve().parents[2] / "templates" / "greetings", templates / "greetings")
    (templates / "greetings/mid_autumn/personal.zh.txt.j2").write_text("{% if %}中秋", encoding="utf-8")  # syntax
    (templates / "greetings/birthday/personal.zh.txt.j2").write_text("{{ 1 // 0 }}", encoding="utf-8")  # runtime
    (templates / "greetings/names.toml").write_text("[birthday", encoding="utf-8")
    with sqlite_db.session() as session:
        book = Book(session)
        for name in ("甲公司", "乙公司"):
            cid = book.customer(name, tier="vip")
            book.contact(cid, f"{name}联系人", birthday=date(1980, 9, 15))
    with caplog.at_level(logging.WARNING, logger="core.reminders.greetings"):
        batches = _due(sqlite_db, date(2027, 9, 8), env=greetings_environment(templates))
    assert {b.kind for b in batches} == {"holiday", "birthday"}
    for batch in batches:
        for item in batch.items:
            assert item.template == "fallback"
            assert item.draft.startswith(f"{item.customer_name}联系人，您好！")
    logged = caplog.text
    assert "greetings/mid_autumn/personal.zh.txt.j2 is broken (line 1)" in logged
    assert "greetings/birthday/personal.zh.txt.j2 is broken" in logged and "ZeroDivisionError" in logged
    assert "names.toml is broken" in logged
    assert logged.count("greetings/mid_autumn/personal.zh.txt.j2 is broken") == 1  # once per sweep

    (templates / "greetings/fallback.zh.txt.j2").write_text("{{ missing }}", encoding="utf-8")
    batches = _due(sqlite_db, date(2027, 9, 8), env=greetings_environment(templates))
    holiday = next(b for b in batches if b.kind == "holiday")
    assert (
        next(i for i in holiday.items if i.customer_name == "甲公司").draft
        == "甲公司联系人，您好！值此中秋节之际，谨致诚挚问候，祝您一切顺利！"
    )


def test_a_missing_style_template_falls_back_to_standard(sqlite_db: Database, tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(Path(__file__).resolve().parents[2] / "templates" / "greetings", templates / "greetings")
    (templates / "greetings/mid_autumn/personal.zh.txt.j2").unlink()
    (templates / "greetings/holiday/personal.zh.txt.j2").unlink()
    with sqlite_db.session() as session:
        Book(session).customer("甲公司", tier="vip")
    [batch] = _due(sqlite_db, date(2027, 9, 8), env=greetings_environment(templates))
    assert batch.items[0].template == "greetings/mid_autumn/standard.zh.txt.j2"


def test_a_template_failing_for_one_customer_still_serves_the_others(
    sqlite_db: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(Path(__file__).resolve().parents[2] / "templates" / "greetings", templates / "greetings")
    (templates / "greetings/mid_autumn/personal.zh.txt.j2").write_text(
        "{{ contact_title.upper() }}，中秋快乐！", encoding="utf-8"
    )  # fails when a contact has no title
    (templates / "greetings/_common.en.txt.j2").write_text("{% macro thanks( %}", encoding="utf-8")
    with sqlite_db.session() as session:
        book = Book(session)
        book.contact(book.customer("甲公司", tier="vip"), "甲", title="ceo")
        book.contact(book.customer("乙公司", tier="vip"), "乙")
        book.customer("Acme", tier="vip", language="en")
    with caplog.at_level(logging.WARNING, logger="core.reminders.greetings"):
        [batch] = _due(sqlite_db, date(2027, 9, 8), env=greetings_environment(templates))
    drafts = {i.customer_name: (i.template, i.draft) for i in batch.items}
    assert drafts["甲公司"] == ("greetings/mid_autumn/personal.zh.txt.j2", "CEO，中秋快乐！")
    assert drafts["乙公司"] == ("fallback", "乙，您好！值此中秋节之际，谨致诚挚问候，祝您一切顺利！")
    assert drafts["Acme"][0] == "fallback" and drafts["Acme"][1].startswith("Dear Acme,")
    assert "greetings/mid_autumn/personal.zh.txt.j2 is broken" in caplog.text
    assert "greetings/mid_autumn/personal.en.txt.j2 is broken (in greetings/_common.en.txt.j2, line 1)" in caplog.text

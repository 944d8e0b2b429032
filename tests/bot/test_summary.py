"""/summary through the harness: one chart and one message for managers and admins, in zh and
en, refusals for reps and for what a manager may not see, drill-down buttons, a handler that
does not hold other users' messages, and the weekly push (Monday 09:00 local, once a week)."""

from __future__ import annotations

import asyncio
import io
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import select

from bot import cli
from bot.handlers import summary as summary_handler
from bot.testing import Harness, Person
from core import accounts
from core.models import Notification
from core.names import book
from core.reports import summary
from tests.core.summary_book import add_book

MONDAY_0859 = datetime(2026, 11, 30, 0, 59, tzinfo=UTC)  # Shanghai 08:59
MONDAY_0901 = datetime(2026, 11, 30, 1, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fresh_index():
    book.invalidate()
    yield
    book.invalidate()


async def _team(harness: Harness, language: str = "zh") -> dict[str, Person]:
    people = {
        "manager": await harness.person("manager", name="王芳", language=language, team="East"),
        "a": await harness.person("rep", name="李伟", language=language, team="East"),
        "b": await harness.person("rep", name="Emma", language="en", team="East"),
        "c": await harness.person("rep", name="Carl", language="en", team="West"),
        "admin": await harness.person("admin", name="Root", language=language),
    }
    with harness.db.session() as session:
        add_book(
            session,
            harness.clock.now(),
            manager=people["manager"].account.id,
            rep_a=people["a"].account.id,
            rep_b=people["b"].account.id,
            rep_c=people["c"].account.id,
        )
    return people


def _png(message) -> Image.Image:  # type: ignore[no-untyped-def]
    assert message.kind == "photo" and message.file_bytes is not None
    return Image.open(io.BytesIO(message.file_bytes))


async def test_manager_gets_a_chart_and_the_figures_in_chinese(harness: Harness) -> None:
    people = await _team(harness, "zh")
    sent = await harness.send(people["manager"], "/summary")
    assert [m.kind for m in sent] == ["photo", "text"]
    image = _png(sent[0])
    assert image.format == "PNG" and image.size == (1000, 560)
    text = sent[1].text
    assert "分档汇总 · 团队 East" in text and "客户 4 位" in text and "近30天" in text
    assert "VIP客户：1（25%）· 交易额 67% · 按时联系 100%" in text
    assert "重要客户：1（25%）· 交易额 33% · 按时联系 0%" in text
    assert "⬆ 华为：重要客户 → VIP客户（价值分档）" in text and "⬇ Acme：VIP客户 → 重要客户（价值分档）" in text
    assert "逾期未联系</b>：2" in text and "李伟 1" in text and "Emma 1" in text
    assert "未解决投诉</b>：2（1 条超过48小时）" in text
    assert "D级（优质）：67%（目标 70%）" in text and "F级（一般）：33%（目标 10%）" in text
    assert "年留存率 50% → 预期 2.0 年" in text and "VIP客户：年均 600,000.00 CNY × 2.0 = 1,200,000.00 CNY" in text
    assert "📌 Acme：价值分档 → 重要客户，至 2026-12-24 · 王芳" in text
    assert "Westco" not in text and "Carl" not in text  # another team
    labels = [label for label, _ in sent[1].buttons]
    assert "VIP客户（1）" in labels and "⏰ 李伟（1）" in labels


async def test_manager_in_english_for_a_week(harness: Harness) -> None:
    people = await _team(harness, "en")
    sent = await harness.send(people["manager"], "/summary week")
    text = sent[-1].text
    assert "Tier summary · team East" in text and "last 7 days" in text
    assert "VIP: 1 (25%) · revenue 67% · on cadence 100%" in text
    assert "⬆ 华为: Key → VIP (Value tier)" in text
    assert "⬇ Acme: VIP → Key (Value tier)" in text and "腾讯: E" not in text  # 腾讯's grade moved 10+ days ago
    assert "D (loyal): 67% (target 70%)" not in text  # a week holds only 华为's call and Globex's call
    assert "D (loyal): 50% (target 70%)" in text and "F (basic): 50% (target 10%)" in text
    assert "Active overrides</b>: 1" in text


async def test_a_rep_may_not_ask(harness: Harness) -> None:
    people = await _team(harness, "zh")
    sent = await harness.send(people["a"], "/summary")
    assert [m.kind for m in sent] == ["text"] and "仅限主管和管理员" in sent[0].text
    sent = await harness.send(people["b"], "/summary team")
    assert "managers and administrators only" in sent[0].text


async def test_a_manager_sees_only_their_team(harness: Harness) -> None:
    people = await _team(harness, "en")
    manager = people["manager"]
    refused = await harness.send(manager, "/summary @Carl")
    assert [m.kind for m in refused] == ["text"] and "Carl is not in your team" in refused[0].text
    refused = await harness.send(manager, "/summary team West")
    assert "only your own team (East)" in refused[0].text
    one = await harness.send(manager, "/summary 李伟 quarter")
    assert "Tier summary · 李伟" in one[-1].text and "2 customers" in one[-1].text


async def test_admin_sees_the_organisation_or_one_team(harness: Harness) -> None:
    people = await _team(harness, "en")
    everyone = await harness.send(people["admin"], "/summary")
    assert "whole organisation" in everyone[-1].text and "5 customers" in everyone[-1].text
    west = await harness.send(people["admin"], "/summary team West")
    assert "team West" in west[-1].text and "1 customers" in west[-1].text
    unknown = await harness.send(people["admin"], "/summary team Nowhere")
    assert "no team called “Nowhere”" in unknown[0].text


async def test_bad_arguments_get_the_usage(harness: Harness) -> None:
    people = await _team(harness, "en")
    for text, expected in (
        ("/summary foo", "I don't know anyone called “foo”"),
        ("/summary @ghost", "I don't know anyone called “@ghost”"),
        ("/summary week month", "I can't read “month” here"),
    ):
        sent = await harness.send(people["manager"], text)
        assert [m.kind for m in sent] == ["text"]
        assert expected in sent[0].text and "/summary [team|@rep] [week|month|quarter]" in sent[0].text
    sent = await harness.send(await harness.person("manager", name="赵", language="zh", team="East"), "/summary foo")
    assert "找不到名为“foo”的人员" in sent[0].text


async def test_buttons_drill_down_to_a_tier_and_to_a_reps_overdue_list(harness: Harness) -> None:
    people = await _team(harness, "en")
    manager = people["manager"]
    sent = await harness.send(manager, "/summary")
    summary_message = sent[-1]
    await harness.press(manager, "Regular (2)", summary_message)
    listing = harness.last(manager)
    assert "Value tier · Regular" in listing.text and "Globex · Emma" in listing.text and "腾讯 · Emma" in listing.text
    await harness.press(manager, "1 📇", listing)
    assert "Globex" in harness.last(manager).text.splitlines()[0]  # the card, as a new message
    await harness.press(manager, "⏰ 李伟 (1)", summary_message)
    overdue = harness.last(manager)
    assert "Overdue contacts of 李伟" in overdue.text and "Acme" in overdue.text and "overdue 79 d" in overdue.text
    # a button outlives a change of team: pressing it again re-checks the scope
    with harness.db.session() as session:
        accounts.add_user(
            session, telegram_id=people["a"].chat_id, name="李伟", role="rep", team="West", now=harness.clock.now()
        )
    await harness.press(manager, "⏰ 李伟 (1)", summary_message)
    assert "李伟 is not in your team" in harness.last(manager).text


async def test_a_summary_being_computed_does_not_hold_other_users(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = await _team(harness, "en")
    entered, release = threading.Event(), threading.Event()
    real_build = summary.build

    def slow_build(*args, **kwargs):  # type: ignore[no-untyped-def]
        entered.set()
        assert release.wait(10)
        return real_build(*args, **kwargs)

    monkeypatch.setattr(summary, "build", slow_build)
    running = asyncio.create_task(harness.send(people["manager"], "/summary"))
    while not entered.is_set():
        await asyncio.sleep(0.01)
    answer = await harness.send(people["a"], "/help")  # while the summary is still being computed
    assert answer and answer[0].chat_id == people["a"].chat_id
    assert not running.done()
    release.set()
    sent = await running
    assert [m.kind for m in sent if m.chat_id == people["manager"].chat_id] == ["photo", "text"]


# --- the weekly push --------------------------------------------------------------------------------


def _weekly_rows(harness: Harness) -> list[Notification]:
    with harness.db.session() as session:
        return list(session.exec(select(Notification).where(Notification.kind == "weekly")).all())


async def test_weekly_summary_goes_to_managers_on_monday_at_nine_once(harness: Harness) -> None:
    people = await _team(harness, "zh")
    manager = people["manager"]
    with harness.db.session() as session:  # pushed before they ever wrote: the chosen language
        accounts.set_language(session, manager.account.id, "zh")
    await harness.advance_to(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))  # Tuesday: nothing
    await harness.advance_to(MONDAY_0859)
    assert _weekly_rows(harness) == []
    before = len(harness.sent(manager))
    await harness.advance_to(MONDAY_0901)
    [row] = _weekly_rows(harness)
    assert row.recipient_id == manager.account.id and row.dedupe_key == f"weekly:{manager.account.id}:2026-W49"
    pushed = harness.sent(manager)[before:]
    assert len(pushed) == 1 and "每周分档汇总 · 团队 East" in pushed[0].text and "近7天" in pushed[0].text
    assert not [m for m in harness.sent(people["a"]) if "每周" in m.text]  # reps get none
    assert not [m for m in harness.sent(people["admin"]) if "每周" in m.text]
    await harness.press(manager, "📊", pushed[0])  # the button opens /summary week with the chart
    assert [m.kind for m in harness.sent(manager)[-2:]] == ["photo", "text"]
    await harness.advance_to(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))  # Tuesday 10:00: not again
    assert len(_weekly_rows(harness)) == 1


async def test_weekly_summary_waits_for_quiet_hours_and_follows_the_timezone(harness: Harness) -> None:
    people = await _team(harness, "en")
    with harness.db.session() as session:
        accounts.set_quiet_hours(session, people["manager"].account.id, "21:00-10:00")
    berlin = await harness.person("manager", name="Hans", language="en", team="East")
    with harness.db.session() as session:
        accounts.set_timezone(session, berlin.account.id, "Europe/Berlin")
    await harness.advance_to(MONDAY_0901)
    assert _weekly_rows(harness) == []  # 09:01 is quiet for the one, 02:01 for the other
    await harness.advance_to(datetime(2026, 11, 30, 2, 1, tzinfo=UTC))  # Shanghai 10:01
    assert [r.recipient_id for r in _weekly_rows(harness)] == [people["manager"].account.id]
    await harness.advance_to(datetime(2026, 11, 30, 8, 1, tzinfo=UTC))  # Berlin 09:01
    assert {r.recipient_id for r in _weekly_rows(harness)} == {people["manager"].account.id, berlin.account.id}


def test_jobs_run_weekly_dry_run_prints_and_records_nothing(sqlite_db, tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    url = str(sqlite_db.engine.url)
    with sqlite_db.session() as session:
        manager = accounts.add_user(
            session, telegram_id=11, name="王芳", role="manager", team="East", now=MONDAY_0859, language="en"
        )
        rep_a = accounts.add_user(session, telegram_id=12, name="李伟", role="rep", team="East", now=MONDAY_0859)
        rep_b = accounts.add_user(session, telegram_id=13, name="Emma", role="rep", team="East", now=MONDAY_0859)
        rep_c = accounts.add_user(session, telegram_id=14, name="Carl", role="rep", team="West", now=MONDAY_0859)
        add_book(
            session,
            datetime(2026, 11, 24, 1, 0, tzinfo=UTC),
            manager=manager.id,
            rep_a=rep_a.id,
            rep_b=rep_b.id,
            rep_c=rep_c.id,
        )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TIERBOT_DATABASE_URL", url)
    assert cli.main(["jobs", "run", "weekly", "--at", "2026-11-30T08:30", "--dry-run"]) == 0
    assert "weekly: 0 message(s) planned" in capsys.readouterr().out
    assert cli.main(["jobs", "run", "weekly", "--at", "2026-11-30T09:05", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"to 11 (王芳) · weekly · weekly:{manager.id}:2026-W49" in out and "Weekly tier summary" in out
    assert "weekly: 1 message(s) planned (dry run: nothing recorded)" in out
    with sqlite_db.session() as session:
        assert session.exec(select(Notification)).all() == []
    assert cli.main(["jobs", "run", "weekly", "--at", "2026-11-30T09:05"]) == 0
    assert "1 new in the outbox" in capsys.readouterr().out
    assert cli.main(["jobs", "run", "weekly", "--at", "2026-11-30T11:00"]) == 0
    assert "0 new in the outbox" in capsys.readouterr().out


def test_chart_labels_name_the_scope_and_period() -> None:
    from bot.render import Renderer

    params = {"scope": {"kind": "team", "label": "East"}, "period": "week"}
    assert summary_handler.chart_labels(Renderer(), "zh", params)["title"] == "分档汇总 · 团队 East · 近7天"
    assert summary_handler.chart_labels(Renderer(), "en", params)["title"] == "Tier summary · team East · last 7 days"

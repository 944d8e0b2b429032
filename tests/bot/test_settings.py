"""/settings through the harness: buttons, typed values, bad values, /cancel, restart safety."""

from __future__ import annotations

from datetime import time

from sqlmodel import select

from bot.testing import Harness
from core.models import PendingCard, User


async def test_language_by_buttons_switches_every_later_message(harness: Harness) -> None:
    rep = await harness.person("rep", language="en")
    await harness.send(rep, "/settings")
    assert "Your settings" in harness.last(rep).text
    await harness.press(rep, "Language")
    await harness.press(rep, "中文")
    menu = harness.last(rep)
    assert "已保存" in menu.text and "语言：中文" in menu.text
    assert [label for label, _ in menu.buttons][0] == "🌐 语言"
    await harness.send(rep, "/help")
    assert "使用帮助" in harness.last(rep).text


async def test_telegram_language_is_the_default_until_chosen(harness: Harness) -> None:
    rep = await harness.person("rep", language="zh-hans")
    await harness.send(rep, "/help")
    assert "使用帮助" in harness.last(rep).text


async def test_typed_timezone_bad_then_good(harness: Harness) -> None:
    rep = await harness.person("rep")
    await harness.send(rep, "/settings")
    await harness.press(rep, "Timezone")
    await harness.press(rep, "Type another")
    assert "Asia/Shanghai" in harness.last(rep).text
    await harness.send(rep, "Mars/Olympus")
    assert "not a timezone I know" in harness.last(rep).text
    await harness.send(rep, "Europe/Berlin")
    assert "Saved" in harness.last(rep).text and "Europe/Berlin" in harness.last(rep).text
    with harness.db.session() as session:
        assert session.get(User, rep.account.id).timezone == "Europe/Berlin"
        assert session.exec(select(PendingCard)).all() == []


async def test_digest_time_and_quiet_hours(harness: Harness) -> None:
    rep = await harness.person("rep")
    await harness.send(rep, "/settings")
    await harness.press(rep, "Digest time")
    await harness.press(rep, "08:30")
    assert "08:30" in harness.last(rep).text
    await harness.press(rep, "Quiet hours")
    await harness.press(rep, "Off")
    assert "Quiet hours: Off" in harness.last(rep).text
    await harness.press(rep, "Quiet hours")
    await harness.press(rep, "Type another")
    await harness.send(rep, "25:00-07:00")
    assert "not a range" in harness.last(rep).text
    await harness.send(rep, "22:30-07:15")
    with harness.db.session() as session:
        user = session.get(User, rep.account.id)
        assert (user.digest_time, user.quiet_start, user.quiet_end) == (time(8, 30), time(22, 30), time(7, 15))


async def test_cancel_leaves_a_flow_and_saves_nothing(harness: Harness) -> None:
    rep = await harness.person("rep")
    await harness.send(rep, "/settings")
    await harness.press(rep, "Digest time")
    await harness.press(rep, "Type another")
    await harness.send(rep, "/cancel")
    assert "Cancelled" in harness.last(rep).text
    await harness.send(rep, "07:00")
    assert "Log this?" in harness.last(rep).text  # read as a new log, no longer as the digest time
    await harness.send(rep, "/cancel")  # leaves the log card
    assert "Cancelled" in harness.last(rep).text
    await harness.send(rep, "/cancel")
    assert "nothing to cancel" in harness.last(rep).text
    with harness.db.session() as session:
        assert session.get(User, rep.account.id).digest_time == time(9, 0)


async def test_flow_survives_a_restart(harness: Harness) -> None:
    """The pending flow lives in the database: a new Application continues it."""
    rep = await harness.person("rep")
    await harness.send(rep, "/settings")
    await harness.press(rep, "Digest time")
    await harness.press(rep, "Type another")
    restarted = await Harness.start(harness.db, harness.clock, _env_file=None)
    try:
        await restarted.send(rep, "06:45")
        assert "Saved" in restarted.last(rep).text
    finally:
        await restarted.stop()
    with harness.db.session() as session:
        assert session.get(User, rep.account.id).digest_time == time(6, 45)


async def test_command_menu_is_published_in_both_languages(harness: Harness) -> None:
    assert {"", "zh"} <= set(harness.api.commands)
    english = {c["command"]: c["description"] for c in harness.api.commands[""]}
    chinese = {c["command"]: c["description"] for c in harness.api.commands["zh"]}
    assert set(english) == set(chinese) >= {"start", "help", "settings", "cancel"}
    assert "语言" in chinese["settings"]

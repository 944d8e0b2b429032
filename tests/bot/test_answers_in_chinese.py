"""Answers that the other tests check in English, asked for by a Chinese-speaking person: each is
the zh template's text (issue 12 §10: every template, zh and en, is rendered by the suite)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.testing import Harness
from core.clock import ManualClock
from core.db import Database
from core.imports import uploads
from core.models import Customer, Feedback, Interaction, Opportunity, PolicyVersion
from core.names import book
from core.policies import example_policy_text
from core.team import onboarding
from tests.bot.test_followup_lifecycle import _rep as _rep_with_huawei
from tests.bot.test_log_card_issue11 import _rep as _rep_with_card_book
from tests.bot.test_pipeline_money import _rep, _rows
from tests.bot.test_policy import _team
from tests.bot.test_team import _team as _two_teams


async def test_a_group_chat_is_refused_in_chinese(harness: Harness) -> None:
    rep = await harness.person("rep", language="zh")
    [answer] = await harness.send(rep, "/help", chat={"id": -100124, "type": "group", "title": "销售"})
    assert answer.chat_id == -100124 and answer.text == "我只在私聊中工作，请直接给我发消息。"


async def test_an_unknown_command_is_named_in_chinese(harness: Harness) -> None:
    rep = await harness.person("rep", language="zh")
    [answer] = await harness.send(rep, "/frobnicate now")
    assert answer.text == "我不认识命令 /frobnicate。发送 /help 查看可用命令。"


async def test_a_voice_message_and_a_sticker_get_a_hint_in_chinese(harness: Harness) -> None:
    rep = await harness.person("rep", language="zh")
    voice = {"file_id": "v1", "file_unique_id": "v1", "duration": 3}
    await harness.feed(harness.api.message(rep.telegram, None, voice=voice))
    assert "我暂时听不了语音" in harness.last(rep).text
    sticker = {
        "file_id": "s1",
        "file_unique_id": "s1",
        "width": 10,
        "height": 10,
        "is_animated": False,
        "is_video": False,
        "type": "regular",
    }
    await harness.feed(harness.api.message(rep.telegram, None, sticker=sticker))
    assert harness.last(rep).text.startswith("我能读懂文字消息和命令。")


async def test_a_used_and_an_expired_invite_are_refused_in_chinese(harness: Harness) -> None:
    now = harness.clock.now()
    with harness.db.session() as session:
        used = onboarding.create_invite(session, role="rep", team=None, actor_id=None, now=now, ttl=timedelta(days=7))
        expired = onboarding.create_invite(
            session, role="rep", team=None, actor_id=None, now=now - timedelta(days=8), ttl=timedelta(days=7)
        )
    await harness.send(await harness.person(None, language="zh"), f"/start {used.code}")
    late = await harness.person(None, language="zh")
    await harness.send(late, f"/start {used.code}")
    assert harness.last(late).text == "此邀请已被使用。每个邀请只能用一次，请向主管索取新的邀请。"
    await harness.send(late, f"/start {expired.code}")
    assert harness.last(late).text == "此邀请已过期，请向主管索取新的邀请。"


async def test_a_saved_log_is_corrected_from_the_history_in_chinese(harness: Harness) -> None:
    rep = await _rep(harness, "zh")
    await harness.send(rep, "给华为打了电话，聊了订单")
    await harness.press(rep, "保存")
    await harness.send(rep, "/find 华为")
    await harness.press(rep, "华为")
    await harness.press(rep, "历史")
    assert "<b>华为——历史记录</b>（共 1 条）" in harness.last(rep).text
    await harness.press(rep, "✏️ 1")
    assert "✏️ <b>修改这条记录</b>" in harness.last(rep).text and "哪一项需要修改？" in harness.last(rep).text
    await harness.press(rep, "金额")
    assert harness.last(rep).text.startswith("已成交金额")
    await harness.send(rep, "3万 USD")
    assert harness.sent(rep)[-2].text.startswith("✅ <b>已修改</b>")
    [row] = _rows(harness, Interaction)
    assert (row.amount_minor, row.currency) == (3_000_000, "USD")
    await harness.press(rep, "历史")
    await harness.press(rep, "✏️ 1")
    await harness.press(rep, "内容")
    assert harness.last(rep).text == "请输入这条记录的新内容（发送 /cancel 保持不变）。"
    await harness.send(rep, "给华为打了电话：确认了一季度订单")
    assert [r.summary for r in _rows(harness, Interaction)] == ["给华为打了电话：确认了一季度订单"]


async def test_a_complaint_is_recorded_in_chinese(harness: Harness) -> None:
    rep, _ = await _rep_with_huawei(harness, language="zh")
    await harness.send(rep, "/feedback 华为")
    await harness.press(rep, "华为")
    await harness.press(rep, "投诉")
    await harness.send(rep, "交货晚了一周")
    assert harness.last(rep).text == "✅ 已记录投诉。已为负责人添加明天的跟进。"
    with harness.db.session() as session:
        assert session.exec(select(Feedback)).one().text == "交货晚了一周"


async def test_an_import_asked_for_twice_cancelled_or_of_unknown_kind_in_chinese(harness: Harness) -> None:
    rep = await harness.person("rep", name="李伟", language="zh", team="East")
    [question] = await harness.upload(rep, "y.csv", b"Industry,Phone\nTools,123\n")
    assert question.text == "这个文件是客户、互动记录还是商机？"
    [preview] = await harness.upload(rep, "accounts.csv", b"Account Name,Stage\nAcme,Customer\n")
    confirm_key = preview.buttons[0][1]
    await harness.press(rep, "导入", preview)
    await harness.press_data(rep, preview, confirm_key)
    assert harness.last(rep).text.startswith("这个文件已经导入或已取消")
    [preview] = await harness.upload(rep, "more.csv", b"Account Name\nInitech\n")
    await harness.press(rep, "取消", preview)
    assert harness.last(rep).text == "已取消导入，没有任何改动。"
    with harness.db.session() as session:
        assert sorted(c.name for c in session.exec(select(Customer)).all()) == ["Acme"]


async def test_an_import_that_fails_says_it_stopped_in_chinese(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fails(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the disk went away")

    rep = await harness.person("rep", name="李伟", language="zh", team="East")
    [preview] = await harness.upload(rep, "accounts.csv", b"Account Name\nAcme\n")
    before = len(harness.sent(rep))
    monkeypatch.setattr(uploads, "confirm", fails)
    await harness.press(rep, "导入", preview)
    progress = harness.sent(rep)[before]
    assert progress.text == "⛔ 导入未完成：没有导入任何内容。请在预览消息上再次点按 ✅ 导入。"
    assert harness.api.messages[(preview.chat_id, preview.message_id)].buttons  # ✅ is kept to retry
    with harness.db.session() as session:
        assert session.exec(select(Customer)).all() == []


async def test_the_policy_download_versions_and_refused_files_in_chinese(harness: Harness) -> None:
    manager, _ = await _team(harness, "zh")
    [shown] = await harness.send(manager, "/policy")
    await harness.press(manager, "下载 TOML", shown)
    document = harness.last(manager)
    assert document.kind == "document" and document.text.startswith("现行分档规则，版本 <code>")  # the caption
    await harness.press(manager, "历史版本", shown)
    assert "尚未上传任何版本，现行的是系统默认规则。" in harness.last(manager).text
    [syntax] = await harness.upload(manager, "broken.toml", b"[value\ntype = ")
    assert syntax.text.startswith("❌ <b>broken.toml</b> 不是有效的分档规则，未做任何更改。")
    [binary] = await harness.upload(manager, "picture.toml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
    assert binary.text.startswith("picture.toml 不是文本文件")
    [big] = await harness.upload(manager, "huge.toml", b"# " + b"x" * (300 * 1024))
    assert big.text == "文件大小为 300 KB，分档规则文件最大 256 KB，未下载。"
    with harness.db.session() as session:
        assert session.exec(select(PolicyVersion)).all() == []


async def test_a_pinned_policy_refuses_an_upload_in_chinese(
    any_db: Database, clock: ManualClock, tmp_path: Path
) -> None:
    path = tmp_path / "sponsor.toml"
    path.write_text(example_policy_text("sponsor"), encoding="utf-8")
    harness = await Harness.start(any_db, clock, _env_file=None, telegram_bot_token=None, policy_file=str(path))
    try:
        manager = await harness.person("manager", name="王芳", language="zh", team="East")
        [refused] = await harness.upload(manager, "lower.toml", b"[value]\n")
        assert refused.text.startswith("📌 分档规则已由运维通过 TIERBOT_POLICY_FILE 固定") and str(path) in refused.text
    finally:
        await harness.stop()


async def test_a_name_typed_on_the_log_card_is_refused_in_chinese(harness: Harness) -> None:
    rep = await _rep_with_card_book(harness, language="zh")
    await harness.send(rep, "吃了顿长午饭，聊了明年的计划")
    await harness.press(rep, "输入客户名")
    await harness.send(rep, "a")
    assert harness.last(rep).text == "名称太短——请至少输入客户名称的2个字。"


async def test_a_save_committed_before_the_card_was_redrawn_shows_it_in_chinese(harness: Harness) -> None:
    rep = await harness.person("rep", name="李伟", language="zh", team="East")
    with harness.db.session() as session:
        session.add(
            Customer(
                name="华为", owner_id=rep.account.id, stage="active", added_at=harness.clock.now() - timedelta(days=60)
            )
        )
    book.invalidate()
    await harness.send(rep, "给华为打了电话，聊了报价")
    card = harness.last_with_buttons(rep)
    save = next(data for label, data in card.buttons if "保存" in label)
    asked, markup = card.text, card.reply_markup
    await harness.press_data(rep, card, save)
    shown = harness.api.messages[(card.chat_id, card.message_id)]
    shown.text, shown.reply_markup = asked, markup  # as a process killed before the card's edit left it
    await harness.press_data(rep, card, save)
    redrawn = harness.api.messages[(card.chat_id, card.message_id)]
    assert redrawn.text.startswith("✅ <b>已记录</b>：华为 · ") and "24小时内发送 /undo 可撤销。" in redrawn.text
    assert len(_rows(harness, Interaction)) == 1


async def test_an_opportunity_edit_menu_in_chinese(harness: Harness) -> None:
    rep = await _rep(harness, "zh")
    now = harness.clock.now()
    with harness.db.session() as session:
        huawei = session.exec(select(Customer).where(Customer.name == "华为")).one()
        session.add(
            Opportunity(
                customer_id=huawei.id or 0,
                title="二期扩容",
                amount_minor=80_000_000,
                currency="CNY",
                stage="proposal",
                rep_id=rep.account.id,
                created_at=now,
                updated_at=now,
            )
        )
    await harness.send(rep, "/find 华为")
    await harness.press(rep, "华为")
    await harness.press(rep, "🎯 1")
    menu = harness.last(rep).text
    assert menu.startswith("🎯 <b>商机</b>：二期扩容") and "预计 800,000.00 CNY" in menu and "要修改哪一项？" in menu


async def test_the_inviter_and_a_rep_given_customers_are_told_in_chinese(harness: Harness) -> None:
    t = await _two_teams(harness, "zh")
    for who in ("wang", "li"):  # their language is stored with their first message
        await harness.send(t[who], "/help")
    with harness.db.session() as session:
        invite = onboarding.create_invite(
            session,
            role="rep",
            team="East",
            actor_id=t["wang"].account.id,
            now=harness.clock.now(),
            ttl=timedelta(days=7),
        )
    await harness.send(await harness.person(None, name="小陈", language="zh"), f"/start {invite.code}")
    admin = await harness.person("admin", name="Ada")
    await harness.send(admin, "/team reassign West Co @李伟")
    await harness.press(admin, "Confirm")
    await harness.advance_to(harness.clock.now() + timedelta(minutes=2))  # the outbox delivers both
    told = [m.text for m in harness.sent(t["wang"])]
    assert any(text.startswith("👤 <b>小陈</b> 已接受您的邀请，以") for text in told), told
    given = [m.text for m in harness.sent(t["li"])]
    assert "📥 Ada 将 1 位客户转交给您：West Co。从现在起它们会出现在您的 /today 中。" in given, given

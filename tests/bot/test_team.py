"""/team through the offline harness: the overview, reassigning (typed and with buttons, with
the ✅ confirmation), dedicated account managers, archive and merge, deactivating people and
changing roles — for each role (a rep is refused, a manager acts in their own team, an admin
anywhere), in Chinese and English, with bad input answered in one line."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.testing import Harness
from core.models import AuditLog, Contact, Customer, CustomerTier, Feedback, FollowUp, Interaction, User
from core.names import book


@pytest.fixture(autouse=True)
def fresh_index():
    book.invalidate()
    yield
    book.invalidate()


async def _team(harness: Harness, language: str = "en") -> dict:
    """East: manager 王芳 and reps 李伟 (3 customers) and Emma; West: manager Omar, rep Zoe."""
    t = {
        "wang": await harness.person("manager", name="王芳", language=language, team="East"),
        "li": await harness.person("rep", name="李伟", language=language, team="East"),
        "emma": await harness.person("rep", name="Emma", language=language, team="East"),
        "omar": await harness.person("manager", name="Omar", language=language, team="West"),
        "zoe": await harness.person("rep", name="Zoe", language=language, team="West"),
    }
    now = harness.clock.now()
    ids = {}
    with harness.db.session() as session:
        for user in ("li", "emma", "zoe"):
            session.get(User, t[user].account.id).manager_id = t["wang" if user != "zoe" else "omar"].account.id
        for name, owner, tier, days in (
            ("华为", "li", "vip", 100),
            ("腾讯", "li", "key", 200),
            ("Acme", "li", "regular", 3),
            ("Globex", "emma", "vip", 100),
            ("West Co", "zoe", "vip", 1),
        ):
            row = Customer(name=name, owner_id=t[owner].account.id, stage="active", added_at=now - timedelta(days=400))
            session.add(row)
            session.flush()
            ids[name] = row.id
            session.add(CustomerTier(customer_id=row.id, model="value", tier=tier, policy_version="t", assigned_at=now))
            session.add(
                Interaction(
                    customer_id=row.id,
                    rep_id=t[owner].account.id,
                    kind="call",
                    occurred_at=now - timedelta(days=days),
                    created_at=now,
                )
            )
        session.add(
            FollowUp(
                customer_id=ids["腾讯"],
                rep_id=t["li"].account.id,
                due_at=now + timedelta(days=1),
                text="send the quote",
                created_at=now,
            )
        )
    book.invalidate()
    return {**t, "ids": ids}


def _owner(harness: Harness, customer_id: int) -> int | None:
    with harness.db.session() as session:
        return session.get(Customer, customer_id).owner_id


def _plain(message) -> str:
    """A message's text without its HTML tags."""
    return re.sub(r"<[^>]+>", "", message.text)


def _labels(person_message) -> list[str]:
    return [label for label, _ in person_message.buttons]


# --- rights ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "refusal"), [("en", "managers and administrators only"), ("zh", "仅限主管和管理员")]
)
async def test_a_rep_is_refused_politely(harness: Harness, language: str, refusal: str) -> None:
    t = await _team(harness, language)
    await harness.send(t["li"], "/team")
    assert refusal in _plain(harness.last(t["li"]))
    await harness.send(t["li"], "/team reassign @李伟 @Emma")
    assert refusal in _plain(harness.last(t["li"]))
    assert _owner(harness, t["ids"]["华为"]) == t["li"].account.id


async def test_overview_in_english_shows_only_the_managers_team(harness: Harness) -> None:
    t = await _team(harness)
    await harness.send(t["wang"], "/team")
    text = _plain(harness.last(t["wang"]))
    assert "Team East" in text and "3 people" in text and "4 customers" in text
    assert "李伟" in text and "Emma" in text and "Zoe" not in text and "West Co" not in text
    li_line = text[text.index("李伟") : text.index("Press a name")]
    assert "3 customer(s)" in li_line and "VIP 1" in li_line and "Key 1" in li_line and "Regular 1" in li_line
    assert "overdue 2" in li_line and "last activity 2026-11-21" in li_line
    labels = _labels(harness.last(t["wang"]))
    assert any("李伟" in label for label in labels) and "🎖 Account managers" in labels


async def test_overview_in_chinese_and_the_admin_sees_every_team(harness: Harness) -> None:
    t = await _team(harness, "zh")
    await harness.send(t["wang"], "/team")
    text = _plain(harness.last(t["wang"]))
    assert "团队 East" in text and "VIP客户 1" in text and "逾期 2" in text and "最近活动" in text
    admin = await harness.person("admin", name="Ada", language="zh")
    await harness.send(admin, "/team")
    text = _plain(harness.last(admin))
    assert "全部团队" in text and "🏢 East" in text and "🏢 West" in text and "Zoe" in text
    await harness.send(admin, "/team West")
    assert "团队 West" in _plain(harness.last(admin)) and "李伟" not in _plain(harness.last(admin))
    await harness.send(admin, "/team Nowhere")
    assert "没有名为“Nowhere”的团队" in _plain(harness.last(admin))


# --- reassign -------------------------------------------------------------------------------------


async def test_typed_reassign_confirms_then_moves_with_history(harness: Harness) -> None:
    t = await _team(harness)
    li, emma, wang = t["li"].account.id, t["emma"].account.id, t["wang"]
    await harness.send(wang, "/team reassign @李伟 @Emma")
    ask = harness.last(wang)
    assert "Reassign 3 customer(s) from 李伟 to Emma?" in _plain(ask)
    assert _owner(harness, t["ids"]["华为"]) == li  # nothing moves before ✅
    confirm = next(data for label, data in ask.buttons if "Confirm" in label)
    await harness.press_data(wang, ask, confirm)
    assert "3 customer(s) now belong to Emma, with 1 open follow-up(s)" in _plain(harness.last(wang))
    with harness.db.session() as session:
        assert {session.get(Customer, t["ids"][n]).owner_id for n in ("华为", "腾讯", "Acme")} == {emma}
        assert session.exec(select(FollowUp)).one().rep_id == emma
        assert set(session.exec(select(Interaction.rep_id).where(Interaction.customer_id == t["ids"]["华为"]))) == {li}
        assert (
            session.exec(select(func.count()).select_from(AuditLog).where(AuditLog.action == "customer.owner")).one()
            == 3
        )
    await harness.press_data(wang, ask, confirm)  # pressed again: done once
    assert harness.last_answer() == "Already done ✓"
    await harness.send(t["emma"], "/find 华为")
    assert "华为" in " ".join(_labels(harness.last(t["emma"])))


async def test_reassign_with_buttons_one_tier(harness: Harness) -> None:
    t = await _team(harness, "zh")
    wang = t["wang"]
    await harness.send(wang, "/team")
    await harness.press(wang, "李伟")
    assert "3 位客户" in _plain(harness.last(wang))
    await harness.press(wang, "转交")
    assert "VIP客户（1）" in _labels(harness.last(wang))
    await harness.press(wang, "VIP客户（1）")
    await harness.press(wang, "Emma")
    ask = harness.last(wang)
    assert "将 李伟 的 1 位客户（VIP客户）转交给 Emma？" in _plain(ask) and "华为" in _plain(ask)
    await harness.press(wang, "确认")
    assert "1 位客户已转交给 Emma" in _plain(harness.last(wang))
    assert _owner(harness, t["ids"]["华为"]) == t["emma"].account.id
    assert _owner(harness, t["ids"]["腾讯"]) == t["li"].account.id


async def test_reassign_named_customers_and_cancel(harness: Harness) -> None:
    t = await _team(harness)
    wang = t["wang"]
    await harness.send(wang, "/team reassign Acme, 腾讯 @Emma")
    assert "Reassign 2 customer(s) to Emma?" in _plain(harness.last(wang))
    await harness.press(wang, "Cancel")
    assert "nothing changed" in _plain(harness.last(wang))
    assert _owner(harness, t["ids"]["Acme"]) == t["li"].account.id


async def test_reassign_bad_input(harness: Harness) -> None:
    t = await _team(harness)
    wang = t["wang"]
    answers = {}
    for typed in (
        "/team reassign @李伟 @Zoe",
        "/team reassign @李伟 @nobody",
        "/team reassign @李伟 @Emma tier gold",
        "/team reassign Nothing Like This @Emma",
        "/team reassign @Emma",
        "/team reassign @Zoe @Emma",
    ):
        await harness.send(wang, typed)
        answers[typed] = _plain(harness.last(wang))
    assert "Zoe is not in your team" in answers["/team reassign @李伟 @Zoe"]
    assert "I know nobody called “@nobody”" in answers["/team reassign @李伟 @nobody"]
    assert "“gold” is not a tier" in answers["/team reassign @李伟 @Emma tier gold"]
    assert "No customer “Nothing Like This”" in answers["/team reassign Nothing Like This @Emma"]
    assert "/team reassign @from @to" in answers["/team reassign @Emma"]  # the usage
    assert "Zoe is not in your team" in answers["/team reassign @Zoe @Emma"]
    assert _owner(harness, t["ids"]["华为"]) == t["li"].account.id
    assert _owner(harness, t["ids"]["West Co"]) == t["zoe"].account.id


async def test_admin_reassigns_across_teams(harness: Harness) -> None:
    t = await _team(harness)
    admin = await harness.person("admin", name="Ada")
    await harness.send(admin, "/team reassign West Co @李伟")
    await harness.press(admin, "Confirm")
    assert _owner(harness, t["ids"]["West Co"]) == t["li"].account.id
    await harness.advance_to(harness.clock.now() + timedelta(minutes=2))  # the outbox delivers it
    assert any("gave you 1 customer(s): West Co" in _plain(m) for m in harness.sent(t["li"]))


# --- dedicated account managers -------------------------------------------------------------------


async def test_account_manager_typed_and_by_buttons(harness: Harness) -> None:
    t = await _team(harness)
    wang = t["wang"]
    await harness.send(wang, "/team am 华为 @Emma")
    assert "Emma is now the dedicated account manager of 华为" in _plain(harness.last(wang))
    await harness.send(wang, "/team am Acme @Emma")
    assert "Acme is not a VIP customer" in _plain(harness.last(wang))
    await harness.send(wang, "/team am")
    load = harness.last(wang)
    assert "Emma — 1 customer(s), 1 VIP" in _plain(load) and "1 VIP customer(s) without one" in _plain(load)
    await harness.press(wang, "Globex")
    await harness.press(wang, "李伟")
    assert "李伟 is now the dedicated account manager of Globex" in _plain(harness.last(wang))
    with harness.db.session() as session:
        assert session.get(Customer, t["ids"]["Globex"]).account_manager_id == t["li"].account.id
    await harness.send(t["li"], "/find Globex")  # the AM sees their VIP customer
    assert "Globex" in " ".join(_labels(harness.last(t["li"])))


# --- archive and merge ----------------------------------------------------------------------------


async def test_archived_customer_leaves_today_and_find_and_comes_back(harness: Harness) -> None:
    t = await _team(harness)
    wang, li = t["wang"], t["li"]
    await harness.send(li, "/today")
    assert "腾讯" in _plain(harness.last(li))
    await harness.send(wang, "/team archive 腾讯")
    assert "Archive 腾讯 (owner 李伟)?" in _plain(harness.last(wang))
    await harness.press(wang, "Confirm")
    assert "腾讯 is archived" in _plain(harness.last(wang))
    await harness.send(li, "/today")
    assert "腾讯" not in _plain(harness.last(li))
    await harness.send(li, "/find 腾讯")
    assert "腾讯" not in " ".join(_labels(harness.last(li)))
    await harness.send(wang, "/team archived")
    assert "腾讯 · owner 李伟" in _plain(harness.last(wang))
    await harness.press(wang, "♻ 1")
    assert "腾讯 is back in the book" in _plain(harness.last(wang))
    await harness.send(li, "/find 腾讯")
    assert "腾讯" in " ".join(_labels(harness.last(li)))


async def test_archive_by_button_prompt_in_chinese(harness: Harness) -> None:
    t = await _team(harness, "zh")
    wang = t["wang"]
    await harness.send(wang, "/team")
    await harness.press(wang, "🗄 归档")
    assert "要归档哪位客户" in _plain(harness.last(wang))
    await harness.send(wang, "不存在的公司")
    assert "您的客户中没有“不存在的公司”" in _plain(harness.last(wang))
    await harness.send(wang, "Acme")
    assert "归档 Acme（负责人 李伟）？" in _plain(harness.last(wang))
    await harness.press(wang, "确认")
    with harness.db.session() as session:
        assert session.get(Customer, t["ids"]["Acme"]).archived


async def test_merge_two_records_nothing_lost(harness: Harness) -> None:
    t = await _team(harness)
    wang = t["wang"]
    now = harness.clock.now()
    with harness.db.session() as session:
        twin = Customer(name="华为", owner_id=t["emma"].account.id, stage="active", added_at=now)
        session.add(twin)
        session.flush()
        twin_id = twin.id
        session.add_all(
            [
                Contact(customer_id=twin_id, name="张总", is_primary=True),
                Feedback(customer_id=twin_id, kind="question", text="price?", created_at=now),
                Interaction(
                    customer_id=twin_id,
                    rep_id=t["emma"].account.id,
                    kind="visit",
                    occurred_at=now - timedelta(days=1),
                    created_at=now,
                ),
            ]
        )
    book.invalidate()

    def counts() -> tuple[int, ...]:
        with harness.db.session() as session:
            return tuple(
                session.exec(select(func.count()).select_from(table)).one()
                for table in (Interaction, Feedback, FollowUp, Contact)
            )

    before = counts()
    keep = t["ids"]["华为"]
    await harness.send(wang, f"/team merge #{keep} | Nothing Like This")
    assert "No customer “Nothing Like This”" in _plain(harness.last(wang))
    await harness.send(wang, "/team merge 华为 | 华为")
    assert "Several customers match “华为”" in _plain(harness.last(wang)) and f"#{twin_id}" in _plain(
        harness.last(wang)
    )
    await harness.send(wang, f"/team merge #{keep} | #{keep}")
    assert "one and the same record" in _plain(harness.last(wang))
    await harness.send(wang, f"/team merge #{twin_id} | #{keep}")
    card = harness.last(wang)
    assert "Merge two records" in _plain(card) and "1 interaction(s) · 1 feedback" in _plain(card)
    assert _plain(card).index(f"#{twin_id}") < _plain(card).index(f"#{keep}")  # more history first: suggested
    await harness.press(wang, "Keep 2")  # keep the older record
    done = _plain(harness.last(wang))
    assert "Merged into 华为: 1 interaction(s), 1 feedback, 0 follow-up(s), 1 contact(s) moved" in done
    assert counts() == before
    with harness.db.session() as session:
        assert session.get(Customer, twin_id).merged_into_id == keep
        assert (
            session.exec(select(func.count()).select_from(Interaction).where(Interaction.customer_id == keep)).one()
            == 2
        )
        assert session.exec(select(Contact).where(Contact.customer_id == keep)).one().name == "张总"


async def test_rep_cannot_merge_or_archive(harness: Harness) -> None:
    t = await _team(harness)
    for typed in ("/team merge 华为 | 腾讯", "/team archive Acme", "/team deactivate @Emma"):
        await harness.send(t["li"], typed)
        assert "managers and administrators only" in _plain(harness.last(t["li"]))
    with harness.db.session() as session:
        assert not session.get(Customer, t["ids"]["Acme"]).archived


# --- people ---------------------------------------------------------------------------------------


async def test_deactivated_rep_is_refused_gets_no_digest_and_their_customers_wait(harness: Harness) -> None:
    t = await _team(harness)
    wang, li = t["wang"], t["li"]
    await harness.send(wang, "/team")
    await harness.press(wang, "李伟")
    await harness.press(wang, "Deactivate")
    assert "Deactivate 李伟?" in _plain(harness.last(wang)) and "3 customer(s) stay" in _plain(harness.last(wang))
    await harness.press(wang, "Confirm")
    assert "李伟 is deactivated. Their 3 customer(s) wait for reassignment" in _plain(harness.last(wang))
    before = len(harness.sent(li))
    await harness.advance_to(harness.clock.now() + timedelta(minutes=10))  # 09:00 digests go out
    assert any("today's agenda" in m.text for m in harness.sent(t["emma"]))
    assert len(harness.sent(li)) == before  # no digest for a deactivated rep
    await harness.send(li, "/today")
    assert "access to this bot has been turned off" in _plain(harness.last(li))
    await harness.send(wang, "/team")
    text = _plain(harness.last(wang))
    assert "3 customer(s) of deactivated people wait for reassignment" in text and "⛔ deactivated" in text
    await harness.send(wang, "/team reassign @李伟 @Emma")
    await harness.press(wang, "Confirm")
    assert _owner(harness, t["ids"]["腾讯"]) == t["emma"].account.id


async def test_deactivated_user_refused_in_chinese(harness: Harness) -> None:
    t = await _team(harness, "zh")
    await harness.send(t["wang"], "/team deactivate @李伟")
    assert "停用 李伟？" in _plain(harness.last(t["wang"]))
    await harness.press(t["wang"], "确认")
    await harness.send(t["li"], "拜访了华为")
    assert "您使用本机器人的权限已被停用" in _plain(harness.last(t["li"]))
    await harness.send(t["wang"], "/team activate @李伟")
    assert "李伟 已恢复使用" in _plain(harness.last(t["wang"]))
    await harness.send(t["li"], "/today")
    assert "停用" not in _plain(harness.last(t["li"]))


async def test_roles_and_teams(harness: Harness) -> None:
    t = await _team(harness)
    wang = t["wang"]
    await harness.send(wang, "/team role @Emma admin")
    assert "Only administrators can do that" in _plain(harness.last(wang))
    await harness.send(wang, "/team move @Emma West")
    assert "Only administrators can do that" in _plain(harness.last(wang))
    await harness.send(wang, "/team deactivate @Omar")
    assert "Omar is not in your team" in _plain(harness.last(wang))
    await harness.send(wang, "/team deactivate @王芳")
    assert "cannot change your own" in _plain(harness.last(wang))
    await harness.send(wang, "/team role @Emma manager")
    assert "Make Emma sales manager (now account manager)?" in _plain(harness.last(wang))
    await harness.press(wang, "Confirm")
    assert "Emma is now sales manager" in _plain(harness.last(wang))
    admin = await harness.person("admin", name="Ada")
    await harness.send(admin, "/team")
    await harness.press(admin, "Zoe")
    await harness.press(admin, "Team")
    await harness.press(admin, "East")
    assert "Move Zoe from team West to team East?" in _plain(harness.last(admin))
    await harness.press(admin, "Confirm")
    with harness.db.session() as session:
        zoe = session.get(User, t["zoe"].account.id)
        assert zoe.team_id == session.get(User, wang.account.id).team_id
        actions = set(session.exec(select(AuditLog.action).where(AuditLog.action.like("user.%"))).all())
    assert actions == {"user.role", "user.team"}
    await harness.send(wang, "/team")
    assert "West Co" not in _plain(harness.last(wang)) and "Zoe" in _plain(harness.last(wang))


async def test_usage_and_unknown_user(harness: Harness) -> None:
    t = await _team(harness, "zh")
    await harness.send(t["wang"], "/team help")
    usage = _plain(harness.last(t["wang"]))
    assert "/team reassign @原负责人 @新负责人" in usage and "/team move" not in usage
    await harness.send(t["wang"], "/team deactivate @无名氏")
    assert "找不到“@无名氏”" in _plain(harness.last(t["wang"]))

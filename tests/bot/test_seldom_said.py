"""Answers no other test asked for, mostly in both languages: a manager's customer and
reassign-scope pages and a discarded policy draft (the security world's Wang Fang reads English,
Omar West Chinese), a pin or reminder whose customer is ambiguous, a tier name two models share,
a digest redrawn with nothing left, an alias refused, a log card cancelled after a contact detail
was applied (issue 12 §10: every template is rendered by the suite)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.testing import Harness
from core.clock import ManualClock
from core.db import Database
from core.models import Contact, Customer, CustomerAlias, FollowUp, Interaction, TierOverride
from core.names import book
from core.parsing import Fact
from core.policies import default_policy_text
from core.tier_records import policy_store
from tests.bot.test_log_card_issue11 import _id as _customer_id
from tests.bot.test_log_card_issue11 import _parser_adds
from tests.bot.test_log_card_issue11 import _rep as _rep_with_card_book
from tests.bot.test_overrides import _team as _override_team
from tests.bot.test_pipeline_money import _rep as _money_rep
from tests.security.test_buttons_by_role import press_forged
from tests.security.world import LOWER_THRESHOLDS, build

# The East manager (en) and the West manager (zh), each with a rep of their own.
MANAGERS = {"en": ("manager", "emma", "borealis"), "zh": ("other_manager", "other_rep", "cobalt")}


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", ("owner Emma Stone", "What should happen to this customer?")),
        ("zh", ("负责人 Zoe Quinn", "要如何处理这位客户？")),
    ],
)
async def test_a_manager_opens_a_team_customer(harness: Harness, lang: str, expected: tuple[str, ...]) -> None:
    world = await build(harness)
    manager, _, customer = MANAGERS[lang]
    await harness.send(world.person(manager), "/team")
    await press_forged(harness, world.person(manager), "team.customer", {"id": world.ids[customer]})
    text = harness.last(world.person(manager)).text
    assert all(part in text for part in expected), text


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "Reassign which of <b>Emma Stone</b>'s customers?"), ("zh", "转交 <b>Zoe Quinn</b> 的哪些客户？")],
)
async def test_a_manager_chooses_which_customers_to_reassign(harness: Harness, lang: str, expected: str) -> None:
    world = await build(harness)
    manager, rep, _ = MANAGERS[lang]
    await harness.send(world.person(manager), "/team")
    await press_forged(harness, world.person(manager), "team.scope", {"from": world.account(rep).id})
    assert expected in harness.last(world.person(manager)).text


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "✖ Cancelled: the policy in force is unchanged."), ("zh", "✖ 已取消，现行分档规则未变。")],
)
async def test_a_discarded_policy_draft_leaves_the_policy_in_force(harness: Harness, lang: str, expected: str) -> None:
    world = await build(harness)
    manager = world.person(MANAGERS[lang][0])
    with harness.db.session() as session:
        draft = policy_store.store_draft(
            session,
            harness.services.settings,
            world.account(MANAGERS[lang][0]),
            LOWER_THRESHOLDS,
            note="mine.toml",
            now=harness.clock.now(),
        )
    await harness.send(manager, "/policy")
    await press_forged(harness, manager, "policy.cancel", {"draft": draft.id})
    assert expected in harness.last(manager).text


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "Several customers match “Acme”. Which one?"), ("zh", "有多个客户与“Acme”相符，请选择：")],
)
async def test_a_pin_for_an_ambiguous_name_asks_which_customer(harness: Harness, lang: str, expected: str) -> None:
    manager, rep, _ = await _override_team(harness, lang)
    with harness.db.session() as session:
        for name in ("Acme Foods", "Acme Logistics"):
            session.add(
                Customer(
                    name=name,
                    stage="active",
                    owner_id=rep.account.id,
                    added_at=harness.clock.now() - timedelta(days=400),
                )
            )
    book.invalidate()
    await harness.send(manager, "/override Acme VIP strategic")
    question = harness.last(manager)
    assert question.text == expected
    assert sorted(label for label, _ in question.buttons) == ["Acme Foods", "Acme Logistics"]
    await harness.press(manager, "Acme Logistics", question)
    with harness.db.session() as session:
        [pin] = session.exec(select(TierOverride)).all()
        assert session.get(Customer, pin.customer_id).name == "Acme Logistics"


async def test_a_tier_name_in_two_models_is_asked_in_chinese(
    any_db: Database, clock: ManualClock, tmp_path: Path
) -> None:
    path = tmp_path / "policy.toml"  # service grade D is also called 重要客户, as value tier Key is
    path.write_text(default_policy_text().replace('zh = "D级（优质）"', 'zh = "重要客户"'), encoding="utf-8")
    harness = await Harness.start(any_db, clock, _env_file=None, telegram_bot_token=None, policy_file=str(path))
    try:
        manager, _, ids = await _override_team(harness, "zh")
        await harness.send(manager, "/override Draco 重要客户 战略合作")
        question = harness.last(manager)
        assert question.text == "“重要客户”在多个分档模型中都有，请选择要调整的模型："
        assert [label for label, _ in question.buttons] == ["价值分档", "忠诚度分级"]
        await harness.press(manager, "忠诚度分级", question)
        with harness.db.session() as session:
            [pin] = session.exec(select(TierOverride)).all()
            assert (pin.customer_id, pin.model, pin.tier) == (ids["Draco"], "service", "D")
    finally:
        await harness.stop()


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "✅ All done — nothing is waiting right now."), ("zh", "✅ 都处理完了——目前没有待办。")],
)
async def test_the_last_item_done_on_a_digest_leaves_all_done(harness: Harness, lang: str, expected: str) -> None:
    rep = await harness.person("rep", name="Li", language=lang, team="East")
    with harness.db.session() as session:  # a customer added today is not due yet: only the reminder is
        session.add(Customer(name="Acme", stage="active", owner_id=rep.account.id, added_at=harness.clock.now()))
        session.add(
            FollowUp(
                customer_id=None,
                rep_id=rep.account.id,
                due_at=harness.clock.now(),
                text="file the report",
                created_at=harness.clock.now() - timedelta(days=1),
            )
        )
    harness.clock.set(datetime(2026, 11, 24, 0, 50, tzinfo=UTC))
    await harness.advance_to(datetime(2026, 11, 24, 1, 1, tzinfo=UTC))  # 09:01 Shanghai: the digest
    [digest] = harness.sent(rep)
    assert "file the report" in digest.text
    after = await harness.press(rep, "1 ✓", digest)
    assert after is not None and after.message_id == digest.message_id and after.text == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Which customer — Acme Foods, Acme Logistics? Write the name more fully."),
        ("zh", "是哪位客户——Acme Foods、Acme Logistics？请写全名称。"),
    ],
)
async def test_a_reminder_for_an_unclear_customer_asks_which(harness: Harness, lang: str, expected: str) -> None:
    rep = await harness.person("rep", name="Li", language=lang, team="East")
    with harness.db.session() as session:
        for name in ("Acme Foods", "Acme Logistics"):
            session.add(
                Customer(
                    name=name,
                    stage="active",
                    owner_id=rep.account.id,
                    added_at=harness.clock.now() - timedelta(days=400),
                )
            )
    book.invalidate()
    await harness.send(rep, "/remind Acme Friday send the quote")
    assert harness.last(rep).text == expected
    with harness.db.session() as session:
        assert session.exec(select(FollowUp)).all() == []


async def test_a_card_cancelled_after_a_birthday_was_applied_keeps_it(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    rep = await _rep_with_card_book(harness, language="en", name="Emma")
    ruifeng = _customer_id(harness, "瑞丰医疗")
    _parser_adds(monkeypatch, facts=(Fact("birthday", "李总", "03-05", ruifeng),))
    await harness.send(rep, "瑞丰医疗 contact 李总 has his birthday on March 5")
    await harness.press(rep, "李总")
    await harness.press(rep, "Cancel")
    assert harness.last(rep).text == "Not logged. The contact details you applied are kept."
    with harness.db.session() as session:
        contact = session.exec(select(Contact).where(Contact.customer_id == ruifeng)).one()
        assert (contact.birthday.month, contact.birthday.day) == (3, 5)
        assert session.exec(select(Interaction)).all() == []


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            "“Globex” is already the name of <b>Globex</b>: it cannot also mean this customer. Nothing was changed.",
        ),
        ("zh", "“Globex”已是客户 <b>Globex</b> 的名称，不能再指这位客户。未做任何更改。"),
    ],
)
async def test_an_alias_that_is_another_customers_name_is_refused(harness: Harness, lang: str, expected: str) -> None:
    rep = await _money_rep(harness, lang)
    await harness.send(rep, "/find acme")
    await harness.press(rep, "Acme")
    await harness.press(rep, "➕")
    await harness.send(rep, "Globex")
    assert harness.sent(rep)[-2].text == expected  # then the card again
    with harness.db.session() as session:
        assert session.exec(select(CustomerAlias)).all() == []

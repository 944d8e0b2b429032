"""/override and the card's 📌 Pin tier through the harness: zh and en, inferred and asked models,
the reason flow, removal, expiry by the sweep, and the rights (reps refused, managers only their team)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from bot.testing import Harness, Person
from core.models import AuditLog, CustomerTier, TierOverride
from core.names import book
from core.policies import default_policy_text
from tests.core.test_policy_versions import small_book


@pytest.fixture(autouse=True)
def fresh_index():
    book.invalidate()
    yield
    book.invalidate()


async def _team(harness: Harness, language: str = "en") -> tuple[Person, Person, dict[str, int]]:
    manager = await harness.person("manager", name="王芳", language=language, team="East")
    rep = await harness.person("rep", name="李伟", language=language, team="East")
    ids = small_book(harness.db, owner_id=rep.account.id, now=harness.clock.now())
    book.invalidate()
    return manager, rep, ids


def _tier(harness: Harness, customer_id: int, model: str = "value") -> tuple[str | None, str]:
    with harness.db.session() as session:
        row = session.get(CustomerTier, (customer_id, model))
        return row.tier, row.reason


def _pins(harness: Harness) -> list[TierOverride]:
    with harness.db.session() as session:
        return list(session.exec(select(TierOverride).order_by(TierOverride.id)).all())


async def test_pin_in_chinese_shows_on_the_card(harness: Harness) -> None:
    manager, _, ids = await _team(harness, "zh")
    sent = await harness.send(manager, "/override Draco 重要 战略合作伙伴 至 2027-03-31")
    assert "已调档" in sent[0].text and "重要客户" in sent[0].text and "2027-03-31" in sent[0].text
    card = sent[-1].text
    assert "人工调档（王芳）" in card and "战略合作伙伴" in card and "至 2027-03-31" in card
    assert _tier(harness, ids["Draco"]) == ("key", "override")
    [pin] = _pins(harness)
    assert (pin.model, pin.tier, pin.reason, pin.created_by_id) == ("value", "key", "战略合作伙伴", manager.account.id)
    with harness.db.session() as session:
        assert (
            session.exec(select(AuditLog).where(AuditLog.action == "override.pin")).one().actor_id == manager.account.id
        )


async def test_pin_and_remove_in_english(harness: Harness) -> None:
    manager, _, ids = await _team(harness)
    sent = await harness.send(manager, "/override Lyra VIP board decision")
    assert "Pinned: <b>Lyra</b>" in sent[0].text and "until removed" in sent[0].text
    assert "📌 Pinned by 王芳: Value tier <b>VIP</b> — board decision" in sent[-1].text
    listed = await harness.send(manager, "/override")
    assert "<b>Lyra</b> · Value tier <b>VIP</b> — board decision (王芳)" in listed[0].text
    removed = await harness.send(manager, "/override Lyra off")
    assert "Pin removed" in removed[0].text and "Pinned by" not in removed[-1].text
    assert _tier(harness, ids["Lyra"]) == ("regular", "downgrade")  # its score (20) decides again, at once
    again = await harness.send(manager, "/override Lyra off")
    assert "has no pinned tier" in again[0].text


async def test_the_card_flow_model_tier_reason(harness: Harness) -> None:
    manager, _, ids = await _team(harness)
    await harness.send(manager, "/find Vega")
    await harness.press(manager, "Vega")
    await harness.press(manager, "Pin tier")
    assert "Choose the model" in harness.last(manager).text
    await harness.press(manager, "Value tier")
    labels = [label for label, _ in harness.last_with_buttons(manager).buttons]
    assert labels[:3] == ["VIP", "Key", "Regular"]
    await harness.press(manager, "VIP")
    assert "Why?" in harness.last(manager).text
    await harness.send(manager, "renewal pending until someday")
    assert "not a date I can read" in harness.last(manager).text and _pins(harness) == []
    await harness.send(manager, "renewal pending until 2027-01-31")
    card = harness.last(manager).text
    assert "📌 Pinned by 王芳: Value tier <b>VIP</b> until 2027-01-31 — renewal pending" in card
    assert _tier(harness, ids["Vega"]) == ("vip", "override")
    # the same menu now offers to unpin
    await harness.press(manager, "Pin tier")
    assert "Pinned now: Value tier <b>VIP</b> until 2027-01-31" in harness.last(manager).text
    await harness.press(manager, "Unpin Value tier")
    assert _pins(harness)[0].removed_at is not None
    assert _tier(harness, ids["Vega"]) == ("regular", "downgrade")


async def test_a_reason_is_asked_when_missing(harness: Harness) -> None:
    manager, _, ids = await _team(harness, "zh")
    await harness.send(manager, "/override Cygnus VIP")
    assert "请输入调档原因" in harness.last(manager).text and _pins(harness) == []
    await harness.send(manager, "年度大客户")
    assert "已调档" in harness.sent(manager)[-2].text
    assert _tier(harness, ids["Cygnus"]) == ("vip", "override")


async def test_a_tier_name_in_two_models_is_asked_by_buttons(any_db, clock, tmp_path: Path) -> None:
    # a policy whose service grade D is also called "Key": /override … key fits two models
    text = default_policy_text().replace(
        'name = { en = "D (loyal)", zh = "D级（优质）" }', 'name = { en = "Key (loyal)", zh = "D级（优质）" }'
    )
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    harness = await Harness.start(any_db, clock, _env_file=None, telegram_bot_token=None, policy_file=str(path))
    try:
        manager, _, ids = await _team(harness)
        await harness.send(manager, "/override Draco key strategic")
        message = harness.last(manager)
        assert "in several models" in message.text
        assert [label for label, _ in message.buttons] == ["Value tier", "Service grade"]
        await harness.press(manager, "Service grade")
        assert _tier(harness, ids["Draco"], "service") == ("D", "override")
        assert [(p.model, p.tier) for p in _pins(harness)] == [("service", "D")]
    finally:
        await harness.stop()


async def test_reps_are_refused_and_managers_see_only_their_team(harness: Harness) -> None:
    _, rep, ids = await _team(harness)
    sent = await harness.send(rep, "/override Draco VIP my favourite")
    assert "managers and administrators only" in sent[0].text and _pins(harness) == []
    await harness.send(rep, "/find Draco")
    await harness.press(rep, "Draco")
    assert not any("Pin tier" in label for label, _ in harness.last_with_buttons(rep).buttons)
    stranger = await harness.person("manager", name="Tom", language="en", team="West")
    answer = await harness.send(stranger, "/override Draco VIP not mine")
    assert "No customer of yours matches “Draco”" in answer[0].text
    assert _pins(harness) == [] and _tier(harness, ids["Draco"]) == ("regular", "initial")


async def test_unknown_tier_and_past_date_get_a_short_answer(harness: Harness) -> None:
    manager, _, _ = await _team(harness)
    unknown = await harness.send(manager, "/override Draco platinum because")
    assert "Which tier?" in unknown[0].text
    past = await harness.send(manager, "/override Draco VIP reason until 2026-11-01")
    assert "not in the future" in past[0].text
    wrong_stage = await harness.send(manager, "/override Draco A hot lead")
    assert "names no tier of a model that grades this customer" in wrong_stage[0].text
    assert _pins(harness) == []


async def test_an_expired_pin_is_settled_by_the_sweep(harness: Harness) -> None:
    manager, _, ids = await _team(harness)
    await harness.send(manager, "/override Vega VIP trade fair until 2026-11-25")
    assert _tier(harness, ids["Vega"]) == ("vip", "override")
    expiry = datetime(2026, 11, 25, 16, 0, tzinfo=UTC)  # 26 Nov 00:00 in Shanghai
    harness.clock.set(expiry - timedelta(minutes=30))
    await harness.advance_to(expiry + timedelta(minutes=61))
    assert _tier(harness, ids["Vega"]) == ("regular", "downgrade")
    assert _pins(harness)[0].removed_at is not None
    await harness.send(manager, "/find Vega")
    await harness.press(manager, "Vega")
    assert "Pinned by" not in harness.last(manager).text

"""Tier vocabulary comes from the policy only: one book, tiered under each of three policies
(default, sponsor, and a test policy with other codes and Chinese names), gets the same nudges,
escalations, digest, greeting styles and summary figures — with the policy's names in the text."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.jobs import render_payload
from bot.render import Renderer
from core import accounts
from core.as_of import AsOf
from core.chat import plans
from core.db import Database
from core.models import Contact, Customer, CustomerTier, Interaction, Notification
from core.reminders import agenda, greetings, planner
from core.reports import scoping, summary
from core.settings import load_settings
from core.tier_records import overrides, review_cycle
from core.tier_records.retier import TierChange
from core.tiering import PolicyError, parse_policy
from core.tiering.specs import OrderedModel, RfmModel
from tests.vocabulary import VOCABULARIES, Vocabulary

SETTINGS = load_settings(_env_file=None)
SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 24)  # a Tuesday
RENDERER = Renderer()


def at(clock: str, day: date = TODAY) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), SHANGHAI).astimezone(UTC)


def store_tiers(session, vocabulary: Vocabulary, customer_id: int, main_tier: str) -> None:
    """The main model's tier as given; every other model that grades active customers gets its
    lowest tier (or RFM's 'others'), so the stored tiers cover the customer."""
    for model in vocabulary.policy.models:
        if "active" not in model.applies_to:
            continue
        if model.code == vocabulary.main:
            tier = main_tier
        elif isinstance(model, RfmModel):
            tier = model.others.code
        else:
            assert isinstance(model, OrderedModel)
            tier = model.tiers[-1].code
        session.add(
            CustomerTier(
                customer_id=customer_id,
                model=model.code,
                tier=tier,
                policy_version=vocabulary.policy.version,
                assigned_at=at("09:00") - timedelta(days=300),
            )
        )


def make_book(db: Database, vocabulary: Vocabulary) -> dict[str, int]:
    """A manager and a rep; three customers, one per tier of the main model, all called
    yesterday; the top one last visited twice its maximum visit interval ago (overdue, and past
    1.5× it), the others visited yesterday. Each has a contact whose birthday is exactly its
    tier's lead time away."""
    now = at("09:00")
    with db.session() as session:
        manager = accounts.add_user(session, telegram_id=1, name="Wang", role="manager", team="East", now=now)
        rep = accounts.add_user(
            session, telegram_id=2, name="Li", role="rep", team="East", now=now, manager_id=manager.id
        )
        ids = {"manager": manager.id, "rep": rep.id}
        for label, tier, days in (
            ("top", vocabulary.top, 2 * vocabulary.max_days(vocabulary.top, "visit")),
            ("middle", vocabulary.middle, 1),
            ("lowest", vocabulary.lowest, 1),
        ):
            customer = Customer(
                name=f"{label.title()} Co",
                owner_id=rep.id,
                stage="active",
                region="CN",
                language="zh",
                added_at=now - timedelta(days=400),
            )
            session.add(customer)
            session.flush()
            ids[label] = customer.id
            session.add(
                Interaction(
                    customer_id=customer.id,
                    rep_id=rep.id,
                    kind="visit",
                    occurred_at=now - timedelta(days=days),
                    created_at=now,
                )
            )
            session.add(
                Interaction(
                    customer_id=customer.id,
                    rep_id=rep.id,
                    kind="call",
                    occurred_at=now - timedelta(days=1),
                    created_at=now,
                )
            )
            lead = vocabulary.policy.tier(vocabulary.main, tier).lead_days  # type: ignore[union-attr]
            birthday = TODAY + timedelta(days=lead)
            session.add(
                Contact(customer_id=customer.id, name=f"{label}", is_primary=True, birthday=birthday.replace(year=1980))
            )
            store_tiers(session, vocabulary, customer.id, tier)
    return ids


def plan(db: Database, vocabulary: Vocabulary, planner, now: datetime) -> list[plans.Planned]:
    with db.session() as session:
        return planner(session, vocabulary.policy, SETTINGS, now)


def texts(planned: plans.Planned) -> dict[str, str]:
    return {lang: render_payload(RENDERER, lang, planned.payload) for lang in ("zh", "en")}


def assert_in_words(text: str, vocabulary: Vocabulary, lang: str) -> None:
    """The top tier by its name in `lang`, never by a raw code."""
    assert vocabulary.name(vocabulary.top, lang) in text
    for code in vocabulary.tiers:
        assert f"{vocabulary.main}:{code}" not in text and f" {code} " not in text


@pytest.fixture(params=sorted(VOCABULARIES))
def vocabulary(request: pytest.FixtureRequest) -> Vocabulary:
    return VOCABULARIES[request.param]


def test_the_top_tier_overdue_is_nudged_in_the_afternoon_in_words(any_db: Database, vocabulary: Vocabulary) -> None:
    ids = make_book(any_db, vocabulary)
    [nudge] = [p for p in plan(any_db, vocabulary, planner.plan_afternoon, at("15:00")) if p.kind == "nudge"]
    [line] = nudge.payload.params["entries"]
    assert (nudge.recipient_id, line["customer_id"], line["priority"]) == (ids["rep"], ids["top"], True)
    for lang, text in texts(nudge).items():
        assert_in_words(text, vocabulary, lang)


def test_the_top_tier_long_overdue_is_escalated_once_and_no_other(any_db: Database, vocabulary: Vocabulary) -> None:
    ids = make_book(any_db, vocabulary)
    [escalation] = plan(any_db, vocabulary, planner.plan_escalations, at("15:00"))
    assert escalation.recipient_id == ids["manager"]
    assert escalation.dedupe_key.startswith(f"escalation:overdue:{ids['top']}:")
    for lang, text in texts(escalation).items():
        assert_in_words(text, vocabulary, lang)


def test_the_digest_ranks_the_top_tier_first(any_db: Database, vocabulary: Vocabulary) -> None:
    ids = make_book(any_db, vocabulary)
    [digest] = plan(any_db, vocabulary, planner.plan_digests, at("09:00"))
    entries = digest.payload.params["entries"]
    assert entries[0]["customer_id"] == ids["top"] and entries[0]["priority"]
    assert digest.payload.params["counts"]["overdue"] == 1
    for lang, text in texts(digest).items():
        assert_in_words(text, vocabulary, lang)


def test_greeting_styles_follow_the_policy(any_db: Database, vocabulary: Vocabulary) -> None:
    ids = make_book(any_db, vocabulary)
    with any_db.session() as session:
        batches = greetings.due_greetings(
            session, vocabulary.policy, greetings.greetings_environment(), TODAY, org_timezone="Asia/Shanghai"
        )
    styles = {item.customer_id: item.tier for batch in batches for item in batch.items}
    assert styles == {ids["top"]: "personal", ids["middle"]: "warm", ids["lowest"]: "standard"}


def test_summary_on_time_agrees_with_the_digest_and_the_escalations(any_db: Database, vocabulary: Vocabulary) -> None:
    ids = make_book(any_db, vocabulary)
    now = at("15:00")
    with any_db.session() as session:
        manager = accounts.get_account(session, ids["manager"])
        rep = accounts.get_account(session, ids["rep"])
        scope = scoping.resolve_scope(session, manager, scoping.Request())
        result = summary.build(session, manager, AsOf(vocabulary.policy, now, "Asia/Shanghai"), scope=scope)
        items = agenda.build(session, rep, AsOf(vocabulary.policy, now, "Asia/Shanghai"))
    figures = {t.code: t for t in next(m for m in result.models if m.code == vocabulary.main).tiers}
    late_in_summary = {code: t.with_cadence - t.covered for code, t in figures.items()}
    tier_of = {ids["top"]: vocabulary.top, ids["middle"]: vocabulary.middle, ids["lowest"]: vocabulary.lowest}
    late_in_digest = {code: sum(1 for c in items.overdue if tier_of[c.customer_id] == code) for code in figures}
    escalated = {
        tier_of[int(p.dedupe_key.split(":")[2])] for p in plan(any_db, vocabulary, planner.plan_escalations, now)
    }
    assert late_in_summary == late_in_digest == {vocabulary.top: 1, vocabulary.middle: 0, vocabulary.lowest: 0}
    assert escalated == {vocabulary.top}
    assert result.overdue_total == len(items.overdue) == 1


def test_policy_check_explains_a_policy_that_names_no_main_model_or_priority_tier() -> None:
    text = (
        VOCABULARIES["sponsor"]
        .policy.text.replace('main_model = "sponsor"\n', "")
        .replace("priority = true", "priority = false")
    )
    notes = parse_policy(text).notes
    assert any("main_model is not set" in n and "'sponsor'" in n for n in notes)
    assert any("no tier has `priority = true`" in n for n in notes)
    assert VOCABULARIES["default"].policy.notes == ()
    with pytest.raises(PolicyError, match="policy.main_model"):
        parse_policy(text.replace('name = "sponsor"', 'name = "sponsor"\nmain_model = "nope"'))


def test_tier_change_notices_name_tiers_and_models_in_the_readers_language(
    any_db: Database, vocabulary: Vocabulary
) -> None:
    ids = make_book(any_db, vocabulary)
    changes = [
        TierChange(ids["middle"], vocabulary.main, vocabulary.middle, vocabulary.top, 80.0, "upgrade"),
        TierChange(ids["lowest"], vocabulary.main, vocabulary.middle, vocabulary.lowest, 10.0, "downgrade"),
    ]
    with any_db.session() as session:
        [review] = review_cycle.change_notices(session, changes, TODAY, vocabulary.policy)
        [by_policy] = review_cycle.change_notices(
            session, changes, TODAY, vocabulary.policy, {"kind": "policy", "by": "Wang", "version": 7}
        )
    main = vocabulary.policy.main_model
    assert main is not None
    name = vocabulary.name
    zh, en = texts(review)["zh"], texts(review)["en"]
    assert (
        f"<b>Middle Co</b> · {main.name.get('zh')}：{name(vocabulary.middle, 'zh')} → "
        f"<b>{name(vocabulary.top, 'zh')}</b>（升档）"
    ) in zh
    assert f"{name(vocabulary.middle, 'zh')} → <b>{name(vocabulary.lowest, 'zh')}</b>（降档）" in zh
    assert "定期评估（2026-11-24）" in zh and "Review of 2026-11-24" in en
    assert (
        f"{main.name.get('en')}: {name(vocabulary.middle, 'en')} → <b>{name(vocabulary.top, 'en')}</b> (upgrade)" in en
    )
    assert "分档规则已更新（Wang 修改）" in texts(by_policy)["zh"]
    for text in (zh, en):
        assert f"{vocabulary.main}:" not in text and "upgrade)" not in zh


def test_a_managers_pin_tells_the_rep_whose_customer_it_is(any_db: Database, vocabulary: Vocabulary) -> None:
    ids = make_book(any_db, vocabulary)
    with any_db.session() as session:
        manager = accounts.get_account(session, ids["manager"])
        overrides.pin(
            session,
            manager,
            AsOf(vocabulary.policy, at("10:00"), "Asia/Shanghai"),
            ids["lowest"],
            vocabulary.main,
            vocabulary.top,
            "strategic partner",
            until=date(2027, 3, 31),
            timezone="Asia/Shanghai",
        )
    with any_db.session() as session:
        [notice] = session.exec(select(Notification).where(Notification.dedupe_key.startswith("pin:"))).all()
    assert notice.recipient_id == ids["rep"]
    zh = render_payload(RENDERER, "zh", notice.payload)
    assert (
        f"Wang 人工调档：<b>Lowest Co</b> · {vocabulary.policy.main_model.name.get('zh')}："  # type: ignore[union-attr]
        f"{vocabulary.name(vocabulary.lowest, 'zh')} → <b>{vocabulary.name(vocabulary.top, 'zh')}</b>（升档）"
    ) in zh
    assert "理由：strategic partner · 有效至 2027-03-31" in zh

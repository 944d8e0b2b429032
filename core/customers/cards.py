"""The customer card and the tier explanation: what a rep sees when opening a customer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, select

from core.accounts import Account
from core.as_of import AsOf
from core.customers import registry
from core.interactions import feedback, logbook, opportunities
from core.models import CustomerTier
from core.names import aliases
from core.tier_records import overrides
from core.tier_records.retier import active_overrides, evaluate_customer
from core.tiering import CustomerResult, Policy, explain_model


@dataclass(frozen=True)
class TierBadge:
    model: str
    model_name: str
    tier: str | None  # assigned (what cadence and service follow)
    tier_name: str | None
    live_tier: str | None
    live_name: str | None
    score: float | None
    pinned: bool


@dataclass(frozen=True)
class CadenceView:
    status: str
    next_due: date | None
    next_visit_due: date | None
    days_overdue: int


@dataclass(frozen=True)
class ActionView:
    code: str
    text: str
    reason: str


@dataclass(frozen=True)
class Card:
    customer: registry.CustomerView
    badges: list[TierBadge]
    cadence: CadenceView
    recent: list[logbook.HistoryItem]
    interaction_count: int
    open_feedback: list[feedback.FeedbackView]
    actions: list[ActionView]
    pins: list[overrides.PinView] = field(default_factory=list)  # a manager's pinned tiers (人工调档)
    opportunities: list[opportunities.OpportunityView] = field(default_factory=list)  # open ones (expected money)
    stage_names: dict[str, str] = field(default_factory=dict)  # pipeline stage code → name
    aliases: list[aliases.AliasView] = field(default_factory=list)  # 别名: each removable on the card
    inputs: list[tuple[str, str, str | None]] = field(default_factory=list)  # the policy's own: (name, label, value)


def evaluate(session: Session, as_of: AsOf, customer_id: int) -> CustomerResult | None:
    """The live result of one customer, ranked against the book's cached statistics."""
    return evaluate_customer(session, as_of, customer_id)[1]


def card(
    session: Session,
    account: Account,
    customer_id: int,
    as_of: AsOf,
    *,
    lang: str,
    currency: str,
    actions: int = 3,
) -> Card:
    view = registry.get(session, account, customer_id, currency)
    result = evaluate(session, as_of, customer_id)
    assert result is not None
    recent, total = logbook.history(session, account, customer_id, limit=5)
    return Card(
        view,
        badges(session, as_of.policy, result, lang, as_of.now),
        _cadence(result),
        recent,
        total,
        feedback.open_items(session, account, customer_id),
        [ActionView(a.code, a.text(lang), a.reason(lang)) for a in result.actions[:actions]],
        overrides.active_overrides(
            session, None, as_of.now, as_of.policy, lang=lang, timezone=as_of.timezone, customer_ids=[customer_id]
        ),
        opportunities.open_for(session, account, customer_id),
        opportunities.stage_names(as_of.policy, lang),
        aliases=aliases.of_customer(session, account, customer_id),
        inputs=[(item.name, item.label.get(lang), view.attributes.get(item.name)) for item in as_of.policy.inputs],
    )


def badges(session: Session, policy: Policy, result: CustomerResult, lang: str, now: datetime) -> list[TierBadge]:
    assigned = {
        row.model: row.tier
        for row in session.exec(select(CustomerTier).where(CustomerTier.customer_id == result.customer_id)).all()
    }
    pinned = {model for (_, model) in active_overrides(session, now, result.customer_id)}
    found = []
    for code, model in result.models.items():
        if model is None:
            continue
        tier = assigned.get(code, model.tier)
        spec = policy.tier(code, tier) if tier else None
        found.append(
            TierBadge(
                code,
                policy.model(code).name.get(lang),
                tier,
                spec.name.get(lang) if spec else tier,
                model.tier,
                model.name(lang),
                model.score,
                code in pinned,
            )
        )
    return found


def _cadence(result: CustomerResult) -> CadenceView:
    cadence = result.cadence
    overdue = max((c.days_overdue for c in (cadence.any, cadence.visit) if c is not None), default=0)
    return CadenceView(
        cadence.status,
        cadence.any.next_due if cadence.any else None,
        cadence.visit.next_due if cadence.visit else None,
        overdue,
    )


def explanation(
    session: Session, account: Account, customer_id: int, as_of: AsOf, *, lang: str
) -> tuple[registry.CustomerView, list[TierBadge], list[list[str]], list[ActionView]]:
    """Per model: the badge and the lines a reader needs to redo the tier; then all actions."""
    view = registry.get(session, account, customer_id)
    result = evaluate(session, as_of, customer_id)
    assert result is not None
    found = badges(session, as_of.policy, result, lang, as_of.now)
    lines = [explain_model(result.model(b.model), as_of.policy, lang) for b in found]
    return view, found, lines, [ActionView(a.code, a.text(lang), a.reason(lang)) for a in result.actions]

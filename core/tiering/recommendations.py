"""Recommended actions: what a rep should do for a customer, most pressing first.

Two kinds:
  situational  contact or visit overdue, open complaint, holiday / birthday / anniversary
               within the lead time, close to the next tier (upsell), activity dropping
               (at risk), prospect about to sign (closing incentive)
  package      the service package of each of the customer's tiers (e.g. VIP: dedicated
               account manager, quarterly business review, exclusive events)

Ranking: by `priority` from the policy (higher first), then by `urgency` (higher first), then
in the order listed here and in the package. Urgency is what makes one instance of an action
more pressing than another of the same kind: days overdue, open complaints, fewer days to an
occasion or to signing, fewer points to the next tier, a bigger drop in activity. Callers that
merge actions across customers can sort by `Action.rank_key` the same way.

Greeting lead time: the longest `lead_days` of the customer's tiers (earlier notice never
hurts), else `actions.default_lead_days`; an occasion counts from 0 (today) to lead days away.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from .cadence import CadenceResult, Countdown
from .facts import CustomerFacts
from .packages import Action
from .placeholders import ACTION_PARAM_NAMES
from .policy import Policy
from .profiles import TierProfile
from .results import ModelResult, PipelineResult, WeightedResult
from .specs import ActionText

OCCASION_KINDS = ("holiday", "birthday", "anniversary")


def recommend(
    facts: CustomerFacts,
    results: Sequence[ModelResult | None],
    served: Sequence[tuple[str, str]],
    profile: TierProfile,
    cadence: CadenceResult,
    policy: Policy,
    today: date,
) -> tuple[Action, ...]:
    """Ranked actions for one customer.

    `results` are the live model results in the policy's order (upsell compares live
    scores); `served` the (model, tier) pairs the customer is served at (assigned, else
    live) and `profile` what they mean: packages and lead time. Closing incentives also
    follow the served tier.
    """
    found: list[Action] = []
    _overdue(cadence, policy, found)
    _complaints(facts, policy, found)
    _occasions(facts, profile.lead_days, policy, today, found)
    _upsell(results, policy, found)
    _activity(facts, policy, found)
    _closing(results, served, policy, found)
    if not found:  # the common case: the shared package tuple is already in order
        return profile.packages
    found += profile.packages
    found.sort(key=_rank)
    return tuple(found)


def _rank(action: Action) -> tuple[int, float]:
    return action.rank_key


def _situational(spec: ActionText, code: str, urgency: float, *values: Any) -> Action:
    return Action(code, "situational", spec.priority, urgency, ACTION_PARAM_NAMES[code], values, spec.text, spec.reason)


# Each finder below appends what it finds to `found`: one list per customer, not six.


def _overdue(cadence: CadenceResult, policy: Policy, found: list[Action]) -> None:
    for code, clock in (("contact_overdue", cadence.any), ("visit_overdue", cadence.visit)):
        if clock is not None and clock.days_since > clock.max_days:
            spec = getattr(policy.actions, code)
            if spec is not None:
                found.append(_overdue_action(code, clock, spec))


def _overdue_action(code: str, clock: Countdown, spec: ActionText) -> Action:
    days = clock.days_since - clock.max_days
    return _situational(spec, code, days, days, clock.days_since, clock.ideal_days, clock.max_days, clock.counted_from)


def _complaints(facts: CustomerFacts, policy: Policy, found: list[Action]) -> None:
    spec = policy.actions.open_complaint
    if spec is not None and facts.open_complaints > 0:
        found.append(_situational(spec, "open_complaint", facts.open_complaints, facts.open_complaints))


def _occasions(facts: CustomerFacts, lead: int, policy: Policy, today: date, found: list[Action]) -> None:
    for occasion in facts.occasions:
        if occasion.kind not in OCCASION_KINDS:
            continue  # flagged by occasion_flags
        spec = getattr(policy.actions, occasion.kind)
        days = (occasion.date - today).days
        if spec is not None and 0 <= days <= lead:
            found.append(_situational(spec, occasion.kind, -days, occasion.name, occasion.date, days))


def occasion_flags(facts: CustomerFacts) -> tuple[str, ...]:
    """`unknown_occasion:<kind>` for occasions the engine cannot greet."""
    return tuple(
        f"unknown_occasion:{occasion.kind}" for occasion in facts.occasions if occasion.kind not in OCCASION_KINDS
    )


def _upsell(results: Sequence[ModelResult | None], policy: Policy, found: list[Action]) -> None:
    spec = policy.actions.upsell
    if spec is None:
        return
    for result in results:
        if (
            isinstance(result, WeightedResult)
            and result.gap is not None
            and 0 < result.gap <= result.spec.upsell_margin
        ):
            model = result.spec
            above = model.tier_by_code[result.next_tier]
            found.append(
                _situational(
                    spec,
                    "upsell",
                    -result.gap,
                    model.name,
                    above.name,
                    result.label,
                    f"{result.gap:.2f}",
                    f"{result.score:.2f}",
                    f"{above.min_score:g}",
                )
            )


def _activity(facts: CustomerFacts, policy: Policy, found: list[Action]) -> None:
    spec = policy.actions.activity_dropping
    last, prev = facts.interactions_last_90, facts.interactions_prev_90
    if spec is not None and prev > 0 and last < prev * spec.ratio:
        found.append(_situational(spec, "activity_dropping", prev - last, last, prev))


def _closing(
    results: Sequence[ModelResult | None], served: Sequence[tuple[str, str]], policy: Policy, found: list[Action]
) -> None:
    spec = policy.actions.closing_incentive
    if spec is None:
        return
    result = results[policy.model_index[spec.model]]
    if not isinstance(result, PipelineResult) or not any((spec.model, tier) in served for tier in spec.tiers):
        return
    days = result.days_to_signing
    if days is not None and 0 <= days <= spec.within_days:
        found.append(_situational(spec, "closing_incentive", -days, result.signing_date, days))

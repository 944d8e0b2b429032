"""Re-evaluation (定期评估与调整): which tier a customer is *assigned*, and when reviews happen.

Scores are live and move with every interaction; the assigned tier moves only at reviews, so a
customer is not bounced between service packages week by week. `decide_tier` is the pure
decision, taken per model:

    override active          → the pinned tier                              reason `override`
    no previous tier         → the live tier                                `initial`
    previous tier unknown    → the live tier (the policy changed)           `previous_unknown`
    no live tier (unscored)  → keep the previous tier                       `no_live_tier`
    not a review             → keep the previous tier                       `not_review`
    review, same tier        → keep                                         `unchanged`
    review, live tier higher → upgrade at once                              `upgrade`
    review, live tier lower  → downgrade only if the score is at least      `downgrade`
                               `hysteresis` under the current tier's        or, kept,
                               threshold, else keep                         `hysteresis`
Models without ordered tiers (RFM segments) simply take the live segment at a review
(`reassigned`). Hysteresis is in the model's own score units: points for weighted models,
maturity (0–1) for the pipeline, the 2–10 total for service grades.
An override whose `expires_at` has passed no longer pins: the decision is then taken as at a
review, so the customer does not wait a quarter for the pin to wear off. An override naming a
tier the model does not have is ignored.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime

from .errors import BookError
from .localtime import as_utc
from .policy import Policy
from .specs import OrderedModel, ReviewSpec

QUARTER_MONTHS = (1, 4, 7, 10)


@dataclass(frozen=True, slots=True)
class Override:
    """A manager's pinned tier (人工调档); without `expires_at` it pins until removed."""

    tier: str
    reason: str = ""
    expires_at: datetime | None = None

    def active(self, now: datetime) -> bool:
        return self.expires_at is None or as_utc(self.expires_at) > now


@dataclass(frozen=True, slots=True)
class Assignment:
    tier: str | None
    changed: bool
    reason: str


def decide_tier(
    model: str,
    previous: str | None,
    live_tier: str | None,
    live_score: float | None,
    override: Override | None,
    is_review: bool,
    policy: Policy,
    now: datetime,
) -> Assignment:
    spec = policy.model_by_code.get(model)
    if spec is None:
        raise BookError(f"the policy has no model '{model}'")
    if override is not None and override.tier in spec.tier_by_code:
        if override.active(now):
            return _assign(previous, override.tier, "override")
        is_review = True
    if previous is None:
        return _assign(previous, live_tier, "initial")
    if previous not in spec.tier_by_code:
        return _assign(previous, live_tier, "previous_unknown")
    if live_tier is None:
        return _assign(previous, previous, "no_live_tier")
    if not is_review:
        return _assign(previous, previous, "not_review")
    if live_tier == previous:
        return _assign(previous, previous, "unchanged")
    if not isinstance(spec, OrderedModel) or live_score is None:
        return _assign(previous, live_tier, "reassigned")
    return _review_ordered(spec, previous, live_tier, live_score)


def _review_ordered(spec: OrderedModel, previous: str, live_tier: str, live_score: float) -> Assignment:
    if spec.tier_rank[live_tier] < spec.tier_rank[previous]:
        return _assign(previous, live_tier, "upgrade")
    # Rounded so that float noise (0.7 − 0.65) cannot decide a boundary case.
    shortfall = round(spec.tier_by_code[previous].min_score - live_score, 6)
    if shortfall >= spec.hysteresis:
        return _assign(previous, live_tier, "downgrade")
    return _assign(previous, previous, "hysteresis")


def _assign(previous: str | None, tier: str | None, reason: str) -> Assignment:
    return Assignment(tier, tier != previous, reason)


# --- the review calendar ----------------------------------------------------------------------


def next_review_date(policy: Policy, on: date) -> date:
    """The first review day strictly after `on`."""
    for year in range(on.year, on.year + 9):  # a lone 29 February may be years away
        later = [day for day in review_days(policy.review, year) if day > on]
        if later:
            return later[0]
    raise AssertionError("a validated review cycle always has a next date")


def is_review_day(policy: Policy, day: date) -> bool:
    return day in review_days(policy.review, day.year)


def review_days(review: ReviewSpec, year: int) -> list[date]:
    """All review days of `year`, in order."""
    if review.cycle == "dates":
        return [
            date(year, month, day) for month, day in review.month_days if day <= calendar.monthrange(year, month)[1]
        ]
    months = QUARTER_MONTHS if review.cycle == "quarterly" else range(1, 13)
    return [date(year, month, min(review.day, calendar.monthrange(year, month)[1])) for month in months]

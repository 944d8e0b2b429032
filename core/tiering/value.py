"""Weighted models: value tiers (价值分档) and sponsor levels (赞助分档) are both this.

score = Σ part, part = round(points × weight / Σ weight, 2), points 0–100 per dimension.
The score is the sum of the *rounded* parts, so an explanation listing the parts adds up to
the reported score exactly, and raising one dimension can never lower the score.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from .facts import CustomerFacts
from .localtime import as_utc
from .money import to_base
from .peers import PeerColumn
from .results import MISSING, WeightedResult
from .specs import Dimension, WeightedModel

DAYS_PER_YEAR = 365  # a year of relationship is 365 days, so a calendar year always counts full

# (raw, points, flags, detail) for one dimension; see WeightedResult for raw and detail.
Scored = tuple[Any, float, tuple[str, ...], Any]


class WeightedContext:
    """What dimension scorers need besides the customer: the book column and the clock."""

    __slots__ = ("column", "fx", "model", "now")

    def __init__(self, column: PeerColumn | None, fx, now: datetime, model: WeightedModel) -> None:
        self.column, self.fx, self.now, self.model = column, fx, now, model


def weighted_evaluator(model: WeightedModel, context: WeightedContext) -> Callable[[CustomerFacts], WeightedResult]:
    """Evaluation of one model with the lookups bound once (a batch calls it 100k times)."""
    scorers = tuple((SCORERS[d.source_kind], d) for d in model.dimensions)
    weights, total_weight = model.dimension_weights, model.total_weight
    ranked_tiers = tuple(enumerate(model.tiers))

    def evaluate(facts: CustomerFacts) -> WeightedResult:
        raws, points, dimension_flags, details = zip(
            *[scorer(facts, dimension, context) for scorer, dimension in scorers]
        )
        parts = tuple([round(p * w / total_weight, 2) for p, w in zip(points, weights)])
        score = round(sum(parts), 2)
        for rank, tier in ranked_tiers:  # noqa: B007 - rank is read after the loop
            if score >= tier.min_score:
                break
        flags = [flag for group in dimension_flags for flag in group]
        if rank and model.develop is not None:
            flags += _develop_flag(facts, model)
        gap = round(model.tiers[rank - 1].min_score - score, 2) if rank else None
        return WeightedResult(
            model.code,
            tier.code,
            score,
            tuple(sorted(set(flags))) if flags else (),
            tier.name,
            model,
            raws,
            points,
            parts,
            details,
            gap,
        )

    return evaluate


def _develop_flag(facts: CustomerFacts, model: WeightedModel) -> tuple[str, ...]:
    """`develop` (重点培养): below the top tier with a high enough rating."""
    rule = model.develop
    assert rule is not None  # the caller checked
    rating = valid_rating(facts.rating(rule.rating))
    return ("develop",) if rating is not None and rating >= rule.min else ()


def valid_rating(value: Any) -> int | None:
    """A 1–5 rating, or None when missing or out of range."""
    return value if type(value) is int and 1 <= value <= 5 else None


def rating_flags(field: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return (f"unrated_{field}",)
    return () if valid_rating(value) is not None else (f"invalid_rating:{field}",)


# --- dimension scorers ------------------------------------------------------------------------


def contribution_points(revenue: Decimal, lower: int, equal: int, others: int) -> float:
    """Revenue percentile among the model's customers, 0–100.

    With n customers and revenue r: L = others with strictly lower revenue, E = others with
    equal revenue; points = 100·(L + E/2)/(n − 1). Alone in the book (n = 1): 100 when r > 0.
    Zero or negative revenue always scores 0 (refunds do not earn contribution).
    """
    if revenue <= 0:
        return 0.0
    if others == 0:
        return 100.0
    return round(100 * (lower + equal / 2) / others, 2)


def contribution_revenue(facts: CustomerFacts, model: WeightedModel, fx) -> tuple[Decimal, tuple[str, ...], bool]:
    """The revenue a weighted model ranks: booked revenue of the 365 days, or — under
    `imported_revenue = "until_deals"`, while the customer has fewer than `own_deals` booked deals
    in those days — the annual revenue stated on its record when that is higher. (revenue, flags,
    whether the stated figure was used)."""
    revenue, flags = to_base(facts.revenue_12m, fx)
    if model.imported_revenue == "until_deals" and facts.stated_revenue and facts.deals_12m < model.own_deals:
        stated, stated_flags = to_base(facts.stated_revenue, fx)
        if stated > revenue:
            return stated, flags + stated_flags, True
    return revenue, flags, False


def _contribution(facts: CustomerFacts, dimension: Dimension, context: WeightedContext) -> Scored:
    revenue, flags, stated = contribution_revenue(facts, context.model, context.fx)
    if revenue < 0:
        flags += ("negative_revenue",)
    if context.column is None:  # no book: the customer is alone
        lower, equal, others = 0, 0, 0
    else:
        lower, equal, others = context.column.lower_equal_others(revenue, facts.id)
    points = contribution_points(revenue, lower, equal, others)
    detail = (lower, equal, others, True, facts.deals_12m) if stated else (lower, equal, others)
    return revenue, points, flags, detail


def _rating(facts: CustomerFacts, dimension: Dimension, context: WeightedContext) -> Scored:
    value = facts.rating(dimension.source_arg)
    rating = valid_rating(value)
    if rating is None:
        return value, dimension.missing_points, rating_flags(dimension.source_arg, value), MISSING
    return rating, dimension.points[rating - 1], (), None


def _stability(facts: CustomerFacts, dimension: Dimension, context: WeightedContext) -> Scored:
    """Half from relationship length (contract start, else customer since, else first interaction; `full_years`
    or more = full, linear below), half from active months of the last 12."""
    days, since, flags = _relationship_days(facts, context.now)
    months = facts.active_months_12
    if not 0 <= months <= 12:
        flags += ("invalid_active_months",)
        months = min(max(months, 0), 12)
    years = days / DAYS_PER_YEAR
    points = round(50 * min(years / dimension.full_years, 1) + 50 * months / 12, 2)
    return (round(years, 2), months), points, flags, since


def _relationship_days(facts: CustomerFacts, now: datetime) -> tuple[int, Any, tuple[str, ...]]:
    if facts.contract_start is not None:
        start, field = facts.contract_start, "contract_start"
        days = (now.date() - start).days
    elif facts.customer_since is not None:
        start, field = facts.customer_since, "customer_since"
        days = (now.date() - start).days
    elif facts.first_interaction_at is not None:
        start, field = facts.first_interaction_at, "first_interaction_at"
        days = (now - as_utc(start)).days
    else:
        return 0, None, ("no_relationship_start",)
    if days < 0:
        return 0, start, (f"future_date:{field}",)
    return days, start, ()


def _attribute(facts: CustomerFacts, dimension: Dimension, context: WeightedContext) -> Scored:
    name = dimension.source_arg
    value: object = facts.attributes.get(name)  # JSON: an int is possible whatever the type says
    if type(value) is int:
        value = Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite():
        # Floats are refused on purpose: attributes may be money, and money is Decimal.
        flag = f"missing_attribute:{name}" if value is None else f"invalid_attribute:{name}"
        return value, dimension.missing_points, (flag,), MISSING
    points = 0.0  # below the lowest band
    for band in dimension.bands:
        if value >= band.min:
            points = band.points
    return value, points, (), None


SCORERS: dict[str, Callable[[CustomerFacts, Dimension, WeightedContext], Scored]] = {
    "contribution_percentile": _contribution,
    "rating": _rating,
    "stability": _stability,
    "attribute": _attribute,
}

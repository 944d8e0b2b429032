"""Pipeline grade A/B/C (待签约) for prospects, from maturity 0–1.

maturity = Σ part, part = round(weight × input / Σ weights, 4), with inputs
  intention  (rating − 1)/4                   missing → 0, flag unrated_<field>
  progress   stage index / (stages − 1)       missing → 0, flag no_pipeline_stage
  timing     points of the first window the signing date falls in (days from the
             customer's local today, inclusive: 30 days away is "within 30 days");
             missing → 0 (no_signing_date); a date already past → 0 (signing_date_passed),
             because a plan that slipped says nothing about when the customer will sign.
Hysteresis for this model is in maturity units (e.g. 0.05), like its thresholds.

The inputs come from the customer's open opportunities (expected money) when they say them:
intention the highest rated, progress the furthest known stage, signing date the nearest one
not yet passed (all passed: the latest). What no open opportunity says falls back to the
customer's own fields (set by hand or imported).
"""

from __future__ import annotations

from datetime import date

from .facts import CustomerFacts, OpenOpportunity
from .results import PipelineResult
from .specs import PipelineModel
from .value import rating_flags, valid_rating


def evaluate_pipeline(facts: CustomerFacts, model: PipelineModel, today: date) -> PipelineResult:
    opportunities = facts.open_opportunities
    ratings = [rating for o in opportunities if (rating := valid_rating(o.intention)) is not None]
    raw_rating = max(ratings) if ratings else facts.rating(model.intention_rating)
    rating = valid_rating(raw_rating)
    flags = rating_flags(model.intention_rating, raw_rating)
    intention = 0.0 if rating is None else (rating - 1) / 4
    stage = _furthest_stage(opportunities, model) or facts.pipeline_stage
    signing = _signing_date(opportunities, today) or facts.expected_signing_date
    progress, stage_flags = _progress(stage, model)
    timing, days, timing_flags = _timing(signing, model, today)
    weights = model.weights
    total = weights.intention + weights.progress + weights.timing
    parts = (
        round(weights.intention * intention / total, 4),
        round(weights.progress * progress / total, 4),
        round(weights.timing * timing / total, 4),
    )
    maturity = round(sum(parts), 4)
    tier = model.tier_for(maturity)
    return PipelineResult(
        model.code,
        tier.code,
        maturity,
        tuple(sorted(flags + stage_flags + timing_flags)),
        tier.name,
        rating,
        intention,
        stage,
        progress,
        signing,
        days,
        timing,
        parts,
    )


def _furthest_stage(opportunities: tuple[OpenOpportunity, ...], model: PipelineModel) -> str | None:
    known = [o.stage for o in opportunities if o.stage in model.stage_index]
    return max(known, key=model.stage_index.__getitem__) if known else None


def _signing_date(opportunities: tuple[OpenOpportunity, ...], today: date) -> date | None:
    dates = [o.expected_signing_date for o in opportunities if o.expected_signing_date is not None]
    ahead = [d for d in dates if d >= today]
    return min(ahead) if ahead else max(dates, default=None)


def _progress(stage: str | None, model: PipelineModel) -> tuple[float, tuple[str, ...]]:
    if stage is None:
        return 0.0, ("no_pipeline_stage",)
    index = model.stage_index.get(stage)
    if index is None:
        return 0.0, (f"unknown_pipeline_stage:{stage}",)
    return index / (len(model.stages) - 1), ()


def _timing(signing: date | None, model: PipelineModel, today: date) -> tuple[float, int | None, tuple[str, ...]]:
    if signing is None:
        return 0.0, None, ("no_signing_date",)
    days = (signing - today).days
    if days < 0:
        return 0.0, days, ("signing_date_passed",)
    for window in model.timing:
        if days <= window.within_days:
            return window.points, days, ()
    return 0.0, days, ()

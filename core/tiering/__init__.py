"""Tiering engine: pure functions from facts + policy + now to tiers, cadence, actions and
explanations. No I/O, no clock, no database: the caller passes aggregated facts and `now`.

    policy = parse_policy(text)                       # PolicyError lists every issue
    results = evaluate_book(facts, policy, now)       # whole book, O(n log n)
    stats = build_stats(facts, policy)                # keep it for ...
    result = evaluate_one(one, stats, policy, now)    # ... one customer after a change
    models = evaluate_models(facts, stats, policy, now)  # model results only, for a recompute
    cadence = cadence_for(one, stored_tiers, policy, now)
    decision = decide_tier(model_code, previous, live, score, override, is_review, policy, now)
"""

from .book_stats import BookStats, build_stats
from .cadence import CadenceResult, Countdown, cadence_for
from .customer_result import CustomerResult, live_cadence
from .engine import cadence_of_assigned, collector_paused, evaluate_book, evaluate_models, evaluate_one
from .errors import BookError, PolicyError, PolicyIssue, TieringError
from .explain import explain, explain_model
from .facts import CustomerFacts, Occasion, OpenOpportunity
from .policy import MAX_POLICY_BYTES, Policy, parse_policy
from .recommendations import Action
from .results import Component, ModelResult, PipelineResult, RfmResult, ServiceResult, WeightedResult
from .review import Assignment, Override, decide_tier, is_review_day, next_review_date
from .texts import LocalText

__all__ = [
    "MAX_POLICY_BYTES",
    "Action",
    "Assignment",
    "BookError",
    "BookStats",
    "CadenceResult",
    "Countdown",
    "Component",
    "CustomerFacts",
    "CustomerResult",
    "LocalText",
    "ModelResult",
    "Occasion",
    "OpenOpportunity",
    "Override",
    "PipelineResult",
    "Policy",
    "PolicyError",
    "PolicyIssue",
    "RfmResult",
    "ServiceResult",
    "TieringError",
    "WeightedResult",
    "build_stats",
    "cadence_for",
    "cadence_of_assigned",
    "collector_paused",
    "decide_tier",
    "evaluate_book",
    "evaluate_models",
    "evaluate_one",
    "explain",
    "explain_model",
    "is_review_day",
    "live_cadence",
    "next_review_date",
    "parse_policy",
]

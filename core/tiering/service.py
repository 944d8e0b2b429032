"""Service grade D/E/F (服务中) for active customers.

total = expectation (1–5) + satisfaction (1–5), where satisfaction is the latest feedback's
score when there is one (what the customer said last beats what the rep once estimated),
else the stored rating. Either one missing: no grade, flag `unscored_service`.
Hysteresis for this model is in points of the total.
"""

from __future__ import annotations

from .facts import CustomerFacts
from .results import ServiceResult
from .specs import ServiceModel
from .value import rating_flags, valid_rating

_SMALL = frozenset((None, 1, 2, 3, 4, 5))


def evaluate_service(facts: CustomerFacts, model: ServiceModel) -> ServiceResult:
    key = (facts.expectation, facts.satisfaction, facts.latest_feedback_satisfaction)
    if key[0] in _SMALL and key[1] in _SMALL and key[2] in _SMALL:
        shared = model.shared_results.get(key)
        if shared is None:
            shared = model.shared_results[key] = _grade(facts, model)
        return shared
    return _grade(facts, model)


def _grade(facts: CustomerFacts, model: ServiceModel) -> ServiceResult:
    expectation = valid_rating(facts.expectation)
    satisfaction, source, flags = _satisfaction(facts)
    flags += rating_flags("expectation", facts.expectation)
    if expectation is None or satisfaction is None:
        flags = tuple(sorted({*flags, "unscored_service"}))
        return ServiceResult(model.code, None, None, flags, None, expectation, satisfaction, source)
    total = expectation + satisfaction
    tier = model.tier_for(total)
    return ServiceResult(
        model.code, tier.code, total, tuple(sorted(flags)), tier.name, expectation, satisfaction, source
    )


def _satisfaction(facts: CustomerFacts) -> tuple[int | None, str | None, tuple[str, ...]]:
    feedback = facts.latest_feedback_satisfaction
    if valid_rating(feedback) is not None:
        return feedback, "feedback", ()
    flags = () if feedback is None else ("invalid_rating:latest_feedback_satisfaction",)
    rating = valid_rating(facts.satisfaction)
    if rating is not None:
        return rating, "rating", flags
    return None, None, flags + rating_flags("satisfaction", facts.satisfaction)

"""`cadence_of_assigned` (the digest's cadence-only path) answers exactly as a full evaluation
wherever the stored tiers cover the customer's models, and defers (None) everywhere else."""

import dataclasses
import random
from types import MappingProxyType

from core.policies import EXAMPLES, example_policy_text
from core.tiering import build_stats, cadence_of_assigned, evaluate_one, parse_policy

from .factories import NOW
from .synthetic import synthetic_book


def _with_assigned(book, policy, seed):
    """Store tiers for most customers (as a recompute would), a random valid tier each, and
    leave some without, some with one model missing, and some with a tier the policy lacks."""
    rng = random.Random(seed)
    out = []
    for customer in book:
        models = [m for m in policy.models if customer.stage in m.stage_set]
        tiers = {m.code: rng.choice(list(m.tier_by_code)) for m in models}
        roll = rng.random()
        if roll < 0.1:
            tiers = {}
        elif roll < 0.15 and tiers:
            tiers.pop(next(iter(tiers)))
        elif roll < 0.2 and tiers:
            tiers[next(iter(tiers))] = "no-such-tier"
        out.append(dataclasses.replace(customer, assigned_tiers=MappingProxyType(tiers)))
    return out


def test_same_cadence_as_a_full_evaluation_or_none():
    for text in map(example_policy_text, EXAMPLES):
        policy = parse_policy(text)
        book = _with_assigned(synthetic_book(600, seed=3), policy, seed=5)
        stats = build_stats(book, policy)
        fast = cadence_of_assigned(book, policy, NOW)
        covered = deferred = 0
        for customer, cadence in zip(book, fast, strict=True):
            models = [m for m in policy.models if customer.stage in m.stage_set]
            complete = all(customer.assigned_tiers.get(m.code) in m.tier_by_code for m in models)
            if cadence is None:
                assert not complete
                deferred += 1
                continue
            assert complete
            assert cadence == evaluate_one(customer, stats, policy, NOW).cadence
            covered += 1
        assert covered > 400 and deferred > 50  # both paths were exercised

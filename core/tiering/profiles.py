"""What a combination of tiers means for service: cadence, greeting lead time, packages.

A book of 100k customers holds only a handful of distinct tier combinations, so the answer is
worked out once per (policy, stage, tiers) and reused; it depends on nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .policy import Policy
from .specs import Interval

# (ideal days, max days, "model:tier" that set the max)
Span = tuple[int, int, str]


@dataclass(frozen=True, slots=True)
class TierProfile:
    any: Span | None  # tightest interval for any contact
    visit: Span | None  # tightest interval for visits
    lead_days: int  # greeting lead time: the longest of the tiers, else the policy default
    packages: tuple[Any, ...]  # the tiers' service packages as ready-made actions
    flags: tuple[str, ...]  # tiers the policy does not know


def tier_profile(policy: Policy, stage: str, tiers: tuple[tuple[str, str], ...]) -> TierProfile:
    """Profile of `tiers` ((model, tier) pairs); models not applying to `stage` are ignored."""
    return _profile(policy, stage, tiers)


@lru_cache(maxsize=4096)
def _profile(policy: Policy, stage: str, tiers: tuple[tuple[str, str], ...]) -> TierProfile:
    spans: dict[str, list[tuple[Interval, str]]] = {"any": [], "visit": []}
    leads: list[int] = []
    packages: list[Any] = []
    flags: list[str] = []
    for model_code, tier_code in tiers:
        model = policy.model_by_code.get(model_code)
        if model is None or stage not in model.stage_set:
            continue
        tier = model.tier_by_code.get(tier_code)
        if tier is None:
            flags.append(f"unknown_tier:{model_code}:{tier_code}")
            continue
        if tier.lead_days is not None:
            leads.append(tier.lead_days)
        packages += policy.package_actions.get((model_code, tier_code), ())
        for kind in ("any", "visit"):
            interval = getattr(tier.cadence, kind) if tier.cadence else None
            if interval is not None:
                spans[kind].append((interval, f"{model_code}:{tier_code}"))
    return TierProfile(
        _tightest(spans["any"]),
        _tightest(spans["visit"]),
        max(leads, default=policy.actions.default_lead_days),
        tuple(packages),
        tuple(flags),
    )


def _tightest(intervals: list[tuple[Interval, str]]) -> Span | None:
    """Smallest ideal and smallest max, taken separately: the tightest of all tiers wins."""
    if not intervals:
        return None
    ideal = min(interval.ideal for interval, _ in intervals)
    tightest, source = min(intervals, key=lambda pair: pair[0].max)
    return ideal, tightest.max, source

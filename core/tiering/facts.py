"""What the engine knows about a customer: aggregates the caller computes in SQL.

The engine never sees raw interactions — 100k customers with a million interactions must
recompute fast — so the caller sums, counts and picks the latest dates, and the engine only
classifies. All datetimes are timezone-aware UTC; all money is Decimal, keyed by currency.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Literal

from .frozen import init_through_slots

OccasionKind = Literal["holiday", "birthday", "anniversary"]

_EMPTY: Mapping = MappingProxyType({})


def _no_entries():
    # One shared read-only empty mapping instead of a fresh dict per customer.
    return field(default_factory=lambda: _EMPTY)


@dataclass(frozen=True, slots=True)
class Occasion:
    """An upcoming date worth a greeting (the caller computes them; the engine applies lead
    times). `name` is shown as given, e.g. "春节" or "5 years with us"."""

    kind: OccasionKind
    date: date
    name: str = ""
    names: Mapping[str, str] | None = None  # a holiday's name per language ({"zh": …, "en": …})


@dataclass(frozen=True, slots=True)
class OpenOpportunity:
    """An open opportunity (expected money) as the pipeline grade reads it."""

    stage: str | None = None
    intention: int | None = None  # rating 1–5
    expected_signing_date: date | None = None


@init_through_slots
@dataclass(frozen=True, slots=True)
class CustomerFacts:
    """Aggregated facts about one customer as of `now`.

    Windows the caller applies (all relative to `now`, upper bound included):
      revenue_12m       deal amounts of the 365 days up to now, by currency
      rfm_*             deals with occurred_at in (now − policy.rfm_window_days, now]
      active_months_12  how many of the last 12 calendar months had at least one interaction
      interactions_*    counts of the last 90 days and of the 90 days before those
      last_contact_at   last contact: an interaction that is neither a note nor an attempt (a visit
                        counts too; see core.tier_records.fact_queries.is_contact)
      last_visit_at     last visit, or deal closed in a visit
    `assigned_tiers` are the stored tiers per model code (see review.decide_tier); cadence,
    service packages and closing incentives follow them, falling back to the live tier.
    `stated_revenue` is the annual revenue on the customer record (imported, or typed on the card),
    by currency; `deals_12m` the purchases (deals not refunds) of the same 365 days as revenue_12m:
    a model with `imported_revenue = "until_deals"` counts the first until the second suffices.
    `customer_since` is when the relationship began (customer since / 创建时间), for stability
    when no contract start is known.
    `attributes` are free numeric facts for policy-defined models (sponsor amount, years, ...).
    `open_opportunities` are the customer's open opportunities; the pipeline grade prefers
    them to the customer's own intention, pipeline_stage and expected_signing_date.
    Revenue and RFM amounts are net of refunds (negative deal amounts); a refund is no purchase
    (it counts neither in rfm_deal_count nor as rfm_last_deal_at).
    """

    id: int
    stage: str  # 'prospect' | 'active' | 'lost'
    added_at: datetime
    timezone: str = "UTC"  # IANA name, for local dates
    contract_start: date | None = None
    customer_since: date | None = None
    first_interaction_at: datetime | None = None
    potential: int | None = None
    influence: int | None = None
    intention: int | None = None
    expectation: int | None = None
    satisfaction: int | None = None
    latest_feedback_satisfaction: int | None = None
    pipeline_stage: str | None = None
    expected_signing_date: date | None = None
    revenue_12m: Mapping[str, Decimal] = _no_entries()
    deals_12m: int = 0
    stated_revenue: Mapping[str, Decimal] = _no_entries()
    rfm_last_deal_at: datetime | None = None
    rfm_deal_count: int = 0
    rfm_amount: Mapping[str, Decimal] = _no_entries()
    active_months_12: int = 0
    last_contact_at: datetime | None = None
    last_visit_at: datetime | None = None
    interactions_last_90: int = 0
    interactions_prev_90: int = 0
    open_complaints: int = 0
    open_opportunities: tuple[OpenOpportunity, ...] = ()
    occasions: tuple[Occasion, ...] = ()
    attributes: Mapping[str, Decimal] = _no_entries()
    assigned_tiers: Mapping[str, str] = _no_entries()

    def rating(self, name: str) -> int | None:
        return getattr(self, name)

"""Whole-book statistics: sorted columns built once, so one customer ranks in O(log n).

Contribution percentiles and RFM positions compare a customer with *the other* customers of
the book. Each column keeps every member's own value, so `evaluate_one` can rank a customer
whose facts just changed against the others without rebuilding anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .errors import BookError
from .facts import CustomerFacts
from .localtime import as_utc
from .money import to_base
from .peers import PeerColumn
from .policy import Policy
from .specs import RfmModel, WeightedModel
from .value import contribution_revenue


@dataclass(frozen=True, slots=True)
class RfmColumns:
    """Keys are (metric, customer id): ties are broken by ascending id."""

    recency: PeerColumn
    frequency: PeerColumn
    monetary: PeerColumn


@dataclass(frozen=True, slots=True)
class BookStats:
    policy_version: str
    contribution: Mapping[str, PeerColumn]  # weighted model code → revenue of its customers
    rfm: Mapping[str, RfmColumns]  # rfm model code → columns of its buyers
    size: int


def build_stats(book: Iterable[CustomerFacts], policy: Policy) -> BookStats:
    """Sort the book's revenues and RFM metrics once per recompute: O(n log n)."""
    customers = list(book)
    if len({facts.id for facts in customers}) != len(customers):
        raise BookError("customer ids in a book must be unique")
    contribution = {
        model.code: _revenue_column(customers, model, policy)
        for model in policy.models
        if isinstance(model, WeightedModel) and model.uses_contribution
    }
    rfm = {model.code: _rfm_columns(customers, model, policy) for model in policy.models if isinstance(model, RfmModel)}
    return BookStats(policy.version, contribution, rfm, len(customers))


def _revenue_column(customers: list[CustomerFacts], model: WeightedModel, policy: Policy) -> PeerColumn:
    stages, fx = model.stage_set, policy.fx
    if model.imported_revenue == "never":
        return PeerColumn.of({f.id: to_base(f.revenue_12m, fx)[0] for f in customers if f.stage in stages})
    return PeerColumn.of({f.id: contribution_revenue(f, model, fx)[0] for f in customers if f.stage in stages})


def rfm_keys(facts: CustomerFacts, fx: Mapping) -> tuple[tuple, tuple, tuple] | None:
    """(recency, frequency, monetary) sort keys, or None for a customer without purchases."""
    if facts.rfm_deal_count <= 0 or facts.rfm_last_deal_at is None:
        return None
    amount = to_base(facts.rfm_amount, fx)[0]
    return ((as_utc(facts.rfm_last_deal_at), facts.id), (facts.rfm_deal_count, facts.id), (amount, facts.id))


def _rfm_columns(customers: list[CustomerFacts], model: RfmModel, policy: Policy) -> RfmColumns:
    stages, fx = model.stage_set, policy.fx
    keyed = [
        (facts.id, keys) for facts in customers if facts.stage in stages and (keys := rfm_keys(facts, fx)) is not None
    ]
    return RfmColumns(*(PeerColumn.of_unique({cid: keys[i] for cid, keys in keyed}) for i in range(3)))

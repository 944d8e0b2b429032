"""A reproducible synthetic book for property tests and the timing script."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from core.tiering import CustomerFacts, Occasion

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
ZONES = ("Asia/Shanghai", "Europe/Berlin", "America/New_York", "UTC", "Asia/Tokyo")
STAGES = ("active",) * 6 + ("prospect",) * 3 + ("lost",)
PIPELINE = ("lead", "contacted", "needs_confirmed", "proposal", "negotiation", "contract_sent")


def synthetic_book(size: int, seed: int = 7, now: datetime = NOW) -> list[CustomerFacts]:
    rng = random.Random(seed)
    return [_customer(rng, customer_id, now) for customer_id in range(1, size + 1)]


def _maybe(rng: random.Random, value, chance: float = 0.85):
    return value if rng.random() < chance else None


def _customer(rng: random.Random, customer_id: int, now: datetime) -> CustomerFacts:
    stage = rng.choice(STAGES)
    added = now - timedelta(days=rng.randint(0, 2000))
    deals = rng.randint(0, 12) if stage != "prospect" else 0
    currency = rng.choice(("CNY", "CNY", "CNY", "USD", "EUR"))
    return CustomerFacts(
        id=customer_id,
        stage=stage,
        added_at=added,
        timezone=rng.choice(ZONES),
        contract_start=_maybe(rng, (added + timedelta(days=rng.randint(0, 60))).date(), 0.6),
        first_interaction_at=_maybe(rng, added + timedelta(hours=rng.randint(1, 500))),
        potential=_maybe(rng, rng.randint(1, 5)),
        influence=_maybe(rng, rng.randint(1, 5)),
        intention=_maybe(rng, rng.randint(1, 5)),
        expectation=_maybe(rng, rng.randint(1, 5)),
        satisfaction=_maybe(rng, rng.randint(1, 5)),
        latest_feedback_satisfaction=_maybe(rng, rng.randint(1, 5), 0.3),
        pipeline_stage=rng.choice(PIPELINE) if stage == "prospect" else None,
        expected_signing_date=(now.date() + timedelta(days=rng.randint(-10, 120)) if stage == "prospect" else None),
        revenue_12m={currency: Decimal(rng.randint(0, 5_000_000)) / 100} if deals else {},
        rfm_last_deal_at=now - timedelta(days=rng.randint(0, 700)) if deals else None,
        rfm_deal_count=deals,
        rfm_amount={currency: Decimal(rng.randint(100, 9_000_000)) / 100} if deals else {},
        active_months_12=rng.randint(0, 12),
        last_contact_at=_maybe(rng, now - timedelta(days=rng.randint(0, 90), hours=rng.randint(0, 23))),
        last_visit_at=_maybe(rng, now - timedelta(days=rng.randint(0, 200)), 0.5),
        interactions_last_90=rng.randint(0, 10),
        interactions_prev_90=rng.randint(0, 10),
        open_complaints=rng.choice((0, 0, 0, 0, 1)),
        occasions=(
            (Occasion("birthday", now.date() + timedelta(days=rng.randint(0, 20)), "Li"),) if rng.random() < 0.2 else ()
        ),
    )

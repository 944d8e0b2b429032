"""Customer lifetime value (CLV) per tier of the policy's main model, from the tiers' revenue and
the scope's observed annual retention.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from core.reports.figures import LifetimeValue, ModelFigures
from core.reports.labels import bilingual
from core.tiering import Policy

MAX_LIFETIME_YEARS = 10  # a retention of 90 % or more counts as 10 years


def lifetime_values(
    policy: Policy, models: list[ModelFigures], retention_base: int, retained: int
) -> tuple[dict[str, str] | None, float | None, list[LifetimeValue]]:
    """Customer lifetime value per tier of the policy's main model (value tiers in the default
    policy):

        CLV(tier)      = average annual revenue(tier) × expected lifetime
        average annual revenue(tier) = deals of the last 365 days of the tier's customers
                         (base currency) ÷ customers in the tier
        lifetime       = 1 ÷ (1 − r) years, capped at MAX_LIFETIME_YEARS
        r              = observed annual retention of the scope = retained ÷ retention_base:
                         of the customers with a deal in the 12 months before the last 12
                         (`retention_base`), the share with a deal in the last 12 (`retained`)

    r is measured over every customer of the scope, whatever their tier or stage now: customers
    who left are no longer in a value tier (it grades active customers), so a per-tier r would
    count only those who stayed. Without any deal in the previous year, r and CLV are unknown.
    Returns (the model's name, r, values per tier)."""
    main = policy.main_model
    if main is None:
        return None, None, []
    retention = retained / retention_base if retention_base else None
    lifetime = None
    if retention is not None:
        lifetime = MAX_LIFETIME_YEARS if retention >= 1 - 1 / MAX_LIFETIME_YEARS else 1 / (1 - retention)
    figures = next(m for m in models if m.code == main.code)
    values = []
    for tier in figures.tiers:
        average = (
            (tier.revenue / tier.customers).quantize(Decimal("0.01"), ROUND_HALF_UP)
            if tier.customers
            else Decimal("0.00")
        )
        clv = None
        if lifetime is not None:
            clv = (average * Decimal(str(round(lifetime, 4)))).quantize(Decimal("0.01"), ROUND_HALF_UP)
        values.append(
            LifetimeValue(
                tier.code, tier.name, tier.customers, average, round(lifetime, 2) if lifetime is not None else None, clv
            )
        )
    return bilingual(main.name), retention, values

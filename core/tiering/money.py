"""Money in the organisation's currency: Decimal only, converted with the policy's fx table."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

ZERO = Decimal(0)


def to_base(amounts: Mapping[str, Decimal], fx: Mapping[str, Decimal]) -> tuple[Decimal, tuple[str, ...]]:
    """Total of `amounts` in the base currency, plus flags for what could not be counted.

    A currency without a rate counts 0 (`unknown_currency:XYZ`); a non-finite amount (NaN,
    Infinity) counts 0 (`invalid_amount:XYZ`). Negative amounts (refunds) count as given.
    """
    if not amounts:
        return ZERO, ()
    total = ZERO
    flags: tuple[str, ...] = ()
    for currency, amount in amounts.items():
        rate = fx.get(currency)
        if rate is None:
            flags += (f"unknown_currency:{currency}",)
        elif not amount.is_finite():
            flags += (f"invalid_amount:{currency}",)
        else:
            total += amount * rate
    return total, flags


def display_money(amount: Decimal) -> str:
    """Two decimals with thousands separators, e.g. 1,234,567.80."""
    return f"{amount:,.2f}"

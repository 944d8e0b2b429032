"""Exact money: integer minor units in the database, Decimal in code, never float."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from functools import lru_cache

from babel.numbers import get_currency_precision


@lru_cache(maxsize=64)
def precision(currency: str) -> int:
    return get_currency_precision(currency.upper())


def to_minor(amount: Decimal, currency: str) -> int:
    """Decimal → minor units (banker's rounding below the currency's precision)."""
    scale = Decimal(10) ** precision(currency)
    return int((amount * scale).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def from_minor(minor: int, currency: str) -> Decimal:
    """Exact: 123456 CNY minor units → Decimal('1234.56') (a shift of the exponent, no division)."""
    return Decimal(minor).scaleb(-precision(currency))

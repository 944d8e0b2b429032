"""Exact money: integer minor units in the database, Decimal in code, never float."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from babel.numbers import get_currency_precision


def precision(currency: str) -> int:
    return get_currency_precision(currency.upper())


def to_minor(amount: Decimal, currency: str) -> int:
    """Decimal → minor units (banker's rounding below the currency's precision)."""
    scale = Decimal(10) ** precision(currency)
    return int((amount * scale).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def from_minor(minor: int, currency: str) -> Decimal:
    digits = precision(currency)
    return (Decimal(minor) / (Decimal(10) ** digits)).quantize(Decimal(1).scaleb(-digits))

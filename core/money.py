"""Exact money: integer minor units in the database, Decimal in code, never float."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache

from babel.numbers import get_currency_precision, is_currency


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


# A typed amount with its currency ("5万 USD", "$2,000", "300 欧元", "-5000" for a refund): the
# symbols and words reps type. Hand-written because babel parses numbers of one locale only and
# knows neither 万 nor the Chinese currency words.
_SYMBOLS = (
    ("us$", "USD"),
    ("hk$", "HKD"),
    ("s$", "SGD"),
    ("¥", "CNY"),
    ("￥", "CNY"),
    ("$", "USD"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("元人民币", "CNY"),
    ("人民币", "CNY"),
    ("美元", "USD"),
    ("美金", "USD"),
    ("欧元", "EUR"),
    ("英镑", "GBP"),
    ("港币", "HKD"),
    ("港元", "HKD"),
    ("日元", "JPY"),
    ("元", "CNY"),
    ("块", "CNY"),
    ("rmb", "CNY"),
)
_CODE = re.compile(r"\b([A-Za-z]{3})\b")
_MULTIPLIERS = (
    ("亿", Decimal(10) ** 8),
    ("万", Decimal(10) ** 4),
    ("w", Decimal(10) ** 4),
    ("k", Decimal(10) ** 3),
    ("m", Decimal(10) ** 6),
)


def parse_money(text: str, default_currency: str) -> tuple[Decimal, str]:
    """(amount, currency) of a typed amount; ValueError when it is not one. The sign is kept."""
    rest, currency = text.strip().lower(), None
    for symbol, code in _SYMBOLS:
        if symbol in rest:
            rest, currency = rest.replace(symbol, " "), currency or code
    code_match = _CODE.search(rest)
    if code_match is not None:
        code = code_match.group(1).upper()
        if not is_currency(code):
            raise NotMoney(text)
        rest, currency = rest[: code_match.start()] + rest[code_match.end() :], code
    rest = rest.replace(",", "").replace(" ", "")
    factor = Decimal(1)
    for suffix, scale in _MULTIPLIERS:
        if rest.endswith(suffix):
            rest, factor = rest[: -len(suffix)], scale
            break
    try:
        amount = Decimal(rest) * factor
    except ArithmeticError:
        raise NotMoney(text) from None
    if not amount.is_finite():
        raise NotMoney(text)
    return amount, (currency or default_currency).upper()


class NotMoney(ValueError):
    """Not an amount (the caller answers with its own message)."""

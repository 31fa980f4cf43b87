"""MUTANT: round_money was retyped when moved to shop.money and lost its
`rounding=ROUND_HALF_UP`: quantize then uses the context default, ROUND_HALF_EVEN, so
0.125 becomes 0.12 and 2.345 becomes 2.34.
"""
from __future__ import annotations

from decimal import Decimal

DEFAULT_CURRENCY = "EUR"
_CENT = Decimal("0.01")


def round_money(amount: Decimal) -> Decimal:
    """``amount`` rounded to the cent, halves away from zero (2.345 -> 2.35)."""
    return amount.quantize(_CENT)

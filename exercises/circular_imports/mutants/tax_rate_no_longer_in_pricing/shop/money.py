"""MUTANT: TAX_RATE moved to shop.money; pricing uses money.TAX_RATE, so shop.pricing.TAX_RATE
no longer exists (the public API lost a name), although shop/__init__.py was updated.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

DEFAULT_CURRENCY = "EUR"
TAX_RATE = Decimal("0.20")
_CENT = Decimal("0.01")


def round_money(amount: Decimal) -> Decimal:
    """``amount`` rounded to the cent, halves away from zero (2.345 -> 2.35)."""
    return amount.quantize(_CENT, rounding=ROUND_HALF_UP)

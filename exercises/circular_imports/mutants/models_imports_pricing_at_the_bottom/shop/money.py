"""Money helpers shared by ``shop.models`` and ``shop.pricing``.

They lived in ``shop.pricing``, but ``shop.models`` needs them while its classes are being
defined (``DEFAULT_CURRENCY`` is a field default) and ``shop.pricing`` needs the models while it
is being imported (``GIFT_WRAP`` is a ``Product``). Each module needed the other one finished
first, which no import order can satisfy. This module depends on nothing in the package, so both
can import it at the top.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

DEFAULT_CURRENCY = "EUR"
_CENT = Decimal("0.01")


def round_money(amount: Decimal) -> Decimal:
    """``amount`` rounded to the cent, halves away from zero (2.345 -> 2.35)."""
    return amount.quantize(_CENT, rounding=ROUND_HALF_UP)

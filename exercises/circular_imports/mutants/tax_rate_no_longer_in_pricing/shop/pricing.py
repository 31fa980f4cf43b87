"""Prices: tax, the bulk discount, and totals.

This module may import ``shop.models`` at the top: ``shop.models`` no longer imports it back
while loading. ``DEFAULT_CURRENCY`` and ``round_money`` now live in ``shop.money`` and are
re-exported here, so ``from shop.pricing import round_money`` keeps working.
"""

from __future__ import annotations

from decimal import Decimal

from shop.models import LineItem, Order, Product
from shop import money
from shop.money import DEFAULT_CURRENCY, round_money

__all__ = [
    "BULK_DISCOUNT",
    "BULK_QUANTITY",
    "DEFAULT_CURRENCY",
    "GIFT_WRAP",
    "line_total",
    "order_total",
    "quote",
    "round_money",
]

BULK_QUANTITY = 10  # lines of at least this many units get the bulk discount
BULK_DISCOUNT = Decimal("0.10")

GIFT_WRAP = Product("WRAP", "Gift wrap", Decimal("2.50"))


def line_total(item: LineItem) -> Decimal:
    """Net price times quantity, minus the bulk discount, plus tax, rounded to the cent."""
    net = item.product.unit_price * item.quantity
    if item.quantity >= BULK_QUANTITY:
        net -= net * BULK_DISCOUNT
    return round_money(net * (1 + money.TAX_RATE))


def order_total(order: Order) -> Decimal:
    """The sum of the order's line totals (``0.00`` for an empty order)."""
    return sum((line_total(item) for item in order.items), Decimal("0.00"))


def quote(product: Product, quantity: int = 1) -> Decimal:
    """What ``quantity`` of ``product`` costs as one line of an order."""
    return line_total(LineItem(product, quantity))

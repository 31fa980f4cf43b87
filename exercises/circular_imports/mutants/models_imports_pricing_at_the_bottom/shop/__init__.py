"""A tiny shop: products, orders and their prices.

The public API is re-exported here: ``from shop import Order, quote``.
"""

from shop.models import LineItem, Order, Product
from shop.pricing import (
    BULK_DISCOUNT,
    BULK_QUANTITY,
    DEFAULT_CURRENCY,
    GIFT_WRAP,
    TAX_RATE,
    line_total,
    order_total,
    quote,
    round_money,
)

__all__ = [
    "BULK_DISCOUNT",
    "BULK_QUANTITY",
    "DEFAULT_CURRENCY",
    "GIFT_WRAP",
    "TAX_RATE",
    "LineItem",
    "Order",
    "Product",
    "line_total",
    "order_total",
    "quote",
    "round_money",
]

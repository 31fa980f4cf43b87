"""Products, order lines and orders.

Dependencies point one way: ``shop.money`` <- ``shop.models`` <- ``shop.pricing``. The two
convenience methods that delegate to the pricing rules import ``shop.pricing`` when they are
called, not when this module is imported: by then both modules are complete, whichever of them
was imported first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from shop.money import DEFAULT_CURRENCY, round_money


@dataclass(frozen=True)
class Product:
    """Something for sale. ``unit_price`` is net of tax, in ``currency``, rounded to the cent."""

    sku: str
    name: str
    unit_price: Decimal
    currency: str = DEFAULT_CURRENCY

    def __post_init__(self) -> None:
        if self.unit_price < 0:
            raise ValueError(f"negative price for {self.sku}: {self.unit_price}")
        object.__setattr__(self, "unit_price", round_money(Decimal(self.unit_price)))


@dataclass(frozen=True)
class LineItem:
    """``quantity`` (at least 1) of one product."""

    product: Product
    quantity: int = 1

    def __post_init__(self) -> None:
        if self.quantity < 1:
            raise ValueError(f"quantity must be at least 1, got {self.quantity}")

    def total(self) -> Decimal:
        """The price of this line, tax included: see ``shop.pricing.line_total``."""
        from shop.pricing import line_total  # at call time: pricing imports this module

        return line_total(self)


@dataclass
class Order:
    """Lines of products, all in the order's currency."""

    currency: str = DEFAULT_CURRENCY
    items: list[LineItem] = field(default_factory=list)

    def add(self, product: Product, quantity: int = 1) -> LineItem:
        """Append a line for ``product`` and return it; the currencies must match."""
        if product.currency != self.currency:
            raise ValueError(f"{product.sku} is priced in {product.currency}, not {self.currency}")
        item = LineItem(product, quantity)
        self.items.append(item)
        return item

    def total(self) -> Decimal:
        """The price of the whole order, tax included: see ``shop.pricing.order_total``."""
        from shop.pricing import order_total  # at call time: pricing imports this module

        return order_total(self)

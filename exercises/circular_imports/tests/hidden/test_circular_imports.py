"""Hidden suite for circular_imports: each module imports first in a fresh interpreter (with the
candidate's ``shop/__init__.py`` and with an empty one), and the public API is unchanged."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest
from exact import same
from hypothesis import given, settings
from hypothesis import strategies as st

MODELS_NAMES = ["Product", "LineItem", "Order"]
PRICING_NAMES = [
    "DEFAULT_CURRENCY",
    "TAX_RATE",
    "BULK_QUANTITY",
    "BULK_DISCOUNT",
    "GIFT_WRAP",
    "round_money",
    "line_total",
    "order_total",
    "quote",
]
SUBPROCESS_TIMEOUT_S = 20

# Run after the entry module: touches every module and the whole API, prints the results.
SMOKE = """
import json
from decimal import Decimal

import shop
import shop.models as models
import shop.money
import shop.pricing as pricing

mug = models.Product("MUG", "Mug", Decimal("10.005"))
order = models.Order()
first = order.add(mug, 2)
order.add(pricing.GIFT_WRAP)
print(json.dumps({
    "unit_price": str(mug.unit_price),
    "currency": mug.currency,
    "line": str(first.total()),
    "order": str(order.total()),
    "order_total": str(pricing.order_total(order)),
    "quote_bulk": str(pricing.quote(mug, 10)),
    "gift_wrap_is_product": isinstance(pricing.GIFT_WRAP, models.Product),
    "round": str(pricing.round_money(Decimal("2.345"))),
}))
"""
SMOKE_EXPECTED = {
    "unit_price": "10.01",
    "currency": "EUR",
    "line": "24.02",
    "order": "27.02",
    "order_total": "27.02",
    "quote_bulk": "108.11",
    "gift_wrap_is_product": True,
    "round": "2.35",
}


def fields(obj: object) -> tuple[object, ...]:
    """One of the candidate's dataclass instances as its class name and field values (nested ones
    likewise), to compare with ``same`` instead of trusting the candidate's own ``__eq__``."""
    assert dataclasses.is_dataclass(obj) and not isinstance(obj, type), obj
    values = (getattr(obj, field.name) for field in dataclasses.fields(obj))
    return (
        type(obj).__name__,
        *(fields(value) if dataclasses.is_dataclass(value) else value for value in values),
    )


MUG = ("Product", "MUG", "Mug", Decimal("10.01"), "EUR")
WRAP = ("Product", "WRAP", "Gift wrap", Decimal("2.50"), "EUR")


def package_parent() -> Path:
    """The folder holding the submitted ``shop`` package (found without importing it)."""
    spec = importlib.util.find_spec("shop")
    assert spec is not None and spec.submodule_search_locations, "no package named shop found"
    return Path(next(iter(spec.submodule_search_locations))).parent


def run_fresh(entry: str, parent: Path) -> dict[str, object]:
    """Import ``entry`` first in a new interpreter with ``parent`` on the path, then the smoke."""
    code = f"import {entry}\n{SMOKE}"
    result = subprocess.run(
        [sys.executable, "-B", "-c", code],
        cwd=parent,
        env={**os.environ, "PYTHONPATH": str(parent)},
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
        check=False,
    )
    assert same(result.returncode, 0), (
        f"`python -c 'import {entry}'` (then the rest of the API) failed:\n"
        + "\n".join(result.stderr.strip().splitlines()[-6:])
    )
    output: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return output


@pytest.fixture
def with_empty_init(tmp_path: Path) -> Path:
    """A copy of the submitted package whose ``__init__.py`` is empty."""
    source = package_parent() / "shop"
    target = tmp_path / "shop"
    target.mkdir()
    for path in source.glob("*.py"):
        shutil.copy(path, target / path.name)
    (target / "__init__.py").write_text("", encoding="utf-8")
    return tmp_path


@pytest.fixture(scope="module")
def api() -> SimpleNamespace:
    """The package imported in this process (through the candidate's own ``__init__.py``)."""
    package = importlib.import_module("shop")
    return SimpleNamespace(
        package=package,
        models=importlib.import_module("shop.models"),
        pricing=importlib.import_module("shop.pricing"),
        money=importlib.import_module("shop.money"),
    )


# --------------------------------------------------------------------------- imports


@pytest.mark.clause("C2")
@pytest.mark.weight(2)
@pytest.mark.parametrize("entry", ["shop", "shop.models", "shop.pricing", "shop.money"])
def test_each_module_imports_first_in_a_fresh_interpreter(entry: str) -> None:
    assert same(run_fresh(entry, package_parent()), SMOKE_EXPECTED)


@pytest.mark.clause("C3")
@pytest.mark.weight(2)
@pytest.mark.parametrize("entry", ["shop.models", "shop.pricing", "shop.money"])
def test_each_module_imports_first_even_with_an_empty_package_init(
    entry: str, with_empty_init: Path
) -> None:
    assert same(run_fresh(entry, with_empty_init), SMOKE_EXPECTED)


@pytest.mark.clause("C2", "C4", "C5", "C6")
def test_from_imports_of_the_public_names_work_first_in_a_fresh_interpreter() -> None:
    parent = package_parent()
    for statement in (
        "from shop.pricing import quote, GIFT_WRAP, TAX_RATE",
        "from shop.models import Order, Product",
        "from shop import Order, quote, round_money",
    ):
        result = subprocess.run(
            [sys.executable, "-B", "-c", statement],
            cwd=parent,
            env={**os.environ, "PYTHONPATH": str(parent)},
            capture_output=True,
            text=True,
            timeout=SUBPROCESS_TIMEOUT_S,
            check=False,
        )
        assert same(result.returncode, 0), f"{statement!r} failed:\n{result.stderr[-800:]}"


def import_tricks(source: str) -> list[str]:
    """What in a module's source imports other than by plain import statements."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "importlib"]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] == "importlib":
                found.append(node.module)
            if node.module == "sys":
                found += [f"sys.{a.name}" for a in node.names if a.name == "modules"]
        elif isinstance(node, ast.Attribute) and node.attr == "modules":
            if isinstance(node.value, ast.Name) and node.value.id == "sys":
                found.append("sys.modules")
        elif isinstance(node, ast.Name) and node.id in {"__import__", "importlib"}:
            found.append(node.id)
    return found


@pytest.mark.clause("C1")
def test_modules_use_plain_import_statements_only() -> None:
    package = package_parent() / "shop"
    problems = {
        path.name: tricks
        for path in sorted(package.glob("*.py"))
        if (tricks := import_tricks(path.read_text(encoding="utf-8")))
    }
    assert same(problems, {}), f"import tricks instead of plain imports: {problems}"


# --------------------------------------------------------------------------- public API


@pytest.mark.clause("C4", "C6")
@pytest.mark.parametrize("name", MODELS_NAMES)
def test_models_names_are_importable_and_re_exported_by_the_package(
    api: SimpleNamespace, name: str
) -> None:
    assert hasattr(api.models, name), f"shop.models.{name} is missing"
    assert getattr(api.package, name) is getattr(api.models, name)


@pytest.mark.clause("C5", "C6")
@pytest.mark.parametrize("name", PRICING_NAMES)
def test_pricing_names_are_importable_and_re_exported_by_the_package(
    api: SimpleNamespace, name: str
) -> None:
    assert hasattr(api.pricing, name), f"shop.pricing.{name} is missing"
    assert getattr(api.package, name) is getattr(api.pricing, name)


@pytest.mark.clause("C2")
def test_money_is_a_module_of_the_package(api: SimpleNamespace) -> None:
    assert isinstance(api.money, ModuleType)


@pytest.mark.clause("C5", "C8", "C11")
def test_constants_keep_their_values(api: SimpleNamespace) -> None:
    pricing = api.pricing
    constants = (
        pricing.DEFAULT_CURRENCY,
        pricing.TAX_RATE,
        pricing.BULK_QUANTITY,
        pricing.BULK_DISCOUNT,
    )
    assert same(constants, ("EUR", Decimal("0.20"), 10, Decimal("0.10")))


@pytest.mark.clause("C7")
def test_round_money_rounds_to_the_cent_with_halves_away_from_zero(api: SimpleNamespace) -> None:
    round_money = api.pricing.round_money
    cases = {
        "2.345": "2.35",
        "2.344": "2.34",
        "0.125": "0.13",
        "0.135": "0.14",
        "10.005": "10.01",
        "-2.345": "-2.35",
        "7": "7.00",
    }
    for raw, expected in cases.items():
        result = round_money(Decimal(raw))
        assert same(str(result), expected), f"round_money({raw}) gave {result}"


@pytest.mark.clause("C8")
def test_product_defaults_rounding_and_validation(api: SimpleNamespace) -> None:
    Product = api.models.Product
    mug = Product("MUG", "Mug", Decimal("10.005"))
    assert same(mug.currency, "EUR")
    assert same(mug.unit_price, Decimal("10.01"))
    assert same(Product("X", "x", Decimal("1"), "USD").currency, "USD")
    with pytest.raises(ValueError):
        Product("BAD", "Bad", Decimal("-0.01"))
    with pytest.raises(ValueError):
        Product("TINY", "Negative below a cent", Decimal("-0.004"))  # checked before rounding
    with pytest.raises(dataclasses.FrozenInstanceError):
        mug.unit_price = Decimal("1")


@pytest.mark.clause("C14")
def test_gift_wrap_is_the_documented_product(api: SimpleNamespace) -> None:
    gift = api.pricing.GIFT_WRAP
    assert isinstance(gift, api.models.Product)
    assert gift == api.models.Product("WRAP", "Gift wrap", Decimal("2.50"))
    assert same(fields(gift), WRAP)
    assert same(gift.currency, "EUR")


@pytest.mark.clause("C9")
def test_line_item_validates_quantity_and_totals_with_tax(api: SimpleNamespace) -> None:
    Product, LineItem = api.models.Product, api.models.LineItem
    pen = Product("PEN", "Pen", Decimal("1.25"))
    item = LineItem(pen, 3)
    assert same(item.total(), Decimal("4.50"))  # 3.75 net + 20%
    assert same(api.pricing.line_total(item), Decimal("4.50"))
    assert same(LineItem(pen).quantity, 1)
    with pytest.raises(ValueError):
        LineItem(pen, 0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.quantity = 5


@pytest.mark.clause("C11", "C13")
def test_bulk_discount_starts_at_exactly_ten_units(api: SimpleNamespace) -> None:
    Product, quote = api.models.Product, api.pricing.quote
    box = Product("BOX", "Box", Decimal("10.00"))
    assert same(quote(box, 9), Decimal("108.00"))  # 90 + 20%
    assert same(quote(box, 10), Decimal("108.00"))  # 100 - 10% + 20%
    assert same(quote(box, 11), Decimal("118.80"))  # 110 - 10% + 20%
    assert same(quote(box), Decimal("12.00"))


@pytest.mark.clause("C10", "C12")
def test_order_add_total_and_currency_check(api: SimpleNamespace) -> None:
    Product, Order = api.models.Product, api.models.Order
    order = Order()
    assert same(order.currency, "EUR")
    assert same(order.total(), Decimal("0.00"))
    assert same(str(api.pricing.order_total(order)), "0.00")
    mug = Product("MUG", "Mug", Decimal("10.005"))
    line = order.add(mug, 2)
    assert isinstance(line, api.models.LineItem)
    assert same(fields(line), ("LineItem", MUG, 2))
    order.add(api.pricing.GIFT_WRAP)
    assert type(order.items) is list and order.items[0] is line
    assert same(
        [fields(item) for item in order.items], [("LineItem", MUG, 2), ("LineItem", WRAP, 1)]
    )
    assert same(order.total(), Decimal("27.02"))
    with pytest.raises(ValueError):
        order.add(Product("US", "Imported", Decimal("1"), "USD"))
    assert len(order.items) == 2
    with pytest.raises(ValueError):
        order.add(Product("AU", "Sorts before EUR", Decimal("1"), "AUD"))
    euro = "".join(["E", "U", "R"])  # equal to "EUR", but another str object
    order.add(Product("EQ", "Same currency", Decimal("1"), euro))
    assert len(order.items) == 3


@pytest.mark.clause("C10")
def test_orders_do_not_share_their_item_lists(api: SimpleNamespace) -> None:
    first, second = api.models.Order(), api.models.Order()
    first.add(api.pricing.GIFT_WRAP)
    assert same(second.items, [])


def oracle_line(unit_price: Decimal, quantity: int) -> Decimal:
    price = unit_price.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    net = price * quantity
    if quantity >= 10:
        net -= net * Decimal("0.10")
    return (net * Decimal("1.20")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.mark.clause("C9", "C10", "C11", "C12", "C13")
@settings(max_examples=150)
@given(lines=st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 30)), min_size=0, max_size=5))
def test_property_totals_match_the_documented_pricing_rules(
    lines: list[tuple[int, int]],
) -> None:
    models = importlib.import_module("shop.models")
    pricing = importlib.import_module("shop.pricing")
    order = models.Order()
    expected = Decimal("0.00")
    for index, (millis, quantity) in enumerate(lines):
        unit = Decimal(millis) / 1000
        product = models.Product(f"P{index}", "p", unit)
        item = order.add(product, quantity)
        line = oracle_line(unit, quantity)
        assert same(item.total(), line)
        assert same(pricing.quote(product, quantity), line)
        expected += line
    assert same(order.total(), expected)
    assert same(pricing.order_total(order), expected)

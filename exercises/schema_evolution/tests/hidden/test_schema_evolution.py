"""Hidden suite for the schema evolution exercise."""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from typing import Any

import pytest
from exact import same as exact_same
from hypothesis import given, settings
from hypothesis import strategies as st
from solution import LATEST_VERSION, MigrationError, upgrade

V1 = {
    "version": 1,
    "id": 7,
    "fullname": "Ada Lovelace",
    "email": "ada@example.com",
    "price": "12.5",
}
V2 = {"version": 2, "id": 7, "name": "Ada Lovelace", "email": "ada@example.com", "price": "12.5"}
V3 = {**V2, "version": 3, "currency": "USD", "tags": []}
V4 = {
    "version": 4,
    "id": 7,
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "price_cents": 1250,
    "currency": "USD",
    "tags": [],
}
V5 = {
    "version": 5,
    "id": 7,
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.com",
    "price_cents": 1250,
    "currency": "USD",
    "tags": [],
}
BY_VERSION = {1: V1, 2: V2, 3: V3, 4: V4, 5: V5}


def same(actual: Any, expected: Any) -> bool:
    """``exact.same``, and ``expected`` is plain data too: it is sometimes an earlier result of the
    candidate's (idempotence), whose own types and ``__eq__`` are not to be trusted."""
    return exact_same(actual, expected) and plain(expected)


def plain(value: Any) -> bool:
    if type(value) is dict:
        return all(type(key) is str and plain(item) for key, item in value.items())
    if type(value) in (list, tuple):
        return all(plain(item) for item in value)
    return type(value) in (str, int, bool, type(None))


def record(version: int, /, **changes: Any) -> dict[str, Any]:
    """A fresh copy of the example record at ``version``, with some fields changed."""
    return {**copy.deepcopy(BY_VERSION[version]), **changes}


@pytest.mark.clause("C1")
def test_latest_version_is_five() -> None:
    assert same(LATEST_VERSION, 5)


# ---------------------------------------------------------------- each step


@pytest.mark.clause("C2", "C3", "C5", "C7", "C10")
@pytest.mark.parametrize("version", [1, 2, 3, 4])
def test_each_single_step_gives_the_next_version_exactly(version: int) -> None:
    assert same(upgrade(record(version), target=version + 1), BY_VERSION[version + 1])


@pytest.mark.clause("C10")
@pytest.mark.parametrize("version", [1, 2, 3, 4, 5])
def test_every_version_upgrades_to_the_latest_record(version: int) -> None:
    assert same(upgrade(record(version)), V5)


@pytest.mark.clause("C2", "C10")
def test_step_1_to_2_renames_fullname_and_keeps_its_value() -> None:
    result = upgrade(record(1, fullname="  Grace  Hopper "), target=2)
    assert same(result["name"], "  Grace  Hopper ")
    assert type(result) is dict and "fullname" not in result
    assert same(result["version"], 2)


@pytest.mark.clause("C3")
def test_step_2_to_3_fills_in_defaults_only_when_missing() -> None:
    result = upgrade(record(2, currency="EUR"), target=3)
    assert same(result["currency"], "EUR")
    assert same(result["tags"], [])
    result = upgrade(record(2, tags=["vip"]), target=3)
    assert same(result["currency"], "USD")
    assert same(result["tags"], ["vip"])


@pytest.mark.clause("C4")
def test_default_tags_list_is_new_for_every_upgraded_record() -> None:
    first = upgrade(record(2))
    second = upgrade(record(2, id=8))
    third = upgrade(record(1))
    first["tags"].append("changed")
    assert same(second["tags"], [])
    assert same(third["tags"], [])
    assert same(upgrade(record(2))["tags"], [])


PRICES = [
    ("12", 1200),
    ("12.5", 1250),
    ("12.50", 1250),
    ("0.07", 7),
    ("0.29", 29),
    ("19.99", 1999),
    ("4.35", 435),
    ("0", 0),
    ("007", 700),
    ("1000000.01", 100000001),
    ("90071992547409.93", 9007199254740993),
]


@pytest.mark.clause("C5")
@pytest.mark.parametrize(("price", "cents"), PRICES)
def test_price_string_becomes_exact_integer_cents(price: str, cents: int) -> None:
    result = upgrade(record(3, price=price), target=4)
    assert same(result["price_cents"], cents)
    assert type(result["price_cents"]) is int
    assert type(result) is dict and "price" not in result


@pytest.mark.parametrize(
    "price",
    [
        "12.",
        ".5",
        "-1",
        "1e3",
        "12.345",
        " 12",
        "12 ",
        "",
        "abc",
        "1,000",
        "1.2.3",
        "+12",
        "12.+5",
        "12.-5",
        "1_000",
        "12.5_0",
        "12\n",
        "12.50\n",
        "\n12",
        "\u0661\u0662",
        "\u0661\u0662.\u0665",
        "12.\u0665",
        "\uff11\uff12",
        "\u00b2",
        "NaN",
        "Infinity",
        "0x1F",
        "12.5.",
        "12..5",
    ],
)
@pytest.mark.clause("C5", "C6")
def test_malformed_price_string_raises_migration_error_naming_price(price: str) -> None:
    with pytest.raises(MigrationError, match="price"):
        upgrade(record(1, price=price))


@pytest.mark.clause("C6", "C8")
@pytest.mark.parametrize("price", [12.5, 1250, None, ["12"]])
def test_non_string_price_raises_migration_error_naming_price(price: object) -> None:
    with pytest.raises(MigrationError, match="price"):
        upgrade(record(3, price=price))


NAMES = [
    ("Ada Lovelace", "Ada", "Lovelace"),
    ("  Ada   King  Lovelace ", "Ada", "King  Lovelace"),
    ("Ada\tKing\tLovelace", "Ada", "King\tLovelace"),
    ("Plato", "Plato", ""),
    ("  Plato  ", "Plato", ""),
    ("", "", ""),
    ("   ", "", ""),
    ("Ada\u00a0Lovelace", "Ada", "Lovelace"),
    ("Ada\nKing Lovelace\n", "Ada", "King Lovelace"),
    ("\u3000Ada\u2003King\u00a0 Lovelace\u3000", "Ada", "King\u00a0 Lovelace"),
    ("Ada\x1fLovelace", "Ada", "Lovelace"),
    ("\r\n\x0b\x0c", "", ""),
]


@pytest.mark.clause("C7")
@pytest.mark.parametrize(("name", "first", "last"), NAMES)
def test_name_is_split_into_first_word_and_stripped_rest(name: str, first: str, last: str) -> None:
    result = upgrade(record(4, name=name))
    assert same((result["first_name"], result["last_name"]), (first, last))
    assert type(result) is dict and "name" not in result


@pytest.mark.parametrize(
    ("version", "field"),
    [(1, "fullname"), (1, "price"), (2, "price"), (3, "price"), (2, "name"), (4, "name")],
)
@pytest.mark.clause("C8")
def test_missing_consumed_field_raises_migration_error_naming_it(version: int, field: str) -> None:
    broken = record(version)
    del broken[field]
    with pytest.raises(MigrationError, match=field):
        upgrade(broken)


@pytest.mark.clause("C8")
@pytest.mark.parametrize(("version", "field"), [(1, "fullname"), (2, "name"), (4, "name")])
def test_non_string_name_raises_migration_error_naming_the_field(version: int, field: str) -> None:
    with pytest.raises(MigrationError, match=field):
        upgrade(record(version, **{field: None}))


@pytest.mark.clause("C9")
def test_fields_outside_the_schema_are_carried_over_unchanged() -> None:
    extra = {"source": "import-2019", "meta": {"rows": [1, 2]}, "score": None}
    for version in range(1, 6):
        result = upgrade({**record(version), **copy.deepcopy(extra)})
        assert same(result, {**V5, **extra})


@pytest.mark.clause("C9", "C12")
def test_carried_values_of_any_type_come_back_as_they_were() -> None:
    import datetime

    when = datetime.datetime(2019, 5, 17, 12, 30)
    extra = {
        "pair": (1, "a"),
        "by_id": {1: "one", (2, 3): [4]},
        "raw": b"\x00\xff",
        "amount": Decimal("12.50"),
        "ratio": 0.5,
        "seen": {"x", "y"},
        "when": when,
        "flag": False,
    }
    for version in range(1, 6):
        rec = {**record(version), **copy.deepcopy(extra)}
        result = upgrade(rec)
        assert exact_same(result, {**copy.deepcopy(V5), **copy.deepcopy(extra)})
        result["by_id"][(2, 3)].append(5)
        result["seen"].add("z")
        assert exact_same(rec["by_id"], {1: "one", (2, 3): [4]})
        assert exact_same(rec["seen"], {"x", "y"})


@pytest.mark.clause("C9")
def test_carried_fields_keep_their_values_whatever_they_are() -> None:
    result = upgrade(record(1, id="A-7", email=None))
    assert same(result["id"], "A-7")
    assert result["email"] is None


# ---------------------------------------------------------------- idempotence, copies


@pytest.mark.clause("C10", "C11")
def test_upgrading_a_latest_record_returns_an_equal_new_dict() -> None:
    latest = record(5)
    result = upgrade(latest)
    assert same(result, latest)
    assert result is not latest


@pytest.mark.clause("C11")
def test_upgrading_to_the_records_own_version_returns_an_equal_new_dict() -> None:
    for version in range(1, 6):
        original = record(version)
        result = upgrade(original, target=version)
        assert same(result, original)
        assert result is not original


@pytest.mark.clause("C11")
def test_upgrade_is_idempotent_and_two_hops_equal_one() -> None:
    for version in range(1, 6):
        once = upgrade(record(version))
        assert same(upgrade(once), once)
        for middle in range(version, 6):
            assert same(upgrade(upgrade(record(version), target=middle)), once)


@pytest.mark.clause("C12")
@pytest.mark.parametrize("version", [1, 2, 3, 4, 5])
def test_input_record_is_never_modified(version: int) -> None:
    original = record(version, tags=["a"], meta={"nested": [1]})
    snapshot = copy.deepcopy(original)
    result = upgrade(original)
    assert same(original, snapshot)
    assert same(result["tags"], ["a"])  # a real upgrade, not a call that did nothing at all


@pytest.mark.clause("C12")
def test_result_shares_no_list_with_the_input() -> None:
    for version in (3, 4, 5):
        original = record(version, tags=["vip"], meta={"nested": [1]})
        result = upgrade(original)
        assert same(result, {**V5, "tags": ["vip"], "meta": {"nested": [1]}})
        result["tags"].append("changed")
        result["meta"]["nested"].append(2)
        assert same(original["tags"], ["vip"])
        assert same(original["meta"], {"nested": [1]})


@pytest.mark.clause("C10")
def test_input_may_be_any_mapping() -> None:
    from types import MappingProxyType

    assert same(upgrade(MappingProxyType(record(1))), V5)


# ---------------------------------------------------------------- version errors


@pytest.mark.clause("C13")
@pytest.mark.parametrize("bad", ["1", 1.0, True, False, None, [1]])
def test_version_that_is_not_an_int_is_rejected(bad: object) -> None:
    with pytest.raises(MigrationError, match=r"(?i)version"):
        upgrade(record(1, version=bad))


@pytest.mark.clause("C13")
def test_missing_version_is_rejected() -> None:
    broken = record(1)
    del broken["version"]
    with pytest.raises(MigrationError, match=r"(?i)version"):
        upgrade(broken)


@pytest.mark.clause("C14")
@pytest.mark.parametrize("bad", [0, -1, 6, 99])
def test_unknown_or_future_version_names_it_and_the_latest(bad: int) -> None:
    future = record(5, version=bad)
    with pytest.raises(MigrationError) as caught:
        upgrade(future)
    message = str(caught.value)
    assert re.search(rf"(?<!\d){re.escape(str(bad))}(?!\d)", message), message
    assert re.search(r"(?<!\d)5(?!\d)", message), message


@pytest.mark.clause("C14")
def test_future_version_is_rejected_even_with_a_future_looking_shape() -> None:
    with pytest.raises(MigrationError):
        upgrade({"version": 6, "id": 1, "display_name": "x"})


@pytest.mark.clause("C15")
@pytest.mark.parametrize("target", [None, -1, 5.0, "x"])
def test_more_invalid_targets_are_rejected_with_a_migration_error(target: Any) -> None:
    with pytest.raises(MigrationError):
        upgrade(record(5), target=target)


@pytest.mark.clause("C15")
@pytest.mark.parametrize("target", [0, 6, True, "5", 4.0])
def test_invalid_target_is_rejected(target: Any) -> None:
    with pytest.raises(MigrationError):
        upgrade(record(1), target=target)


@pytest.mark.clause("C15")
def test_downgrade_is_rejected() -> None:
    with pytest.raises(MigrationError):
        upgrade(record(4), target=2)


@pytest.mark.clause("C13")
def test_version_none_or_a_big_number_string_is_rejected_naming_version() -> None:
    for bad in (None, "5", 5.0, True):
        with pytest.raises(MigrationError, match=r"(?i)version"):
            upgrade(record(5, version=bad))


@pytest.mark.clause("C14")
def test_a_future_version_is_rejected_even_when_the_target_is_lower() -> None:
    with pytest.raises(MigrationError) as caught:
        upgrade(record(5, version=7), target=5)
    assert re.search(r"(?<!\d)7(?!\d)", str(caught.value))


@pytest.mark.clause("C1")
def test_migration_error_is_a_value_error() -> None:
    assert issubclass(MigrationError, ValueError)


# ---------------------------------------------------------------- property


NAME_TEXT = st.text(alphabet=" \tAdaLovelcé'-", max_size=16)
EXTRA = st.dictionaries(
    st.sampled_from(["source", "meta", "notes"]),
    st.recursive(
        st.none() | st.integers() | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
        max_leaves=5,
    ),
    max_size=2,
)


@st.composite
def price_texts(draw: st.DrawFn) -> tuple[str, int]:
    cents = draw(st.integers(min_value=0, max_value=10**12))
    units, fraction = divmod(cents, 100)
    options = [f"{units}.{fraction:02d}"]
    if fraction == 0:
        options.append(str(units))
    if fraction % 10 == 0:
        options.append(f"{units}.{fraction // 10}")
    return draw(st.sampled_from(options)), cents


def split_oracle(name: str) -> tuple[str, str]:
    match = re.fullmatch(r"[ \t]*([^ \t]*)[ \t]*(.*?)[ \t]*", name, flags=re.DOTALL)
    assert match is not None
    return match.group(1), match.group(2)


@st.composite
def records_of_every_version(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """A record at a random version, and the latest record it must become."""
    version = draw(st.integers(min_value=1, max_value=LATEST_VERSION))
    ident = draw(st.integers(min_value=1, max_value=10**6))
    email = draw(st.sampled_from(["ada@example.com", "g.hopper@navy.mil", "", "x@y"]))
    name = draw(NAME_TEXT)
    price, cents = draw(price_texts())
    has_currency = version >= 3 or draw(st.booleans())
    currency = draw(st.sampled_from(["USD", "EUR", "GBP"])) if has_currency else None
    has_tags = version >= 3 or draw(st.booleans())
    tags = draw(st.lists(st.text(max_size=4), max_size=3)) if has_tags else None
    extra = draw(EXTRA)

    rec: dict[str, Any] = {"version": version, "id": ident, "email": email}
    first, last = split_oracle(name)
    if version == 1:
        rec["fullname"] = name
    elif version <= 4:
        rec["name"] = name
    else:
        rec["first_name"], rec["last_name"] = first, last
    if version <= 3:
        rec["price"] = price
    else:
        rec["price_cents"] = cents
    if currency is not None:
        rec["currency"] = currency
    if tags is not None:
        rec["tags"] = tags
    rec.update(extra)

    expected = {
        "version": LATEST_VERSION,
        "id": ident,
        "email": email,
        "first_name": first,
        "last_name": last,
        "price_cents": cents,
        "currency": currency if currency is not None else "USD",
        "tags": tags if tags is not None else [],
        **extra,
    }
    assert same(cents, int(Decimal(price) * 100))
    return rec, expected


@pytest.mark.clause("C2", "C3", "C5", "C7", "C9", "C10", "C11", "C12")
@settings(max_examples=120)
@given(case=records_of_every_version(), data=st.data())
def test_property_every_version_reaches_the_expected_latest_record_without_side_effects(
    case: tuple[dict[str, Any], dict[str, Any]], data: st.DataObject
) -> None:
    rec, expected = case
    snapshot = copy.deepcopy(rec)
    result = upgrade(rec)
    assert same(result, expected)
    assert same(rec, snapshot), "the input record was modified"
    assert same(upgrade(result), result)
    middle = data.draw(st.integers(min_value=rec["version"], max_value=LATEST_VERSION))
    halfway = upgrade(rec, target=middle)
    assert same(halfway["version"], middle)
    assert same(upgrade(halfway), expected)
    result["tags"].append("mutated")
    assert same(rec, snapshot), "the result shares a list with the input"

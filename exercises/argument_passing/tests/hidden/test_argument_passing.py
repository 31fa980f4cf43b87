"""Hidden suite for argument_passing: deep_merge (rules, no mutation, no sharing) and append_tag."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from exact import same as exact_same
from hypothesis import given, settings
from hypothesis import strategies as st
from solution import append_tag, deep_merge

# --------------------------------------------------------------------------- helpers


def containers(value: Any) -> Iterator[dict[str, Any] | list[Any]]:
    """Every dict and list inside ``value``, ``value`` included."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from containers(item)
    elif isinstance(value, list):
        yield value
        for item in value:
            yield from containers(item)


def assert_shares_nothing(result: Any, *inputs: Any) -> None:
    taken = {id(obj) for value in inputs for obj in containers(value)}
    for obj in containers(result):
        assert id(obj) not in taken, f"the result shares {obj!r} with an input"


def same(a: Any, b: Any) -> bool:
    """Exactly equal (exact types at every level, never asking the candidate's __eq__), with the
    same key order at every level, and made of JSON-like values only: ``b`` may be a copy of the
    candidate's result, so its own types are not trusted either."""
    return exact_same(a, b) and plain(b) and key_order(a) == key_order(b)


def plain(value: Any) -> bool:
    if type(value) is dict:
        return all(type(key) is str and plain(item) for key, item in value.items())
    if type(value) in (list, tuple):
        return all(plain(item) for item in value)
    return type(value) in (str, int, float, bool, type(None))


def key_order(value: Any) -> Any:
    """The keys of every dict inside ``value``, in order (only called on exact built-in types)."""
    if type(value) is dict:
        return [(key, key_order(item)) for key, item in value.items()]
    if type(value) in (list, tuple):
        return [key_order(item) for item in value]
    return None


def oracle_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    result = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(result.get(key), dict) and isinstance(value, dict):
            result[key] = oracle_merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def vandalize(value: Any) -> None:
    """Mutate every dict and list inside ``value`` in place."""
    for obj in list(containers(value)):
        if isinstance(obj, dict):
            obj["__vandal__"] = "!"
        else:
            obj.append("!")


scalars = (
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.text("xyz", max_size=2)
)
keys = st.sampled_from(["a", "b", "c", "d", "e"])
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(keys, children, max_size=4),
    max_leaves=12,
)
settings_dicts = st.dictionaries(keys, values, max_size=5)


# --------------------------------------------------------------------------- deep_merge: rules


@pytest.mark.clause("C2", "C4", "C5", "C6")
def test_readme_example() -> None:
    defaults = {"db": {"host": "localhost", "port": 5432}, "features": ["a"], "debug": False}
    user = {"db": {"port": 6543}, "features": ["b"], "name": "svc"}
    merged = deep_merge(defaults, user)
    assert same(
        merged,
        {
            "db": {"host": "localhost", "port": 6543},
            "features": ["b"],
            "debug": False,
            "name": "svc",
        },
    )


@pytest.mark.clause("C5")
def test_nested_dicts_merge_recursively_at_every_depth() -> None:
    base = {"a": {"b": {"c": 1, "d": 2}, "e": 3}, "f": 4}
    override = {"a": {"b": {"d": 20, "g": 30}}}
    assert same(
        deep_merge(base, override), {"a": {"b": {"c": 1, "d": 20, "g": 30}, "e": 3}, "f": 4}
    )


@pytest.mark.clause("C6")
def test_lists_are_replaced_not_concatenated() -> None:
    base = {"hosts": ["a", "b"], "nested": {"ports": [1, 2, 3]}}
    override = {"hosts": ["c"], "nested": {"ports": []}}
    assert same(deep_merge(base, override), {"hosts": ["c"], "nested": {"ports": []}})


@pytest.mark.clause("C6")
def test_lists_of_dicts_are_replaced_not_merged_element_by_element() -> None:
    base = {"users": [{"name": "ann", "admin": True}]}
    override = {"users": [{"name": "bob"}]}
    assert same(deep_merge(base, override), {"users": [{"name": "bob"}]})


@pytest.mark.clause("C6")
def test_a_scalar_replaces_a_dict_and_a_dict_replaces_a_scalar() -> None:
    base = {"cache": {"ttl": 60}, "log": "info", "pool": [1]}
    override = {"cache": False, "log": {"level": "debug"}, "pool": {"size": 5}}
    assert same(
        deep_merge(base, override),
        {
            "cache": False,
            "log": {"level": "debug"},
            "pool": {"size": 5},
        },
    )


@pytest.mark.clause("C6")
def test_a_list_replaces_a_dict_and_a_dict_replaces_a_list() -> None:
    assert same(
        deep_merge({"x": {"a": 1}, "y": [1]}, {"x": [2], "y": {"b": 2}}),
        {
            "x": [2],
            "y": {"b": 2},
        },
    )


@pytest.mark.clause("C6")
def test_none_in_override_replaces_the_base_value() -> None:
    base = {"proxy": "http://p", "limits": {"rate": 5}, "timeout": 30}
    override = {"proxy": None, "limits": None}
    assert same(deep_merge(base, override), {"proxy": None, "limits": None, "timeout": 30})


@pytest.mark.clause("C6")
def test_falsy_override_values_replace() -> None:
    base = {"a": 1, "b": "text", "c": [1], "d": True, "e": 1.5}
    override = {"a": 0, "b": "", "c": [], "d": False, "e": 0.0}
    assert same(deep_merge(base, override), {"a": 0, "b": "", "c": [], "d": False, "e": 0.0})


@pytest.mark.clause("C5")
def test_an_empty_dict_in_override_merges_and_keeps_the_base_dict() -> None:
    assert same(deep_merge({"db": {"port": 1}}, {"db": {}}), {"db": {"port": 1}})


@pytest.mark.clause("C2", "C4")
def test_keys_only_in_base_and_only_in_override_are_all_kept() -> None:
    assert same(deep_merge({"a": 1, "b": 2}, {"c": 3}), {"a": 1, "b": 2, "c": 3})


@pytest.mark.clause("C3")
def test_key_order_is_base_keys_then_new_override_keys_at_every_level() -> None:
    base = {"z": 1, "m": {"y": 1, "b": 2}, "a": 3}
    override = {"q": 0, "a": 30, "m": {"c": 3, "b": 20, "a": 1}, "z": 10}
    merged = deep_merge(base, override)
    assert same(list(merged), ["z", "m", "a", "q"])
    assert same(list(merged["m"]), ["y", "b", "c", "a"])
    assert same(merged, {"z": 10, "m": {"y": 1, "b": 20, "c": 3, "a": 1}, "a": 30, "q": 0})


@pytest.mark.clause("C1", "C2")
def test_empty_inputs() -> None:
    assert same(deep_merge({}, {}), {})
    assert same(deep_merge({"a": {"b": [1]}}, {}), {"a": {"b": [1]}})
    assert same(deep_merge({}, {"a": {"b": [1]}}), {"a": {"b": [1]}})


# --------------------------------------------------------------------------- deep_merge: no mutation


@pytest.mark.clause("C7")
def test_inputs_are_not_mutated() -> None:
    base = {"db": {"host": "h", "opts": {"ssl": True}}, "tags": ["a"]}
    override = {"db": {"opts": {"ssl": False, "timeout": 3}}, "tags": ["b"], "new": {"k": 1}}
    base_before, override_before = copy.deepcopy(base), copy.deepcopy(override)
    result = deep_merge(base, override)
    assert same(base, base_before)
    assert same(override, override_before)
    assert same(result, oracle_merge(base_before, override_before))  # and it did merge


@pytest.mark.clause("C1", "C8")
def test_result_is_a_new_dict_even_when_override_is_empty() -> None:
    base: dict[str, Any] = {"a": 1}
    result = deep_merge(base, {})
    assert result is not base
    result["b"] = 2
    assert same(base, {"a": 1})


@pytest.mark.clause("C1", "C8")
def test_result_is_a_new_dict_even_when_base_is_empty() -> None:
    override: dict[str, Any] = {"a": 1}
    result = deep_merge({}, override)
    assert result is not override
    result["b"] = 2
    assert same(override, {"a": 1})


# --------------------------------------------------------------------------- deep_merge: no sharing


@pytest.mark.clause("C8")
def test_untouched_nested_dicts_of_base_are_copied() -> None:
    base = {"db": {"host": "h"}, "cache": {"ttl": 5}}
    result = deep_merge(base, {"cache": {"ttl": 10}})
    assert same(result["db"], {"host": "h"})
    assert result["db"] is not base["db"]
    result["db"]["host"] = "changed"
    assert same(base["db"]["host"], "h")


@pytest.mark.clause("C8")
def test_nested_dicts_only_in_override_are_copied() -> None:
    override = {"new": {"inner": {"x": 1}}}
    result = deep_merge({}, override)
    assert result["new"] is not override["new"]
    assert result["new"]["inner"] is not override["new"]["inner"]
    result["new"]["inner"]["x"] = 2
    assert same(override["new"]["inner"]["x"], 1)


@pytest.mark.clause("C8")
def test_lists_from_base_and_from_override_are_copied() -> None:
    base = {"keep": [1, 2]}
    override = {"set": [3, 4]}
    result = deep_merge(base, override)
    assert same(result, {"keep": [1, 2], "set": [3, 4]})
    assert result["keep"] is not base["keep"]
    assert result["set"] is not override["set"]
    result["keep"].append(9)
    result["set"].append(9)
    assert same(base, {"keep": [1, 2]})
    assert same(override, {"set": [3, 4]})


@pytest.mark.clause("C8")
def test_dicts_inside_lists_are_copied() -> None:
    base = {"servers": [{"name": "a", "ports": [80]}]}
    override = {"clients": [[{"id": 1}]]}
    result = deep_merge(base, override)
    assert_shares_nothing(result, base, override)
    result["servers"][0]["ports"].append(443)
    result["clients"][0][0]["id"] = 2
    assert same(base, {"servers": [{"name": "a", "ports": [80]}]})
    assert same(override, {"clients": [[{"id": 1}]]})


@pytest.mark.clause("C8")
def test_a_list_shared_twice_inside_an_input_is_not_shared_with_the_result() -> None:
    shared = [1, 2]
    base = {"a": shared, "b": {"c": shared}}
    result = deep_merge(base, {"d": shared})
    assert_shares_nothing(result, base)
    assert same(result, {"a": [1, 2], "b": {"c": [1, 2]}, "d": [1, 2]})


@pytest.mark.clause("C8")
def test_mutating_the_inputs_afterwards_does_not_change_the_result() -> None:
    base = {"db": {"host": "h", "replicas": [{"n": 1}]}, "keep": {"x": [1]}}
    override = {"db": {"port": 1}, "extra": {"y": [2]}}
    result = deep_merge(base, override)
    expected = copy.deepcopy(result)
    vandalize(base)
    vandalize(override)
    assert same(result, expected)


# --------------------------------------------------------------------------- deep_merge: properties


@pytest.mark.clause("C2", "C3", "C4", "C5", "C6", "C7")
@settings(max_examples=150, report_multiple_bugs=False)
@given(base=settings_dicts, override=settings_dicts)
def test_property_merge_matches_the_rules_and_leaves_inputs_unchanged(
    base: dict[str, Any], override: dict[str, Any]
) -> None:
    base_before, override_before = copy.deepcopy(base), copy.deepcopy(override)
    result = deep_merge(base, override)
    assert same(result, oracle_merge(base_before, override_before))
    assert same(base, base_before)
    assert same(override, override_before)


@pytest.mark.clause("C8")
@settings(max_examples=150, report_multiple_bugs=False)
@given(base=settings_dicts, override=settings_dicts)
def test_property_result_shares_no_dict_or_list_with_the_inputs(
    base: dict[str, Any], override: dict[str, Any]
) -> None:
    result = deep_merge(base, override)
    assert_shares_nothing(result, base, override)
    expected = copy.deepcopy(result)
    base_before, override_before = copy.deepcopy(base), copy.deepcopy(override)
    vandalize(result)
    assert same(base, base_before)
    assert same(override, override_before)
    result = deep_merge(base, override)
    vandalize(base)
    vandalize(override)
    assert same(result, expected)


@pytest.mark.clause("C1", "C8")
@settings(max_examples=80, report_multiple_bugs=False)
@given(base=settings_dicts)
def test_property_merging_with_empty_is_an_independent_equal_copy(base: dict[str, Any]) -> None:
    for result in (deep_merge(base, {}), deep_merge({}, base)):
        assert same(result, base)
        assert_shares_nothing(result, base)


@pytest.mark.clause("C5", "C6")
@settings(max_examples=80, report_multiple_bugs=False)
@given(base=settings_dicts, override=settings_dicts)
def test_property_every_override_leaf_wins(base: dict[str, Any], override: dict[str, Any]) -> None:
    result = deep_merge(base, override)

    def check(merged: dict[str, Any], over: dict[str, Any]) -> None:
        for key, value in over.items():
            if isinstance(value, dict) and isinstance(merged[key], dict):
                check(merged[key], value)
            else:
                assert same(merged[key], value)

    check(result, override)


# --------------------------------------------------------------------------- append_tag


@pytest.mark.clause("C9")
def test_append_tag_without_tags_returns_a_one_element_list() -> None:
    assert same(append_tag("a"), ["a"])
    assert same(append_tag("a", None), ["a"])


@pytest.mark.clause("C10")
def test_append_tag_default_list_is_not_shared_between_calls() -> None:
    first = append_tag("a")
    second = append_tag("b")
    assert same(first, ["a"])
    assert same(second, ["b"])
    assert first is not second
    first.append("mutated")
    assert same(append_tag("c"), ["c"])


@pytest.mark.clause("C9", "C11")
def test_append_tag_returns_a_new_list_and_leaves_the_given_one_alone() -> None:
    tags = ["x", "y"]
    result = append_tag("z", tags)
    assert same(result, ["x", "y", "z"])
    assert same(tags, ["x", "y"])
    assert result is not tags


@pytest.mark.clause("C11")
def test_append_tag_to_an_empty_list_returns_a_new_list() -> None:
    tags: list[str] = []
    result = append_tag("a", tags)
    assert same(result, ["a"])
    assert same(tags, [])
    assert result is not tags


@pytest.mark.clause("C12")
def test_append_tag_keeps_duplicates() -> None:
    assert same(append_tag("x", ["x"]), ["x", "x"])


@pytest.mark.clause("C10", "C11")
def test_append_tag_chained_calls_build_up_without_touching_earlier_results() -> None:
    one = append_tag("a")
    two = append_tag("b", one)
    three = append_tag("c", two)
    assert same((one, two, three), (["a"], ["a", "b"], ["a", "b", "c"]))


@pytest.mark.clause("C9", "C11")
@settings(max_examples=100, report_multiple_bugs=False)
@given(
    tag=st.text("ab-é ", max_size=3),
    tags=st.none() | st.lists(st.text("ab-é ", max_size=3), max_size=5),
)
def test_property_append_tag_is_tags_plus_tag_without_mutation(
    tag: str, tags: list[str] | None
) -> None:
    before = None if tags is None else list(tags)
    result = append_tag(tag, tags)
    assert same(result, [*(before or []), tag])
    assert same(tags, before)
    assert result is not tags
    assert type(result) is list


# --------------------------------------------------------------------------- more corners


@pytest.mark.clause("C8")
def test_lists_nested_in_lists_are_copied_at_every_depth() -> None:
    base = {"grid": [[1, 2], [3, [4]]]}
    override = {"more": [[[5]]]}
    result = deep_merge(base, override)
    assert same(result, {"grid": [[1, 2], [3, [4]]], "more": [[[5]]]})
    assert_shares_nothing(result, base, override)


@pytest.mark.clause("C5", "C7", "C8")
def test_merging_a_dict_with_itself_gives_an_independent_equal_copy() -> None:
    settings_ = {"db": {"host": "h", "ports": [1]}, "tags": ["a"]}
    result = deep_merge(settings_, settings_)
    assert same(result, {"db": {"host": "h", "ports": [1]}, "tags": ["a"]})
    assert same(settings_, {"db": {"host": "h", "ports": [1]}, "tags": ["a"]})
    assert_shares_nothing(result, settings_)


@pytest.mark.clause("C6")
def test_a_dict_replaces_none_and_an_empty_dict_replaces_a_scalar() -> None:
    base = {"proxy": None, "limits": 0, "flags": []}
    override = {"proxy": {"url": "u"}, "limits": {}, "flags": {}}
    assert same(deep_merge(base, override), {"proxy": {"url": "u"}, "limits": {}, "flags": {}})


@pytest.mark.clause("C9", "C11", "C12")
def test_append_tag_keeps_the_given_order_and_empty_strings() -> None:
    tags = ["b", "", "a", "b"]
    result = append_tag("", tags)
    assert same(result, ["b", "", "a", "b", ""])
    assert same(tags, ["b", "", "a", "b"])

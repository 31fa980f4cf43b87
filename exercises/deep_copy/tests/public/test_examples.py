"""Example tests for the deep_copy exercise (the hidden suite is much stricter)."""

from typing import Any

import solution


class Node:
    def __init__(self, value: int) -> None:
        self.value = value
        self.children: list[Any] = []


def test_deep_copy_nested_data_is_independent() -> None:
    original = {"a": [1, [2, 3]], "b": (4, [5])}
    copy = solution.deep_copy(original)
    assert copy == original
    copy["a"][1].append(99)
    copy["b"][1].append(99)
    assert original == {"a": [1, [2, 3]], "b": (4, [5])}


def test_deep_copy_keeps_sharing_and_cycles() -> None:
    root = Node(1)
    root.children.append(root)
    clone = solution.deep_copy({"root": root, "again": root})
    assert clone["root"] is not root
    assert clone["root"] is clone["again"]
    assert clone["root"].children[0] is clone["root"]


def test_shallow_copy_list_shares_items() -> None:
    items = [[1], [2]]
    flat = solution.shallow_copy(items)
    assert flat is not items
    assert flat[0] is items[0]

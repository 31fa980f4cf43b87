"""Example tests for the typed_containers exercise.

The hidden suite also runs mypy --strict over your solution and over client programs; run
`mypy --strict solution.py` yourself.
"""

import pytest
from solution import Stack, tops


def test_push_pop_peek() -> None:
    stack = Stack([1, 2])
    stack.push(3)
    assert stack.pop() == 3
    assert stack.peek() == 2
    assert len(stack) == 2


def test_empty_stack_raises_index_error() -> None:
    with pytest.raises(IndexError):
        Stack[int]().pop()


def test_map_returns_a_new_stack() -> None:
    stack = Stack([1, 2])
    assert list(stack.map(str)) == ["1", "2"]
    assert list(stack) == [1, 2]


def test_tops_skips_empty_sources() -> None:
    assert tops([Stack([1, 2]), Stack[int](), Stack([5])]) == [2, 5]

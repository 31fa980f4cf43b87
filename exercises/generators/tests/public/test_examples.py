"""Example tests for the generators exercise (the hidden suite is much stricter)."""

import itertools

import pytest
import solution


def test_chunked_example() -> None:
    assert list(solution.chunked(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(itertools.islice(solution.chunked(itertools.count(), 2), 2)) == [[0, 1], [2, 3]]


def test_chunked_rejects_bad_size_at_call_time() -> None:
    with pytest.raises(ValueError):
        solution.chunked([1, 2, 3], 0)


def test_countdown_is_reusable() -> None:
    countdown = solution.Countdown(3)
    assert list(countdown) == [3, 2, 1]
    assert list(countdown) == [3, 2, 1]


def test_parse_records_example() -> None:
    lines = ["# users", "name=ada role=admin", "", "  url=a=b  "]
    assert list(solution.parse_records(lines)) == [
        {"name": "ada", "role": "admin"},
        {"url": "a=b"},
    ]

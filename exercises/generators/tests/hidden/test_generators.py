"""Hidden suite for the generators exercise."""

from __future__ import annotations

import inspect
import itertools
import math
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator

import pytest
import solution
from exact import same
from hypothesis import given, settings
from hypothesis import strategies as st
from memory_profiler import memory_usage


class CountingIterator:
    """Wraps an iterable and records how many items have been pulled from it."""

    def __init__(self, iterable: Iterable[object]) -> None:
        self._it = iter(iterable)
        self.pulled = 0

    def __iter__(self) -> CountingIterator:
        return self

    def __next__(self) -> object:
        item = next(self._it)
        self.pulled += 1
        return item


def endless(limit: int = 10_000) -> Iterator[int]:
    """An "infinite" iterator that fails the test instead of exhausting memory when
    something tries to read it to the end."""
    for i in itertools.count():
        if i >= limit:
            raise AssertionError("the whole (infinite) input was being read")
        yield i


def mentions_number(message: str, number: int) -> bool:
    return re.search(rf"(?<!\d){number}(?!\d)", message) is not None


# ---------------------------------------------------------------- chunked


@pytest.mark.clause("C1")
def test_chunked_splits_into_lists_with_a_shorter_last_chunk() -> None:
    assert same(list(solution.chunked(range(7), 3)), [[0, 1, 2], [3, 4, 5], [6]])


@pytest.mark.clause("C2")
def test_chunked_exact_multiple_ends_without_an_empty_chunk() -> None:
    assert same(list(solution.chunked(range(6), 3)), [[0, 1, 2], [3, 4, 5]])


@pytest.mark.clause("C2")
def test_chunked_empty_iterable_yields_nothing() -> None:
    assert same(list(solution.chunked([], 4)), [])
    assert same(list(solution.chunked(iter(()), 1)), [])
    assert same(list(solution.chunked([7], 4)), [[7]])  # and not from ignoring the input


@pytest.mark.clause("C1")
def test_chunked_size_one_and_size_larger_than_input() -> None:
    assert same(list(solution.chunked("abc", 1)), [["a"], ["b"], ["c"]])
    assert same(list(solution.chunked("abc", 10)), [["a", "b", "c"]])


@pytest.mark.clause("C1")
def test_chunked_yields_list_objects_even_from_a_string_or_tuple() -> None:
    chunks = list(solution.chunked("abcde", 2))
    assert same(chunks, [["a", "b"], ["c", "d"], ["e"]])
    assert all(type(chunk) is list for chunk in chunks)
    assert all(type(chunk) is list for chunk in solution.chunked((1, 2, 3), 2))


@pytest.mark.clause("C3")
def test_chunked_each_chunk_is_a_new_list() -> None:
    chunks = list(solution.chunked(range(6), 2))
    assert same(chunks, [[0, 1], [2, 3], [4, 5]])
    assert len({id(chunk) for chunk in chunks}) == 3
    chunks[0].append("changed")
    assert same(chunks[1:], [[2, 3], [4, 5]])


@pytest.mark.clause("C5")
@pytest.mark.parametrize("size", [0, -1, -10])
def test_chunked_rejects_size_below_one_when_called_before_iterating(size: int) -> None:
    source = CountingIterator(range(10))
    with pytest.raises(ValueError):
        solution.chunked(source, size)  # no next(): the call itself must raise
    assert source.pulled == 0


@pytest.mark.clause("C4")
def test_chunked_pulls_nothing_until_the_first_next() -> None:
    source = CountingIterator(range(100))
    chunks = solution.chunked(source, 5)
    assert source.pulled == 0
    assert same(next(chunks), [0, 1, 2, 3, 4])  # a lazy iterator, not one that yields nothing


@pytest.mark.clause("C4")
def test_chunked_pulls_exactly_one_chunk_per_next() -> None:
    source = CountingIterator(range(100))
    chunks = solution.chunked(source, 3)
    for k in range(1, 6):
        assert same(next(chunks), [3 * k - 3, 3 * k - 2, 3 * k - 1])
        assert source.pulled == 3 * k


@pytest.mark.clause("C4")
def test_chunked_works_on_an_infinite_iterator() -> None:
    chunks = solution.chunked(endless(), 4)
    assert same(list(itertools.islice(chunks, 3)), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]])


@pytest.mark.clause("C1", "C2")
@settings(max_examples=200)
@given(items=st.lists(st.integers()), size=st.integers(min_value=1, max_value=12))
def test_chunked_property_concatenation_and_sizes(items: list[int], size: int) -> None:
    chunks = list(solution.chunked(iter(items), size))
    assert same([item for chunk in chunks for item in chunk], items)
    assert len(chunks) == math.ceil(len(items) / size)
    assert all(len(chunk) == size for chunk in chunks[:-1])
    if chunks:
        assert 1 <= len(chunks[-1]) <= size


# ---------------------------------------------------------------- Countdown


@pytest.mark.clause("C6")
def test_countdown_counts_down_to_one() -> None:
    assert same(list(solution.Countdown(3)), [3, 2, 1])
    assert same(list(solution.Countdown(1)), [1])


@pytest.mark.clause("C6")
@pytest.mark.parametrize("n", [0, -1, -7])
def test_countdown_of_zero_or_negative_is_empty(n: int) -> None:
    assert same(list(solution.Countdown(n)), [])
    assert same(list(solution.Countdown(n + 9)), list(range(n + 9, 0, -1)))  # a real countdown


@pytest.mark.clause("C7")
def test_countdown_can_be_iterated_many_times() -> None:
    countdown = solution.Countdown(4)
    assert same(list(countdown), [4, 3, 2, 1])
    assert same(list(countdown), [4, 3, 2, 1])
    assert sum(countdown) == 10


@pytest.mark.clause("C7")
def test_countdown_iter_returns_a_fresh_iterator_each_time() -> None:
    countdown = solution.Countdown(3)
    first, second = iter(countdown), iter(countdown)
    assert first is not second
    assert first is not countdown
    assert same(list(first), [3, 2, 1]) and same(list(second), [3, 2, 1])


@pytest.mark.clause("C7")
def test_countdown_iterators_are_independent() -> None:
    countdown = solution.Countdown(3)
    first = iter(countdown)
    assert same(next(first), 3)
    second = iter(countdown)
    assert same(next(second), 3)
    assert same(next(first), 2)
    assert same(list(second), [2, 1])
    assert same(list(first), [1])


@pytest.mark.clause("C7")
def test_countdown_nested_loops_over_the_same_countdown() -> None:
    countdown = solution.Countdown(2)
    assert same([(a, b) for a in countdown for b in countdown], [(2, 2), (2, 1), (1, 2), (1, 1)])


@pytest.mark.clause("C8")
def test_countdown_iterator_is_a_hand_written_iterator_class() -> None:
    iterator = iter(solution.Countdown(2))
    assert not inspect.isgenerator(iterator)
    assert not inspect.isgeneratorfunction(solution.Countdown.__iter__)
    iterator_class = type(iterator)
    assert same(iterator_class.__module__, solution.__name__)
    assert "__next__" in vars(iterator_class) or any(
        "__next__" in vars(base) and base.__module__ == solution.__name__
        for base in iterator_class.__mro__
    )
    assert iter(iterator) is iterator
    assert same(next(iterator), 2)


@pytest.mark.clause("C8")
def test_countdown_exhausted_iterator_keeps_raising_stop_iteration() -> None:
    iterator = iter(solution.Countdown(1))
    assert same(next(iterator), 1)
    for _ in range(3):
        with pytest.raises(StopIteration):
            next(iterator)


@pytest.mark.clause("C6", "C7")
@given(n=st.integers(min_value=-5, max_value=60))
def test_countdown_property_matches_descending_range(n: int) -> None:
    countdown = solution.Countdown(n)
    expected = list(range(n, 0, -1))
    assert same(list(countdown), expected)
    assert same(list(countdown), expected)


# ---------------------------------------------------------------- parse_records


@pytest.mark.clause("C9")
def test_parse_records_turns_pairs_into_dicts() -> None:
    assert same(
        list(solution.parse_records(["a=1 b=x", "name=ada"])),
        [
            {"a": "1", "b": "x"},
            {"name": "ada"},
        ],
    )


@pytest.mark.clause("C14")
def test_parse_records_skips_blank_and_whitespace_only_lines() -> None:
    lines = ["", "a=1", "   ", "\n", "\t \n", "b=2"]
    assert same(list(solution.parse_records(lines)), [{"a": "1"}, {"b": "2"}])


@pytest.mark.clause("C14")
def test_parse_records_skips_comment_lines_even_when_indented() -> None:
    lines = ["# header", "a=1", "   # indented comment", "\t#tabbed", "#no=pair here", "b=2"]
    assert same(list(solution.parse_records(lines)), [{"a": "1"}, {"b": "2"}])


@pytest.mark.clause("C14")
def test_parse_records_hash_inside_a_line_is_ordinary_text() -> None:
    assert same(list(solution.parse_records(["url=a#b tag=#x"])), [{"url": "a#b", "tag": "#x"}])


@pytest.mark.clause("C11")
def test_parse_records_only_the_first_equals_splits() -> None:
    lines = ["url=a=b", "expr=x==y q=k=v&w=z"]
    assert same(
        list(solution.parse_records(lines)),
        [
            {"url": "a=b"},
            {"expr": "x==y", "q": "k=v&w=z"},
        ],
    )


@pytest.mark.clause("C10")
def test_parse_records_ignores_surrounding_and_repeated_whitespace() -> None:
    lines = ["  a=1    b=2  \n", "\tc=3\td=4\r\n"]
    assert same(list(solution.parse_records(lines)), [{"a": "1", "b": "2"}, {"c": "3", "d": "4"}])


@pytest.mark.clause("C10")
def test_parse_records_splits_on_every_kind_of_whitespace_str_split_knows() -> None:
    # str.split() also splits on vertical tab, form feed and Unicode spaces.
    lines = ["a=1\x0bb=2\x0cc=3", "\u3000d=4\xa0e=5\u2003", "\x0c# comment after a form feed"]
    assert same(
        list(solution.parse_records(lines)),
        [{"a": "1", "b": "2", "c": "3"}, {"d": "4", "e": "5"}],
    )


@pytest.mark.clause("C12")
def test_parse_records_empty_values_and_keys_are_allowed() -> None:
    assert same(list(solution.parse_records(["a= b=2", "=x"])), [{"a": "", "b": "2"}, {"": "x"}])


@pytest.mark.clause("C13")
def test_parse_records_later_duplicate_key_wins() -> None:
    assert same(list(solution.parse_records(["a=1 a=2"])), [{"a": "2"}])


@pytest.mark.clause("C9")
def test_parse_records_values_stay_strings() -> None:
    (record,) = solution.parse_records(["n=007 f=1.5 t=True"])
    assert same(record, {"n": "007", "f": "1.5", "t": "True"})


@pytest.mark.clause("C15", "C16")
def test_parse_records_pair_without_equals_raises_after_earlier_records() -> None:
    records = solution.parse_records(["a=1", "", "# comment", "b=2 oops"])
    assert same(next(records), {"a": "1"})
    with pytest.raises(ValueError) as excinfo:
        next(records)
    assert mentions_number(str(excinfo.value), 4)


@pytest.mark.clause("C15")
def test_parse_records_error_line_number_is_one_based() -> None:
    with pytest.raises(ValueError) as excinfo:
        list(solution.parse_records(["oops", "a=1"]))
    assert mentions_number(str(excinfo.value), 1)


@pytest.mark.clause("C15")
def test_parse_records_error_line_number_counts_skipped_lines() -> None:
    lines = ["# c", "", "a=1", "  ", "# c", "b=2", "", "c=3", "bad", "d=4"]
    with pytest.raises(ValueError) as excinfo:
        list(solution.parse_records(lines))
    assert mentions_number(str(excinfo.value), 9)


@pytest.mark.clause("C17")
def test_parse_records_reads_nothing_until_the_first_next() -> None:
    source = CountingIterator(["a=1"] * 10)
    records = solution.parse_records(source)  # type: ignore[arg-type]
    assert source.pulled == 0
    assert same(next(records), {"a": "1"})  # a lazy iterator, not one that yields nothing


@pytest.mark.clause("C17")
def test_parse_records_reads_only_up_to_the_line_of_each_record() -> None:
    source = CountingIterator(["# c", "", "a=1", "b=2", "", "# c", "c=3", "d=4"])
    records = solution.parse_records(source)  # type: ignore[arg-type]
    assert same(next(records), {"a": "1"})
    assert source.pulled == 3
    assert same(next(records), {"b": "2"})
    assert source.pulled == 4
    assert same(next(records), {"c": "3"})
    assert source.pulled == 7


@pytest.mark.clause("C17")
def test_parse_records_works_on_infinite_input() -> None:
    lines = (f"n={i}" for i in endless())
    first = list(itertools.islice(solution.parse_records(lines), 3))
    assert same(first, [{"n": "0"}, {"n": "1"}, {"n": "2"}])


KEYS = st.text("abcdefghijklmnopqrstuvwxyz_0123456789", min_size=1, max_size=6)
VALUES = st.text("abcxyz019_=#:/.-", max_size=8)
RECORDS = st.lists(st.dictionaries(KEYS, VALUES, min_size=1, max_size=4), max_size=8)
SPACES = st.sampled_from([" ", "  ", "\t", " \t "])
FILLER = st.sampled_from(["", "   ", "# comment", "  #x=1 y", "\t# tab comment"])


@pytest.mark.clause("C9", "C10", "C11", "C14")
@settings(max_examples=150)
@given(records=RECORDS, data=st.data())
def test_parse_records_property_round_trips_rendered_records(
    records: list[dict[str, str]], data: st.DataObject
) -> None:
    lines: list[str] = []
    for record in records:
        lines.extend(data.draw(st.lists(FILLER, max_size=2)))
        pairs = [f"{key}={value}" for key, value in record.items()]
        line = data.draw(SPACES).join(pairs)
        lines.append(
            data.draw(st.sampled_from(["", " ", "\t"]))
            + line
            + data.draw(st.sampled_from(["", "\n", "  \n", "\r\n"]))
        )
    lines.extend(data.draw(st.lists(FILLER, max_size=2)))
    assert same(list(solution.parse_records(lines)), records)


# ---------------------------------------------------------------- memory

MILLION = 1_000_000
ALLOWED_GROWTH_MIB = 30


def _million_lines() -> Iterator[str]:
    return (f"n={i}" for i in range(MILLION))


def _drain_lines() -> None:
    deque(_million_lines(), maxlen=0)


def _drain_records() -> int:
    count = 0
    for _ in solution.parse_records(_million_lines()):
        count += 1
    return count


def _peak_mib(func: Callable[[], object]) -> tuple[float, object]:
    """Peak RSS (MiB) while ``func`` runs in this process, and what it returned.

    memory_profiler samples our RSS from a helper process; max_iterations=1 stops it
    from re-running ``func`` when the run is short.
    """
    peak, returned = memory_usage(
        (func, (), {}), interval=0.01, max_usage=True, retval=True, max_iterations=1
    )
    return float(peak), returned


@pytest.mark.clause("C18")
@pytest.mark.performance
def test_parse_records_streams_a_million_lines_in_flat_memory() -> None:
    baseline, _ = _peak_mib(_drain_lines)
    peak, count = _peak_mib(_drain_records)
    assert same(count, MILLION)
    assert peak - baseline < ALLOWED_GROWTH_MIB, (
        f"peak memory grew by {peak - baseline:.0f} MiB while streaming {MILLION} lines"
    )

"""Lazy iteration: chunking, a hand-written iterator and a streaming parser."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def chunked(iterable: Iterable[T], size: int) -> Iterator[list[T]]:
    """Yield lists of ``size`` consecutive items of ``iterable``; the last may be shorter.

    This is a plain function, not a generator function, so that a bad ``size`` is
    reported at the call site rather than at the first ``next()``, far from the bug.
    """
    if size < 1:
        raise ValueError(f"size must be at least 1, got {size!r}")
    return _chunks(iter(iterable), size)


def _chunks(iterator: Iterator[T], size: int) -> Iterator[list[T]]:
    # islice pulls at most ``size`` items, so nothing is read ahead of the chunk
    # being built, and an empty chunk means the source is exhausted.
    while chunk := list(islice(iterator, size)):
        yield chunk


class Countdown:
    """An iterable over ``n, n-1, ..., 1``; each ``iter()`` starts a fresh countdown.

    The iterable holds only the configuration; the position lives in a separate
    iterator object, which is what makes the countdown reusable and lets several
    loops over the same ``Countdown`` run independently.
    """

    def __init__(self, n: int) -> None:
        self.n = n

    def __iter__(self) -> CountdownIterator:
        return CountdownIterator(self.n)


class CountdownIterator:
    """One pass over a countdown: the iterator protocol written out by hand."""

    def __init__(self, start: int) -> None:
        self._current = start

    def __iter__(self) -> CountdownIterator:
        # An iterator is its own iterable, so it can be used in a for loop directly.
        return self

    def __next__(self) -> int:
        if self._current <= 0:
            # Stays exhausted: every later call raises StopIteration again.
            raise StopIteration
        value = self._current
        self._current -= 1
        return value


def parse_records(lines: Iterable[str]) -> Iterator[dict[str, str]]:
    """Lazily turn lines of whitespace-separated ``key=value`` pairs into dicts.

    Blank lines and ``#`` comment lines are skipped. Only the first ``=`` of a pair
    splits it, so values may contain ``=``. A pair without ``=`` raises ``ValueError``
    naming the 1-based line number (skipped lines count). One line is read per
    record, so memory stays flat however long the input is.
    """
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        record: dict[str, str] = {}
        for pair in text.split():
            key, sep, value = pair.partition("=")
            if not sep:
                raise ValueError(f"line {number}: {pair!r} is not a key=value pair")
            record[key] = value
        yield record

"""Lazy iteration: chunking, a hand-written iterator and a streaming parser."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def chunked(iterable: Iterable[T], size: int) -> Iterator[list[T]]:
    """Yield lists of ``size`` consecutive items of ``iterable``; the last may be shorter.

    Lazy: pulls from ``iterable`` only the items the next chunk needs, so it works
    on infinite iterators. Raises ``ValueError`` at call time (before any
    iteration) when ``size < 1``.
    """
    raise NotImplementedError


class Countdown:
    """An iterable over ``n, n-1, ..., 1`` (nothing when ``n <= 0``).

    Every ``iter()`` returns a fresh, independent iterator: an instance of an
    iterator class defined in this module (``__iter__`` + ``__next__``), not a
    generator and not a built-in iterator.
    """

    def __init__(self, n: int) -> None:
        raise NotImplementedError

    def __iter__(self) -> CountdownIterator:
        raise NotImplementedError


class CountdownIterator:
    """One pass over a countdown."""

    def __init__(self, start: int) -> None:
        raise NotImplementedError

    def __iter__(self) -> CountdownIterator:
        raise NotImplementedError

    def __next__(self) -> int:
        raise NotImplementedError


def parse_records(lines: Iterable[str]) -> Iterator[dict[str, str]]:
    """Lazily turn lines of whitespace-separated ``key=value`` pairs into dicts.

    Blank lines and lines whose first non-whitespace character is ``#`` are
    skipped. Only the first ``=`` of a pair splits it. A pair without ``=``
    raises ``ValueError`` naming the 1-based line number.
    """
    raise NotImplementedError

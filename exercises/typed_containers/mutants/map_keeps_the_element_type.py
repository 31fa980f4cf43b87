"""MUTANT: map is typed Callable[[T], T] -> Stack[T]: the runtime is right, but
mypy rejects every map that changes the element type (ints.map(str)).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")
U = TypeVar("U")
T_co = TypeVar("T_co", covariant=True)


class Peekable(Protocol[T_co]):
    """Anything whose top element can be read: a ``Stack[int]`` is a ``Peekable[int]``."""

    def peek(self) -> T_co:
        """Return the top element without removing it."""
        ...

    def __len__(self) -> int: ...


class Stack(Generic[T]):
    """A last-in, first-out stack of ``T``."""

    def __init__(self, items: Iterable[T] = ()) -> None:
        """Start with ``items``, pushed in order: the last one is the top.

        The items are copied, so the caller's list and the stack never share state.
        """
        self._items: list[T] = list(items)

    def push(self, item: T) -> None:
        """Put ``item`` on top."""
        self._items.append(item)

    def pop(self) -> T:
        """Remove and return the top item; IndexError if the stack is empty."""
        if not self._items:
            raise IndexError("pop from an empty Stack")
        return self._items.pop()

    def peek(self) -> T:
        """Return the top item without removing it; IndexError if the stack is empty."""
        if not self._items:
            raise IndexError("peek at an empty Stack")
        return self._items[-1]

    def map(self, func: Callable[[T], T]) -> Stack[T]:
        """A new stack of ``func(item)`` for every item, in the same order; self is unchanged.

        The element type may change (``Stack[int].map(str)`` is a ``Stack[str]``), which is why
        ``func`` returns a second type variable ``U`` rather than ``T``.
        """
        return Stack(func(item) for item in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[T]:
        """Iterate from the bottom to the top (the order the items were pushed in)."""
        return iter(self._items)

    def __repr__(self) -> str:
        return f"Stack({self._items!r})"


def tops(sources: Iterable[Peekable[T]]) -> list[T]:
    """The top element of every non-empty source, in order; empty sources are skipped."""
    return [source.peek() for source in sources if len(source)]

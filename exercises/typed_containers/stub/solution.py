"""A generic, fully typed stack, and a protocol for anything with a readable top.

Annotating this module is the exercise: see the README for the types each name must have.
"""

from __future__ import annotations


class Peekable:  # TODO: a Protocol, generic (and covariant) in the type of its top element
    """Anything whose top element can be read: a ``Stack[int]`` is a ``Peekable[int]``."""

    def peek(self):  # TODO: annotate every function
        """Return the top element without removing it."""
        ...

    def __len__(self):
        ...


class Stack:  # TODO: generic in its element type
    """A last-in, first-out stack."""

    def __init__(self, items=()):
        """Start with a copy of ``items``, pushed in order: the last one is the top."""
        raise NotImplementedError

    def push(self, item):
        """Put ``item`` on top."""
        raise NotImplementedError

    def pop(self):
        """Remove and return the top item; IndexError if the stack is empty."""
        raise NotImplementedError

    def peek(self):
        """Return the top item without removing it; IndexError if the stack is empty."""
        raise NotImplementedError

    def map(self, func):
        """A new stack of ``func(item)`` for every item, in the same order; self is unchanged."""
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    def __iter__(self):
        """Iterate from the bottom to the top."""
        raise NotImplementedError


def tops(sources):
    """The top element of every non-empty source, in order; empty sources are skipped."""
    raise NotImplementedError

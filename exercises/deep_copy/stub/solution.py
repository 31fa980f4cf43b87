"""Shallow and deep copies written by hand, without the ``copy`` or ``pickle`` modules."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


def shallow_copy(obj: T) -> T:
    """Return a new list, dict, set or user-class instance holding the same items or
    attribute values (the very same objects, not copies of them).

    ``None``, ``bool``, ``int``, ``float``, ``complex``, ``str``, ``bytes``, tuples and
    frozensets are returned as they are. Instances are created without calling
    ``__init__``.
    """
    raise NotImplementedError


def deep_copy(obj: T) -> T:
    """Return a copy of ``obj`` that shares no mutable object with it.

    Supports the atoms above (returned as they are), ``tuple``, ``list``, ``dict``,
    ``set``, ``frozenset`` and instances of plain user classes with ``__dict__`` and/or
    ``__slots__`` (created without calling ``__init__``). An object reachable along
    several paths is copied once, so shared references stay shared and cycles are
    reproduced.
    """
    raise NotImplementedError

"""Exact comparison for hidden suites: a result equals what was expected only with the same types.

A plain ``assert result == expected`` asks the candidate's object whether it equals the expected
value, and an object whose ``__eq__`` always says yes (or a ``str``/``int``/``list`` subclass that
does) passes every such assertion. :func:`same` never asks the candidate: it checks the exact type
first, recursively through containers, and only then compares built-in values.

Hidden suites import it as ``from exact import same`` (the runner's folder is on ``sys.path``), and
write ``assert same(result, expected)``. The expected side is the trusted one: its types decide.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

__all__ = ["difference", "same"]

# Values compared with == once their type is known to be exactly this one (no subclass).
_SCALARS: tuple[type, ...] = (
    int,
    bool,
    float,
    complex,
    str,
    bytes,
    bytearray,
    type(None),
    Decimal,
    Fraction,
    range,
)


def same(actual: Any, expected: Any) -> bool:
    """True when `actual` has exactly the types and values of `expected`, recursively."""
    return difference(actual, expected) is None


def difference(actual: Any, expected: Any, where: str = "result") -> str | None:
    """Where `actual` first departs from `expected` (a readable sentence), or None if it does not."""
    if type(actual) is not type(expected):
        return f"{where} is of type {_type_name(actual)}, expected {_type_name(expected)}"
    kind = type(expected)
    if kind in (list, tuple):
        if len(actual) != len(expected):
            return f"{where} has {len(actual)} items, expected {len(expected)}"
        for index, (a, e) in enumerate(zip(actual, expected, strict=True)):
            found = difference(a, e, f"{where}[{index}]")
            if found:
                return found
        return None
    if kind is dict:
        strange = next((k for k in actual if not _plain(k)), _NONE)
        if strange is not _NONE:
            return f"{where} has a key of type {_type_name(strange)}: {_safe_repr(strange)}"
        if set(map(_key, actual)) != set(map(_key, expected)):
            return f"{where} has keys {_keys(actual)}, expected {_keys(expected)}"
        by_key = {_key(k): k for k in actual}
        for key in expected:
            found = difference(actual[by_key[_key(key)]], expected[key], f"{where}[{key!r}]")
            if found:
                return found
        return None
    if kind in (set, frozenset):
        if not all(_plain(item) for item in actual) or set(map(_key, actual)) != set(
            map(_key, expected)
        ):
            return f"{where} is {_safe_repr(actual)}, expected {expected!r}"
        return None
    if kind in _SCALARS:
        if kind is float and math.isnan(expected):
            return None if math.isnan(actual) else f"{where} is {actual!r}, expected nan"
        return None if actual == expected else f"{where} is {actual!r}, expected {expected!r}"
    # Another type (an enum member, a dataclass of the suite's own): identity or the type's own
    # equality, which is trusted because the type is exactly the expected one.
    if actual is expected or actual == expected:
        return None
    return f"{where} is {_safe_repr(actual)}, expected {expected!r}"


_NONE = object()
_HASHABLE = frozenset({int, bool, float, complex, str, bytes, type(None), Decimal, Fraction})


def _plain(value: Any) -> bool:
    """Built of exact built-in hashable types only, so hashing and == are the interpreter's own."""
    if type(value) in (tuple, frozenset):
        return all(_plain(item) for item in value)
    return type(value) in _HASHABLE


def _key(value: Any) -> tuple[str, Any]:
    """A key that tells 1, 1.0 and True apart (equal as dict keys); `value` must be plain."""
    if type(value) is tuple:
        return ("tuple", tuple(_key(item) for item in value))
    if type(value) is frozenset:
        return ("frozenset", frozenset(_key(item) for item in value))
    return (type(value).__name__, value)


def _keys(mapping: Any) -> str:
    return _safe_repr(sorted(repr(k) for k in mapping))


def _type_name(value: Any) -> str:
    kind = type(value)
    return (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )


def _safe_repr(value: Any, limit: int = 300) -> str:
    try:
        text = repr(value)
    except Exception as error:  # a candidate's __repr__ may raise
        text = f"<unrepresentable {type(value).__qualname__}: {type(error).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"

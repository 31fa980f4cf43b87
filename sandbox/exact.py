"""Exact comparison for hidden suites: a result equals what was expected only with the same types.

A plain ``assert result == expected`` asks the candidate's object whether it equals the expected
value, and an object whose ``__eq__`` always says yes (or a ``str``/``int``/``list`` subclass that
does) passes every such assertion. :func:`same` never asks the candidate: it checks the exact type
first, recursively through containers, and only then compares built-in values.

Hidden suites import it as ``from exact import same`` (the runner's folder is on ``sys.path``), and
write ``assert same(result, expected)``. The expected side is the trusted one: its types decide.

The built-ins it relies on are bound once, as the default of a parameter, when the module is
imported (before any candidate code runs): candidate code that rebinds ``builtins.type`` or
``builtins.len`` cannot change what this module calls, and replacing a function's defaults is
refused by the referee.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

__all__ = ["difference", "same"]

# Values compared with == once their type is known to be exactly this one (no subclass).
_SCALARS = (int, bool, float, complex, str, bytes, bytearray, type(None), Decimal, Fraction, range)
_HASHABLE = frozenset({int, bool, float, complex, str, bytes, type(None), Decimal, Fraction})
# The built-ins used below, as they are now: an immutable tuple, passed on as a default.
_BUILTINS = (type, len, zip, enumerate, frozenset, all, repr, sorted, math.isnan, tuple, dict, set)


def same(actual: Any, expected: Any, _b: tuple[Any, ...] = _BUILTINS) -> bool:
    """True when `actual` has exactly the types and values of `expected`, recursively."""
    return difference(actual, expected, "result", _b) is None


def difference(
    actual: Any, expected: Any, where: str = "result", _b: tuple[Any, ...] = _BUILTINS
) -> str | None:
    """Where `actual` first departs from `expected` (a readable sentence), or None if it does not."""
    type_, len_, zip_, enumerate_, frozenset_, all_, _, _, isnan, tuple_, dict_, set_ = _b
    if type_(actual) is not type_(expected):
        return f"{where} is of type {_type_name(actual, _b)}, expected {_type_name(expected, _b)}"
    kind = type_(expected)
    if kind is list or kind is tuple_:
        if len_(actual) != len_(expected):
            return f"{where} has {len_(actual)} items, expected {len_(expected)}"
        for index, (a, e) in enumerate_(zip_(actual, expected, strict=True)):
            found = difference(a, e, f"{where}[{index}]", _b)
            if found:
                return found
        return None
    if kind is dict_:
        for key in actual:
            if not _plain(key, _b):
                return f"{where} has a key of type {_type_name(key, _b)}: {_safe_repr(key, _b)}"
        if _keys(actual, _b) != _keys(expected, _b):
            return f"{where} has keys {_safe_repr(list(actual), _b)}, expected {list(expected)!r}"
        by_key = {_key(k, _b): k for k in actual}
        for key in expected:
            found = difference(
                actual[by_key[_key(key, _b)]], expected[key], f"{where}[{key!r}]", _b
            )
            if found:
                return found
        return None
    if kind is set_ or kind is frozenset_:
        if not all_(_plain(item, _b) for item in actual) or _keys(actual, _b) != _keys(
            expected, _b
        ):
            return f"{where} is {_safe_repr(actual, _b)}, expected {expected!r}"
        return None
    if kind in _SCALARS:
        if kind is float and isnan(expected):
            return None if isnan(actual) else f"{where} is {actual!r}, expected nan"
        return None if actual == expected else f"{where} is {actual!r}, expected {expected!r}"
    # Another type (an enum member, a dataclass of the suite's own): identity or the type's own
    # equality, which is trusted because the type is exactly the expected one.
    if actual is expected or actual == expected:
        return None
    return f"{where} is {_safe_repr(actual, _b)}, expected {expected!r}"


def _plain(value: Any, _b: tuple[Any, ...]) -> bool:
    """Built of exact built-in hashable types only, so hashing and == are the interpreter's own."""
    type_, all_, tuple_, frozenset_ = _b[0], _b[5], _b[9], _b[4]
    if type_(value) is tuple_ or type_(value) is frozenset_:
        return all_(_plain(item, _b) for item in value)
    return type_(value) in _HASHABLE


def _key(value: Any, _b: tuple[Any, ...]) -> tuple[str, Any]:
    """A key that tells 1, 1.0 and True apart (equal as dict keys); `value` must be plain."""
    type_, tuple_, frozenset_ = _b[0], _b[9], _b[4]
    if type_(value) is tuple_:
        return ("tuple", tuple_(_key(item, _b) for item in value))
    if type_(value) is frozenset_:
        return ("frozenset", frozenset_(_key(item, _b) for item in value))
    return (type_(value).__name__, value)


def _keys(collection: Any, _b: tuple[Any, ...]) -> frozenset[tuple[str, Any]]:
    return _b[4](_key(item, _b) for item in collection)  # type: ignore[no-any-return]


def _type_name(value: Any, _b: tuple[Any, ...]) -> str:
    kind = _b[0](value)
    if kind.__module__ == "builtins":
        return str(kind.__qualname__)
    return f"{kind.__module__}.{kind.__qualname__}"


def _safe_repr(value: Any, _b: tuple[Any, ...], limit: int = 300) -> str:
    try:
        text = _b[6](value)
    except Exception as error:  # a candidate's __repr__ may raise
        text = f"<unrepresentable {_b[0](value).__qualname__}: {_b[0](error).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"

"""MUTANT: the merge starts from `dict(base)`, a shallow copy: the top-level dict is new, but
nested dicts and lists that the override does not touch are the very objects of `base`, and
values taken from `override` are not copied either.
"""

from __future__ import annotations

from typing import Any


def _copy(value: Any) -> Any:
    """A copy of a JSON-like value sharing no dict or list with it (scalars are immutable)."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Return a new dict: ``base`` overlaid with ``override``, dicts merged recursively.

    Where both sides hold a dict the two are merged; anything else from ``override`` replaces
    (lists included). The result shares no dict or list with either input.
    """
    merged = dict(base)
    for key, value in override.items():
        current = base.get(key)
        if key in base and isinstance(current, dict) and isinstance(value, dict):
            merged[key] = deep_merge(current, value)
        else:
            merged[key] = value
    return merged


def append_tag(tag: str, tags: list[str] | None = None) -> list[str]:
    """Return a new list: ``tags`` (if any) followed by ``tag``.

    The default is ``None``, not ``[]``: a default value is evaluated once, when ``def`` runs,
    so a default list would be one list shared, and grown, by every call.
    """
    return [*(tags or ()), tag]

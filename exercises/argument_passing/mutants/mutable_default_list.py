"""MUTANT: append_tag uses the classic `tags=[]` default and builds the result with
`tags.append(tag)`: the default list is created once and shared by every call, so results
accumulate (and a list passed in is mutated).
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
    merged = {key: _copy(value) for key, value in base.items()}
    for key, value in override.items():
        current = base.get(key)
        if key in base and isinstance(current, dict) and isinstance(value, dict):
            merged[key] = deep_merge(current, value)
        else:
            merged[key] = _copy(value)
    return merged


def append_tag(tag: str, tags: list[str] = []) -> list[str]:  # noqa: B006
    """Return a new list: ``tags`` (if any) followed by ``tag``.

    The default is ``None``, not ``[]``: a default value is evaluated once, when ``def`` runs,
    so a default list would be one list shared, and grown, by every call.
    """
    tags.append(tag)
    return tags

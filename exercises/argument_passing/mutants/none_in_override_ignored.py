"""MUTANT: a None value in override is treated as "not set" and skipped, so base's value is
kept instead of being replaced by None.
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
        if value is None:
            continue
        current = base.get(key)
        if key in base and isinstance(current, dict) and isinstance(value, dict):
            merged[key] = deep_merge(current, value)
        else:
            merged[key] = _copy(value)
    return merged


def append_tag(tag: str, tags: list[str] | None = None) -> list[str]:
    """Return a new list: ``tags`` (if any) followed by ``tag``.

    The default is ``None``, not ``[]``: a default value is evaluated once, when ``def`` runs,
    so a default list would be one list shared, and grown, by every call.
    """
    return [*(tags or ()), tag]

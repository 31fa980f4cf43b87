"""Merge layered settings without mutating or sharing anything; append to a list safely."""

from __future__ import annotations

from typing import Any


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Return a new dict: ``base`` overlaid with ``override``.

    Where both sides hold a dict for a key the two are merged recursively; anything else from
    ``override`` replaces (lists are replaced, not concatenated). Base keys come first, in
    their order, then override-only keys. Neither input is mutated, and the result shares no
    dict or list with them.
    """
    raise NotImplementedError


def append_tag(tag: str, tags: list[str] | None = None) -> list[str]:
    """Return a new list: the elements of ``tags`` (none if omitted) followed by ``tag``.

    Never mutates ``tags`` and never returns a list shared with another call.
    """
    raise NotImplementedError

"""Context managers without contextlib: Timer, TemporaryEnv and Suppress.

Each class implements the protocol directly: ``__enter__`` does the setup and returns the
object bound by ``as``; ``__exit__`` always runs and its truthiness decides whether an
exception raised in the block is swallowed. Only ``Suppress`` ever returns ``True``.
"""

from __future__ import annotations

import os
import time
from types import TracebackType
from typing import Self


class Timer:
    """Measure how long a ``with`` block takes, using ``time.perf_counter``.

    ``elapsed`` is ``None`` until a block has finished, so a reading can never be mistaken
    for the duration of a block that is still running.
    """

    def __init__(self) -> None:
        self.elapsed: float | None = None
        self._start = 0.0

    def __enter__(self) -> Self:
        self.elapsed = None  # re-entering starts a fresh measurement
        self._start = time.perf_counter()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Returning None (falsy) lets any exception propagate.
        self.elapsed = time.perf_counter() - self._start


def _set_env(name: str, value: str | None) -> None:
    """Set ``name`` to ``value``, or remove it when ``value`` is None (absent is fine)."""
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


class TemporaryEnv:
    """Set (str) or remove (None) environment variables for the duration of a block.

    The snapshot uses the same ``str | None`` encoding as the overrides ("None" = absent),
    so restoring is just applying the snapshot the same way the overrides were applied.
    """

    def __init__(self, **overrides: str | None) -> None:
        self._overrides = overrides
        self._saved: dict[str, str | None] = {}

    def __enter__(self) -> Self:
        # Snapshot on entry, not in __init__: the block must restore what it found.
        self._saved = {name: os.environ.get(name) for name in self._overrides}
        for name, value in self._overrides.items():
            _set_env(name, value)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for name, value in self._saved.items():
            _set_env(name, value)


class Suppress:
    """Suppress exceptions that are instances of the given types; record the one suppressed."""

    def __init__(self, *exception_types: type[BaseException]) -> None:
        self._types = exception_types
        self.exception: BaseException | None = None

    def __enter__(self) -> Self:
        self.exception = None  # each block reports only its own outcome
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        # isinstance with an empty tuple is False, so Suppress() suppresses nothing;
        # with no exception, exc is None and matches no type.
        if isinstance(exc, self._types):
            self.exception = exc
            return True
        return False

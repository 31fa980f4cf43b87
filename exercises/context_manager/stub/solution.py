"""Context managers without contextlib: Timer, TemporaryEnv and Suppress."""

from __future__ import annotations

from types import TracebackType
from typing import Self


class Timer:
    """Measure how long a ``with`` block takes, using ``time.perf_counter``."""

    elapsed: float | None

    def __init__(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        """Start (or restart) the measurement; ``elapsed`` is ``None`` inside the block."""
        raise NotImplementedError

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Record the elapsed seconds; never suppress an exception."""
        raise NotImplementedError


class TemporaryEnv:
    """Set (str) or remove (None) environment variables for the duration of a block."""

    def __init__(self, **overrides: str | None) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        """Snapshot the named variables, then apply the overrides."""
        raise NotImplementedError

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Put every named variable back as it was on entry; never suppress an exception."""
        raise NotImplementedError


class Suppress:
    """Suppress exceptions that are instances of the given types; record the one suppressed."""

    exception: BaseException | None

    def __init__(self, *exception_types: type[BaseException]) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        raise NotImplementedError

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        """Return True (suppress) only for an exception of one of the given types."""
        raise NotImplementedError

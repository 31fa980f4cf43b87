"""Closures: a counter, multipliers, an accumulator and a sliding-window rate limiter."""

from __future__ import annotations

import time
from collections.abc import Callable


def make_counter(start: int = 0, step: int = 1) -> Callable[[], int]:
    """Return a counter whose first call gives ``start`` and each later call adds ``step``."""
    raise NotImplementedError


def make_multipliers(n: int) -> list[Callable[[int], int]]:
    """Return a list of ``n`` functions; the i-th (from 0) returns ``x * i``."""
    raise NotImplementedError


def make_accumulator(initial: int = 0) -> Callable[[int], int]:
    """Return ``add(x)``, which adds ``x`` to a running total and returns the new total."""
    raise NotImplementedError


def rate_limiter(
    max_calls: int, period: float, clock: Callable[[], float] = time.monotonic
) -> Callable[[], bool]:
    """Return ``allow()``: True (and record the call) if fewer than ``max_calls`` allowed calls
    are still in the window, i.e. made at a time ``t`` with ``clock() - t < period``; else False
    (not recorded). Raise ValueError at once if ``max_calls < 1`` or ``period <= 0``.
    """
    raise NotImplementedError

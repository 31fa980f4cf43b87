"""Closures: a counter, multipliers, an accumulator and a sliding-window rate limiter.

Each factory keeps its state in variables of its own call frame, so every call of a factory
makes fresh, independent state. Rebinding a captured variable needs ``nonlocal``; mutating a
captured object (the deque in ``rate_limiter``) does not.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


def make_counter(start: int = 0, step: int = 1) -> Callable[[], int]:
    """Return a counter whose first call gives ``start`` and each later call adds ``step``."""
    next_value = start

    def counter() -> int:
        nonlocal next_value
        value = next_value
        next_value += step
        return value

    return counter


def make_multipliers(n: int) -> list[Callable[[int], int]]:
    """Return ``n`` functions; the i-th returns ``x * i``.

    A lambda written directly in the comprehension would capture the variable ``i``, not its
    value, so every function would see the last ``i``. Calling a factory gives each function
    its own ``factor`` cell, bound to the value at creation time.
    """
    return [_multiplier(i) for i in range(n)]


def _multiplier(factor: int) -> Callable[[int], int]:
    def multiply(x: int) -> int:
        return x * factor

    return multiply


def make_accumulator(initial: int = 0) -> Callable[[int], int]:
    """Return ``add(x)``, which adds ``x`` to a running total and returns the new total."""
    total = initial

    def add(x: int) -> int:
        nonlocal total
        total += x
        return total

    return add


def rate_limiter(
    max_calls: int, period: float, clock: Callable[[], float] = time.monotonic
) -> Callable[[], bool]:
    """Return ``allow()``: True if fewer than ``max_calls`` allowed calls fall in the window.

    An allowed call at time ``t`` counts while ``clock() - t < period``. The deque holds the
    times of allowed calls still in the window, oldest first; expired ones are dropped from
    the left on every call, so memory stays bounded by ``max_calls``. Refused calls are never
    appended, so they cannot extend the wait.
    """
    if max_calls < 1:
        raise ValueError(f"max_calls must be at least 1, got {max_calls}")
    if period <= 0:
        raise ValueError(f"period must be positive, got {period}")
    allowed: deque[float] = deque()

    def allow() -> bool:
        now = clock()
        while allowed and now - allowed[0] >= period:
            allowed.popleft()
        if len(allowed) < max_calls:
            allowed.append(now)
            return True
        return False

    return allow

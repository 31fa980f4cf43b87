"""MUTANT: memoize keys keyword arguments by `tuple(kwargs.items())`, so the same keywords passed
in a different order miss the cache.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import ParamSpec, Protocol, TypeVar, cast

P = ParamSpec("P")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


def retry(
    times: int,
    exceptions: tuple[type[BaseException], ...] = (Exception,),
    delay: float = 0.0,
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Call the decorated function up to ``times`` times while it raises one of ``exceptions``.

    Only the first ``times - 1`` attempts sit inside ``try``: the last one runs bare, so its
    exception reaches the caller exactly as raised, and no sleep follows it. Exceptions not in
    ``exceptions`` are never caught, so they propagate at once.
    """
    if times < 1:
        raise ValueError(f"times must be at least 1, got {times}")

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        if inspect.iscoroutinefunction(func):
            # A plain wrapper would only retry creating the coroutine, never awaiting it.
            return cast(Callable[P, R], _retry_async(func, times, exceptions, delay))

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            for _ in range(times - 1):
                try:
                    return func(*args, **kwargs)
                except exceptions:
                    time.sleep(delay)
            return func(*args, **kwargs)

        return wrapper

    return decorate


def _retry_async(
    func: Callable[P, Awaitable[R]],
    times: int,
    exceptions: tuple[type[BaseException], ...],
    delay: float,
) -> Callable[P, Awaitable[R]]:
    """The coroutine version of ``retry``'s wrapper: awaits attempts, never blocks the loop."""

    @functools.wraps(func)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        for _ in range(times - 1):
            try:
                return await func(*args, **kwargs)
            except exceptions:
                await asyncio.sleep(delay)
        return await func(*args, **kwargs)

    return wrapper


class Memoized(Protocol[P, R_co]):
    """What ``memoize`` returns: the function's own signature plus ``cache_clear``."""

    cache_clear: Callable[[], None]

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R_co: ...


def memoize(func: Callable[P, R]) -> Memoized[P, R]:
    """Cache ``func``'s results by its positional and keyword arguments.

    The key is ``(args, frozenset(kwargs.items()))``: the frozenset makes keyword order
    irrelevant, and keeping args and kwargs in separate slots means a positional tuple can
    never collide with a keyword argument. Hashability is checked before calling, so a
    ``TypeError`` raised by ``func`` itself is never mistaken for an unhashable argument.
    Results are stored only after ``func`` returns, so exceptions are never cached; the
    membership test (not a truthiness test) makes falsy results, ``None`` included, cacheable.
    """
    cache: dict[Hashable, R] = {}

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            key = (args, tuple(kwargs.items()))
            hash(key)
        except TypeError:  # an unhashable argument: cannot be cached, just call through
            return func(*args, **kwargs)
        if key in cache:
            return cache[key]
        result = cache[key] = func(*args, **kwargs)
        return result

    memoized = cast(Memoized[P, R], wrapper)
    memoized.cache_clear = cache.clear
    return memoized

"""Decorators: ``retry`` and ``memoize``."""

from __future__ import annotations

import asyncio  # noqa: F401  (call asyncio.sleep through the module, see the README)
import time  # noqa: F401  (call time.sleep through the module, see the README)
from collections.abc import Callable
from typing import ParamSpec, Protocol, TypeVar

P = ParamSpec("P")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


def retry(
    times: int,
    exceptions: tuple[type[BaseException], ...] = (Exception,),
    delay: float = 0.0,
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorator factory: call the function up to ``times`` times in total.

    An exception that is an instance of one of ``exceptions`` leads to another attempt after
    ``time.sleep(delay)`` (``await asyncio.sleep(delay)`` for coroutine functions); the last
    attempt's exception is re-raised unchanged; other exceptions propagate at once.
    Raises ValueError immediately if ``times < 1``.
    """
    raise NotImplementedError


class Memoized(Protocol[P, R_co]):
    """What ``memoize`` returns: the function's own signature plus ``cache_clear``."""

    cache_clear: Callable[[], None]

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R_co: ...


def memoize(func: Callable[P, R]) -> Memoized[P, R]:
    """Cache results by positional and keyword arguments (keyword order irrelevant).

    Calls with an unhashable argument are not cached and call through; exceptions are not
    cached; the wrapper keeps the function's metadata and has ``cache_clear()``.
    """
    raise NotImplementedError

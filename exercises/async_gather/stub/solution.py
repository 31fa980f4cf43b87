"""``gather_limited``: run coroutines with a concurrency limit, per-task timeouts and clean failure."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


async def gather_limited(
    factories: Iterable[Callable[[], Awaitable[T]]],
    limit: int,
    timeout: float | None = None,
) -> list[T]:
    """Await ``factory()`` for every factory, at most ``limit`` at a time; results in input order.

    A factory is called only when its task can start. ``timeout`` bounds each task from the
    moment its factory is called; a task that exceeds it fails with ``TimeoutError``. The first
    failure cancels all running tasks, waits for them to finish, calls no further factory and is
    re-raised as is (not in an ExceptionGroup). Raises ValueError if ``limit < 1`` or if
    ``timeout`` is not None and not positive.
    """
    raise NotImplementedError

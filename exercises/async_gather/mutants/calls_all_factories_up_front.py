"""MUTANT: every factory is called up front (all coroutines created at once); only
awaiting them is limited by the semaphore.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


async def gather_limited(
    factories: Iterable[Callable[[], Awaitable[T]]],
    limit: int,
    timeout: float | None = None,
) -> list[T]:
    """Await every factory, at most ``limit`` at a time."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit!r}")
    if timeout is not None and timeout <= 0:
        raise ValueError(f"timeout must be positive or None, got {timeout!r}")
    slots = asyncio.Semaphore(limit)

    async def run(awaitable: Awaitable[T]) -> T:
        async with slots, asyncio.timeout(timeout):
            return await awaitable

    awaitables = [factory() for factory in factories]
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(run(awaitable)) for awaitable in awaitables]
    except ExceptionGroup as failure:
        raise failure.exceptions[0] from None
    return [task.result() for task in tasks]

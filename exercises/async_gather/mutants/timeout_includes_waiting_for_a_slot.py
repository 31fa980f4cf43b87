"""MUTANT: the timeout wraps the whole task, waiting for the semaphore included,
so tasks that wait long for a slot time out although they run briefly.
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

    async def limited(factory: Callable[[], Awaitable[T]]) -> T:
        async with slots:
            return await factory()

    async def run(factory: Callable[[], Awaitable[T]]) -> T:
        return await asyncio.wait_for(limited(factory), timeout)

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(run(factory)) for factory in factories]
    except ExceptionGroup as failure:
        raise failure.exceptions[0] from None
    return [task.result() for task in tasks]

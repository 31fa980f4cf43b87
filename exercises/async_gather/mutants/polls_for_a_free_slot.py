"""MUTANT: waits for a free slot by polling (`while busy: await asyncio.sleep(0)`)
instead of a semaphore: correct, but every waiting task wakes up on every loop iteration.
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
    running = 0

    async def run(factory: Callable[[], Awaitable[T]]) -> T:
        nonlocal running
        while running >= limit:
            await asyncio.sleep(0)
        running += 1
        try:
            async with asyncio.timeout(timeout):
                return await factory()
        finally:
            running -= 1

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(run(factory)) for factory in factories]
    except ExceptionGroup as failure:
        raise failure.exceptions[0] from None
    return [task.result() for task in tasks]

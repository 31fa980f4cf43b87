"""MUTANT: runs the factories in batches of `limit` and waits for the whole batch
before starting the next, so a freed slot is not reused at once.
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
    factories = list(factories)
    results: list[T] = []

    async def run(factory: Callable[[], Awaitable[T]]) -> T:
        async with asyncio.timeout(timeout):
            return await factory()

    for start in range(0, len(factories), limit):
        try:
            async with asyncio.TaskGroup() as group:
                batch = [group.create_task(run(f)) for f in factories[start : start + limit]]
        except ExceptionGroup as failure:
            raise failure.exceptions[0] from None
        results.extend(task.result() for task in batch)
    return results

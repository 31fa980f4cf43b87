"""MUTANT: results are appended as the tasks finish, so they come back in
completion order instead of input order.
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
    results: list[T] = []

    async def run(factory: Callable[[], Awaitable[T]]) -> None:
        async with slots, asyncio.timeout(timeout):
            results.append(await factory())

    try:
        async with asyncio.TaskGroup() as group:
            for factory in factories:
                group.create_task(run(factory))
    except ExceptionGroup as failure:
        raise failure.exceptions[0] from None
    return results

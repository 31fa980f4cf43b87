"""``gather_limited``: run coroutines with a concurrency limit, per-task timeouts and clean failure.

A TaskGroup gives the failure semantics for free: the first task to fail makes the group cancel
every other task and wait for them, so nothing is left running. A semaphore bounds how many run
at once. Each factory is called inside the semaphore, so a coroutine object only exists once its
task may start, and the timeout clock only starts then too.
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
    """Await ``factory()`` for every factory, at most ``limit`` at a time; results in input order.

    ``timeout`` bounds each task from the moment its factory is called; a task that exceeds it
    fails with ``TimeoutError``. The first failure cancels all running tasks, waits for them to
    finish, starts no further factory and is re-raised as is (not in an ExceptionGroup).
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit!r}")
    if timeout is not None and not timeout > 0:  # "not > 0" also rejects NaN
        raise ValueError(f"timeout must be positive or None, got {timeout!r}")
    slots = asyncio.Semaphore(limit)

    async def run(factory: Callable[[], Awaitable[T]]) -> T:
        async with slots, asyncio.timeout(timeout):
            return await factory()

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(run(factory)) for factory in factories]
    except ExceptionGroup as failure:
        # The group holds the first failure (and any raised while the others were cancelled):
        # the caller gets the first one, unwrapped.
        raise failure.exceptions[0] from None
    return [task.result() for task in tasks]

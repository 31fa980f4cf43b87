"""Example tests for the async_gather exercise (the hidden suite is much stricter)."""

import asyncio

import pytest
from solution import gather_limited


def test_results_in_input_order() -> None:
    async def square(n: int) -> int:
        await asyncio.sleep(0.01 * (5 - n))  # the last one finishes first
        return n * n

    factories = [lambda n=n: square(n) for n in range(5)]
    assert asyncio.run(gather_limited(factories, limit=2)) == [0, 1, 4, 9, 16]


def test_never_more_than_limit_at_once() -> None:
    running = peak = 0

    async def work() -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1

    asyncio.run(gather_limited([work] * 10, limit=3))
    assert peak == 3


def test_timeout_raises_timeout_error() -> None:
    async def hangs() -> None:
        await asyncio.Event().wait()

    with pytest.raises(TimeoutError):
        asyncio.run(gather_limited([hangs], limit=1, timeout=0.05))


def test_rejects_zero_limit() -> None:
    with pytest.raises(ValueError):
        asyncio.run(gather_limited([], limit=0))

"""Async endpoints that stay responsive: blocking calls on threads, CPU-bound work in processes."""

from collections.abc import Callable

from fastapi import FastAPI


def create_app(
    *,
    fetch_rate: Callable[[str], float],
    score: Callable[[list[int]], int],
    cpu_workers: int,
) -> FastAPI:
    """Build the app.

    ``GET /health`` answers at once; ``GET /rates/{currency}`` calls the blocking
    ``fetch_rate(currency)``; ``POST /risk`` calls the CPU-bound ``score(amounts)`` in one of
    ``cpu_workers`` worker processes, a pool that lives as long as the app. While either kind of
    work runs, the app keeps serving other requests.
    """
    raise NotImplementedError

"""Threads for I/O-bound work, processes for CPU-bound work."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def run_io_bound(funcs: Iterable[Callable[[], T]], max_workers: int) -> list[T]:
    """Call every zero-argument callable on at most ``max_workers`` threads at once.

    Returns the results in input order. Every callable is called exactly once, even if others
    raise; once all have finished, the exception raised by the first failing callable (in input
    order) is re-raised, that very object. Raises ValueError if ``max_workers < 1``.
    """
    raise NotImplementedError


def run_cpu_bound(func: Callable[[T], R], items: Iterable[T], max_workers: int) -> list[R]:
    """Apply ``func`` to every item in worker processes, at most ``max_workers`` at once.

    ``func`` is a picklable top-level function; items and results are picklable. Returns the
    results in input order. If ``func`` raises, an exception of the same type and arguments as
    the first failure (in input order) is raised; no worker process outlives the call.
    Raises ValueError if ``max_workers < 1``.
    """
    raise NotImplementedError

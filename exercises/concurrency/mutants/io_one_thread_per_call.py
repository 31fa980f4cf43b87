"""MUTANT: run_io_bound sizes the pool to the work (one thread per callable)
and so ignores the max_workers bound.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def run_io_bound(funcs: Iterable[Callable[[], T]], max_workers: int) -> list[T]:
    """Call every callable on a thread pool."""
    if max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, got {max_workers!r}")
    funcs = list(funcs)
    # One thread per call: nothing ever waits for a free thread.
    with ThreadPoolExecutor(max_workers=max(1, len(funcs))) as pool:
        futures = [pool.submit(func) for func in funcs]
    return [future.result() for future in futures]


def run_cpu_bound(func: Callable[[T], R], items: Iterable[T], max_workers: int) -> list[R]:
    """Map a picklable top-level function over ``items`` on at most ``max_workers`` processes.

    Returns the results in input order. If ``func`` raises, a copy of the first failure (in input
    order) is raised after the pool has shut down: no worker process outlives the call.
    """
    if max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, got {max_workers!r}")
    with ProcessPoolExecutor(max_workers=max_workers) as pool:
        # map() yields in input order whatever order the workers finish in; list() drains it
        # inside the with-block, whose exit joins the workers even when a result re-raises.
        return list(pool.map(func, items))

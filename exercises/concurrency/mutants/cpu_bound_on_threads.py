"""MUTANT: run_cpu_bound uses a ThreadPoolExecutor: same results, but the GIL
keeps CPU-bound Python code from running in parallel, and func runs in the calling process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def run_io_bound(funcs: Iterable[Callable[[], T]], max_workers: int) -> list[T]:
    """Call every zero-argument callable on a pool of at most ``max_workers`` threads.

    Returns the results in input order. Every callable runs even if others raise; once all have
    finished, the exception of the first failing callable (in input order) is re-raised as is.
    """
    if max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, got {max_workers!r}")
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        futures = [pool.submit(func) for func in funcs]
    # Leaving the with-block waited for every call. Collecting in submission order gives input
    # order, and Future.result() re-raises the first failure in that order, the same object.
    return [future.result() for future in futures]


def run_cpu_bound(func: Callable[[T], R], items: Iterable[T], max_workers: int) -> list[R]:
    """Map func over items on a pool."""
    if max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, got {max_workers!r}")
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        return list(pool.map(func, items))

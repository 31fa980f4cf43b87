"""Threads for I/O-bound work, processes for CPU-bound work.

The GIL lets only one thread run Python bytecode at a time, but a thread that blocks on I/O
(a socket, a file, ``time.sleep``) releases it: threads overlap waiting, not computing. CPU-bound
Python code only runs in parallel in separate processes, each with its own interpreter and GIL,
at the price of pickling the function, its arguments and its results across process boundaries.
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

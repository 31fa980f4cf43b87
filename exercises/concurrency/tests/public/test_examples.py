"""Example tests for the concurrency exercise (the hidden suite is much stricter)."""

import os
import threading

import pytest
from solution import run_cpu_bound, run_io_bound


def square(x: int) -> int:  # top-level, so that it pickles for the worker processes
    return x * x


def worker_pid(_: object) -> int:
    return os.getpid()


def test_io_bound_results_in_input_order() -> None:
    funcs = [lambda i=i: i * 10 for i in range(5)]
    assert run_io_bound(funcs, max_workers=2) == [0, 10, 20, 30, 40]


def test_io_bound_runs_calls_at_the_same_time() -> None:
    barrier = threading.Barrier(2, timeout=10)  # opens only when two calls wait together
    assert run_io_bound([barrier.wait, barrier.wait], max_workers=2) in ([0, 1], [1, 0])


def test_io_bound_rejects_zero_workers() -> None:
    with pytest.raises(ValueError):
        run_io_bound([], max_workers=0)


def test_cpu_bound_runs_in_other_processes() -> None:
    assert run_cpu_bound(square, [1, 2, 3], max_workers=2) == [1, 4, 9]
    assert os.getpid() not in run_cpu_bound(worker_pid, range(4), max_workers=2)

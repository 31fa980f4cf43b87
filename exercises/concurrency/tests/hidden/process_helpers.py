"""What the hidden suite runs in worker processes, kept out of the test module.

Functions and exceptions that cross a process boundary pickle by reference, which needs their
module in `sys.modules`; the runner removes the test modules from there once they are collected
(candidate code must not reach the suite through them), so these live in a module of their own.
Shared state lives in a multiprocessing manager: its proxies pickle, whatever the start method.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

STUCK_S = 5.0  # how long a call waits for partners that a correct solution does provide
PROCESS_WINDOW_S = (
    1.5  # how long the first calls hold their slot so that extra processes could start
)


class Boom(Exception):
    """Raised by test callables."""


def square(x: int) -> int:
    return x * x


def worker_pid(_: object) -> int:
    return os.getpid()


def fail_on_odd(x: int) -> int:
    if x % 2:
        raise Boom("odd", x)
    return x


def wait_for_barrier(job: tuple[Any, Any, Any, int]) -> tuple[int, int, bool]:
    """Return (index, pid, whether the barrier opened)."""
    barrier, lock, state, index = job
    with lock:
        state["running"] += 1
        state["peak"] = max(state["peak"], state["running"])
    try:
        barrier.wait()
        opened = True
    except threading.BrokenBarrierError:
        opened = False
    finally:
        with lock:
            state["running"] -= 1
    return index, os.getpid(), opened


def hold_slot(job: tuple[Any, Any, Any, Any, int, int]) -> int:
    """Count the calls running at once; the first ones hold their slot for a window."""
    lock, state, too_many, window_over, limit, index = job
    with lock:
        state["running"] += 1
        state["peak"] = max(state["peak"], state["running"])
        if state["running"] > limit:
            too_many.set()
    try:
        if not window_over.is_set():
            too_many.wait(PROCESS_WINDOW_S)
            window_over.set()
    finally:
        with lock:
            state["running"] -= 1
    return index


def finish_after_next(job: tuple[Any, int]) -> str:
    """Item 0 waits until item 1 has finished, so results come back in reverse order."""
    events, index = job
    try:
        if index == 0 and not events[1].wait(STUCK_S):
            raise AssertionError("item 1 never finished while item 0 waited")
        return f"item {index}"
    finally:
        events[index].set()


def fail_in_reverse(job: tuple[Any, int]) -> None:
    item1_failing, index = job
    if index == 1:
        item1_failing.set()
    elif item1_failing.wait(STUCK_S):
        time.sleep(0.2)  # not a timing assertion: only makes it likely that item 1 fails first
    raise Boom("item", index)

"""Hidden suite for the concurrency exercise: run_io_bound (threads) and run_cpu_bound (processes).

Concurrency is proven by construction, never by timing: barriers that only open when enough calls
run at once, counters of the calls running at once, events that make calls finish in reverse order,
and process ids. Waits that a correct solution never needs carry generous timeouts, so that a wrong
solution fails instead of hanging.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from multiprocessing.managers import SyncManager
from typing import Any

import pytest
from exact import same
from hypothesis import given, settings
from hypothesis import strategies as st
from process_helpers import (
    STUCK_S,
    Boom,
    fail_in_reverse,
    fail_on_odd,
    finish_after_next,
    hold_slot,
    square,
    wait_for_barrier,
    worker_pid,
)
from solution import run_cpu_bound, run_io_bound

THREAD_WINDOW_S = 1.0  # how long the first calls hold their slot so that extra threads could start


# --------------------------------------------------------------------------- helpers: threads


class RunningCounter:
    """Counts the calls running at once and remembers the peak (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.running = 0
        self.peak = 0

    def enter(self) -> int:
        with self._lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
            return self.running

    def leave(self) -> None:
        with self._lock:
            self.running -= 1


def returning(value: Any, calls: list[int], index: int) -> Callable[[], Any]:
    def call() -> Any:
        calls.append(index)
        return value

    return call


def raising(error: BaseException, calls: list[int], index: int) -> Callable[[], Any]:
    def call() -> Any:
        calls.append(index)
        raise error

    return call


# --------------------------------------------------------------------------- run_io_bound


@pytest.mark.clause("C1", "C4")
def test_io_bound_returns_results_in_input_order() -> None:
    calls: list[int] = []
    funcs = [returning(f"r{i}", calls, i) for i in range(6)]
    assert same(run_io_bound(funcs, 3), [f"r{i}" for i in range(6)])
    assert sorted(calls) == list(range(6))


@pytest.mark.clause("C1")
@pytest.mark.parametrize("workers", [1, 3])
def test_io_bound_calls_run_on_pool_threads_not_the_caller(workers: int) -> None:
    caller = threading.get_ident()
    idents: list[int] = []

    def record() -> int:
        idents.append(threading.get_ident())
        return len(idents)

    results = run_io_bound([record] * 4, workers)
    assert same(sorted(results), [1, 2, 3, 4])
    assert len(idents) == 4
    assert caller not in idents, "a callable ran on the calling thread, not on a pool thread"


@pytest.mark.clause("C4")
def test_io_bound_empty_input_gives_empty_list() -> None:
    assert same(run_io_bound([], 4), [])


@pytest.mark.clause("C1", "C4")
def test_io_bound_accepts_a_generator_of_callables() -> None:
    calls: list[int] = []
    funcs = (returning(i * 10, calls, i) for i in range(5))
    assert same(run_io_bound(funcs, 2), [0, 10, 20, 30, 40])


@pytest.mark.clause("C7")
@pytest.mark.parametrize("bad", [0, -1])
def test_io_bound_rejects_max_workers_below_one_before_calling_anything(bad: int) -> None:
    calls: list[int] = []
    with pytest.raises(ValueError):
        run_io_bound([returning(1, calls, 0)], bad)
    assert calls == []
    with pytest.raises(ValueError):
        run_io_bound([], bad)


@pytest.mark.clause("C3")
def test_io_bound_runs_max_workers_calls_at_once_barrier_opens() -> None:
    """A Barrier(3) only opens when 3 calls wait on it together: a sequential run breaks it."""
    workers, n = 3, 9
    barrier = threading.Barrier(workers, timeout=STUCK_S)
    counter = RunningCounter()
    broken: list[int] = []

    def task(i: int) -> Callable[[], int]:
        def call() -> int:
            counter.enter()
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                broken.append(i)
            finally:
                counter.leave()
            return i

        return call

    results = run_io_bound([task(i) for i in range(n)], workers)
    assert broken == [], f"fewer than {workers} calls ran at once (barrier broke for {broken})"
    assert same(results, list(range(n)))
    assert counter.peak <= workers


@pytest.mark.clause("C2")
def test_io_bound_never_runs_more_than_max_workers_at_once() -> None:
    """The first calls hold their slot for a while; a pool without the bound starts more."""
    workers, n = 3, 10
    counter = RunningCounter()
    reached = threading.Event()  # `workers` calls run at once
    too_many = threading.Event()  # more than `workers` run at once: the bound is broken
    window_over = threading.Event()

    def task(i: int) -> Callable[[], int]:
        def call() -> int:
            running = counter.enter()
            if running >= workers:
                reached.set()
            if running > workers:
                too_many.set()
            try:
                window_over.wait(STUCK_S)
            finally:
                counter.leave()
            return i

        return call

    def observe() -> None:
        reached.wait(STUCK_S)
        too_many.wait(THREAD_WINDOW_S)
        window_over.set()

    observer = threading.Thread(target=observe, daemon=True)
    observer.start()
    try:
        results = run_io_bound([task(i) for i in range(n)], workers)
    finally:
        was_reached = reached.is_set()
        reached.set()  # let the observer finish at once if run_io_bound raised
        observer.join()
    assert counter.peak <= workers, f"{counter.peak} calls ran at once with max_workers={workers}"
    assert was_reached, f"never {workers} calls at once"
    assert same(results, list(range(n)))


@pytest.mark.clause("C2")
def test_io_bound_with_one_worker_runs_calls_one_at_a_time() -> None:
    counter = RunningCounter()
    calls: list[int] = []

    def task(i: int) -> Callable[[], int]:
        def call() -> int:
            counter.enter()
            calls.append(i)
            counter.leave()
            return i

        return call

    assert same(run_io_bound([task(i) for i in range(8)], 1), list(range(8)))
    assert counter.peak == 1
    assert sorted(calls) == list(range(8))


@pytest.mark.clause("C4")
def test_io_bound_results_in_input_order_when_calls_finish_in_reverse() -> None:
    """Call i waits until call i+1 has finished, so they finish last-to-first."""
    n = 5
    done = [threading.Event() for _ in range(n)]

    def task(i: int) -> Callable[[], str]:
        def call() -> str:
            try:
                if i + 1 < n and not done[i + 1].wait(STUCK_S):
                    raise AssertionError(f"call {i + 1} never finished while call {i} waited")
                return f"result {i}"
            finally:
                done[i].set()

        return call

    assert same(run_io_bound([task(i) for i in range(n)], n), [f"result {i}" for i in range(n)])


@pytest.mark.clause("C3")
def test_io_bound_starts_the_next_call_as_soon_as_a_slot_frees_not_in_batches() -> None:
    """With 2 workers: call 0 waits for call 2, which can only start in the slot call 1 frees."""
    second_done = threading.Event()

    def first() -> str:
        if not second_done.wait(STUCK_S):
            raise AssertionError("call 2 did not start while call 0 was still running")
        return "first"

    def third() -> str:
        second_done.set()
        return "third"

    assert same(run_io_bound([first, lambda: "second", third], 2), ["first", "second", "third"])


@pytest.mark.clause("C6")
def test_io_bound_reraises_the_very_exception_object() -> None:
    error = Boom("database down")
    calls: list[int] = []
    funcs = [returning(1, calls, 0), raising(error, calls, 1), returning(3, calls, 2)]
    with pytest.raises(Boom) as excinfo:
        run_io_bound(funcs, 2)
    assert excinfo.value is error


@pytest.mark.clause("C6")
def test_io_bound_raises_first_failure_in_input_order_not_first_in_time() -> None:
    """Call 1 fails only after call 3 has failed; call 1's exception is the one raised."""
    late, early = Boom("call 1"), Boom("call 3")
    call3_failed = threading.Event()

    def call1() -> int:
        call3_failed.wait(STUCK_S)
        raise late

    def call3() -> int:
        call3_failed.set()
        raise early

    with pytest.raises(Boom) as excinfo:
        run_io_bound([lambda: 0, call1, lambda: 2, call3], 4)
    assert excinfo.value is late


@pytest.mark.clause("C5")
def test_io_bound_calls_every_callable_even_after_an_earlier_one_raised() -> None:
    calls: list[int] = []
    error = Boom("first call fails")
    funcs = [raising(error, calls, 0)] + [returning(i, calls, i) for i in range(1, 5)]
    with pytest.raises(Boom):
        run_io_bound(funcs, 1)
    assert sorted(calls) == [0, 1, 2, 3, 4]


@pytest.mark.clause("C5")
def test_io_bound_raises_only_after_all_calls_have_finished() -> None:
    """The other calls linger briefly; the exception must not overtake them."""
    caught = threading.Event()
    finished: list[int] = []
    lock = threading.Lock()

    def failing() -> int:
        raise Boom("fails at once")

    def lingering(i: int) -> Callable[[], int]:
        def call() -> int:
            caught.wait(0.5)  # a correct solution keeps waiting for this call
            with lock:
                finished.append(i)
            return i

        return call

    with pytest.raises(Boom):
        run_io_bound([failing, lingering(1), lingering(2), lingering(3)], 4)
    with lock:
        finished_when_raised = sorted(finished)
    caught.set()
    assert finished_when_raised == [1, 2, 3], "run_io_bound raised while calls were still running"


@pytest.mark.clause("C4", "C6")
@settings(max_examples=25)
@given(
    outcomes=st.lists(
        st.one_of(st.integers(), st.text(max_size=3), st.builds(Boom, st.integers())),
        max_size=12,
    ),
    workers=st.integers(min_value=1, max_value=5),
)
def test_io_bound_property_results_in_order_or_first_failure(
    outcomes: list[Any], workers: int
) -> None:
    calls: list[int] = []
    funcs = [
        raising(o, calls, i) if isinstance(o, Boom) else returning(o, calls, i)
        for i, o in enumerate(outcomes)
    ]
    first_error = next((o for o in outcomes if isinstance(o, Boom)), None)
    if first_error is None:
        assert same(run_io_bound(funcs, workers), outcomes)
    else:
        with pytest.raises(Boom) as excinfo:
            run_io_bound(funcs, workers)
        assert excinfo.value is first_error
    assert sorted(calls) == list(range(len(outcomes))), "every callable is called exactly once"


# --------------------------------------------------------------------------- processes


@pytest.fixture(scope="module")
def manager() -> Iterator[SyncManager]:
    with multiprocessing.Manager() as running_manager:
        yield running_manager


# --------------------------------------------------------------------------- run_cpu_bound


@pytest.mark.clause("C10")
def test_cpu_bound_maps_in_input_order() -> None:
    assert same(run_cpu_bound(square, [3, 1, 4, 1, 5, 9, 2, 6], 2), [9, 1, 16, 1, 25, 81, 4, 36])


@pytest.mark.clause("C10")
def test_cpu_bound_empty_input_gives_empty_list() -> None:
    assert same(run_cpu_bound(square, [], 2), [])


@pytest.mark.clause("C10")
def test_cpu_bound_accepts_a_generator_of_items() -> None:
    assert same(run_cpu_bound(square, (i for i in range(5)), 2), [0, 1, 4, 9, 16])


@pytest.mark.clause("C13")
@pytest.mark.parametrize("bad", [0, -2])
def test_cpu_bound_rejects_max_workers_below_one(bad: int) -> None:
    with pytest.raises(ValueError):
        run_cpu_bound(square, [1, 2], bad)
    with pytest.raises(ValueError):
        run_cpu_bound(square, [], bad)


@pytest.mark.clause("C8")
def test_cpu_bound_runs_in_worker_processes_not_in_the_caller() -> None:
    pids = run_cpu_bound(worker_pid, range(6), 2)
    assert type(pids) is list and all(type(pid) is int for pid in pids)
    assert len(pids) == 6
    assert os.getpid() not in pids, "func ran in the calling process (threads are not processes)"


@pytest.mark.clause("C9")
def test_cpu_bound_runs_max_workers_processes_in_parallel(manager: SyncManager) -> None:
    """A Barrier(2) shared by the workers opens only when two processes wait on it together."""
    workers, n = 2, 4
    barrier = manager.Barrier(workers, timeout=STUCK_S)
    state = manager.dict(running=0, peak=0)
    lock = manager.Lock()
    jobs = [(barrier, lock, state, i) for i in range(n)]
    results = run_cpu_bound(wait_for_barrier, jobs, workers)
    assert same([index for index, _, _ in results], list(range(n)))
    assert all(opened is True for _, _, opened in results), (
        f"fewer than {workers} calls ran at once"
    )
    pids = {pid for _, pid, _ in results}
    assert all(type(pid) is int for pid in pids)
    assert os.getpid() not in pids
    assert len(pids) >= workers, "the calls that met at the barrier shared a process"
    assert state["peak"] <= workers


@pytest.mark.clause("C9")
def test_cpu_bound_never_runs_more_than_max_workers_at_once(manager: SyncManager) -> None:
    limit, n = 1, 4
    lock = manager.Lock()
    state = manager.dict(running=0, peak=0)
    too_many, window_over = manager.Event(), manager.Event()
    jobs = [(lock, state, too_many, window_over, limit, i) for i in range(n)]
    assert same(run_cpu_bound(hold_slot, jobs, limit), list(range(n)))
    assert state["peak"] <= limit, f"{state['peak']} calls ran at once with max_workers={limit}"


@pytest.mark.clause("C10")
def test_cpu_bound_results_in_input_order_when_items_finish_in_reverse(
    manager: SyncManager,
) -> None:
    events = (manager.Event(), manager.Event())
    jobs = [(events, 0), (events, 1)]
    assert same(run_cpu_bound(finish_after_next, jobs, 2), ["item 0", "item 1"])


@pytest.mark.clause("C11")
def test_cpu_bound_raises_copy_of_first_failure_in_input_order() -> None:
    with pytest.raises(Boom) as excinfo:
        run_cpu_bound(fail_on_odd, [2, 4, 3, 6, 5], 2)
    assert type(excinfo.value) is Boom
    assert same(excinfo.value.args, ("odd", 3))


@pytest.mark.clause("C11")
def test_cpu_bound_raises_first_failure_in_input_order_not_first_in_time(
    manager: SyncManager,
) -> None:
    """Item 0 fails only after item 1 has started failing (and a little later still)."""
    item1_failing = manager.Event()
    with pytest.raises(Boom) as excinfo:
        run_cpu_bound(fail_in_reverse, [(item1_failing, 0), (item1_failing, 1)], 2)
    assert same(excinfo.value.args, ("item", 0))


@pytest.mark.clause("C12")
def test_cpu_bound_leaves_no_worker_process_running(manager: SyncManager) -> None:
    before = {child.pid for child in multiprocessing.active_children()}
    run_cpu_bound(square, range(4), 2)
    with pytest.raises(Boom):
        run_cpu_bound(fail_on_odd, [1, 2, 3], 2)
    leftover = {child.pid for child in multiprocessing.active_children()} - before
    assert leftover == set(), f"worker processes still running: {leftover}"


@pytest.mark.clause("C10")
@settings(max_examples=8)
@given(
    items=st.lists(st.integers(min_value=-(10**6), max_value=10**6), max_size=10),
    workers=st.integers(min_value=1, max_value=3),
)
def test_cpu_bound_property_same_as_builtin_map(items: list[int], workers: int) -> None:
    assert same(run_cpu_bound(square, items, workers), [square(x) for x in items])

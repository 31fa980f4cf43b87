"""Hidden suite for the async_gather exercise.

Most tests run on an event loop with a virtual clock: when nothing is ready to run, the clock jumps
to the next timer instead of sleeping. Sleeps and timeouts then cost no real time and happen in an
exact, reproducible order, however loaded the machine is. A guard of 1000 virtual seconds turns a
deadlock into a clear failure. The speed test uses an ordinary event loop and compares CPU time
with an oracle implementation measured in the same test.
"""

from __future__ import annotations

import asyncio
import selectors
import time
from collections.abc import Awaitable, Callable, Coroutine, Generator, Iterator
from typing import Any, TypeVar

import pytest
from exact import same
from hypothesis import given, settings
from hypothesis import strategies as st
from solution import gather_limited

T = TypeVar("T")
DEADLOCK_AFTER = 1000.0  # virtual seconds
TICK = 1e-4  # virtual seconds per event loop iteration


# --------------------------------------------------------------------------- a virtual clock


class JumpingSelector(selectors.DefaultSelector):
    """A selector that, instead of blocking until the next timer, moves the clock to it.

    Every loop iteration also advances the clock by 0.1 ms, as real work would: code
    that busy-waits (``while ...: await asyncio.sleep(0)``) still lets time pass.
    """

    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0

    def select(self, timeout: float | None = None) -> list[Any]:
        self.now += TICK
        ready: list[Any] = super().select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None:  # no timer at all: only real I/O could wake the loop
            return list(super().select(5.0))
        self.now += timeout
        return []


class VirtualClockLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        self._jumping = JumpingSelector()
        super().__init__(self._jumping)

    def time(self) -> float:
        return float(self._jumping.now)


def run(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run main() on a virtual-clock loop; a deadlock fails the test instead of hanging it."""

    async def guarded() -> T:
        guard = asyncio.timeout(DEADLOCK_AFTER)
        try:
            async with guard:
                return await main()
        except TimeoutError:
            if guard.expired():
                raise AssertionError(
                    f"deadlock: nothing finished within {DEADLOCK_AFTER:.0f} s of loop time"
                ) from None
            raise

    with asyncio.Runner(loop_factory=VirtualClockLoop) as runner:
        return runner.run(guarded())


def other_tasks() -> set[asyncio.Task[Any]]:
    return {task for task in asyncio.all_tasks() if task is not asyncio.current_task()}


# --------------------------------------------------------------------------- tracking factories


class Boom(Exception):
    """Raised by test coroutines."""


class Tracker:
    """Builds factories and records what happens to the coroutines they make."""

    def __init__(self) -> None:
        self.called: list[int] = []  # factory indices, in call order
        self.finished = 0  # coroutines that ended in any way
        self.running = 0
        self.peak = 0
        self.max_outstanding = 0  # most factories called whose coroutine had not finished
        self.cancelled: list[int] = []

    def factory(
        self, index: int, action: Callable[[], Awaitable[Any]]
    ) -> Callable[[], Awaitable[Any]]:
        def make() -> Awaitable[Any]:
            self.called.append(index)
            self.max_outstanding = max(self.max_outstanding, len(self.called) - self.finished)
            return self._run(index, action)

        return make

    async def _run(self, index: int, action: Callable[[], Awaitable[Any]]) -> Any:
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            return await action()
        except asyncio.CancelledError:
            self.cancelled.append(index)
            raise
        finally:
            self.running -= 1
            self.finished += 1


def after(delay: float, value: Any = None) -> Callable[[], Awaitable[Any]]:
    async def action() -> Any:
        await asyncio.sleep(delay)
        return value

    return action


def failing(error: BaseException, delay: float = 0.0) -> Callable[[], Awaitable[Any]]:
    async def action() -> Any:
        await asyncio.sleep(delay)
        raise error

    return action


def forever() -> Callable[[], Awaitable[Any]]:
    async def action() -> Any:
        await asyncio.Event().wait()  # never set

    return action


# --------------------------------------------------------------------------- results and arguments


@pytest.mark.clause("C1")
def test_results_in_input_order_whatever_the_completion_order() -> None:
    tracker = Tracker()
    factories = [tracker.factory(i, after((5 - i) * 0.01, f"r{i}")) for i in range(5)]
    assert same(run(lambda: gather_limited(factories, 5)), [f"r{i}" for i in range(5)])
    assert sorted(tracker.called) == list(range(5))


@pytest.mark.clause("C1")
def test_empty_factories_give_an_empty_list() -> None:
    assert same(run(lambda: gather_limited([], 3)), [])


@pytest.mark.clause("C1")
def test_accepts_an_iterator_of_factories_and_any_result_values() -> None:
    values: list[Any] = [None, 0, "", [], Boom("a value, not raised")]
    factories = (lambda v=v: after(0.01, v)() for v in values)
    assert same(run(lambda: gather_limited(factories, 2)), values)


class PlainAwaitable:
    """An awaitable that is not a coroutine: asyncio.create_task() rejects it."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __await__(self) -> Generator[Any, None, Any]:
        yield from asyncio.sleep(0.01).__await__()
        return self.value


@pytest.mark.clause("C1")
def test_factories_may_return_any_awaitable_not_only_coroutines() -> None:
    factories = [lambda v=v: PlainAwaitable(v) for v in ("a", "b", "c")]
    assert same(run(lambda: gather_limited(factories, 2)), ["a", "b", "c"])


@pytest.mark.clause("C2")
def test_each_factory_is_called_exactly_once() -> None:
    tracker = Tracker()
    factories = [tracker.factory(i, after(0.01 * (i % 3), i)) for i in range(12)]
    assert same(run(lambda: gather_limited(factories, 4)), list(range(12)))
    assert sorted(tracker.called) == list(range(12))


@pytest.mark.clause("C8")
@pytest.mark.parametrize("limit", [0, -1])
def test_rejects_limit_below_one_without_calling_any_factory(limit: int) -> None:
    tracker = Tracker()
    with pytest.raises(ValueError):
        run(lambda: gather_limited([tracker.factory(0, after(0))], limit))
    assert tracker.called == []


@pytest.mark.clause("C8")
@pytest.mark.parametrize("timeout", [0, -0.5, -0.0, float("nan"), float("-inf")])
def test_rejects_a_timeout_that_is_not_positive(timeout: float) -> None:
    tracker = Tracker()
    with pytest.raises(ValueError):
        run(lambda: gather_limited([tracker.factory(0, after(0))], 2, timeout=timeout))
    assert tracker.called == []


# --------------------------------------------------------------------------- the limit


@pytest.mark.clause("C3")
def test_runs_limit_tasks_at_once_and_never_more() -> None:
    tracker = Tracker()
    factories = [tracker.factory(i, after(0.01 * (1 + i % 4), i)) for i in range(15)]
    assert same(run(lambda: gather_limited(factories, 3)), list(range(15)))
    assert tracker.peak == 3


@pytest.mark.clause("C3")
def test_limit_larger_than_the_number_of_factories_runs_them_all_at_once() -> None:
    tracker = Tracker()
    factories = [tracker.factory(i, after(0.05, i)) for i in range(4)]
    assert same(run(lambda: gather_limited(factories, 100)), list(range(4)))
    assert tracker.peak == 4


@pytest.mark.clause("C3")
def test_limit_one_runs_one_at_a_time() -> None:
    tracker = Tracker()
    factories = [tracker.factory(i, after(0.01, i)) for i in range(5)]
    assert same(run(lambda: gather_limited(factories, 1)), list(range(5)))
    assert tracker.peak == 1


@pytest.mark.clause("C2")
def test_factory_is_called_only_when_its_task_can_start() -> None:
    """Calling every factory up front creates all coroutines at once (and leaks them on failure)."""
    tracker = Tracker()
    factories = [tracker.factory(i, after(0.01, i)) for i in range(10)]
    assert same(run(lambda: gather_limited(factories, 3)), list(range(10)))
    assert tracker.max_outstanding <= 3, (
        f"{tracker.max_outstanding} factories had been called while their coroutines were unfinished"
    )


@pytest.mark.clause("C3")
def test_a_freed_slot_is_used_at_once_not_after_the_whole_batch() -> None:
    """limit 2: task 0 waits until task 2 has run, and task 2 can only use task 1's slot."""
    third_ran = asyncio.Event()

    async def first() -> str:
        await third_ran.wait()
        return "first"

    async def second() -> str:
        return "second"

    async def third() -> str:
        third_ran.set()
        return "third"

    assert same(
        run(lambda: gather_limited([first, second, third], 2)), ["first", "second", "third"]
    )


# --------------------------------------------------------------------------- timeouts


@pytest.mark.clause("C4", "C5")
def test_a_task_exceeding_the_timeout_fails_with_timeout_error() -> None:
    tracker = Tracker()
    with pytest.raises(TimeoutError):
        run(lambda: gather_limited([tracker.factory(0, forever())], 1, timeout=0.05))
    assert tracker.cancelled == [0], "the timed-out coroutine was not cancelled"


@pytest.mark.clause("C4", "C5")
def test_a_task_finishing_within_the_timeout_succeeds() -> None:
    assert same(run(lambda: gather_limited([after(0.04, "ok")], 1, timeout=0.05)), ["ok"])


@pytest.mark.clause("C4", "C5")
def test_timeout_counts_from_the_task_start_not_from_the_call() -> None:
    """limit 1, five tasks of 0.03 s each, timeout 0.05 s: each is in time, the whole is not."""
    tracker = Tracker()
    factories = [tracker.factory(i, after(0.03, i)) for i in range(5)]
    assert same(run(lambda: gather_limited(factories, 1, timeout=0.05)), list(range(5)))


@pytest.mark.clause("C4", "C6")
def test_a_timeout_cancels_the_other_running_tasks_and_starts_no_more() -> None:
    """limit 2: task 1 times out at 0.05 s while task 2 (started at 0.03 s) still runs."""
    tracker = Tracker()
    factories = [
        tracker.factory(0, after(0.03, "zero")),
        tracker.factory(1, forever()),
        tracker.factory(2, forever()),
        tracker.factory(3, after(0.01, "three")),
    ]

    async def main() -> None:
        with pytest.raises(TimeoutError):
            await gather_limited(factories, 2, timeout=0.05)
        assert other_tasks() == set(), "tasks were left running"

    run(main)
    assert {1, 2} <= set(tracker.cancelled), "the running task was not cancelled"
    assert tracker.running == 0


# --------------------------------------------------------------------------- failure and cancellation


@pytest.mark.clause("C6")
def test_first_failure_cancels_running_tasks_and_is_reraised_unchanged() -> None:
    tracker = Tracker()
    error = Boom("task 1 failed")
    factories = [
        tracker.factory(0, forever()),
        tracker.factory(1, failing(error, delay=0.01)),
        tracker.factory(2, forever()),
        *(tracker.factory(i, after(0.01, i)) for i in range(3, 6)),
    ]

    async def main() -> None:
        with pytest.raises(Boom) as excinfo:
            await gather_limited(factories, 3)
        assert excinfo.value is error, "not the very exception object (wrapped? copied?)"
        assert other_tasks() == set(), "tasks were left running after the failure"

    run(main)
    assert {0, 2} <= set(tracker.cancelled), "running tasks were not cancelled"
    assert tracker.running == 0
    # Task 1's slot may go to factory 3 in the instant of the failure, but no further.
    assert not {4, 5} & set(tracker.called), "factories were called after the failure"


@pytest.mark.clause("C6")
def test_failure_is_raised_only_after_cancelled_tasks_have_cleaned_up() -> None:
    cleaned: list[str] = []

    async def slow_cleanup() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            await asyncio.sleep(0.01)  # e.g. closing a connection
            cleaned.append("done")
            raise

    async def main() -> list[str]:
        try:
            await gather_limited([slow_cleanup, failing(Boom("x"), 0.01)], 2)
        except Boom:
            return list(cleaned)
        raise AssertionError("gather_limited did not raise")

    assert same(run(main), ["done"]), "gather_limited raised before its cancelled task finished"


@pytest.mark.clause("C6")
def test_a_factory_that_raises_when_called_counts_as_a_failing_task() -> None:
    tracker = Tracker()
    error = Boom("cannot even start")

    def broken() -> Awaitable[Any]:
        raise error

    async def main() -> None:
        with pytest.raises(Boom) as excinfo:
            await gather_limited([tracker.factory(0, forever()), broken], 2)
        assert excinfo.value is error
        assert other_tasks() == set()

    run(main)
    assert tracker.cancelled == [0]


@pytest.mark.clause("C7")
def test_cancelling_gather_limited_cancels_its_running_tasks() -> None:
    tracker = Tracker()
    factories = [tracker.factory(i, forever()) for i in range(5)]

    async def main() -> None:
        outer = asyncio.create_task(gather_limited(factories, 2))
        while tracker.running < 2 and not outer.done():
            await asyncio.sleep(0.01)
        outer.cancel()
        with pytest.raises(asyncio.CancelledError):
            await outer
        assert other_tasks() == set(), "tasks were left running after cancellation"

    run(main)
    assert sorted(tracker.cancelled) == [0, 1]
    assert sorted(tracker.called) == [0, 1]


# --------------------------------------------------------------------------- property


@pytest.mark.clause("C1", "C3", "C6")
@settings(max_examples=60)
@given(
    delays=st.lists(st.integers(min_value=1, max_value=5), max_size=12),
    limit=st.integers(min_value=1, max_value=5),
    fail_at=st.one_of(st.none(), st.integers(min_value=0, max_value=11)),
)
def test_property_order_limit_and_failure(
    delays: list[int], limit: int, fail_at: int | None
) -> None:
    tracker = Tracker()
    error = Boom("the failure")
    factories = [
        tracker.factory(i, failing(error, d * 0.01) if i == fail_at else after(d * 0.01, i))
        for i, d in enumerate(delays)
    ]

    async def main() -> None:
        if fail_at is None or fail_at >= len(delays):
            assert same(await gather_limited(factories, limit), list(range(len(delays))))
            assert tracker.peak == min(limit, len(delays))
            assert sorted(tracker.called) == list(range(len(delays)))
        else:
            with pytest.raises(Boom) as excinfo:
                await gather_limited(factories, limit)
            assert excinfo.value is error
            assert tracker.running == 0
        assert other_tasks() == set()
        assert tracker.peak <= limit
        assert tracker.max_outstanding <= limit

    run(main)


# --------------------------------------------------------------------------- performance


class OverBudget(BaseException):
    """Raised by the event loop when the code under test exceeds its CPU budget."""


class BudgetSelector(selectors.DefaultSelector):
    """Checks the process's CPU time at every event loop iteration and stops the loop (once)
    when the budget is used up: busy-waiting code returns to the loop all the time."""

    def __init__(self, budget_s: float) -> None:
        super().__init__()
        self.deadline = time.process_time() + budget_s
        self.tripped = False

    def select(self, timeout: float | None = None) -> list[Any]:
        if not self.tripped and time.process_time() > self.deadline:
            self.tripped = True  # the loop's own cleanup of the remaining tasks may proceed
            raise OverBudget
        return list(super().select(timeout))


def cpu_seconds_on_budget(
    main: Callable[[], Coroutine[Any, Any, T]], budget_s: float
) -> tuple[T, float]:
    """Run main() on an ordinary event loop; return its result and the CPU time used."""
    start = time.process_time()
    with asyncio.Runner(
        loop_factory=lambda: asyncio.SelectorEventLoop(BudgetSelector(budget_s))
    ) as runner:
        result = runner.run(main())
    return result, time.process_time() - start


async def oracle_gather_limited(factories: list[Callable[[], Awaitable[T]]], limit: int) -> list[T]:
    """The idiomatic version: a task per factory, a semaphore, a TaskGroup."""
    slots = asyncio.Semaphore(limit)

    async def one(factory: Callable[[], Awaitable[T]]) -> T:
        async with slots:
            return await factory()

    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(one(factory)) for factory in factories]
    return [task.result() for task in tasks]


def trivial_factories(n: int) -> Iterator[Callable[[], Awaitable[int]]]:
    def factory(i: int) -> Callable[[], Awaitable[int]]:
        async def work() -> int:
            await asyncio.sleep(0)  # yield to the loop once, like any real I/O would
            return i

        return work

    return (factory(i) for i in range(n))


@pytest.mark.clause("C9")
@pytest.mark.performance(cpu_s=5.0)
@pytest.mark.weight(2)
def test_performance_10000_tasks_limit_5_within_10x_cpu_of_an_oracle() -> None:
    n, limit = 10_000, 5
    oracle_s = min(
        cpu_seconds_on_budget(lambda: oracle_gather_limited(list(trivial_factories(n)), limit), 60)[
            1
        ]
        for _ in range(2)
    )
    budget_s = max(10 * oracle_s, 0.5)
    factories = list(trivial_factories(n))
    try:
        result, used_s = cpu_seconds_on_budget(lambda: gather_limited(factories, limit), budget_s)
    except OverBudget:
        pytest.fail(
            f"gather_limited used more than {budget_s:.2f} s of CPU for {n} trivial tasks with "
            f"limit {limit} and was stopped; a semaphore and a TaskGroup take {oracle_s:.3f} s"
        )
    assert used_s <= budget_s, f"{used_s:.2f} s of CPU; the budget is {budget_s:.2f} s"
    assert same(result, list(range(n)))

"""Hidden suite for the closures exercise: counter, multipliers, accumulator, rate limiter."""

from __future__ import annotations

import inspect
import itertools
import time
from collections.abc import Callable

import pytest
from exact import same
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule
from solution import make_accumulator, make_counter, make_multipliers, rate_limiter


class FakeClock:
    """A settable clock; the tests only ever move it forward."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# --------------------------------------------------------------------------- make_counter


@pytest.mark.clause("C3", "C4")
def test_counter_defaults_count_from_zero_by_one() -> None:
    counter = make_counter()
    assert same([counter() for _ in range(4)], [0, 1, 2, 3])


@pytest.mark.clause("C3")
def test_counter_first_call_returns_start() -> None:
    assert same(make_counter(10, 5)(), 10)
    assert same(make_counter(start=-3)(), -3)


@pytest.mark.clause("C3", "C4")
def test_counter_with_start_and_step() -> None:
    counter = make_counter(10, 5)
    assert same([counter() for _ in range(3)], [10, 15, 20])


@pytest.mark.clause("C4")
def test_counter_negative_and_zero_steps() -> None:
    down = make_counter(3, -2)
    assert same([down() for _ in range(4)], [3, 1, -1, -3])
    flat = make_counter(7, 0)
    assert same([flat() for _ in range(3)], [7, 7, 7])


@pytest.mark.clause("C2")
def test_counters_are_independent() -> None:
    a = make_counter()
    b = make_counter()
    assert same(a(), 0)
    assert same(a(), 1)
    assert same(b(), 0)
    assert same(a(), 2)
    assert same(b(), 1)


@pytest.mark.clause("C2", "C3", "C4")
@settings(max_examples=100)
@given(
    start=st.integers(-1000, 1000),
    step=st.integers(-50, 50),
    schedule=st.lists(st.booleans(), max_size=30),
)
def test_counter_property_interleaved_counters_each_follow_their_own_sequence(
    start: int, step: int, schedule: list[bool]
) -> None:
    first = make_counter(start, step)
    second = make_counter(start + 1, step * 2)
    seen: dict[bool, list[int]] = {True: [], False: []}
    for use_first in schedule:
        seen[use_first].append(first() if use_first else second())
    assert same(seen[True], [start + k * step for k in range(len(seen[True]))])
    assert same(seen[False], [start + 1 + k * step * 2 for k in range(len(seen[False]))])


# --------------------------------------------------------------------------- make_multipliers


@pytest.mark.clause("C5", "C6")
def test_multipliers_ith_function_multiplies_by_i() -> None:
    funcs = make_multipliers(4)
    assert same(len(funcs), 4)
    assert same([f(7) for f in funcs], [0, 7, 14, 21])


@pytest.mark.clause("C6")
def test_multipliers_are_not_all_bound_to_the_last_index() -> None:
    funcs = make_multipliers(3)
    assert same(funcs[0](10), 0)
    assert same(funcs[1](10), 10)
    assert same(funcs[2](10), 20)


@pytest.mark.clause("C5")
def test_multipliers_zero_gives_an_empty_list() -> None:
    assert same(make_multipliers(0), [])


@pytest.mark.clause("C5", "C6")
def test_multipliers_one_gives_the_zero_function() -> None:
    funcs = make_multipliers(1)
    assert same(len(funcs), 1)
    assert same(funcs[0](123), 0)


@pytest.mark.clause("C2", "C6")
def test_multipliers_are_reusable_and_independent_between_calls() -> None:
    small = make_multipliers(2)
    large = make_multipliers(5)
    assert same(small[1](3), 3)
    assert same(large[4](3), 12)
    assert same(small[1](-4), -4)


@pytest.mark.clause("C5", "C6")
@settings(max_examples=100)
@given(n=st.integers(0, 40), x=st.integers(-(10**6), 10**6))
def test_multipliers_property_every_function_multiplies_by_its_index(n: int, x: int) -> None:
    funcs = make_multipliers(n)
    assert same(len(funcs), n)
    assert same([f(x) for f in funcs], [x * i for i in range(n)])


# --------------------------------------------------------------------------- make_accumulator


@pytest.mark.clause("C7")
def test_accumulator_default_starts_at_zero_and_returns_new_total() -> None:
    add = make_accumulator()
    assert same(add(5), 5)
    assert same(add(3), 8)


@pytest.mark.clause("C7")
def test_accumulator_with_initial_value_and_negative_amounts() -> None:
    add = make_accumulator(100)
    assert same(add(5), 105)
    assert same(add(-10), 95)


@pytest.mark.clause("C7")
def test_accumulator_adding_zero_returns_current_total() -> None:
    add = make_accumulator(42)
    assert same(add(0), 42)
    assert same(add(0), 42)


@pytest.mark.clause("C2", "C7")
def test_accumulators_are_independent() -> None:
    a = make_accumulator()
    b = make_accumulator(10)
    assert same(a(1), 1)
    assert same(b(1), 11)
    assert same(a(1), 2)
    assert same(b(1), 12)


@pytest.mark.clause("C2", "C7")
@settings(max_examples=100)
@given(initial=st.integers(-1000, 1000), amounts=st.lists(st.integers(-1000, 1000), max_size=30))
def test_accumulator_property_returns_running_totals(initial: int, amounts: list[int]) -> None:
    add = make_accumulator(initial)
    other = make_accumulator(initial)
    assert same([add(x) for x in amounts], list(itertools.accumulate(amounts, initial=initial))[1:])
    assert same(other(0), initial)


# --------------------------------------------------------------------------- rate_limiter


@pytest.mark.clause("C10", "C11")
def test_rate_limiter_allows_max_calls_at_once_then_refuses() -> None:
    clock = FakeClock()
    allow = rate_limiter(3, 10, clock=clock)
    assert same([allow() for _ in range(5)], [True, True, True, False, False])


@pytest.mark.clause("C9", "C13")
def test_rate_limiter_call_stops_counting_exactly_after_period() -> None:
    clock = FakeClock()
    allow = rate_limiter(1, 10, clock=clock)
    assert allow() is True
    clock.now = 9.75
    assert allow() is False
    clock.now = 10.0
    assert allow() is True


@pytest.mark.clause("C9", "C10")
def test_rate_limiter_window_slides_with_each_call_instead_of_resetting() -> None:
    clock = FakeClock()
    allow = rate_limiter(2, 10, clock=clock)
    assert allow() is True  # t=0
    clock.now = 6
    assert allow() is True  # t=6
    clock.now = 10
    assert allow() is True  # t=0 expired; 6 still counts
    clock.now = 11
    assert allow() is False  # 6 and 10 count
    clock.now = 16
    assert allow() is True  # 6 expired
    assert allow() is False


@pytest.mark.clause("C11")
def test_rate_limiter_refused_calls_are_not_recorded() -> None:
    clock = FakeClock()
    allow = rate_limiter(1, 10, clock=clock)
    assert allow() is True
    for t in (1, 5, 9):
        clock.now = t
        assert allow() is False
    clock.now = 10
    assert allow() is True


@pytest.mark.clause("C9", "C13")
def test_rate_limiter_with_fractional_times() -> None:
    clock = FakeClock()
    allow = rate_limiter(2, 0.5, clock=clock)
    assert allow() is True and allow() is True
    clock.now = 0.25
    assert allow() is False
    clock.now = 0.5
    assert allow() is True and allow() is True
    assert allow() is False


@pytest.mark.clause("C8", "C13")
def test_rate_limiter_uses_the_clock_at_each_call() -> None:
    clock = FakeClock(1000.0)
    allow = rate_limiter(1, 5, clock=clock)
    assert allow() is True
    clock.now = 1004.0
    assert allow() is False
    clock.now = 1005.0
    assert allow() is True


@pytest.mark.clause("C2")
def test_rate_limiters_are_independent_even_with_a_shared_clock() -> None:
    clock = FakeClock()
    first = rate_limiter(1, 10, clock=clock)
    second = rate_limiter(1, 10, clock=clock)
    assert first() is True
    assert second() is True
    assert first() is False
    assert second() is False


@pytest.mark.clause("C14")
def test_rate_limiter_default_clock_works() -> None:
    allow = rate_limiter(2, 3600)
    assert same([allow(), allow(), allow()], [True, True, False])


@pytest.mark.clause("C12")
@pytest.mark.parametrize("max_calls", [0, -1, -100])
def test_rate_limiter_rejects_max_calls_below_one(max_calls: int) -> None:
    with pytest.raises(ValueError):
        rate_limiter(max_calls, 10, clock=FakeClock())


@pytest.mark.clause("C12")
@pytest.mark.parametrize("period", [0, 0.0, -1, -0.5])
def test_rate_limiter_rejects_non_positive_period(period: float) -> None:
    with pytest.raises(ValueError):
        rate_limiter(1, period, clock=FakeClock())


@pytest.mark.clause("C9", "C12")
def test_rate_limiter_accepts_smallest_valid_arguments() -> None:
    clock = FakeClock()
    allow = rate_limiter(1, 0.25, clock=clock)
    assert allow() is True
    assert allow() is False
    clock.now = 0.25
    assert allow() is True


# Stateful check of rate_limiter against the simplest possible model: the list of every
# allowed time, counted in full at each call. Times and periods are multiples of 0.25, so
# every subtraction is exact and any correct formulation of the window agrees with the model.

quarters = st.integers(0, 40).map(lambda k: k / 4)


class RateLimiterMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.allowed_at: list[float] = []
        self.max_calls = 0
        self.period = 0.0
        self.allow: Callable[[], bool] | None = None  # set by the initialize rule

    @initialize(max_calls=st.integers(1, 4), period=st.integers(1, 32).map(lambda k: k / 4))
    def make_limiter(self, max_calls: int, period: float) -> None:
        self.max_calls = max_calls
        self.period = period
        self.allow = rate_limiter(max_calls, period, clock=self.clock)

    @rule(dt=quarters)
    def advance(self, dt: float) -> None:
        self.clock.now += dt

    @rule()
    def call_allow(self) -> None:
        now = self.clock.now
        counting = sum(1 for t in self.allowed_at if now - t < self.period)
        expected = counting < self.max_calls
        assert self.allow is not None
        assert self.allow() is expected
        if expected:
            self.allowed_at.append(now)

    @rule()
    def burst(self) -> None:
        for _ in range(self.max_calls + 1):
            self.call_allow()


RateLimiterMachine.TestCase.settings = settings(max_examples=120, stateful_step_count=40)
test_rate_limiter_stateful_against_a_model_of_allowed_times = pytest.mark.clause(
    "C8", "C9", "C10", "C11", "C13"
)(RateLimiterMachine.TestCase)


# --------------------------------------------------------------------------- how the state is kept


@pytest.mark.clause("C1")
def test_every_factory_returns_a_plain_function() -> None:
    results = [make_counter(), make_accumulator(), rate_limiter(1, 1, clock=FakeClock())]
    results += make_multipliers(2)
    for result in results:
        assert inspect.isfunction(result), f"{result!r} is not a plain function"


@pytest.mark.clause("C1", "C2")
def test_state_lives_in_the_closure_not_in_attributes() -> None:
    counter, add = make_counter(5), make_accumulator(5)
    allow = rate_limiter(1, 1, clock=FakeClock())
    assert same((counter(), add(1), allow()), (5, 6, True))
    for stateful in (counter, add, allow):
        assert stateful.__closure__, f"{stateful!r} keeps no state in a closure"
        assert same(vars(stateful), {})


# --------------------------------------------------------------------------- which clock


@pytest.mark.clause("C14")
def test_the_default_clock_is_time_monotonic(monkeypatch: pytest.MonkeyPatch) -> None:
    default = inspect.signature(rate_limiter).parameters["clock"].default
    if default is time.monotonic:
        return
    # A default resolved at call time (clock=None, then time.monotonic) must read the patch.
    fake = FakeClock(500.0)
    monkeypatch.setattr(time, "monotonic", fake)
    monkeypatch.setattr(time, "time", lambda: 0.0)
    allow = rate_limiter(1, 10)
    assert allow() is True
    assert allow() is False
    fake.now = 510.0
    assert allow() is True


@pytest.mark.clause("C13")
def test_only_the_given_clock_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    ticks = itertools.count(0, 1000)
    for name in ("monotonic", "time", "perf_counter"):
        monkeypatch.setattr(time, name, lambda: float(next(ticks)))
    clock = FakeClock()
    allow = rate_limiter(2, 10, clock=clock)
    assert same([allow(), allow(), allow()], [True, True, False])
    clock.now = 9.5
    assert allow() is False
    clock.now = 10.0
    assert same([allow(), allow(), allow()], [True, True, False])


@pytest.mark.clause("C10", "C11")
def test_rate_limiter_with_a_large_limit_refuses_exactly_the_call_past_it() -> None:
    clock = FakeClock()
    allow = rate_limiter(1000, 1, clock=clock)
    assert all(allow() for _ in range(1000))
    assert allow() is False
    clock.now = 1.0
    assert all(allow() for _ in range(1000))
    assert allow() is False

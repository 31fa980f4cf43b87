"""Hidden suite for the decorators exercise: retry (sync and async) and memoize."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable, Hashable
from typing import Any

import pytest
from exact import same
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule
from solution import memoize, retry


class Flaky(Exception):
    """Raised by test functions to simulate a transient failure."""


class FlakySub(Flaky):
    pass


class Fatal(Exception):
    """An exception the decorator is not asked to retry."""


class Abort(BaseException):
    """Not an Exception: the default exceptions=(Exception,) must not catch it."""


class SleepRecorder:
    """Replaces time.sleep / asyncio.sleep and records the delays instead of sleeping."""

    def __init__(self) -> None:
        self.sync: list[float] = []
        self.async_: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sync.append(seconds)

    async def async_sleep(self, seconds: float, result: Any = None) -> Any:
        self.async_.append(seconds)
        return result


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> SleepRecorder:
    recorder = SleepRecorder()
    monkeypatch.setattr(time, "sleep", recorder.sleep)
    monkeypatch.setattr(asyncio, "sleep", recorder.async_sleep)
    return recorder


def failing_then(
    failures: list[BaseException], result: Any = "ok"
) -> tuple[Callable[..., Any], list[tuple[Any, ...]]]:
    """A function that raises the given exceptions on successive calls, then returns result."""
    calls: list[tuple[Any, ...]] = []

    def func(*args: Any, **kwargs: Any) -> Any:
        calls.append((args, kwargs))
        if len(calls) <= len(failures):
            raise failures[len(calls) - 1]
        return result

    return func, calls


def real_delays(delays: list[Any]) -> list[Any]:
    """The recorded asyncio.sleep delays without the test functions' own ``asyncio.sleep(0)``
    (an exact int or float zero; anything else, such as an object equal to everything, stays)."""
    return [d for d in delays if not (type(d) in (int, float) and d == 0)]


# --------------------------------------------------------------------------- retry: sync


@pytest.mark.clause("C3")
def test_retry_returns_result_and_passes_arguments_through(sleeps: SleepRecorder) -> None:
    @retry(3)
    def add(a: int, b: int, *, scale: int = 1) -> int:
        return (a + b) * scale

    assert same(add(2, 3, scale=10), 50)
    assert same(sleeps.sync, [])


@pytest.mark.clause("C3", "C5")
def test_retry_first_success_makes_exactly_one_call(sleeps: SleepRecorder) -> None:
    func, calls = failing_then([])
    wrapped = retry(5, delay=1.0)(func)
    assert same(wrapped("x", k=1), "ok")
    assert same(calls, [(("x",), {"k": 1})])
    assert same(sleeps.sync, [])


@pytest.mark.clause("C4", "C5", "C11")
def test_retry_retries_listed_exception_until_success_with_a_sleep_between_attempts(
    sleeps: SleepRecorder,
) -> None:
    func, calls = failing_then([Flaky(), Flaky()], result=42)
    wrapped = retry(3, exceptions=(Flaky,), delay=0.25)(func)
    assert same(wrapped(1, two=2), 42)
    assert len(calls) == 3
    assert all(same(call, ((1,), {"two": 2})) for call in calls)
    assert same(sleeps.sync, [0.25, 0.25])


@pytest.mark.clause("C1", "C6")
def test_retry_gives_up_after_times_calls_and_reraises_the_last_exception_unchanged(
    sleeps: SleepRecorder,
) -> None:
    errors = [Flaky("first"), Flaky("second"), Flaky("third")]
    func, calls = failing_then(errors)
    wrapped = retry(3, exceptions=(Flaky,), delay=0.5)(func)
    with pytest.raises(Flaky) as excinfo:
        wrapped()
    assert excinfo.value is errors[2]
    assert type(excinfo.value) is Flaky
    assert len(calls) == 3


@pytest.mark.clause("C5", "C11")
def test_retry_does_not_sleep_after_the_last_failed_attempt(sleeps: SleepRecorder) -> None:
    func, _ = failing_then([Flaky()] * 10)
    wrapped = retry(4, exceptions=(Flaky,), delay=2.0)(func)
    with pytest.raises(Flaky):
        wrapped()
    assert same(sleeps.sync, [2.0, 2.0, 2.0])


@pytest.mark.clause("C1", "C5")
def test_retry_times_one_calls_once_and_never_sleeps(sleeps: SleepRecorder) -> None:
    error = Flaky("only")
    func, calls = failing_then([error])
    wrapped = retry(1, exceptions=(Flaky,), delay=3.0)(func)
    with pytest.raises(Flaky) as excinfo:
        wrapped()
    assert excinfo.value is error
    assert len(calls) == 1
    assert same(sleeps.sync, [])


@pytest.mark.clause("C7")
def test_retry_other_exception_propagates_at_once_without_sleep(sleeps: SleepRecorder) -> None:
    error = Fatal("no retry")
    func, calls = failing_then([error])
    wrapped = retry(5, exceptions=(Flaky,), delay=1.0)(func)
    with pytest.raises(Fatal) as excinfo:
        wrapped()
    assert excinfo.value is error
    assert len(calls) == 1
    assert same(sleeps.sync, [])


@pytest.mark.clause("C7")
def test_retry_other_exception_after_a_retried_one_stops_immediately(sleeps: SleepRecorder) -> None:
    error = Fatal("second attempt")
    func, calls = failing_then([Flaky(), error, Flaky()])
    wrapped = retry(5, exceptions=(Flaky,), delay=1.0)(func)
    with pytest.raises(Fatal) as excinfo:
        wrapped()
    assert excinfo.value is error
    assert len(calls) == 2
    assert same(sleeps.sync, [1.0])


@pytest.mark.clause("C4")
def test_retry_retries_subclasses_of_listed_exceptions(sleeps: SleepRecorder) -> None:
    func, calls = failing_then([FlakySub(), FlakySub()])
    wrapped = retry(3, exceptions=(Flaky,), delay=0.1)(func)
    assert same(wrapped(), "ok")
    assert len(calls) == 3


@pytest.mark.clause("C4")
def test_retry_accepts_several_exception_types(sleeps: SleepRecorder) -> None:
    func, calls = failing_then([KeyError("k"), ZeroDivisionError(), IndexError()])
    wrapped = retry(4, exceptions=(LookupError, ArithmeticError), delay=0.1)(func)
    assert same(wrapped(), "ok")
    assert len(calls) == 4
    assert same(sleeps.sync, [0.1, 0.1, 0.1])


@pytest.mark.clause("C4")
def test_retry_default_exceptions_retry_any_exception(sleeps: SleepRecorder) -> None:
    func, calls = failing_then([ValueError(), OSError()])
    wrapped = retry(3)(func)
    assert same(wrapped(), "ok")
    assert len(calls) == 3


@pytest.mark.clause("C4", "C7")
def test_retry_default_exceptions_do_not_catch_base_exceptions(sleeps: SleepRecorder) -> None:
    func, calls = failing_then([Abort()])
    wrapped = retry(3)(func)
    with pytest.raises(Abort):
        wrapped()
    assert len(calls) == 1


@pytest.mark.clause("C1", "C3")
def test_retry_each_call_of_the_wrapper_gets_its_own_attempts(sleeps: SleepRecorder) -> None:
    func, calls = failing_then([Flaky()] * 100)
    wrapped = retry(3, exceptions=(Flaky,))(func)
    for _ in range(3):
        with pytest.raises(Flaky):
            wrapped()
    assert len(calls) == 9


@pytest.mark.clause("C2")
@pytest.mark.parametrize("times", [0, -1, -10])
def test_retry_rejects_times_below_one_when_retry_itself_is_called(times: int) -> None:
    with pytest.raises(ValueError):
        retry(times)


@pytest.mark.clause("C1", "C2")
def test_retry_times_one_is_valid() -> None:
    decorator = retry(1)
    assert callable(decorator)
    assert same(decorator(lambda x: x + 1)(41), 42)


@pytest.mark.clause("C8")
def test_retry_wrapper_keeps_name_qualname_doc_and_sets_wrapped() -> None:
    def fetch_prices(symbol: str) -> str:
        """Fetch prices for a symbol."""
        return symbol

    wrapped = retry(2, exceptions=(Flaky,))(fetch_prices)
    assert same(wrapped.__name__, "fetch_prices")
    assert same(wrapped.__qualname__, fetch_prices.__qualname__)
    assert wrapped.__qualname__.endswith("<locals>.fetch_prices")
    assert same(wrapped.__doc__, "Fetch prices for a symbol.")
    assert wrapped.__wrapped__ is fetch_prices  # type: ignore[attr-defined]


@pytest.mark.clause("C3", "C8")
def test_retry_used_with_decorator_syntax_on_a_plain_function(sleeps: SleepRecorder) -> None:
    attempts: list[int] = []

    @retry(3, exceptions=(ConnectionError,), delay=0.5)
    def fetch() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise ConnectionError
        return "data"

    assert same(fetch(), "data")
    assert same(sleeps.sync, [0.5, 0.5])


@pytest.mark.clause("C1", "C3", "C5", "C6", "C11")
@settings(max_examples=120)
@given(
    times=st.integers(min_value=1, max_value=6),
    failures=st.integers(min_value=0, max_value=8),
    delay=st.sampled_from([0.01, 0.5, 1.0, 3.5]),
)
def test_retry_property_calls_sleeps_and_outcome(times: int, failures: int, delay: float) -> None:
    errors: list[BaseException] = [Flaky(i) for i in range(failures)]
    func, calls = failing_then(errors, result="done")
    recorder = SleepRecorder()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(time, "sleep", recorder.sleep)
        wrapped = retry(times, exceptions=(Flaky,), delay=delay)(func)
        if failures < times:
            assert same(wrapped(), "done")
        else:
            with pytest.raises(Flaky) as excinfo:
                wrapped()
            assert excinfo.value is errors[times - 1]
    assert len(calls) == min(failures + 1, times)
    assert same(recorder.sync, [delay] * min(failures, times - 1))


# --------------------------------------------------------------------------- retry: async


def async_failing_then(
    failures: list[BaseException], result: Any = "ok"
) -> tuple[Callable[..., Any], list[tuple[Any, ...]]]:
    calls: list[tuple[Any, ...]] = []

    async def func(*args: Any, **kwargs: Any) -> Any:
        calls.append((args, kwargs))
        await asyncio.sleep(0)  # really suspend, like real I/O would
        if len(calls) <= len(failures):
            raise failures[len(calls) - 1]
        return result

    return func, calls


@pytest.mark.clause("C8", "C9")
def test_retry_async_wrapper_is_a_coroutine_function_with_metadata() -> None:
    async def download(url: str) -> str:
        """Download a URL."""
        return url

    wrapped = retry(2)(download)
    assert inspect.iscoroutinefunction(wrapped)
    assert same(wrapped.__name__, "download")
    assert same(wrapped.__qualname__, download.__qualname__)
    assert same(wrapped.__doc__, "Download a URL.")
    assert wrapped.__wrapped__ is download  # type: ignore[attr-defined]


@pytest.mark.clause("C9", "C10", "C11")
def test_retry_async_retries_awaited_failures_with_asyncio_sleep(sleeps: SleepRecorder) -> None:
    func, calls = async_failing_then([Flaky(), Flaky()], result=7)
    wrapped = retry(3, exceptions=(Flaky,), delay=0.75)(func)
    assert same(asyncio.run(wrapped(1, key="v")), 7)
    assert same(calls, [((1,), {"key": "v"})] * 3)
    assert same(real_delays(sleeps.async_), [0.75, 0.75])
    assert same(sleeps.sync, [])  # never the blocking time.sleep inside a coroutine


@pytest.mark.clause("C6", "C9", "C10")
def test_retry_async_gives_up_and_reraises_the_last_exception(sleeps: SleepRecorder) -> None:
    errors = [Flaky("a"), Flaky("b")]
    func, calls = async_failing_then(errors)
    wrapped = retry(2, exceptions=(Flaky,), delay=1.5)(func)
    with pytest.raises(Flaky) as excinfo:
        asyncio.run(wrapped())
    assert excinfo.value is errors[1]
    assert len(calls) == 2
    assert same(real_delays(sleeps.async_), [1.5])
    assert same(sleeps.sync, [])


@pytest.mark.clause("C7", "C9")
def test_retry_async_other_exception_propagates_at_once(sleeps: SleepRecorder) -> None:
    error = Fatal()
    func, calls = async_failing_then([error])
    wrapped = retry(4, exceptions=(Flaky,), delay=1.0)(func)
    with pytest.raises(Fatal) as excinfo:
        asyncio.run(wrapped())
    assert excinfo.value is error
    assert len(calls) == 1
    assert same(real_delays(sleeps.async_), [])


@pytest.mark.clause("C9")
def test_retry_async_success_returns_awaited_value(sleeps: SleepRecorder) -> None:
    @retry(3)
    async def compute(x: int) -> int:
        await asyncio.sleep(0)
        return x * 2

    assert same(asyncio.run(compute(21)), 42)


# --------------------------------------------------------------------------- memoize


def counted(func: Callable[..., Any]) -> tuple[Callable[..., Any], list[Any]]:
    """Wrap func so that every real call is recorded (before memoize sees it)."""
    calls: list[Any] = []

    def inner(*args: Any, **kwargs: Any) -> Any:
        calls.append((args, kwargs))
        return func(*args, **kwargs)

    return inner, calls


def echo(*args: Any, **kwargs: Any) -> tuple[tuple[Any, ...], list[tuple[str, Any]]]:
    return args, sorted(kwargs.items())


@pytest.mark.clause("C12")
def test_memoize_same_arguments_call_the_function_once() -> None:
    func, calls = counted(lambda x, y: x * y)
    square = memoize(func)
    assert same(square(3, 4), 12)
    assert same(square(3, 4), 12)
    assert same(square(3, 4), 12)
    assert len(calls) == 1


@pytest.mark.clause("C12")
def test_memoize_returns_the_very_same_cached_object() -> None:
    func, calls = counted(lambda n: [n])
    make = memoize(func)
    first = make(1)
    assert make(1) is first
    assert len(calls) == 1


@pytest.mark.clause("C12")
def test_memoize_different_arguments_are_computed_separately() -> None:
    func, calls = counted(lambda x: x * 10)
    times_ten = memoize(func)
    assert same([times_ten(i) for i in (1, 2, 1, 3, 2)], [10, 20, 10, 30, 20])
    assert len(calls) == 3


@pytest.mark.clause("C14")
def test_memoize_keyword_argument_order_does_not_matter() -> None:
    func, calls = counted(echo)
    wrapped = memoize(func)
    assert same(wrapped(1, a=1, b=2), ((1,), [("a", 1), ("b", 2)]))
    assert same(wrapped(1, b=2, a=1), ((1,), [("a", 1), ("b", 2)]))
    assert len(calls) == 1


@pytest.mark.clause("C12", "C14")
def test_memoize_keyword_names_and_values_both_matter() -> None:
    func, calls = counted(echo)
    wrapped = memoize(func)
    assert same(wrapped(a=1), ((), [("a", 1)]))
    assert same(wrapped(b=1), ((), [("b", 1)]))
    assert same(wrapped(a=2), ((), [("a", 2)]))
    assert len(calls) == 3


@pytest.mark.clause("C15")
def test_memoize_positional_tuple_never_collides_with_keyword_argument() -> None:
    func, calls = counted(echo)
    wrapped = memoize(func)
    assert same(wrapped(a=1), ((), [("a", 1)]))
    assert same(wrapped(("a", 1)), ((("a", 1),), []))
    assert same(wrapped(a=1), ((), [("a", 1)]))
    assert same(wrapped(("a", 1)), ((("a", 1),), []))
    assert len(calls) == 2


@pytest.mark.clause("C12")
def test_memoize_positional_arguments_are_ordered() -> None:
    func, calls = counted(lambda a, b: a - b)
    sub = memoize(func)
    assert same(sub(5, 2), 3)
    assert same(sub(2, 5), -3)
    assert len(calls) == 2


@pytest.mark.clause("C13")
@pytest.mark.parametrize("falsy", [None, 0, False, "", (), []], ids=repr)
def test_memoize_caches_falsy_results_too(falsy: Any) -> None:
    func, calls = counted(lambda x: falsy)
    wrapped = memoize(func)
    assert same(wrapped(1), falsy)
    assert same(wrapped(1), falsy)
    assert len(calls) == 1


@pytest.mark.clause("C16")
def test_memoize_unhashable_positional_argument_calls_through_every_time() -> None:
    func, calls = counted(lambda items: sum(items))
    total = memoize(func)
    assert same(total([1, 2, 3]), 6)
    assert same(total([1, 2, 3]), 6)
    assert len(calls) == 2


@pytest.mark.clause("C16")
def test_memoize_unhashable_keyword_argument_calls_through_every_time() -> None:
    func, calls = counted(echo)
    wrapped = memoize(func)
    assert same(wrapped(1, opts={"a": 1}), ((1,), [("opts", {"a": 1})]))
    assert same(wrapped(1, opts={"a": 1}), ((1,), [("opts", {"a": 1})]))
    assert len(calls) == 2


@pytest.mark.clause("C16")
def test_memoize_tuple_containing_a_list_is_unhashable_and_calls_through() -> None:
    func, calls = counted(lambda pair: len(pair[1]))
    wrapped = memoize(func)
    assert same(wrapped((1, [1, 2])), 2)
    assert same(wrapped((1, [1, 2])), 2)
    assert len(calls) == 2


@pytest.mark.clause("C16")
def test_memoize_unhashable_call_sees_the_current_contents_of_the_argument() -> None:
    func, _ = counted(lambda items: sum(items))
    total = memoize(func)
    items = [1, 2]
    assert same(total(items), 3)
    items.append(10)
    assert same(total(items), 13)


@pytest.mark.clause("C16")
def test_memoize_hashable_calls_are_still_cached_after_unhashable_ones() -> None:
    func, calls = counted(lambda x: repr(x))
    wrapped = memoize(func)
    assert same(wrapped([1, 2]), "[1, 2]")
    assert same(wrapped((1, 2)), "(1, 2)")
    assert same(wrapped((1, 2)), "(1, 2)")
    assert same(wrapped([1, 2]), "[1, 2]")
    assert same([c[0][0] for c in calls], [[1, 2], (1, 2), [1, 2]])


@pytest.mark.clause("C17")
def test_memoize_exceptions_are_not_cached() -> None:
    outcomes: list[Any] = [Flaky("boom"), "recovered"]
    calls: list[int] = []

    @memoize
    def load(key: str) -> Any:
        calls.append(1)
        outcome = outcomes[len(calls) - 1]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    with pytest.raises(Flaky) as excinfo:
        load("k")
    assert excinfo.value is outcomes[0]
    assert same(load("k"), "recovered")
    assert same(load("k"), "recovered")
    assert len(calls) == 2


@pytest.mark.clause("C18")
def test_memoize_typeerror_raised_by_the_function_propagates_after_one_call() -> None:
    calls: list[int] = []
    error = TypeError("bad input inside the function")

    @memoize
    def parse(text: str) -> int:
        calls.append(1)
        raise error

    with pytest.raises(TypeError) as excinfo:
        parse("x")
    assert excinfo.value is error
    assert len(calls) == 1


@pytest.mark.clause("C20")
def test_memoize_cache_clear_forces_recomputation() -> None:
    func, calls = counted(lambda x: x + 1)
    inc = memoize(func)
    inc(1)
    inc(2)
    inc.cache_clear()
    assert same(inc(1), 2)
    assert same(inc(1), 2)
    assert same(inc(2), 3)
    assert len(calls) == 4


@pytest.mark.clause("C21")
def test_memoize_separate_functions_have_separate_caches() -> None:
    f, f_calls = counted(lambda x: ("f", x))
    g, g_calls = counted(lambda x: ("g", x))
    mf, mg = memoize(f), memoize(g)
    assert same(mf(1), ("f", 1))
    assert same(mg(1), ("g", 1))
    mf.cache_clear()
    assert same(mg(1), ("g", 1))
    assert len(g_calls) == 1 and len(f_calls) == 1


@pytest.mark.clause("C19")
def test_memoize_keeps_name_qualname_doc_and_sets_wrapped() -> None:
    def slow_square(x: int) -> int:
        """Square x slowly."""
        return x * x

    wrapped = memoize(slow_square)
    assert same(wrapped.__name__, "slow_square")  # type: ignore[attr-defined]
    assert same(wrapped.__qualname__, slow_square.__qualname__)  # type: ignore[attr-defined]
    assert same(wrapped.__doc__, "Square x slowly.")
    assert wrapped.__wrapped__ is slow_square  # type: ignore[attr-defined]
    assert same(wrapped(4), 16)


# A stateful check of memoize against a model: the set of argument keys already cached.

arg_values = st.one_of(
    st.integers(min_value=0, max_value=3),
    st.sampled_from(["a", "b"]),
    st.lists(st.integers(min_value=0, max_value=2), max_size=2),  # unhashable
)
kwarg_dicts = st.dictionaries(st.sampled_from(["a", "b", "c"]), arg_values, max_size=2)


def model_key(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Hashable | None:
    try:
        key = (args, frozenset(kwargs.items()))
        hash(key)
    except TypeError:
        return None
    return key


class MemoizeMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Any] = []
        self.cached: set[Hashable] = set()

        def target(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((args, kwargs))
            return echo(*args, **kwargs)

        self.wrapped = memoize(target)

    @rule(args=st.lists(arg_values, max_size=2).map(tuple), kwargs=kwarg_dicts)
    def call(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        before = len(self.calls)
        assert same(self.wrapped(*args, **kwargs), echo(*args, **kwargs))
        key = model_key(args, kwargs)
        expected_through = key is None or key not in self.cached
        assert len(self.calls) - before == (1 if expected_through else 0)
        if key is not None:
            self.cached.add(key)

    @rule()
    def clear(self) -> None:
        self.wrapped.cache_clear()
        self.cached.clear()


MemoizeMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=30)
test_memoize_stateful_against_a_model_of_cached_keys = pytest.mark.clause(
    "C12", "C14", "C15", "C16", "C20"
)(MemoizeMachine.TestCase)


@pytest.mark.clause("C21")
def test_memoize_never_evicts_however_many_entries() -> None:
    """An LRU cache of the usual 128 (or any fixed) size would call the function again here."""
    func, calls = counted(lambda x, y=0: x * 2 + y)
    wrapped = memoize(func)
    firsts = [wrapped(i) for i in range(3000)] + [wrapped(i, y=1) for i in range(300)]
    again = [wrapped(i) for i in range(3000)] + [wrapped(i, y=1) for i in range(300)]
    assert same(again, firsts)
    assert len(calls) == 3300


@pytest.mark.clause("C16")
def test_memoize_keyword_tuple_containing_a_list_is_unhashable_and_calls_through() -> None:
    func, calls = counted(echo)
    wrapped = memoize(func)
    value = (1, [2])
    assert same(wrapped(k=value), ((), [("k", (1, [2]))]))
    value[1].append(3)
    assert same(wrapped(k=value), ((), [("k", (1, [2, 3]))]))
    assert len(calls) == 2
    assert same(wrapped(k=(1, 2)), ((), [("k", (1, 2))]))
    assert same(wrapped(k=(1, 2)), ((), [("k", (1, 2))]))
    assert len(calls) == 3


@pytest.mark.clause("C4", "C5")
def test_retry_default_delay_is_zero(sleeps: SleepRecorder) -> None:
    func, calls = failing_then([Flaky(), Flaky()], result="ok")
    wrapped = retry(3, exceptions=(Flaky,))(func)
    assert same(wrapped(), "ok")
    assert len(calls) == 3
    assert len(sleeps.sync) <= 2
    assert all(type(d) in (int, float) and d == 0 for d in sleeps.sync), sleeps.sync


@pytest.mark.clause("C9", "C10")
def test_retry_async_default_delay_is_zero(sleeps: SleepRecorder) -> None:
    func, calls = async_failing_then([Flaky()], result="ok")
    wrapped = retry(2, exceptions=(Flaky,))(func)
    assert same(asyncio.run(wrapped()), "ok")
    assert len(calls) == 2
    assert same(real_delays(sleeps.async_), [])
    assert same(sleeps.sync, [])

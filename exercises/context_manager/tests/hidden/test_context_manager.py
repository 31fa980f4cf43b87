"""Hidden suite for the context_manager exercise: Timer, TemporaryEnv, Suppress."""

from __future__ import annotations

import os
import string
import time
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from solution import Suppress, TemporaryEnv, Timer

# --------------------------------------------------------------------------- helpers

PREFIX = "CTXMGR_HIDDEN_"
NAMES = [f"{PREFIX}{letter}" for letter in "ABCDE"]


@pytest.fixture(autouse=True)
def clean_env() -> Iterator[None]:
    """Remove the test variables before and after every test, whatever the solution did."""
    for name in [n for n in os.environ if n.startswith(PREFIX)]:
        del os.environ[name]
    yield
    for name in [n for n in os.environ if n.startswith(PREFIX)]:
        del os.environ[name]


def busy_wait(seconds: float) -> None:
    """Spin until perf_counter has advanced by at least ``seconds`` (not a timing assertion:
    it only guarantees the block takes a measurable, non-zero time)."""
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        pass


def env_snapshot() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name.startswith(PREFIX)}


class Boom(Exception):
    pass


class Block:
    """Proof that a ``with`` block ran to its end: call ``done()`` as the block's last line and
    assert ``finished`` after it. An ``__exit__`` that wrongly swallows exceptions would otherwise
    also swallow a failed assertion inside the block, and the test would pass."""

    def __init__(self) -> None:
        self.finished = False

    def done(self) -> None:
        self.finished = True


def is_seconds(value: object) -> bool:
    """An exact float (a float subclass could answer any comparison) that is not negative."""
    return type(value) is float and value >= 0


# --------------------------------------------------------------------------- Timer


@pytest.mark.clause("C1")
def test_timer_enter_returns_the_timer_itself() -> None:
    timer = Timer()
    block = Block()
    with timer as bound:
        assert bound is timer
        block.done()
    assert block.finished


@pytest.mark.clause("C2")
def test_timer_elapsed_is_none_before_use_and_inside_the_block() -> None:
    timer = Timer()
    assert timer.elapsed is None
    block = Block()
    with timer as t:
        assert t.elapsed is None
        block.done()
    assert block.finished


@pytest.mark.clause("C3")
def test_timer_elapsed_is_bounded_by_perf_counter_readings_around_and_inside_the_block() -> None:
    before = time.perf_counter()
    with Timer() as t:
        inner_start = time.perf_counter()
        busy_wait(0.002)
        inner_end = time.perf_counter()
    after = time.perf_counter()
    assert is_seconds(t.elapsed)
    assert inner_end - inner_start <= t.elapsed <= after - before


@pytest.mark.clause("C3", "C4")
def test_timer_records_elapsed_when_block_raises_and_exception_propagates() -> None:
    error = Boom("inside timer")
    before = time.perf_counter()
    with pytest.raises(Boom) as excinfo, Timer() as t:
        inner_start = time.perf_counter()
        busy_wait(0.002)
        inner_end = time.perf_counter()
        raise error
    after = time.perf_counter()
    assert excinfo.value is error
    assert is_seconds(t.elapsed)
    assert inner_end - inner_start <= t.elapsed <= after - before


@pytest.mark.clause("C4")
def test_timer_does_not_suppress_base_exceptions_either() -> None:
    class Stop(BaseException):
        pass

    timer = Timer()
    with pytest.raises(Stop), timer:
        raise Stop
    assert is_seconds(timer.elapsed)


@pytest.mark.clause("C2", "C5")
def test_timer_reentry_resets_elapsed_to_none_inside_the_block() -> None:
    timer = Timer()
    with timer:
        pass
    assert is_seconds(timer.elapsed)
    block = Block()
    with timer:
        assert timer.elapsed is None
        block.done()
    assert block.finished
    assert is_seconds(timer.elapsed)


@pytest.mark.clause("C5")
def test_timer_reentry_restarts_the_measurement_from_the_new_entry() -> None:
    timer = Timer()
    with timer:
        busy_wait(0.005)
    first = timer.elapsed
    assert is_seconds(first) and first >= 0.005
    busy_wait(0.005)  # time between the blocks must not be counted
    before = time.perf_counter()
    with timer:
        pass
    after = time.perf_counter()
    assert is_seconds(timer.elapsed)
    assert 0 <= timer.elapsed <= after - before


@pytest.mark.clause("C3")
def test_separate_timers_measure_independently() -> None:
    outer_before = time.perf_counter()
    block = Block()
    with Timer() as outer:
        outer_first = time.perf_counter()
        busy_wait(0.003)
        inner_before = time.perf_counter()
        with Timer() as inner:
            pass
        inner_after = time.perf_counter()
        assert outer.elapsed is None
        block.done()
    outer_after = time.perf_counter()
    assert block.finished
    assert is_seconds(inner.elapsed) and is_seconds(outer.elapsed)
    assert 0 <= inner.elapsed <= inner_after - inner_before
    assert inner_after - outer_first <= outer.elapsed <= outer_after - outer_before


# --------------------------------------------------------------------------- TemporaryEnv


@pytest.mark.clause("C6", "C8")
def test_env_sets_a_new_variable_and_removes_it_afterwards() -> None:
    name = NAMES[0]
    block = Block()
    with TemporaryEnv(**{name: "on"}):
        assert os.environ[name] == "on"
        assert os.getenv(name) == "on"
        block.done()
    assert block.finished
    assert name not in os.environ


@pytest.mark.clause("C6", "C8")
def test_env_overrides_an_existing_variable_and_restores_its_old_value() -> None:
    name = NAMES[0]
    os.environ[name] = "original"
    block = Block()
    with TemporaryEnv(**{name: "override"}):
        assert os.environ[name] == "override"
        block.done()
    assert block.finished
    assert os.environ[name] == "original"


@pytest.mark.clause("C6", "C8")
def test_env_none_removes_an_existing_variable_and_restores_it_afterwards() -> None:
    name = NAMES[0]
    os.environ[name] = "keep me"
    block = Block()
    with TemporaryEnv(**{name: None}):
        assert name not in os.environ
        block.done()
    assert block.finished
    assert os.environ[name] == "keep me"


@pytest.mark.clause("C6", "C8")
def test_env_none_for_a_variable_that_does_not_exist_is_fine_and_stays_absent() -> None:
    name, other = NAMES[:2]
    block = Block()
    # `other` shows the manager is at work (a do-nothing one would pass on `name` alone).
    with TemporaryEnv(**{name: None, other: "set"}):
        assert name not in os.environ
        assert os.environ[other] == "set"
        block.done()
    assert block.finished
    assert name not in os.environ
    assert other not in os.environ


@pytest.mark.clause("C7")
def test_env_empty_string_is_a_value_not_a_removal() -> None:
    existing, absent = NAMES[0], NAMES[1]
    os.environ[existing] = "full"
    block = Block()
    with TemporaryEnv(**{existing: "", absent: ""}):
        assert os.environ[existing] == ""
        assert os.environ[absent] == ""
        block.done()
    assert block.finished
    assert os.environ[existing] == "full"
    assert absent not in os.environ


@pytest.mark.clause("C7", "C8")
def test_env_existing_empty_string_value_is_restored_not_removed() -> None:
    name = NAMES[0]
    os.environ[name] = ""
    block = Block()
    with TemporaryEnv(**{name: "x"}):
        assert os.environ[name] == "x"
        block.done()
    assert block.finished
    assert os.environ[name] == ""


@pytest.mark.clause("C6", "C8")
def test_env_several_variables_at_once() -> None:
    a, b, c = NAMES[:3]
    os.environ[a] = "a0"
    os.environ[b] = "b0"
    block = Block()
    with TemporaryEnv(**{a: "a1", b: None, c: "c1"}):
        assert env_snapshot() == {a: "a1", c: "c1"}
        block.done()
    assert block.finished
    assert env_snapshot() == {a: "a0", b: "b0"}


@pytest.mark.clause("C8", "C11")
def test_env_restores_on_exception_and_exception_propagates() -> None:
    a, b = NAMES[:2]
    os.environ[a] = "a0"
    error = Boom("inside env")
    with pytest.raises(Boom) as excinfo, TemporaryEnv(**{a: None, b: "new"}):
        inside = env_snapshot()
        raise error
    assert inside == {b: "new"}
    assert excinfo.value is error
    assert env_snapshot() == {a: "a0"}


@pytest.mark.clause("C8")
def test_env_restores_variables_the_block_itself_changed_or_deleted() -> None:
    a, b, c = NAMES[:3]
    os.environ[a] = "a0"
    with TemporaryEnv(**{a: "a1", b: "b1", c: None}):
        del os.environ[a]
        os.environ[b] = "changed in block"
        os.environ[c] = "created in block"
    assert env_snapshot() == {a: "a0"}


@pytest.mark.clause("C10")
def test_env_leaves_unnamed_variables_alone() -> None:
    named, other = NAMES[:2]
    os.environ[other] = "untouched"
    block = Block()
    with TemporaryEnv(**{named: "x"}):
        assert os.environ[other] == "untouched"
        assert os.environ[named] == "x"
        block.done()
    assert block.finished
    assert os.environ[other] == "untouched"
    assert named not in os.environ


@pytest.mark.clause("C9")
def test_env_snapshot_is_taken_on_entry_not_at_construction() -> None:
    name = NAMES[0]
    manager = TemporaryEnv(**{name: "during"})
    os.environ[name] = "set after construction"
    block = Block()
    with manager:
        assert os.environ[name] == "during"
        block.done()
    assert block.finished
    assert os.environ[name] == "set after construction"


@pytest.mark.clause("C12")
def test_env_nested_blocks_each_restore_what_they_found() -> None:
    name = NAMES[0]
    os.environ[name] = "outer0"
    blocks = [Block() for _ in range(3)]
    with TemporaryEnv(**{name: "outer1"}):
        with TemporaryEnv(**{name: None}):
            assert name not in os.environ
            blocks[0].done()
        assert os.environ[name] == "outer1"
        with TemporaryEnv(**{name: "inner"}):
            assert os.environ[name] == "inner"
            blocks[1].done()
        assert os.environ[name] == "outer1"
        blocks[2].done()
    assert all(block.finished for block in blocks)
    assert os.environ[name] == "outer0"


values = st.one_of(
    st.none(), st.text(alphabet=string.ascii_letters + string.digits + " -_", max_size=8)
)


@pytest.mark.clause("C6", "C8", "C10", "C11")
@settings(max_examples=150)
@given(
    initial=st.fixed_dictionaries({}, optional={name: values for name in NAMES}),
    overrides=st.fixed_dictionaries({}, optional={name: values for name in NAMES}),
    in_block=st.fixed_dictionaries({}, optional={name: values for name in NAMES}),
    raise_in_block=st.booleans(),
)
def test_env_property_inside_matches_overrides_and_exit_restores_everything(
    initial: dict[str, str | None],
    overrides: dict[str, str | None],
    in_block: dict[str, str | None],
    raise_in_block: bool,
) -> None:
    for name in NAMES:
        os.environ.pop(name, None)
    for name, value in initial.items():
        if value is not None:
            os.environ[name] = value
    before = env_snapshot()

    expected_inside = dict(before)
    for name, value in overrides.items():
        if value is None:
            expected_inside.pop(name, None)
        else:
            expected_inside[name] = value

    # Only variables named in the overrides are restored; in-block changes to others persist.
    expected_after = dict(before)
    for name, value in in_block.items():
        if name in overrides:
            continue
        if value is None:
            expected_after.pop(name, None)
        else:
            expected_after[name] = value

    inside = None
    try:
        with TemporaryEnv(**overrides):
            inside = env_snapshot()
            for name, value in in_block.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            if raise_in_block:
                raise Boom
    except Boom:
        assert raise_in_block
    else:
        assert not raise_in_block
    assert inside == expected_inside
    assert env_snapshot() == expected_after


# --------------------------------------------------------------------------- Suppress


@pytest.mark.clause("C15")
def test_suppress_exception_is_none_before_any_block() -> None:
    assert Suppress(KeyError).exception is None


@pytest.mark.clause("C13", "C15")
def test_suppress_suppresses_a_listed_type_and_records_the_same_object() -> None:
    error = KeyError("k")
    s = Suppress(KeyError)
    with s:
        raise error
    assert s.exception is error


@pytest.mark.clause("C13")
def test_suppress_code_after_the_with_statement_runs() -> None:
    reached = []
    error = ValueError("swallowed")
    s = Suppress(ValueError)
    with s:
        raise error
    reached.append(True)
    assert reached == [True]
    assert s.exception is error


@pytest.mark.clause("C13")
def test_suppress_suppresses_subclasses_of_a_listed_type() -> None:
    s = Suppress(LookupError)
    with s:
        {}["missing"]
    assert type(s.exception) is KeyError


@pytest.mark.clause("C13")
def test_suppress_accepts_several_types() -> None:
    for error in (KeyError("a"), ZeroDivisionError("b"), IndexError("c")):
        s = Suppress(ZeroDivisionError, LookupError)
        with s:
            raise error
        assert s.exception is error


@pytest.mark.clause("C13", "C15")
def test_suppress_lets_other_exceptions_propagate_and_records_none() -> None:
    error = ValueError("not mine")
    s = Suppress(KeyError, TypeError)
    with pytest.raises(ValueError) as excinfo, s:
        raise error
    assert excinfo.value is error
    assert s.exception is None


@pytest.mark.clause("C13")
def test_suppress_does_not_suppress_a_superclass_of_a_listed_type() -> None:
    s = Suppress(KeyError)
    with pytest.raises(LookupError), s:
        raise LookupError
    assert s.exception is None


@pytest.mark.clause("C14")
def test_suppress_with_no_types_suppresses_nothing() -> None:
    s = Suppress()
    with pytest.raises(Boom), s:
        raise Boom
    assert s.exception is None


@pytest.mark.clause("C13")
def test_suppress_can_suppress_base_exception_subclasses() -> None:
    class Stop(BaseException):
        pass

    s = Suppress(Stop)
    with s:
        raise Stop
    assert type(s.exception) is Stop


@pytest.mark.clause("C15")
def test_suppress_block_without_exception_runs_and_leaves_exception_none() -> None:
    s = Suppress(Exception)
    ran = []
    with s:
        ran.append(1)
    assert ran == [1]
    assert s.exception is None


@pytest.mark.clause("C15")
def test_suppress_reuse_reports_only_the_latest_block() -> None:
    s = Suppress(KeyError)
    with s:
        raise KeyError("first")
    assert type(s.exception) is KeyError
    with s:
        pass
    assert s.exception is None
    with s:
        raise KeyError("second")
    assert type(s.exception) is KeyError and s.exception.args == ("second",)
    with pytest.raises(ValueError), s:
        raise ValueError
    assert s.exception is None


class Root(Exception):
    pass


class Left(Root):
    pass


class Right(Root):
    pass


class LeftLeaf(Left):
    pass


HIERARCHY: list[type[BaseException]] = [
    Root,
    Left,
    Right,
    LeftLeaf,
    ValueError,
    KeyError,
    LookupError,
]


@pytest.mark.clause("C13", "C14", "C15")
@settings(max_examples=150)
@given(
    listed=st.lists(st.sampled_from(HIERARCHY), max_size=4),
    raised=st.sampled_from(HIERARCHY),
)
def test_suppress_property_suppressed_iff_instance_of_some_listed_type(
    listed: list[type[BaseException]], raised: type[BaseException]
) -> None:
    error = raised()
    expected = any(issubclass(raised, kind) for kind in listed)
    s = Suppress(*listed)
    try:
        with s:
            raise error
    except BaseException as propagated:
        assert not expected
        assert propagated is error
        assert s.exception is None
    else:
        assert expected
        assert s.exception is error


# --------------------------------------------------------------------------- which clock, reuse


class FakeClock:
    """Stands in for a time function: returns ``now``, which the test sets."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.mark.clause("C3")
def test_timer_reads_time_perf_counter_on_entry_and_on_exit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    perf = FakeClock(3.0)
    monkeypatch.setattr(time, "perf_counter", perf)
    for name in ("time", "monotonic", "process_time", "thread_time"):
        monkeypatch.setattr(time, name, FakeClock(-7_000.0))
    for name in ("perf_counter_ns", "time_ns", "monotonic_ns", "process_time_ns"):
        monkeypatch.setattr(time, name, FakeClock(-7_000_000_000_000))
    timer = Timer()
    with timer:
        perf.now = 10.5
    assert type(timer.elapsed) is float
    assert timer.elapsed == 7.5
    perf.now = 0.5
    with timer:
        perf.now = 2.0
    assert timer.elapsed == 1.5


@pytest.mark.clause("C3", "C4")
def test_timer_reads_the_exit_time_when_the_block_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    perf = FakeClock(4.0)
    monkeypatch.setattr(time, "perf_counter", perf)
    timer = Timer()
    error = Boom()
    with pytest.raises(Boom) as excinfo, timer:
        perf.now = 14.0
        raise error
    assert excinfo.value is error
    assert timer.elapsed == 10.0


@pytest.mark.clause("C8", "C9")
def test_env_instance_entered_again_restores_what_it_found_the_second_time() -> None:
    name, other = NAMES[0], NAMES[1]
    manager = TemporaryEnv(**{name: "during", other: None})
    with manager:
        assert os.environ[name] == "during"
    assert name not in os.environ
    os.environ[name] = "between"
    os.environ[other] = "other between"
    block = Block()
    with manager:
        assert os.environ[name] == "during"
        assert other not in os.environ
        block.done()
    assert block.finished
    assert os.environ[name] == "between"
    assert os.environ[other] == "other between"


@pytest.mark.clause("C6", "C8")
def test_env_with_no_overrides_changes_nothing() -> None:
    os.environ[NAMES[0]] = "kept"
    before = dict(os.environ)
    with TemporaryEnv():
        assert dict(os.environ) == before
    assert dict(os.environ) == before

"""Hidden suite for the task orchestrator exercise."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pytest
from exact import same
from hypothesis import given, settings
from hypothesis import strategies as st
from solution import (
    CycleError,
    PipelineError,
    Task,
    TaskResult,
    UnknownDependencyError,
    execution_order,
    run_pipeline,
)


def noop() -> None:
    return None


def forbidden() -> None:
    raise AssertionError("this action must not be called")


def no_sleep(delay: float) -> None:
    raise AssertionError(f"sleep({delay}) must not be called")


class Recorder:
    """Builds actions that log their calls (and fail a given number of times) in one journal."""

    def __init__(self) -> None:
        self.journal: list[str] = []
        self.delays: list[float] = []

    def sleep(self, delay: float) -> None:
        self.delays.append(delay)
        self.journal.append(f"sleep {delay:g}")

    def action(self, name: str, failures: int = 0) -> Callable[[], object]:
        """An action that raises on its first ``failures`` calls, then succeeds."""
        calls = 0

        def run() -> str:
            nonlocal calls
            calls += 1
            self.journal.append(name)
            if calls <= failures:
                raise RuntimeError(f"{name} failed on call {calls}")
            return f"{name} done"

        return run

    def ran(self) -> list[str]:
        return [entry for entry in self.journal if not entry.startswith("sleep")]


def text(value: object) -> str:
    """`value` itself, once it is an exact str: a str subclass could answer `in` as it likes."""
    assert type(value) is str, f"expected a str, got {type(value).__qualname__}"
    return value


def is_result(value: object, state: str, attempts: int) -> bool:
    """A TaskResult with exactly this state and attempt count and no error (the candidate's
    TaskResult.__eq__ is not asked)."""
    return (
        type(value) is TaskResult
        and same(value.state, state)
        and same(value.attempts, attempts)
        and value.error is None
    )


def delays(recorder: Recorder) -> list[float]:
    """The recorded sleeps, each an exact int or float (pytest.approx asks a number's ==)."""
    assert all(type(d) in (int, float) for d in recorder.delays), recorder.delays
    return recorder.delays


def assert_is_cycle(cycle: list[str], tasks: Sequence[Task]) -> None:
    deps = {task.name: set(task.depends_on) for task in tasks}
    assert type(cycle) is list and all(type(name) is str for name in cycle), cycle
    assert len(cycle) >= 2, cycle
    assert cycle[0] == cycle[-1], f"a cycle starts and ends with the same name: {cycle}"
    assert len(set(cycle[:-1])) == len(cycle) - 1, f"names repeat inside the cycle: {cycle}"
    for name, following in itertools.pairwise(cycle):
        assert following in deps[name], f"{name!r} does not depend on {following!r} in {cycle}"


def oracle_order(tasks: Sequence[Task]) -> list[str]:
    """The contract read literally: repeatedly take the first listed task whose deps are placed."""
    placed: list[str] = []
    remaining = list(tasks)
    while remaining:
        task = next(t for t in remaining if set(t.depends_on) <= set(placed))
        placed.append(task.name)
        remaining.remove(task)
    return placed


# ---------------------------------------------------------------- execution order


@pytest.mark.clause("C1")
def test_task_and_task_result_are_frozen() -> None:
    task = Task("t", noop, ("a",), 2)
    result = TaskResult("failed", 3, RuntimeError("x"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        task.retries = 5  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.attempts = 1  # type: ignore[misc]
    assert same((task.name, task.depends_on, task.retries), ("t", ("a",), 2))
    assert same((Task("u", noop).depends_on, Task("u", noop).retries), ((), 0))
    assert TaskResult("success", 1).error is None


@pytest.mark.clause("C11")
def test_tasks_by_keyword_and_the_options_only_by_keyword() -> None:
    recorder = Recorder()
    tasks = [Task("t", recorder.action("t", failures=1), retries=1)]
    assert same(execution_order(tasks=tasks), ["t"])
    report = run_pipeline(tasks=tasks, sleep=recorder.sleep, base_delay=3.0)
    assert is_result(report["t"], "success", 2)
    assert delays(recorder) == pytest.approx([3.0])
    with pytest.raises(TypeError):
        run_pipeline(tasks, no_sleep)  # type: ignore[misc]


@pytest.mark.clause("C3", "C22")
def test_order_of_an_empty_pipeline_is_empty() -> None:
    assert same(execution_order([]), [])
    assert same(run_pipeline([], sleep=no_sleep), {})


@pytest.mark.clause("C3", "C10")
def test_order_keeps_a_pipeline_already_listed_in_a_valid_order() -> None:
    tasks = [
        Task("extract", noop),
        Task("clean", noop, ("extract",)),
        Task("audit", noop),
        Task("load", noop, ("clean", "extract")),
    ]
    assert same(execution_order(tasks), ["extract", "clean", "audit", "load"])


@pytest.mark.clause("C3", "C9")
def test_order_puts_dependencies_first_even_when_listed_last() -> None:
    tasks = [
        Task("report", noop, ("load",)),
        Task("load", noop, ("transform",)),
        Task("transform", noop, ("extract",)),
        Task("extract", noop),
    ]
    assert same(execution_order(tasks), ["extract", "transform", "load", "report"])


@pytest.mark.clause("C10")
def test_order_tie_break_picks_the_first_listed_ready_task_not_the_first_queued() -> None:
    # After "a", both "c" (listed 2nd) and "b" (listed 3rd, but ready from the start) are ready.
    tasks = [Task("a", noop), Task("c", noop, ("a",)), Task("b", noop)]
    assert same(execution_order(tasks), ["a", "c", "b"])


@pytest.mark.clause("C9", "C10")
def test_order_tie_break_in_a_wide_graph() -> None:
    tasks = [
        Task("z", noop, ("y",)),
        Task("x", noop),
        Task("w", noop, ("x",)),
        Task("y", noop),
        Task("v", noop, ("w", "z")),
        Task("u", noop),
    ]
    assert same(execution_order(tasks), ["x", "w", "y", "z", "v", "u"])


@pytest.mark.clause("C3", "C9")
@pytest.mark.parametrize("shape", ["chain", "fan"])
def test_order_of_a_few_hundred_tasks(shape: str) -> None:
    count = 300
    if shape == "chain":  # listed last-first: each one needs the next one listed
        tasks = [Task(f"t{i}", noop, (f"t{i + 1}",) if i + 1 < count else ()) for i in range(count)]
        expected = [f"t{i}" for i in reversed(range(count))]
    else:  # one root, everything else needs it
        tasks = [Task(f"t{i}", noop, ("t0",) if i else ()) for i in range(count)]
        expected = [f"t{i}" for i in range(count)]
    assert same(execution_order(tasks), expected)
    assert same(list(run_pipeline(tasks, sleep=no_sleep)), expected)


@pytest.mark.clause("C8")
def test_order_a_dependency_listed_twice_counts_once() -> None:
    tasks = [Task("b", noop, ("a", "a")), Task("a", noop), Task("c", noop, ("b", "a", "b"))]
    assert same(execution_order(tasks), ["a", "b", "c"])


@pytest.mark.clause("C23")
def test_order_does_not_call_any_action_or_mutate_the_input() -> None:
    tasks = [Task("b", forbidden, ("a",)), Task("a", forbidden)]
    snapshot = list(tasks)
    assert same(execution_order(tasks), ["a", "b"])
    assert tasks == snapshot


@st.composite
def dags(draw: st.DrawFn, max_tasks: int = 9) -> list[Task]:
    """A random DAG (edges only to lower ids), listed in a random order."""
    count = draw(st.integers(min_value=0, max_value=max_tasks))
    tasks = []
    for i in range(count):
        deps = draw(st.lists(st.integers(min_value=0, max_value=i - 1), unique=True)) if i else []
        tasks.append(Task(f"t{i}", noop, tuple(f"t{d}" for d in deps)))
    return list(draw(st.permutations(tasks)))


@pytest.mark.clause("C3", "C9", "C10")
@settings(max_examples=150)
@given(tasks=dags())
def test_order_property_each_task_once_after_its_dependencies_with_the_stated_tie_break(
    tasks: list[Task],
) -> None:
    order = execution_order(tasks)
    assert same(sorted(order), sorted(task.name for task in tasks))
    position = {name: i for i, name in enumerate(order)}
    for task in tasks:
        for dep in task.depends_on:
            assert position[dep] < position[task.name]
    assert same(order, oracle_order(tasks))


# ---------------------------------------------------------------- validation


@pytest.mark.clause("C2", "C4", "C12")
def test_duplicate_task_names_are_rejected() -> None:
    with pytest.raises(PipelineError):
        execution_order([Task("a", noop), Task("b", noop), Task("a", noop)])
    with pytest.raises(PipelineError):
        run_pipeline([Task("a", forbidden), Task("a", forbidden)], sleep=no_sleep)


@pytest.mark.clause("C2", "C5", "C12")
def test_negative_retries_are_rejected_before_anything_runs() -> None:
    tasks = [Task("a", forbidden), Task("b", forbidden, retries=-1)]
    with pytest.raises(PipelineError):
        execution_order(tasks)
    with pytest.raises(PipelineError):
        run_pipeline(tasks, sleep=no_sleep)


@pytest.mark.clause("C2", "C6")
def test_unknown_dependency_names_the_task_and_the_missing_dependency() -> None:
    tasks = [Task("extract", noop), Task("load", noop, ("extract", "transform"))]
    with pytest.raises(UnknownDependencyError) as caught:
        execution_order(tasks)
    assert same(caught.value.task, "load")
    assert same(caught.value.dependency, "transform")
    assert "load" in text(str(caught.value)) and "transform" in text(str(caught.value))
    assert isinstance(caught.value, PipelineError) and isinstance(caught.value, ValueError)


@pytest.mark.clause("C6", "C12")
def test_unknown_dependency_is_rejected_before_any_task_runs() -> None:
    tasks = [Task("first", forbidden), Task("second", forbidden, ("ghost",))]
    with pytest.raises(UnknownDependencyError):
        run_pipeline(tasks, sleep=no_sleep)


@pytest.mark.clause("C2", "C7")
def test_cycle_of_three_is_reported_as_a_closed_path() -> None:
    tasks = [Task("a", noop, ("b",)), Task("b", noop, ("c",)), Task("c", noop, ("a",))]
    with pytest.raises(CycleError) as caught:
        execution_order(tasks)
    cycle = caught.value.cycle
    assert_is_cycle(cycle, tasks)
    assert same(sorted(cycle[:-1]), ["a", "b", "c"])
    for name in "abc":
        assert name in text(str(caught.value))
    assert isinstance(caught.value, PipelineError) and isinstance(caught.value, ValueError)


@pytest.mark.clause("C7")
def test_self_dependency_is_a_cycle_of_one() -> None:
    tasks = [Task("ok", noop), Task("loop", noop, ("ok", "loop"))]
    with pytest.raises(CycleError) as caught:
        execution_order(tasks)
    assert same(caught.value.cycle, ["loop", "loop"])


@pytest.mark.clause("C7")
def test_cycle_behind_runnable_tasks_names_only_the_cycle() -> None:
    # "tail" depends on the cycle without being on it; "root" and "free" are fine.
    tasks = [
        Task("root", noop),
        Task("tail", noop, ("p",)),
        Task("p", noop, ("root", "q")),
        Task("free", noop),
        Task("q", noop, ("r",)),
        Task("r", noop, ("p",)),
    ]
    with pytest.raises(CycleError) as caught:
        execution_order(tasks)
    assert_is_cycle(caught.value.cycle, tasks)
    assert same(sorted(caught.value.cycle[:-1]), ["p", "q", "r"])


@pytest.mark.clause("C7", "C12")
def test_cycle_is_rejected_before_any_task_runs_even_independent_ones() -> None:
    recorder = Recorder()
    tasks = [
        Task("independent", recorder.action("independent")),
        Task("a", recorder.action("a"), ("b",)),
        Task("b", recorder.action("b"), ("a",)),
        Task("after", recorder.action("after")),
    ]
    with pytest.raises(CycleError):
        run_pipeline(tasks, sleep=recorder.sleep)
    assert recorder.journal == []


@pytest.mark.clause("C7", "C12")
@settings(max_examples=100)
@given(tasks=dags(), data=st.data())
def test_cycle_property_any_back_edge_is_detected_and_a_real_cycle_is_named(
    tasks: list[Task], data: st.DataObject
) -> None:
    if not tasks:
        return
    # Add an edge from a task to one of its descendants (or itself): that closes a cycle.
    deps = {task.name: set(task.depends_on) for task in tasks}
    start = data.draw(st.sampled_from(sorted(deps)))
    descendants = {start}
    changed = True
    while changed:
        changed = False
        for name, its_deps in deps.items():
            if name not in descendants and its_deps & descendants:
                descendants.add(name)
                changed = True
    target = data.draw(st.sampled_from(sorted(descendants)))
    recorder = Recorder()
    cyclic = [
        Task(
            t.name,
            recorder.action(t.name),
            t.depends_on + ((target,) if t.name == start else ()),
        )
        for t in tasks
    ]
    with pytest.raises(CycleError) as caught:
        run_pipeline(cyclic, sleep=recorder.sleep)
    assert_is_cycle(caught.value.cycle, cyclic)
    assert recorder.journal == []


# ---------------------------------------------------------------- running


@pytest.mark.clause("C13", "C15", "C20")
def test_all_succeed_in_execution_order_once_each_without_sleeping() -> None:
    recorder = Recorder()
    tasks = [
        Task("load", recorder.action("load"), ("transform",)),
        Task("extract", recorder.action("extract")),
        Task("transform", recorder.action("transform"), ("extract",)),
        Task("stats", recorder.action("stats")),
    ]
    report = run_pipeline(tasks, sleep=no_sleep)
    assert recorder.journal == ["extract", "transform", "load", "stats"]
    assert same(list(report), recorder.journal)
    assert all(is_result(result, "success", 1) for result in report.values())


@pytest.mark.clause("C22")
def test_report_is_keyed_in_execution_order() -> None:
    tasks = [Task("a", noop), Task("c", noop, ("a",)), Task("b", noop)]
    assert same(list(run_pipeline(tasks, sleep=no_sleep)), ["a", "c", "b"])


@pytest.mark.clause("C15")
def test_return_values_are_ignored_even_falsy_ones() -> None:
    tasks = [Task("none", lambda: None), Task("false", lambda: False), Task("zero", lambda: 0)]
    report = run_pipeline(tasks)
    assert type(report) is dict and same(sorted(report), ["false", "none", "zero"])
    assert all(is_result(r, "success", 1) for r in report.values())


@pytest.mark.clause("C15", "C16", "C18")
def test_retry_until_success_counts_attempts_and_backs_off_exponentially() -> None:
    recorder = Recorder()
    tasks = [Task("flaky", recorder.action("flaky", failures=3), retries=5)]
    report = run_pipeline(tasks, sleep=recorder.sleep)
    assert is_result(report["flaky"], "success", 4)
    assert recorder.delays == [1.0, 2.0, 4.0]


@pytest.mark.clause("C16", "C20")
def test_sleep_happens_between_attempts_and_never_after_the_last_failure() -> None:
    recorder = Recorder()
    tasks = [Task("down", recorder.action("down", failures=99), retries=2), Task("next", noop)]
    report = run_pipeline(tasks, sleep=recorder.sleep)
    assert recorder.journal == ["down", "sleep 1", "down", "sleep 2", "down"]
    assert same(report["down"].state, "failed")
    assert same(report["down"].attempts, 3)


@pytest.mark.clause("C16", "C20")
def test_no_retries_means_one_attempt_and_no_sleep() -> None:
    recorder = Recorder()
    report = run_pipeline([Task("once", recorder.action("once", failures=1))], sleep=no_sleep)
    assert same(report["once"].state, "failed")
    assert same(report["once"].attempts, 1)
    assert recorder.journal == ["once"]


@pytest.mark.clause("C18")
def test_backoff_uses_base_delay_factor_and_cap() -> None:
    recorder = Recorder()
    tasks = [Task("t", recorder.action("t", failures=99), retries=5)]
    run_pipeline(tasks, sleep=recorder.sleep, base_delay=0.5, backoff=3.0, max_delay=5.0)
    assert delays(recorder) == pytest.approx([0.5, 1.5, 4.5, 5.0, 5.0])


@pytest.mark.clause("C18")
def test_default_backoff_is_capped_at_sixty_seconds() -> None:
    recorder = Recorder()
    run_pipeline([Task("t", recorder.action("t", failures=99), retries=8)], sleep=recorder.sleep)
    assert delays(recorder) == pytest.approx([1, 2, 4, 8, 16, 32, 60, 60])


@pytest.mark.clause("C18")
def test_backoff_restarts_for_each_task() -> None:
    recorder = Recorder()
    tasks = [
        Task("a", recorder.action("a", failures=2), retries=2),
        Task("b", recorder.action("b", failures=1), retries=2),
    ]
    run_pipeline(tasks, sleep=recorder.sleep, base_delay=2.0, backoff=10.0)
    assert delays(recorder) == pytest.approx([2.0, 20.0, 2.0])


@pytest.mark.clause("C19")
def test_a_thousand_retries_at_the_default_backoff_sleep_max_delay_without_overflowing() -> None:
    # 2.0 ** 1024 raises OverflowError: the formula must not be evaluated naively that far.
    recorder = Recorder()
    tasks = [Task("t", recorder.action("t", failures=10**6), retries=1100)]
    report = run_pipeline(tasks, sleep=recorder.sleep)
    assert same(report["t"].state, "failed")
    assert same(report["t"].attempts, 1101)
    assert delays(recorder) == pytest.approx([1, 2, 4, 8, 16, 32] + [60] * 1094)


@pytest.mark.clause("C19")
def test_many_retries_with_a_large_factor_and_a_huge_cap() -> None:
    recorder = Recorder()
    tasks = [Task("t", recorder.action("t", failures=10**6), retries=400)]
    run_pipeline(tasks, sleep=recorder.sleep, base_delay=1.0, backoff=10.0, max_delay=1e300)
    expected = [min(10.0 ** (k - 1), 1e300) for k in range(1, 301)] + [1e300] * 100
    assert delays(recorder) == pytest.approx(expected)


@pytest.mark.clause("C18", "C19")
def test_zero_base_delay_sleeps_zero_however_many_retries() -> None:
    recorder = Recorder()
    tasks = [Task("t", recorder.action("t", failures=10**6), retries=1100)]
    run_pipeline(tasks, sleep=recorder.sleep, base_delay=0.0)
    assert delays(recorder) == pytest.approx([0.0] * 1100)


@pytest.mark.clause("C16")
def test_failed_result_keeps_the_exception_of_the_last_attempt() -> None:
    raised: list[Exception] = []

    def fails_differently() -> None:
        error = ValueError(f"attempt {len(raised) + 1}")
        raised.append(error)
        raise error

    report = run_pipeline([Task("t", fails_differently, retries=2)], sleep=lambda _: None)
    assert same(report["t"].state, "failed")
    assert same(report["t"].attempts, 3)
    assert report["t"].error is raised[-1]
    assert same(str(report["t"].error), "attempt 3")


@pytest.mark.clause("C14", "C15")
def test_successful_and_skipped_results_carry_no_error() -> None:
    recorder = Recorder()
    tasks = [
        Task("recovers", recorder.action("recovers", failures=1), retries=1),
        Task("dies", recorder.action("dies", failures=5)),
        Task("skipped", forbidden, ("dies",)),
    ]
    report = run_pipeline(tasks, sleep=recorder.sleep)
    assert is_result(report["recovers"], "success", 2)
    assert is_result(report["skipped"], "upstream_failed", 0)


@pytest.mark.clause("C14")
def test_failure_skips_children_and_grandchildren_without_running_them() -> None:
    recorder = Recorder()
    tasks = [
        Task("extract", recorder.action("extract", failures=9), retries=1),
        Task("transform", forbidden, ("extract",)),
        Task("load", forbidden, ("transform",)),
        Task("report", forbidden, ("load",)),
    ]
    report = run_pipeline(tasks, sleep=recorder.sleep)
    assert same(report["extract"].state, "failed")
    for name in ("transform", "load", "report"):
        assert is_result(report[name], "upstream_failed", 0)


@pytest.mark.clause("C17")
def test_independent_branches_still_run_after_a_failure() -> None:
    recorder = Recorder()
    tasks = [
        Task("bad", recorder.action("bad", failures=1)),
        Task("bad_child", forbidden, ("bad",)),
        Task("good", recorder.action("good")),
        Task("good_child", recorder.action("good_child"), ("good",)),
    ]
    report = run_pipeline(tasks, sleep=no_sleep)
    assert recorder.ran() == ["bad", "good", "good_child"]
    assert is_result(report["good"], "success", 1)
    assert is_result(report["good_child"], "success", 1)
    assert same(report["bad_child"].state, "upstream_failed")


@pytest.mark.clause("C14", "C17")
def test_diamond_join_is_skipped_when_one_branch_fails() -> None:
    recorder = Recorder()
    tasks = [
        Task("source", recorder.action("source")),
        Task("left", recorder.action("left"), ("source",)),
        Task("right", recorder.action("right", failures=1), ("source",)),
        Task("join", forbidden, ("left", "right")),
        Task("after_left", recorder.action("after_left"), ("left",)),
    ]
    report = run_pipeline(tasks, sleep=no_sleep)
    assert [name for name, r in report.items() if same(r.state, "success")] == [
        "source",
        "left",
        "after_left",
    ]
    assert same(report["right"].state, "failed")
    assert is_result(report["join"], "upstream_failed", 0)


@pytest.mark.clause("C21")
def test_keyboard_interrupt_is_not_a_task_failure_and_stops_the_run() -> None:
    recorder = Recorder()

    def interrupted() -> None:
        recorder.journal.append("interrupted")
        raise KeyboardInterrupt

    tasks = [Task("stop", interrupted, retries=3), Task("later", forbidden)]
    with pytest.raises(KeyboardInterrupt):
        run_pipeline(tasks, sleep=recorder.sleep)
    assert recorder.journal == ["interrupted"]


@pytest.mark.clause("C21")
@pytest.mark.parametrize("kind", ["SystemExit", "GeneratorExit"])
def test_other_base_exceptions_are_not_task_failures_either(kind: str) -> None:
    error = {"SystemExit": SystemExit(3), "GeneratorExit": GeneratorExit()}[kind]
    recorder = Recorder()

    def stops() -> None:
        recorder.journal.append("stops")
        raise error

    tasks = [Task("first", recorder.action("first")), Task("stop", stops, retries=3)]
    with pytest.raises(BaseException) as caught:
        run_pipeline([*tasks, Task("later", forbidden)], sleep=recorder.sleep)
    assert caught.value is error
    assert recorder.journal == ["first", "stops"]


@pytest.mark.clause("C3", "C13", "C22")
def test_a_tuple_of_tasks_is_a_sequence_too() -> None:
    recorder = Recorder()
    tasks = (
        Task("b", recorder.action("b"), ("a",)),
        Task("a", recorder.action("a", failures=1), retries=1),
        Task("c", recorder.action("c")),
    )
    assert same(execution_order(tasks), ["a", "b", "c"])
    report = run_pipeline(tasks, sleep=recorder.sleep)
    assert same(list(report), ["a", "b", "c"])
    assert recorder.journal == ["a", "sleep 1", "a", "b", "c"]


@pytest.mark.clause("C4", "C12")
def test_duplicate_names_are_rejected_even_when_the_tasks_differ() -> None:
    tasks = [Task("a", noop), Task("b", noop, ("a",)), Task("a", forbidden, (), 2)]
    with pytest.raises(PipelineError):
        execution_order(tasks)
    with pytest.raises(PipelineError):
        run_pipeline(tasks, sleep=no_sleep)


@pytest.mark.clause("C15")
def test_run_pipeline_without_sleep_argument_uses_a_real_sleep_default() -> None:
    # Only a smoke test of the default: a task that never fails does not sleep at all.
    report = run_pipeline([Task("t", noop)])
    assert type(report) is dict and same(list(report), ["t"])
    assert is_result(report["t"], "success", 1)


@dataclass
class Plan:
    tasks: list[Task]
    failures: dict[str, int] = field(default_factory=dict)


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    shape = draw(dags(max_tasks=8))
    plan = Plan([])
    for task in shape:
        plan.failures[task.name] = draw(st.integers(min_value=0, max_value=3))
        plan.tasks.append(
            Task(task.name, noop, task.depends_on, draw(st.integers(min_value=0, max_value=2)))
        )
    return plan


@pytest.mark.clause("C13", "C14", "C15", "C16", "C17", "C18", "C20", "C22")
@settings(max_examples=150)
@given(plan=plans())
def test_run_property_matches_a_model_of_states_attempts_order_and_delays(plan: Plan) -> None:
    recorder = Recorder()
    tasks = [
        Task(t.name, recorder.action(t.name, plan.failures[t.name]), t.depends_on, t.retries)
        for t in plan.tasks
    ]
    report = run_pipeline(tasks, sleep=recorder.sleep, base_delay=1.0, backoff=2.0)

    expected: dict[str, TaskResult] = {}
    expected_journal: list[str] = []
    by_name = {t.name: t for t in plan.tasks}
    for name in oracle_order(plan.tasks):
        task = by_name[name]
        if any(expected[d].state != "success" for d in task.depends_on):
            expected[name] = TaskResult("upstream_failed", 0)
            continue
        attempts = min(plan.failures[name] + 1, task.retries + 1)
        for k in range(1, attempts):
            expected_journal += [name, f"sleep {2 ** (k - 1):g}"]
        expected_journal.append(name)
        state = "success" if plan.failures[name] < attempts else "failed"
        expected[name] = TaskResult(state, attempts)

    assert same(list(report), list(expected))
    assert recorder.journal == expected_journal
    for name, result in report.items():
        assert type(result) is TaskResult
        assert same(
            (result.state, result.attempts), (expected[name].state, expected[name].attempts)
        )
        assert (result.error is not None) == (result.state == "failed")
    # Every task that ran did so after all of its dependencies, and exactly once per attempt.
    first_run = {}
    for i, entry in enumerate(recorder.ran()):
        first_run.setdefault(entry, i)
    for task in plan.tasks:
        if task.name in first_run:
            assert all(first_run[d] < first_run[task.name] for d in task.depends_on)

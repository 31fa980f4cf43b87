"""Example tests for the task orchestrator exercise (the graded suite is more thorough)."""

import pytest
from solution import CycleError, Task, TaskResult, execution_order, run_pipeline


def test_dependencies_run_first_and_ties_follow_the_listing() -> None:
    tasks = [
        Task("load", lambda: None, depends_on=("extract",)),
        Task("extract", lambda: None),
        Task("report", lambda: None),
    ]
    assert execution_order(tasks) == ["extract", "load", "report"]


def test_retries_back_off_and_failures_propagate_downstream() -> None:
    delays: list[float] = []
    calls = {"n": 0}

    def flaky() -> None:
        calls["n"] += 1
        if calls["n"] < 3:
            raise ConnectionError("try again")

    def broken() -> None:
        raise RuntimeError("disk full")

    report = run_pipeline(
        [
            Task("extract", flaky, retries=3),
            Task("load", broken, depends_on=("extract",)),
            Task("notify", lambda: None, depends_on=("load",)),
            Task("cleanup", lambda: None),
        ],
        sleep=delays.append,
    )
    assert delays == [1.0, 2.0]
    assert list(report) == ["extract", "load", "notify", "cleanup"]
    assert report["extract"] == TaskResult("success", 3)
    assert report["load"].state == "failed"
    assert report["notify"] == TaskResult("upstream_failed", 0)
    assert report["cleanup"] == TaskResult("success", 1)


def test_a_cycle_is_rejected() -> None:
    tasks = [Task("a", lambda: None, depends_on=("b",)), Task("b", lambda: None, depends_on=("a",))]
    with pytest.raises(CycleError) as caught:
        execution_order(tasks)
    assert caught.value.cycle in (["a", "b", "a"], ["b", "a", "b"])

"""sandbox/runner.py decides what its deadlines did to the tests; grader/verdicts.py only reports it."""

from __future__ import annotations

import importlib.util
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

RUNNER_FILE = Path(__file__).resolve().parents[2] / "sandbox" / "runner.py"
A, B, C, D = (f"t.py::test_{name}" for name in "abcd")


@pytest.fixture(scope="module")
def runner() -> Iterator[types.ModuleType]:
    """The runner's module, loaded as in the sandbox; sys.path and sys.modules restored after."""
    path, modules = list(sys.path), dict(sys.modules)
    spec = importlib.util.spec_from_file_location("runner", RUNNER_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path[:] = path
        for name in set(sys.modules) - set(modules):
            del sys.modules[name]


def run(runner: types.ModuleType, outcome: str, reported: list[str], **fields: Any) -> Any:
    collected = [
        runner.wire.CollectedTest(
            nodeid=n, weight=1.0, performance=False, cpu_budget_s=None, clauses=[]
        )
        for n in fields.pop("collected", [A, B, C, D])
    ]
    tests = [
        runner.wire.TestRun(nodeid=n, outcome="passed", duration_s=0.1, message="", cpu_s=0.1)
        for n in reported
    ]
    return {"outcome": outcome, "collected": collected, "tests": tests, **fields}


def judged(runner: types.ModuleType, *args: Any) -> dict[str, tuple[str, str]]:
    return {t["nodeid"]: (t["outcome"], t["message"]) for t in runner.judged_by_deadlines(*args)}


def test_a_complete_run_judges_only_the_tests_that_hung_before_it(
    runner: types.ModuleType,
) -> None:
    done = run(runner, "completed", [A, C], timed_out_test=None, collected=[A, C])
    assert judged(runner, done, [B, D], 3.0) == {
        B: ("failed", "timed out after 3 s (the suite ran again without it)"),
        D: ("failed", "timed out after 3 s (the suite ran again without it)"),
    }


def test_a_run_cut_short_fails_the_test_it_was_in_and_did_not_run_the_rest(
    runner: types.ModuleType,
) -> None:
    cut = run(runner, "timeout", [A], timed_out_test=C, collected=[A, C, D])
    found = runner.judged_by_deadlines(cut, [B], 2.5)
    assert [t["nodeid"] for t in found] == [B, C, D]  # in the order they happened
    assert {t["nodeid"]: t["outcome"] for t in found} == {B: "failed", C: "failed", D: "error"}
    assert found[1]["message"] == "timed out after 2.5 s" and found[1]["duration_s"] == 2.5
    assert found[2]["message"] == "not run: the suite timed out"


def test_the_wall_limit_leaves_every_unreported_test_not_run(runner: types.ModuleType) -> None:
    cut = run(runner, "timeout", [A, B], timed_out_test=None)
    assert {n: o for n, (o, _) in judged(runner, cut, [], 3.0).items()} == {C: "error", D: "error"}


def test_a_test_the_run_did_not_collect_is_never_judged(runner: types.ModuleType) -> None:
    """A start event for a test outside the collection (a forgery) names nothing."""
    cut = run(runner, "timeout", [A], timed_out_test="t.py::ghost", collected=[A, B])
    assert judged(runner, cut, [], 3.0) == {B: ("error", "not run: the suite timed out")}


def test_a_flooded_run_judges_nothing_but_the_hung(runner: types.ModuleType) -> None:
    flooded = run(runner, "flooded", [A], timed_out_test=None)
    assert judged(runner, flooded, [], 3.0) == {}

"""Gradescope's results.json: the documented keys, and test scores that add up to the exercise."""

from __future__ import annotations

import json
from typing import Any

import pytest

from grader.report import ExerciseResult, GradeReport, Metrics, Status
from grader.report import TestResult as Case
from grader.reports import gradescope
from grader.scoring import exercise_score
from grader.sections import Section

TEST_KEYS = {"name", "score", "max_score", "status", "visibility", "output"}


def case(name: str, outcome: str, weight: float = 1.0, message: str = "") -> Case:
    return Case(name=name, outcome=outcome, weight=weight, message=message)  # type: ignore[arg-type]


def exercise(
    id: str, status: Status, tests: list[Case], points: float = 10.0, message: str = ""
) -> ExerciseResult:
    earns = status in {Status.PASSED, Status.PARTIAL, Status.FAILED, Status.TIMEOUT}
    return ExerciseResult(
        id=id,
        title=id.title(),
        section=Section.CORE_PYTHON,
        status=status,
        score=exercise_score(points, tests) if earns else 0.0,
        max_score=points,
        message=message,
        tests=tests,
        metrics=Metrics(wall_s=1.6, cpu_s=1.0, peak_rss_mb=40),
        output="",
    )


def report(*exercises: ExerciseResult) -> GradeReport:
    return GradeReport(
        submission="alice",
        sandbox="docker",
        score=round(sum(e.score for e in exercises), 2),
        max_score=sum(e.max_score for e in exercises),
        percent=42.0,
        sections=[],
        exercises=list(exercises),
        warnings=["a warning"],
    )


ADDER = exercise(
    "adder",
    Status.PARTIAL,
    [
        case("t::small", "passed"),
        case("t::negative", "passed"),
        case("t::big", "failed", weight=2, message="assert 3 == 4"),
        case("t::matches", "error", message="boom"),
    ],
)
THIRDS = exercise(
    "thirds",
    Status.PARTIAL,
    [case("t::a", "passed"), case("t::b", "passed"), case("t::c", "failed")],
)
MISSING = exercise("greeter", Status.MISSING, [], points=5, message="no solution.py submitted")
QUITTER = exercise(
    "quitter",
    Status.ERROR,
    [case("t::one", "passed")],
    message="the test process ended before the suite completed",
)
SAMPLE = report(ADDER, THIRDS, MISSING, QUITTER)


def results(**options: Any) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(gradescope.render(SAMPLE, **options))
    return loaded


def by_prefix(tests: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    return [t for t in tests if t["name"].startswith(prefix)]


def test_the_documented_top_level_and_test_keys() -> None:
    found = results()
    assert set(found) == {"score", "execution_time", "output", "tests"}  # no leaderboard
    assert found["score"] == SAMPLE.score
    assert isinstance(found["execution_time"], int) and found["execution_time"] == 6
    assert "42.0%" in found["output"] and "a warning" in found["output"]
    for test in found["tests"]:
        assert set(test) == TEST_KEYS
        assert test["status"] in {"passed", "failed"}
        assert test["visibility"] == "after_due_date"
        assert 0 <= test["score"] <= test["max_score"]


@pytest.mark.parametrize("visibility", ["visible", "hidden", "after_published"])
def test_visibility_is_a_parameter(visibility: str) -> None:
    assert {t["visibility"] for t in results(visibility=visibility)["tests"]} == {visibility}


def test_points_are_split_by_weight_as_the_exercise_score_is() -> None:
    tests = by_prefix(results()["tests"], "adder: ")
    assert [t["name"] for t in tests] == [f"adder: {c.name}" for c in ADDER.tests]
    assert [t["max_score"] for t in tests] == [2.0, 2.0, 4.0, 2.0]
    assert [t["score"] for t in tests] == [2.0, 2.0, 0.0, 0.0]
    assert [t["status"] for t in tests] == ["passed", "passed", "failed", "failed"]
    assert sum(t["score"] for t in tests) == ADDER.score == 4.0
    assert tests[2]["output"] == "assert 3 == 4"


def test_shares_are_rounded_to_cents_that_add_up_to_the_points() -> None:
    tests = by_prefix(results()["tests"], "thirds: ")
    assert sorted(t["max_score"] for t in tests) == [3.33, 3.33, 3.34]
    assert sum(t["max_score"] for t in tests) == pytest.approx(10.0)
    assert sum(t["score"] for t in tests) == pytest.approx(THIRDS.score, abs=0.01)


def test_a_verdict_without_tests_is_one_test_worth_the_whole_exercise() -> None:
    (test,) = by_prefix(results()["tests"], "greeter: ")
    assert (test["score"], test["max_score"], test["status"]) == (0.0, 5.0, "failed")
    assert test["output"] == "missing: no solution.py submitted"


def test_an_error_after_passing_tests_earns_nothing_and_says_why() -> None:
    (test,) = by_prefix(results()["tests"], "quitter: ")
    assert (test["score"], test["max_score"], test["status"]) == (0.0, 10.0, "failed")
    assert "ended before the suite completed" in test["output"]


def test_every_status_renders_and_only_passed_tests_score() -> None:
    for status in Status:
        tests = [case("t::a", "passed"), case("t::b", "failed")]
        one = report(exercise("ex", status, tests if status != Status.MISSING else []))
        found = json.loads(gradescope.render(one))
        total = sum(t["score"] for t in found["tests"])
        assert total == pytest.approx(one.score, abs=0.01), status
        assert sum(t["max_score"] for t in found["tests"]) == pytest.approx(10.0), status

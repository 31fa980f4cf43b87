"""Gradescope's `results.json` (https://gradescope-autograders.readthedocs.io/en/latest/specs/).

One Gradescope test per hidden test, worth its share of the exercise's points by weight (as
:func:`grader.scoring.exercise_score` shares them), so that the tests add up to the exercise. An
exercise whose verdict its tests do not carry (missing, rejected, an error — even after tests that
passed —, tampered) becomes one test worth the whole exercise, with the verdict as its output. The top-level `score` is set, so
Gradescope takes the report's score as it is rather than re-adding the rounded test scores.
Hidden tests are shown after the due date by default: a candidate should not tune to them.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from grader.report import ExerciseResult, GradeReport, Status, TestResult
from grader.text import clean_model

Visibility = Literal["visible", "hidden", "after_due_date", "after_published"]
# Statuses whose score is shared out among the tests (a row each); others get one row.
SCORED_PER_TEST = {Status.PASSED, Status.PARTIAL, Status.FAILED, Status.TIMEOUT}


def _shares(points: float, tests: list[TestResult]) -> list[float]:
    """Each test's share of `points` by weight, in cents that add up exactly to `points`."""
    total = sum(test.weight for test in tests)
    if total <= 0:
        return [0.0 for _ in tests]
    cents = round(points * 100)
    exact = [cents * test.weight / total for test in tests]
    floors = [int(value) for value in exact]
    by_remainder = sorted(range(len(tests)), key=lambda i: exact[i] - floors[i], reverse=True)
    for i in by_remainder[: cents - sum(floors)]:
        floors[i] += 1
    return [value / 100 for value in floors]


def _tests(result: ExerciseResult, visibility: Visibility) -> list[dict[str, Any]]:
    if result.status not in SCORED_PER_TEST or not result.tests:
        return [
            {
                "name": f"{result.id}: {result.title}",
                "score": result.score,
                "max_score": result.max_score,
                "status": "passed" if result.status == Status.PASSED else "failed",
                "visibility": visibility,
                "output": f"{result.status.value}: {result.message}".rstrip(": "),
            }
        ]
    entries = []
    for test, share in zip(result.tests, _shares(result.max_score, result.tests), strict=True):
        passed = test.outcome == "passed"
        entries.append(
            {
                "name": f"{result.id}: {test.name}",
                "score": share if passed else 0.0,
                "max_score": share,
                "status": "passed" if passed else "failed",
                "visibility": visibility,
                "output": test.message or test.outcome,
            }
        )
    return entries


def _output(report: GradeReport) -> str:
    lines = [f"Score: {report.score:g}/{report.max_score:g} ({report.percent:.1f}%)"]
    lines += [f"{s.title}: {s.score:g}/{s.max_score:g} ({s.percent:.1f}%)" for s in report.sections]
    lines += [f"Warning: {warning}" for warning in report.warnings]
    return "\n".join(lines)


def results(report: GradeReport, *, visibility: Visibility = "after_due_date") -> dict[str, Any]:
    """The results.json content; `visibility` applies to every hidden test."""
    report = clean_model(report)  # valid UTF-8 and no control characters, whatever its source
    wall = sum(result.metrics.wall_s for result in report.exercises if result.metrics)
    return {
        "score": report.score,
        "execution_time": round(wall),
        "output": _output(report),
        "tests": [entry for result in report.exercises for entry in _tests(result, visibility)],
    }


def render(report: GradeReport, *, visibility: Visibility = "after_due_date") -> str:
    return json.dumps(results(report, visibility=visibility), indent=2, ensure_ascii=False) + "\n"

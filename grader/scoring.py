"""Points per exercise, totals per section, and the guide-weighted overall percentage.

An exercise's result is scored here whatever produced it: a sandbox run (grader/verdicts.py), a
quiz's answers or a failed static check, which run nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from grader.catalog import Exercise
from grader.report import ExerciseResult, Metrics, SectionScore, Status, TestResult
from grader.sections import DEFAULT_WEIGHTS, Section

# Statuses that ran to a verdict of their own, and so earn their passed tests' points.
EARNING = {Status.PASSED, Status.PARTIAL, Status.FAILED}


def exercise_score(points: float, tests: Iterable[TestResult]) -> float:
    """The exercise's points, shared among its tests by weight; only passed tests earn theirs."""
    tests = list(tests)
    total = sum(test.weight for test in tests)
    if total <= 0:
        return 0.0
    earned = sum(test.weight for test in tests if test.outcome == "passed")
    return round(points * earned / total, 2)


def percent(score: float, max_score: float) -> float:
    return round(100.0 * score / max_score, 2) if max_score > 0 else 0.0


def result(
    exercise: Exercise,
    status: Status,
    message: str = "",
    tests: list[TestResult] | None = None,
    metrics: Metrics | None = None,
    output: str = "",
    *,
    completed: bool = False,
) -> ExerciseResult:
    """The exercise's result, scored: points only for a status that ran to a verdict, or for a
    run that `completed` (a timeout whose suite ran again without the hung test, to the end).

    An incomplete run (a timeout, a crash) earns nothing: it could have been cut short on purpose
    after forging results, before the last canaries ran.
    """
    tests = tests or []
    correctness, performance = split_percent(tests)
    earns = completed or status in EARNING
    return ExerciseResult(
        id=exercise.id,
        title=exercise.manifest.title,
        section=exercise.section,
        status=status,
        score=exercise_score(exercise.manifest.points, tests) if earns else 0.0,
        max_score=exercise.manifest.points,
        message=message,
        tests=tests,
        metrics=metrics,
        output=output,
        correctness_percent=correctness,
        performance_percent=performance,
    )


def split_percent(tests: list[TestResult]) -> tuple[float | None, float | None]:
    """Passed share of the behaviour tests and of the performance tests, as Codility reports them."""

    def share(group: list[TestResult]) -> float | None:
        total = sum(test.weight for test in group)
        if not group or total <= 0:
            return None
        return percent(sum(test.weight for test in group if test.outcome == "passed"), total)

    return share([t for t in tests if not t.performance]), share(
        [t for t in tests if t.performance]
    )


def tally(
    exercise: Exercise,
    tests: list[TestResult],
    metrics: Metrics | None = None,
    output: str = "",
    noun: str = "tests",
) -> ExerciseResult:
    """The verdict of a completed run: passed, partial or failed by how many tests passed."""
    passed = sum(test.outcome == "passed" for test in tests)
    if passed == len(tests):
        status, message = Status.PASSED, f"all {passed} {noun} passed"
    elif passed:
        status, message = Status.PARTIAL, f"{passed} of {len(tests)} {noun} passed"
    else:
        status, message = Status.FAILED, f"none of {len(tests)} {noun} passed"
    return result(exercise, status, message, tests, metrics, output)


def section_scores(
    results: Iterable[ExerciseResult], weights: Mapping[Section, float] = DEFAULT_WEIGHTS
) -> list[SectionScore]:
    totals: dict[Section, tuple[float, float]] = {}
    for result in results:
        score, max_score = totals.get(result.section, (0.0, 0.0))
        totals[result.section] = (score + result.score, max_score + result.max_score)
    return [
        SectionScore(
            section=section,
            title=section.label,
            weight=weights.get(section, 0.0),
            score=round(score, 2),
            max_score=round(max_score, 2),
            percent=percent(score, max_score),
        )
        for section in Section  # the guide's order
        if section in totals
        for score, max_score in [totals[section]]
    ]


def overall_percent(sections: Iterable[SectionScore]) -> float:
    """Weighted mean of the section percentages, over the weighted sections that were graded.

    A round that covers only some sections is scored on those, with their weights rescaled.
    """
    weighted = [s for s in sections if s.weight > 0 and s.max_score > 0]
    total_weight = sum(s.weight for s in weighted)
    if total_weight <= 0:
        return 0.0
    return round(sum(s.weight * s.percent for s in weighted) / total_weight, 2)

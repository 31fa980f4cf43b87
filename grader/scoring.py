"""Points per exercise, totals per section, and the guide-weighted overall percentage."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from grader.report import ExerciseResult, SectionScore, TestResult
from grader.sections import DEFAULT_WEIGHTS, Section


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

"""grader.scoring: points per exercise by test weight, section totals, the weighted overall."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader import report, scoring
from grader.catalog import Exercise
from grader.manifest import Manifest
from grader.report import ExerciseResult, SectionScore, Status
from grader.scoring import exercise_score, overall_percent, percent, section_scores
from grader.sections import DEFAULT_WEIGHTS, SECTION_TITLES, Section

EXERCISE = Exercise(
    "adder",
    Path("/nonexistent/adder"),
    Manifest(title="Add two numbers", section=Section.CORE_PYTHON, points=10),
)


def t(outcome: str, weight: float = 1.0) -> report.TestResult:
    return report.TestResult(name=f"test_{outcome}_{weight}", outcome=outcome, weight=weight)  # type: ignore[arg-type]


def ex(section: Section, score: float, max_score: float, name: str = "x") -> ExerciseResult:
    return ExerciseResult(
        id=name,
        title=name,
        section=section,
        status=Status.PARTIAL,
        score=score,
        max_score=max_score,
    )


def sec(
    section: Section, pct: float, weight: float | None = None, max_score: float = 10.0
) -> SectionScore:
    return SectionScore(
        section=section,
        title=section.label,
        weight=DEFAULT_WEIGHTS.get(section, 0.0) if weight is None else weight,
        score=max_score * pct / 100,
        max_score=max_score,
        percent=pct,
    )


# --- exercise_score ----------------------------------------------------------------------------


def test_all_passed_earns_every_point() -> None:
    assert exercise_score(10, [t("passed"), t("passed", 3)]) == 10


def test_none_passed_earns_nothing() -> None:
    assert exercise_score(10, [t("failed"), t("error"), t("skipped")]) == 0


def test_points_are_shared_by_weight() -> None:
    tests = [t("passed", 1), t("failed", 2), t("passed", 2)]
    assert exercise_score(10, tests) == 6.0
    assert exercise_score(10, [t("passed", 3), t("failed", 1)]) == 7.5


def test_unweighted_tests_share_equally_and_round_to_cents() -> None:
    assert exercise_score(10, [t("passed"), t("failed"), t("failed")]) == 3.33
    assert exercise_score(10, [t("passed"), t("passed"), t("failed")]) == 6.67


def test_skipped_and_error_tests_earn_nothing() -> None:
    assert exercise_score(8, [t("passed"), t("skipped"), t("error"), t("failed")]) == 2.0


def test_no_tests_or_zero_weight_earns_nothing() -> None:
    assert exercise_score(10, []) == 0.0
    assert exercise_score(10, [t("passed", 0)]) == 0.0


def test_accepts_any_iterable() -> None:
    assert exercise_score(4, (test for test in [t("passed"), t("failed")])) == 2.0


@given(
    st.floats(0.5, 100),
    st.lists(
        st.tuples(st.sampled_from(["passed", "failed", "error", "skipped"]), st.floats(0.1, 10)),
        min_size=1,
        max_size=20,
    ),
)
def test_score_is_between_zero_and_the_points(points: float, spec: list[tuple[str, float]]) -> None:
    tests = [t(outcome, weight) for outcome, weight in spec]
    score = exercise_score(points, tests)
    assert 0 <= score <= round(points, 2) + 0.005
    if all(outcome == "passed" for outcome, _ in spec):
        assert score == round(points, 2)
    if not any(outcome == "passed" for outcome, _ in spec):
        assert score == 0


def test_percent() -> None:
    assert percent(5, 10) == 50.0
    assert percent(1, 3) == 33.33
    assert percent(0, 0) == 0.0


# --- section_scores ----------------------------------------------------------------------------


def test_sections_sum_their_exercises_in_guide_order() -> None:
    results = [
        ex(Section.FINTECH, 1, 5, "f"),
        ex(Section.FASTAPI, 4, 10, "api"),
        ex(Section.CORE_PYTHON, 10, 10, "a"),
        ex(Section.CORE_PYTHON, 2.5, 10, "b"),
        ex(Section.AWS_DB, 0, 10, "db"),
    ]
    sections = section_scores(results)
    assert [s.section for s in sections] == [
        Section.CORE_PYTHON,
        Section.FASTAPI,
        Section.AWS_DB,
        Section.FINTECH,
    ]
    core, fastapi, aws, fintech = sections
    assert (core.score, core.max_score, core.percent) == (12.5, 20, 62.5)
    assert (fastapi.score, fastapi.max_score, fastapi.percent) == (4, 10, 40)
    assert (aws.score, aws.max_score, aws.percent) == (0, 10, 0)
    assert (fintech.score, fintech.max_score, fintech.percent) == (1, 5, 20)
    assert core.title == SECTION_TITLES[Section.CORE_PYTHON] == "Core Python"
    assert [s.weight for s in sections] == [60, 20, 10, 0]


def test_sections_without_exercises_are_left_out() -> None:
    assert section_scores([]) == []
    assert [s.section for s in section_scores([ex(Section.CACHING, 1, 2)])] == [Section.CACHING]


def test_custom_weights() -> None:
    weights = {Section.CORE_PYTHON: 1.0, Section.FINTECH: 3.0}
    sections = section_scores(
        [ex(Section.CORE_PYTHON, 1, 2), ex(Section.FINTECH, 2, 2), ex(Section.FASTAPI, 0, 2)],
        weights,
    )
    assert {s.section: s.weight for s in sections} == {
        Section.CORE_PYTHON: 1.0,
        Section.FASTAPI: 0.0,
        Section.FINTECH: 3.0,
    }


def test_section_totals_are_rounded() -> None:
    results = [ex(Section.CORE_PYTHON, 3.33, 10, "a"), ex(Section.CORE_PYTHON, 3.33, 10, "b")]
    [core] = section_scores(results)
    assert core.score == 6.66
    assert core.percent == 33.3


# --- overall_percent ---------------------------------------------------------------------------


def test_overall_is_the_guide_weighted_mean() -> None:
    sections = [
        sec(Section.CORE_PYTHON, 100),
        sec(Section.FASTAPI, 50),
        sec(Section.DATA_PIPELINES, 0),
        sec(Section.AWS_DB, 20),
    ]
    assert overall_percent(sections) == (60 * 100 + 20 * 50 + 10 * 0 + 10 * 20) / 100 == 72.0


def test_weights_are_rescaled_when_only_some_sections_are_graded() -> None:
    sections = [sec(Section.CORE_PYTHON, 90), sec(Section.FASTAPI, 30)]
    assert overall_percent(sections) == (60 * 90 + 20 * 30) / 80 == 75.0
    assert overall_percent([sec(Section.AWS_DB, 40)]) == 40.0


def test_nice_to_have_sections_do_not_move_the_overall() -> None:
    must = [sec(Section.CORE_PYTHON, 80), sec(Section.FASTAPI, 40)]
    base = overall_percent(must)
    for pct in (0, 100):
        extra = [
            sec(section, pct) for section in (Section.AI_TOOLS, Section.CACHING, Section.FINTECH)
        ]
        assert overall_percent(must + extra) == base == 70.0


def test_only_nice_to_have_sections_gives_zero() -> None:
    assert overall_percent([sec(Section.FRONTEND, 100)]) == 0.0
    assert overall_percent([]) == 0.0


def test_weighted_section_with_no_points_is_left_out() -> None:
    sections = [sec(Section.CORE_PYTHON, 50), sec(Section.FASTAPI, 0, max_score=0)]
    assert overall_percent(sections) == 50.0


def test_end_to_end_from_exercises_to_overall() -> None:
    results = [
        ex(Section.CORE_PYTHON, 10, 10, "a"),
        ex(Section.CORE_PYTHON, 0, 10, "b"),
        ex(Section.FASTAPI, 10, 10, "c"),
        ex(Section.FINTECH, 0, 10, "d"),
    ]
    # core 50 % at weight 60, fastapi 100 % at weight 20, fintech ignored
    assert overall_percent(section_scores(results)) == pytest.approx((60 * 50 + 20 * 100) / 80)


def test_default_weights_cover_only_must_have_sections_and_sum_to_100() -> None:
    assert sum(DEFAULT_WEIGHTS.values()) == 100
    assert set(DEFAULT_WEIGHTS) == {
        Section.CORE_PYTHON,
        Section.FASTAPI,
        Section.DATA_PIPELINES,
        Section.AWS_DB,
    }


# --- result() and tally(): an exercise's result, scored -----------------------------------------


@pytest.mark.parametrize(
    ("status", "earns"),
    [
        (Status.PASSED, True),
        (Status.PARTIAL, True),
        (Status.FAILED, True),
        (Status.TIMEOUT, False),
        (Status.ERROR, False),
        (Status.MISSING, False),
        (Status.REJECTED, False),
    ],
)
def test_result_earns_only_for_graded_statuses(status: Status, earns: bool) -> None:
    tests = [
        report.TestResult(name="a", outcome="passed"),
        report.TestResult(name="b", outcome="failed"),
    ]
    result = scoring.result(EXERCISE, status, "why", tests)
    assert result.score == (5.0 if earns else 0.0)
    assert result.message == "why"


def test_a_completed_timeout_earns_its_passed_tests() -> None:
    tests = [report.TestResult(name="a", outcome="passed"), t("failed")]
    assert scoring.result(EXERCISE, Status.TIMEOUT, "", tests, completed=True).score == 5.0


@pytest.mark.parametrize(
    ("outcomes", "status", "message"),
    [
        (["passed", "passed"], Status.PASSED, "all 2 answers passed"),
        (["passed", "failed"], Status.PARTIAL, "1 of 2 answers passed"),
        (["failed", "skipped"], Status.FAILED, "none of 2 answers passed"),
    ],
)
def test_tally_names_the_verdict_by_what_passed(
    outcomes: list[str], status: Status, message: str
) -> None:
    tests = [t(outcome, weight=i + 1.0) for i, outcome in enumerate(outcomes)]
    result = scoring.tally(EXERCISE, tests, noun="answers")
    assert (result.status, result.message) == (status, message)


def test_split_percent_reports_behaviour_and_performance_apart() -> None:
    tests = [t("passed"), t("failed", 3.0), t("passed").model_copy(update={"performance": True})]
    assert scoring.split_percent(tests) == (25.0, 100.0)
    assert scoring.split_percent([t("passed")]) == (100.0, None)

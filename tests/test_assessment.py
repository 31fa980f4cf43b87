"""Assessments: the shipped interview rounds load, name real exercises, and shape the score."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.assessment import assessment_names, load_assessment
from grader.catalog import Catalog
from grader.errors import BadInputError
from grader.sections import DEFAULT_WEIGHTS, Section


def test_the_guides_rounds_ship_and_name_only_catalog_exercises() -> None:
    catalog = Catalog.load()
    names = assessment_names()
    assert {
        "round1_core_python",
        "round2_core_python_structure",
        "round3_core_python_concurrency",
        "round4_fastapi",
        "round5_data_pipelines",
        "round6_aws_db",
        "round7_fintech_ai",
        "full_interview",
    } <= set(names)
    for name in names:
        assessment = load_assessment(name)
        assert [e.id for e in assessment.select(catalog)] == assessment.exercises


def test_the_rounds_cover_the_whole_catalog_and_the_sampler_keeps_the_guides_weights() -> None:
    rounds = [load_assessment(n) for n in assessment_names() if n.startswith("round")]
    assert {e for r in rounds for e in r.exercises} == set(Catalog.load().ids)
    assert load_assessment("full_interview").weights == DEFAULT_WEIGHTS


def test_round_one_weighs_only_core_python() -> None:
    assert load_assessment("round1_core_python").weights == {Section.CORE_PYTHON: 100}


def test_unknown_and_broken_assessments_are_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="unknown assessment 'nope'"):
        load_assessment("nope")
    (tmp_path / "broken.toml").write_text('title = "x"\nexercises = []\ntime_limit_minutes = 0\n')
    with pytest.raises(BadInputError) as info:
        load_assessment("broken", tmp_path)
    assert "exercises" in str(info.value) and "time_limit_minutes" in str(info.value)


def test_a_round_whose_exercises_need_more_minutes_than_its_limit_is_named(tmp_path: Path) -> None:
    catalog = Catalog.load(Path(__file__).parent / "fixtures" / "exercises")
    (tmp_path / "tight.toml").write_text(
        'title = "t"\ntime_limit_minutes = 9\nexercises = ["adder", "greeter"]\n'
    )
    (tmp_path / "roomy.toml").write_text(
        'title = "r"\ntime_limit_minutes = 10\nexercises = ["adder", "greeter"]\n'
    )
    assert load_assessment("tight", tmp_path).time_problem(catalog) == (
        "its exercises need 10 minutes; the limit is 9"
    )
    assert load_assessment("roomy", tmp_path).time_problem(catalog) is None


def test_every_shipped_round_fits_its_time_limit() -> None:
    catalog = Catalog.load()
    for name in assessment_names():
        assert load_assessment(name).time_problem(catalog) is None, name

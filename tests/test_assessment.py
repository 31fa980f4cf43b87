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
        "round2_fastapi_systems",
        "round3_data_aws",
        "full_interview",
    } <= set(names)
    for name in names:
        assessment = load_assessment(name)
        assert [e.id for e in assessment.select(catalog)] == assessment.exercises


def test_the_full_interview_covers_the_whole_catalog_with_the_guides_weights() -> None:
    full = load_assessment("full_interview")
    assert set(full.exercises) == set(Catalog.load().ids)
    assert full.weights == DEFAULT_WEIGHTS


def test_round_one_weighs_only_core_python() -> None:
    assert load_assessment("round1_core_python").weights == {Section.CORE_PYTHON: 100}


def test_unknown_and_broken_assessments_are_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="unknown assessment 'nope'"):
        load_assessment("nope")
    (tmp_path / "broken.toml").write_text('title = "x"\nexercises = []\ntime_limit_minutes = 0\n')
    with pytest.raises(BadInputError) as info:
        load_assessment("broken", tmp_path)
    assert "exercises" in str(info.value) and "time_limit_minutes" in str(info.value)

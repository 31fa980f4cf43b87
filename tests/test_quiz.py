"""grader.quiz: grading answers.toml, the blank answers of the kit, the reference answers."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from grader.catalog import Catalog, Exercise
from grader.quiz import (
    ANSWERS_FILE,
    MAX_ANSWERS_BYTES,
    blank_answers,
    grade_quiz,
    reference_answers,
)
from grader.report import ExerciseResult, Status

MANIFEST = """\
title = "HTTP and FastAPI basics"
section = "fastapi"
kind = "quiz"
points = 6
files = ["answers.toml"]

[[questions]]
id = "status_created"
prompt = "Which status code means created?"
answer = ["b"]
explanation = "201 Created."
choices = [{ key = "a", text = "200" }, { key = "b", text = "201" }, { key = "c", text = "204" }]

[[questions]]
id = "idempotent"
prompt = "Which methods are idempotent?"
answer = ["a", "c"]
explanation = "PUT and DELETE are idempotent; POST is not."
choices = [{ key = "a", text = "PUT" }, { key = "b", text = "POST" }, { key = "c", text = "DELETE" }]

[[questions]]
id = "depends"
prompt = "How does FastAPI inject a dependency?"
answer = ["a"]
explanation = "With Depends."
choices = [{ key = "a", text = "Depends" }, { key = "b", text = "Inject" }]
"""


@pytest.fixture
def quiz(tmp_path: Path) -> Exercise:
    folder = tmp_path / "quiz_http"
    folder.mkdir()
    (folder / "exercise.toml").write_text(MANIFEST, encoding="utf-8")
    (folder / "README.md").write_text("# HTTP quiz\n", encoding="utf-8")
    catalog = Catalog.load(tmp_path)
    assert catalog.problems == {}
    return catalog["quiz_http"]


def grade(quiz: Exercise, text: str | bytes) -> ExerciseResult:
    data = text.encode() if isinstance(text, str) else text
    return grade_quiz(quiz, {ANSWERS_FILE: data})


def by_question(result: ExerciseResult) -> dict[str, str]:
    return {test.name: test.outcome for test in result.tests}


def test_all_right(quiz: Exercise) -> None:
    result = grade(quiz, 'status_created = "b"\nidempotent = ["a", "c"]\ndepends = "a"\n')
    assert result.status is Status.PASSED
    assert result.score == 6
    assert result.max_score == 6
    assert result.message == "all 3 answers passed"
    assert by_question(result) == dict.fromkeys(
        ["status_created", "idempotent", "depends"], "passed"
    )


def test_all_wrong(quiz: Exercise) -> None:
    result = grade(quiz, 'status_created = "a"\nidempotent = ["b"]\ndepends = "b"\n')
    assert result.status is Status.FAILED
    assert result.score == 0
    assert result.message == "none of 3 answers passed"
    messages = {test.name: test.message for test in result.tests}
    assert messages["status_created"] == "answered a; right: b. 201 Created."
    assert "right: a, c" in messages["idempotent"]
    assert "PUT and DELETE" in messages["idempotent"]


def test_partial(quiz: Exercise) -> None:
    result = grade(quiz, 'status_created = "b"\nidempotent = ["a"]\ndepends = "a"\n')
    assert result.status is Status.PARTIAL
    assert result.score == 4.0
    assert by_question(result)["idempotent"] == "failed"


@pytest.mark.parametrize(
    ("value", "outcome"),
    [
        ('["a", "c"]', "passed"),
        ('["c", "a"]', "passed"),
        ('["C", " a "]', "passed"),
        ('["a", "c", "a"]', "passed"),
        ('["a"]', "failed"),
        ('["a", "b", "c"]', "failed"),
        ('"a"', "failed"),
        ("[]", "failed"),
        ('["", " "]', "failed"),
    ],
)
def test_multiple_answer_must_match_exactly(quiz: Exercise, value: str, outcome: str) -> None:
    result = grade(quiz, f"idempotent = {value}\n")
    assert by_question(result)["idempotent"] == outcome


@pytest.mark.parametrize(
    ("value", "outcome"),
    [
        ('"b"', "passed"),
        ('"B"', "passed"),
        ('["b"]', "passed"),
        ('" b "', "passed"),
        ('"z"', "failed"),
    ],
)
def test_single_answer_forms(quiz: Exercise, value: str, outcome: str) -> None:
    assert by_question(grade(quiz, f"status_created = {value}\n"))["status_created"] == outcome


def test_unanswered_questions_fail(quiz: Exercise) -> None:
    result = grade(quiz, 'status_created = ""\nidempotent = []\n')
    assert result.status is Status.FAILED
    assert result.score == 0
    assert all(test.message.startswith("not answered.") for test in result.tests)


def test_missing_answers_file_scores_zero(quiz: Exercise) -> None:
    result = grade_quiz(quiz, {})
    assert result.status is Status.FAILED
    assert result.score == 0
    assert len(result.tests) == 3


def test_unknown_question_ids_are_ignored(quiz: Exercise) -> None:
    result = grade(quiz, 'status_created = "b"\nbonus = "a"\n')
    assert set(by_question(result)) == {"status_created", "idempotent", "depends"}
    assert result.score == 2.0


@pytest.mark.parametrize(
    "value", ["1", "true", "[1, 2]", '{ key = "a" }', '["a", 1]', "2024-01-01"]
)
def test_value_that_is_not_a_key_is_an_error_outcome(quiz: Exercise, value: str) -> None:
    result = grade(quiz, f'status_created = {value}\nidempotent = ["a", "c"]\ndepends = "a"\n')
    assert by_question(result)["status_created"] == "error"
    assert "is not a choice key or a list of keys" in result.tests[0].message
    assert result.status is Status.PARTIAL
    assert result.score == 4.0


@pytest.mark.parametrize(
    "content",
    [b'status_created = "b\n', b"status_created = = \n", b"\xff\xfe not utf-8", b"[[[\n"],
)
def test_invalid_toml_is_an_error(quiz: Exercise, content: bytes) -> None:
    result = grade(quiz, content)
    assert result.status is Status.ERROR
    assert result.score == 0
    assert ANSWERS_FILE in result.message


def test_oversize_answers_file_is_an_error(quiz: Exercise) -> None:
    content = b'status_created = "b"\n' + b"# padding\n" * (MAX_ANSWERS_BYTES // 10 + 1)
    result = grade(quiz, content)
    assert result.status is Status.ERROR
    assert result.score == 0
    assert "64 KiB" in result.message


def test_blank_answers_parse_and_score_zero(quiz: Exercise) -> None:
    blank = blank_answers(quiz)
    parsed = tomllib.loads(blank)
    assert parsed == {"status_created": "", "idempotent": [], "depends": ""}
    assert blank.startswith("# HTTP and FastAPI basics")
    result = grade(quiz, blank)
    assert result.status is Status.FAILED
    assert result.score == 0
    assert all(test.outcome == "failed" for test in result.tests)


def test_blank_answers_give_nothing_away(quiz: Exercise) -> None:
    blank = blank_answers(quiz)
    for question in quiz.manifest.questions:
        assert question.explanation not in blank
        assert question.prompt not in blank


def test_reference_answers_score_full_marks(quiz: Exercise) -> None:
    reference = reference_answers(quiz)
    assert tomllib.loads(reference) == {
        "status_created": "b",
        "idempotent": ["a", "c"],
        "depends": "a",
    }
    result = grade(quiz, reference)
    assert result.status is Status.PASSED
    assert result.score == quiz.manifest.points


def test_answers_with_a_byte_order_mark_are_read(quiz: Exercise) -> None:
    result = grade(quiz, "\ufeff" + reference_answers(quiz))
    assert result.status is Status.PASSED

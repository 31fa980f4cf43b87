"""grader.manifest: valid manifests load with their defaults; every bad one is a BadInputError
whose message names the manifest file and the offending field."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from grader.errors import BadInputError
from grader.manifest import MANIFEST_NAME, Limits, load_manifest
from grader.sections import Section

MINIMAL = 'title = "Adder"\nsection = "core_python"\n'

QUIZ = """\
title = "A quiz"
section = "fastapi"
kind = "quiz"
files = ["answers.toml"]

[[questions]]
id = "q1"
prompt = "Pick one"
answer = ["b"]
explanation = "Because b."
choices = [{ key = "a", text = "A" }, { key = "b", text = "B" }]

[[questions]]
id = "q2"
prompt = "Pick two"
answer = ["a", "c"]
explanation = "Because a and c."
guide = ["FastAPI 3"]
choices = [{ key = "a", text = "A" }, { key = "b", text = "B" }, { key = "c", text = "C" }]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / MANIFEST_NAME
    path.write_text(text, encoding="utf-8")
    return path


def load_error(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(BadInputError) as info:
        load_manifest(path)
    message = str(info.value)
    assert str(path) in message, message
    return message


# --- valid manifests ---------------------------------------------------------------------------


def test_minimal_manifest_gets_the_documented_defaults(tmp_path: Path) -> None:
    manifest = load_manifest(write(tmp_path, MINIMAL))
    assert manifest.title == "Adder"
    assert manifest.section is Section.CORE_PYTHON
    assert manifest.points == 10.0
    assert manifest.kind == "code"
    assert manifest.files == ["solution.py"]
    assert manifest.forbidden_imports == []
    assert manifest.guide == []
    assert manifest.questions == []
    assert manifest.limits == Limits()
    assert manifest.limits.test_timeout_s == 10.0
    assert manifest.limits.wall_timeout_s == 60.0
    assert manifest.limits.memory_mb == 1024


def test_full_manifest_keeps_every_value(tmp_path: Path) -> None:
    text = """\
title = "Context managers"
section = "data_pipelines"
points = 7.5
files = ["pkg/app.py", "main.py"]
forbidden_imports = ["contextlib", "os.path", "_private"]
guide = ["Core Python 7", "Core Python 8"]

[limits]
test_timeout_s = 2.5
wall_timeout_s = 30
memory_mb = 256
"""
    manifest = load_manifest(write(tmp_path, text))
    assert manifest.section is Section.DATA_PIPELINES
    assert manifest.points == 7.5
    assert manifest.files == ["pkg/app.py", "main.py"]
    assert manifest.forbidden_imports == ["contextlib", "os.path", "_private"]
    assert manifest.guide == ["Core Python 7", "Core Python 8"]
    assert manifest.limits == Limits(test_timeout_s=2.5, wall_timeout_s=30, memory_mb=256)


def test_partial_limits_keep_the_other_defaults(tmp_path: Path) -> None:
    manifest = load_manifest(write(tmp_path, MINIMAL + "[limits]\nmemory_mb = 512\n"))
    assert manifest.limits.memory_mb == 512
    assert manifest.limits.test_timeout_s == 10.0
    assert manifest.limits.wall_timeout_s == 60.0


@pytest.mark.parametrize("section", [s.value for s in Section])
def test_every_section_is_accepted(tmp_path: Path, section: str) -> None:
    text = f'title = "t"\nsection = "{section}"\n'
    assert load_manifest(write(tmp_path, text)).section == Section(section)


def test_quiz_manifest_loads_questions(tmp_path: Path) -> None:
    manifest = load_manifest(write(tmp_path, QUIZ))
    assert manifest.kind == "quiz"
    assert [q.id for q in manifest.questions] == ["q1", "q2"]
    first, second = manifest.questions
    assert first.answer == ["b"] and not first.multiple
    assert second.answer == ["a", "c"] and second.multiple
    assert [c.key for c in second.choices] == ["a", "b", "c"]
    assert second.guide == ["FastAPI 3"]
    assert first.guide == []


def test_manifest_is_frozen(tmp_path: Path) -> None:
    manifest = load_manifest(write(tmp_path, MINIMAL))
    with pytest.raises(ValidationError):
        manifest.points = 99  # type: ignore[misc]


# --- bad manifests: each names the file and the field ------------------------------------------


def test_unknown_top_level_field(tmp_path: Path) -> None:
    message = load_error(tmp_path, MINIMAL + 'colour = "blue"\n')
    assert "colour" in message
    assert "Extra inputs are not permitted" in message


def test_unknown_field_in_limits(tmp_path: Path) -> None:
    message = load_error(tmp_path, MINIMAL + "[limits]\ncpu_s = 3\n")
    assert "limits.cpu_s" in message


def test_bad_section(tmp_path: Path) -> None:
    message = load_error(tmp_path, 'title = "t"\nsection = "cooking"\n')
    assert "section" in message
    assert "core_python" in message  # lists what is allowed


def test_missing_required_fields(tmp_path: Path) -> None:
    message = load_error(tmp_path, "points = 3\n")
    assert "title" in message
    assert "section" in message


@pytest.mark.parametrize("points", ["-1", "0", "-0.5"])
def test_points_must_be_positive(tmp_path: Path, points: str) -> None:
    message = load_error(tmp_path, MINIMAL + f"points = {points}\n")
    assert "points" in message
    assert "greater than 0" in message


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("test_timeout_s", "0"),
        ("test_timeout_s", "601"),
        ("wall_timeout_s", "-5"),
        ("memory_mb", "32"),
        ("memory_mb", "100000"),
    ],
)
def test_limits_out_of_range(tmp_path: Path, field: str, value: str) -> None:
    message = load_error(tmp_path, MINIMAL + f"[limits]\n{field} = {value}\n")
    assert f"limits.{field}" in message


def test_bad_kind(tmp_path: Path) -> None:
    message = load_error(tmp_path, MINIMAL + 'kind = "essay"\n')
    assert "kind" in message


@pytest.mark.parametrize(
    "name",
    ["/etc/passwd", "../solution.py", "pkg/../../solution.py", "a/..", "./solution.py", "pkg/", ""],
)
def test_files_must_be_plain_relative_paths(tmp_path: Path, name: str) -> None:
    message = load_error(tmp_path, MINIMAL + f'files = ["{name}"]\n')
    assert "files" in message
    assert "plain relative path" in message


def test_files_must_not_repeat(tmp_path: Path) -> None:
    message = load_error(tmp_path, MINIMAL + 'files = ["solution.py", "solution.py"]\n')
    assert "files" in message
    assert "repeat" in message


def test_files_must_not_be_empty(tmp_path: Path) -> None:
    message = load_error(tmp_path, MINIMAL + "files = []\n")
    assert "files" in message


def test_files_dot_is_refused(tmp_path: Path) -> None:
    load_error(tmp_path, MINIMAL + 'files = ["."]\n')


@pytest.mark.parametrize(
    "module", ["1abc", "context lib", "contextlib;os", "", "os.", ".os", "os..path", "a-b"]
)
def test_forbidden_imports_must_be_module_names(tmp_path: Path, module: str) -> None:
    message = load_error(tmp_path, MINIMAL + f'forbidden_imports = ["contextlib", "{module}"]\n')
    assert "forbidden_imports" in message
    assert "is not a module name" in message
    assert repr(module) in message


def test_quiz_without_questions(tmp_path: Path) -> None:
    message = load_error(tmp_path, MINIMAL + 'kind = "quiz"\n')
    assert "questions" in message


def test_questions_on_a_code_exercise(tmp_path: Path) -> None:
    questions = QUIZ.split("\n\n", 1)[1]
    message = load_error(tmp_path, MINIMAL + "\n" + questions)
    assert "questions" in message
    assert "quiz" in message


def test_quiz_answer_naming_an_unknown_choice(tmp_path: Path) -> None:
    message = load_error(tmp_path, QUIZ.replace('answer = ["a", "c"]', 'answer = ["a", "z"]'))
    assert "questions.1" in message
    assert "q2" in message
    assert "unknown choices ['z']" in message


def test_quiz_question_without_answer(tmp_path: Path) -> None:
    message = load_error(tmp_path, QUIZ.replace('answer = ["b"]\n', "answer = []\n"))
    assert "questions.0.answer" in message


def test_quiz_question_with_one_choice(tmp_path: Path) -> None:
    text = QUIZ.replace('choices = [{ key = "a", text = "A" }, { key = "b", text = "B" }]', "")
    text = text.replace('answer = ["b"]', 'answer = ["a"]\nchoices = [{ key = "a", text = "A" }]')
    message = load_error(tmp_path, text)
    assert "questions.0.choices" in message


def test_quiz_choice_keys_must_be_lower_case_letters(tmp_path: Path) -> None:
    message = load_error(
        tmp_path, QUIZ.replace('key = "b", text = "B" }]', 'key = "B", text = "B" }]')
    )
    assert "questions.0.choices.1.key" in message


def test_quiz_choice_keys_must_not_repeat(tmp_path: Path) -> None:
    message = load_error(
        tmp_path, QUIZ.replace('key = "b", text = "B" }]', 'key = "a", text = "B" }]')
    )
    assert "questions.0" in message
    assert "choice keys repeat" in message


def test_quiz_question_ids_must_not_repeat(tmp_path: Path) -> None:
    message = load_error(tmp_path, QUIZ.replace('id = "q2"', 'id = "q1"'))
    assert "question ids repeat" in message


def test_quiz_question_id_pattern(tmp_path: Path) -> None:
    message = load_error(tmp_path, QUIZ.replace('id = "q2"', 'id = "Q 2"'))
    assert "questions.1.id" in message


def test_quiz_unknown_question_field(tmp_path: Path) -> None:
    message = load_error(tmp_path, QUIZ.replace('id = "q2"', 'id = "q2"\nhint = "no"'))
    assert "questions.1.hint" in message


def test_invalid_toml(tmp_path: Path) -> None:
    message = load_error(tmp_path, MINIMAL + "points = = 3\n")
    assert "line 3" in message


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / MANIFEST_NAME
    path.write_bytes(b'title = "caf\xe9"\nsection = "core_python"\n')
    with pytest.raises(BadInputError) as info:
        load_manifest(path)
    assert str(path) in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / MANIFEST_NAME
    with pytest.raises(BadInputError) as info:
        load_manifest(path)
    assert str(path) in str(info.value)
    assert "missing manifest" in str(info.value)


def test_error_is_not_chained_to_a_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, 'title = "t"\nsection = "nope"\n')
    with pytest.raises(BadInputError) as info:
        load_manifest(path)
    assert info.value.__suppress_context__


def test_several_problems_are_all_named(tmp_path: Path) -> None:
    message = load_error(tmp_path, 'title = "t"\nsection = "nope"\npoints = -1\n')
    assert "section" in message
    assert "points" in message


# --- questionable behaviour --------------------------------------------------------------------


def test_quiz_files_default_to_or_require_answers_toml(tmp_path: Path) -> None:
    text = QUIZ.replace('files = ["answers.toml"]\n', "")
    try:
        manifest = load_manifest(write(tmp_path, text))
    except BadInputError:
        return  # refusing such a quiz is as good as defaulting its files
    assert manifest.files == ["answers.toml"]


def test_boolean_points_are_refused(tmp_path: Path) -> None:
    load_error(tmp_path, MINIMAL + "points = true\n")


def test_quiz_answer_keys_must_not_repeat(tmp_path: Path) -> None:
    load_error(tmp_path, QUIZ.replace('answer = ["b"]', 'answer = ["b", "b"]'))


def test_minutes_need_a_reason_and_a_sane_range(tmp_path: Path) -> None:
    base = 'title = "x"\nsection = "core_python"\n'
    assert "minutes_reason" in load_error(tmp_path, base + "minutes = 20\n")
    assert "minutes" in load_error(tmp_path, base + 'minutes = 0\nminutes_reason = "r"\n')
    loaded = load_manifest(write(tmp_path, base + 'minutes = 20\nminutes_reason = "r"\n'))
    assert (loaded.minutes, loaded.minutes_reason) == (20, "r")

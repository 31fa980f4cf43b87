"""grader.kit: the candidate kit holds questions, stubs and public tests, and never anything that
gives answers away (hidden tests, references, mutants, quiz answers or explanations)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
import zipfile
from pathlib import Path

import pytest

from grader.assessment import load_assessment
from grader.catalog import Catalog, Exercise
from grader.errors import BadInputError
from grader.kit import build_kit
from grader.quiz import ANSWERS_FILE, blank_answers

REPO = Path(__file__).resolve().parent.parent
BUNDLED = REPO / "exercises"
PYTHON = REPO / ".venv" / "bin" / "python"
CACHE_DIRS = {"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}


def files_under(folder: Path) -> list[Path]:
    if folder.is_file():
        return [folder]
    if not folder.is_dir():
        return []
    return [
        path
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not CACHE_DIRS.intersection(path.relative_to(folder).parts)
    ]


def is_complete(exercise: Exercise) -> bool:
    """Every part present, with real content: others may still be writing some exercises."""
    if exercise.is_quiz:
        return not exercise.missing_parts()
    return (
        not exercise.missing_parts()
        and any(exercise.hidden_tests.glob("test_*.py"))
        and any(exercise.public_tests.glob("test_*.py"))
        and len(exercise.mutants) >= 3
    )


@pytest.fixture(scope="module")
def exercises() -> list[Exercise]:
    complete = [e for e in Catalog.load(BUNDLED) if is_complete(e)]
    if not complete:
        pytest.skip("no complete exercise in the bundled catalog yet")
    return complete


def secret_files(exercise: Exercise) -> list[Path]:
    secrets = files_under(exercise.hidden_tests) + files_under(exercise.reference_dir)
    for mutant in exercise.mutants.values():
        secrets.append(mutant.path)
    return secrets


def mutant_files(exercise: Exercise) -> list[bytes]:
    """Every mutant, made: the reference's files with its mistake."""
    if not exercise.mutants:
        return []
    reference = {
        name: path.read_bytes()
        for name, path in exercise.solution_files(exercise.reference_dir).items()
    }
    return [
        content
        for mutant in exercise.mutants.values()
        for name, content in mutant.apply(reference).items()
        if content != reference[name]
    ]


def kit_files(kit: Path) -> dict[str, bytes]:
    return {str(p.relative_to(kit)): p.read_bytes() for p in sorted(kit.rglob("*")) if p.is_file()}


def assert_no_secrets(files: dict[str, bytes], exercises: list[Exercise]) -> None:
    secrets: dict[bytes, Path] = {}
    secret_names: set[str] = set()
    for exercise in exercises:
        public_names = {p.name for p in files_under(exercise.public_tests)}
        # A multi-file exercise's reference and mutants keep some stub files as they are.
        handed_out = {p.read_bytes() for p in files_under(exercise.stub_dir)}
        for path in secret_files(exercise):
            content = path.read_bytes()
            if content.strip() and content not in handed_out:
                secrets[content] = path
        for content in mutant_files(exercise):
            if content not in handed_out:
                secrets[content] = exercise.path / "mutants"
        secret_names |= {p.name for p in files_under(exercise.hidden_tests)} - public_names
        secret_names |= {mutant.path.name for mutant in exercise.mutants.values()}
    assert secrets, "nothing to compare against: the check would be vacuous"
    for name, content in files.items():
        parts = Path(name).parts
        assert not {"hidden", "reference", "mutants"}.intersection(parts), name
        assert parts[-1] not in secret_names, name
        assert content not in secrets, f"{name} has the bytes of {secrets.get(content)}"


def assert_kit_layout(files: dict[str, bytes], exercises: list[Exercise]) -> None:
    assert "README.md" in files
    assert "selfcheck.py" in files
    readme = files["README.md"].decode()
    expected: dict[str, bytes] = {}
    for exercise in exercises:
        assert f"`{exercise.id}/`" in readme
        assert exercise.manifest.title in readme
        if exercise.is_quiz:
            expected[f"{exercise.id}/answers.toml"] = blank_answers(exercise).encode()
            question_page = files[f"{exercise.id}/README.md"].decode()
            for question in exercise.manifest.questions:
                assert question.prompt.strip() in question_page
                assert question.explanation not in question_page
            expected[f"{exercise.id}/README.md"] = files[f"{exercise.id}/README.md"]
            continue
        expected[f"{exercise.id}/README.md"] = exercise.question.read_bytes()
        for name, stub in exercise.solution_files(exercise.stub_dir).items():
            expected[f"{exercise.id}/{name}"] = stub.read_bytes()
        for test in files_under(exercise.public_tests):
            expected[f"{exercise.id}/tests/{test.relative_to(exercise.public_tests)}"] = (
                test.read_bytes()
            )
    assert {k: v for k, v in files.items() if k in expected} == expected
    assert set(files) == set(expected) | {"README.md", "selfcheck.py", "requirements.txt"}


# --- the bundled catalog -----------------------------------------------------------------------


def test_folder_kit_has_questions_stubs_and_public_tests(
    exercises: list[Exercise], tmp_path: Path
) -> None:
    out = build_kit(exercises, tmp_path / "kit")
    assert out == tmp_path / "kit"
    assert_kit_layout(kit_files(out), exercises)


def test_folder_kit_holds_no_hidden_test_reference_or_mutant(
    exercises: list[Exercise], tmp_path: Path
) -> None:
    out = build_kit(exercises, tmp_path / "kit")
    assert_no_secrets(kit_files(out), exercises)


def test_zip_kit_matches_the_folder_kit_and_leaks_nothing(
    exercises: list[Exercise], tmp_path: Path
) -> None:
    out = build_kit(exercises, tmp_path / "take-home.zip")
    assert out.is_file()
    with zipfile.ZipFile(out) as archive:
        names = [info.filename for info in archive.infolist() if not info.is_dir()]
        assert all(name.startswith("take-home/") for name in names)
        files = {name.removeprefix("take-home/"): archive.read(name) for name in names}
    assert_kit_layout(files, exercises)
    assert_no_secrets(files, exercises)
    folder = build_kit(exercises, tmp_path / "folder")
    assert files == kit_files(folder)


def pins(text: str) -> dict[str, str]:
    lines = [line.strip() for line in text.splitlines()]
    pairs = [line.split("==") for line in lines if line and not line.startswith("#")]
    return {name.lower(): version for name, version in pairs}


def test_kit_requirements_pin_what_the_sandbox_image_installs(
    exercises: list[Exercise], tmp_path: Path
) -> None:
    files = kit_files(build_kit(exercises, tmp_path / "kit"))
    kit_pins = pins(files["requirements.txt"].decode())
    image_pins = pins((REPO / "sandbox" / "requirements.txt").read_text())
    assert kit_pins == image_pins
    assert {"pytest", "hypothesis", "fastapi"} <= set(kit_pins)
    assert "pip install -r requirements.txt" in files["README.md"].decode()


def test_kit_into_an_existing_empty_folder(exercises: list[Exercise], tmp_path: Path) -> None:
    (tmp_path / "kit").mkdir()
    build_kit(exercises[:1], tmp_path / "kit")
    assert (tmp_path / "kit" / exercises[0].id / "README.md").is_file()


def test_kit_in_a_folder_that_does_not_exist_yet(exercises: list[Exercise], tmp_path: Path) -> None:
    out = build_kit(exercises[:1], tmp_path / "a" / "b" / "kit.zip")
    assert zipfile.is_zipfile(out)


def test_refuses_to_overwrite_a_non_empty_folder(exercises: list[Exercise], tmp_path: Path) -> None:
    out = tmp_path / "kit"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(BadInputError) as info:
        build_kit(exercises, out)
    assert str(out) in str(info.value)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert (out / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_refuses_to_overwrite_an_existing_file(exercises: list[Exercise], tmp_path: Path) -> None:
    out = tmp_path / "kit.zip"
    out.write_bytes(b"precious")
    with pytest.raises(BadInputError):
        build_kit(exercises, out)
    assert out.read_bytes() == b"precious"


# --- the self-check script ---------------------------------------------------------------------


def run_selfcheck(kit: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHONPATH"))}
    return subprocess.run(
        [str(PYTHON), "selfcheck.py", *args],
        cwd=kit,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def small(exercises: list[Exercise]) -> Exercise:
    """The complete exercise with the smallest public tests (fast to run)."""
    return min(
        exercises,
        key=lambda e: (
            e.id != "generators",
            sum(p.stat().st_size for p in files_under(e.public_tests)),
        ),
    )


@pytest.mark.slow
def test_selfcheck_fails_on_stubs_and_passes_with_the_reference(
    small: Exercise, tmp_path: Path
) -> None:
    kit = build_kit([small], tmp_path / "kit")
    first = run_selfcheck(kit)
    assert first.returncode != 0, first.stdout + first.stderr
    assert f"== {small.id}" in first.stdout
    assert f"Not passing yet: {small.id}" in first.stdout

    for name, reference in small.solution_files(small.reference_dir).items():
        shutil.copyfile(reference, kit / small.id / name)
    second = run_selfcheck(kit, small.id)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "passed" in second.stdout
    assert "All public tests pass." in second.stdout


def test_selfcheck_with_an_unknown_exercise_fails(small: Exercise, tmp_path: Path) -> None:
    kit = build_kit([small], tmp_path / "kit")
    result = run_selfcheck(kit, "no_such_exercise")
    assert result.returncode != 0


# --- quizzes -----------------------------------------------------------------------------------

QUIZ = """\
title = "Money and rounding"
section = "fintech"
kind = "quiz"
files = ["answers.toml"]

[[questions]]
id = "floats"
prompt = "Which type should hold an amount of money?"
answer = ["c"]
explanation = "SECRET-EXPLANATION-ONE: binary floats cannot hold 0.10 exactly."
choices = [{ key = "a", text = "float" }, { key = "b", text = "str" }, { key = "c", text = "Decimal" }]

[[questions]]
id = "rounding"
prompt = "Which roundings are used for money?"
answer = ["a", "b"]
explanation = "SECRET-EXPLANATION-TWO."
choices = [{ key = "a", text = "half-even" }, { key = "b", text = "half-up" }, { key = "c", text = "truncate" }]
"""


def test_quiz_kit_lists_questions_without_answers(tmp_path: Path) -> None:
    folder = tmp_path / "exercises" / "quiz_money"
    folder.mkdir(parents=True)
    (folder / "exercise.toml").write_text(QUIZ, encoding="utf-8")
    (folder / "README.md").write_text("# Money quiz\n\nAnswer in answers.toml.\n", encoding="utf-8")
    quiz = Catalog.load(tmp_path / "exercises")["quiz_money"]
    kit = build_kit([quiz], tmp_path / "kit")
    files = kit_files(kit)
    assert set(files) == {
        "README.md",
        "selfcheck.py",
        "requirements.txt",
        "quiz_money/README.md",
        f"quiz_money/{ANSWERS_FILE}",
    }
    readme = files["quiz_money/README.md"].decode()
    assert readme.startswith("# Money quiz")
    assert "### 1. `floats`\n" in readme
    assert "### 2. `rounding` (several answers)" in readme
    assert "Which type should hold an amount of money?" in readme
    assert "- **c**: Decimal" in readme
    answers = files[f"quiz_money/{ANSWERS_FILE}"].decode()
    assert answers == blank_answers(quiz)
    assert tomllib.loads(answers) == {"floats": "", "rounding": []}
    everything = b"\n".join(files.values()).decode()
    assert "SECRET-EXPLANATION" not in everything
    assert 'answer = ["c"]' not in everything


def test_a_rounds_kit_shows_the_minutes_per_exercise_and_for_the_round(tmp_path: Path) -> None:
    catalog = Catalog.load()
    round_one = load_assessment("round1_core_python")
    chosen = round_one.select(catalog)
    build_kit(chosen, tmp_path / "kit", round_one)
    readme = (tmp_path / "kit" / "README.md").read_text()
    total = sum(e.manifest.minutes or 0 for e in chosen)
    assert f"**Time limit: {round_one.time_limit_minutes} minutes.**" in readme
    assert f"about {total} minutes" in readme
    for exercise in chosen:
        assert f"| {exercise.manifest.points:g} | {exercise.manifest.minutes} |" in readme

"""grader.catalog: loading a folder of exercises, reporting broken ones, selecting, mutants."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.catalog import DEFAULT_EXERCISES_DIR, Catalog, Exercise
from grader.errors import BadInputError
from grader.manifest import MANIFEST_NAME, Manifest
from grader.sections import Section

BUNDLED = Path(__file__).resolve().parent.parent / "exercises"


def make_exercise(
    root: Path,
    exercise_id: str,
    manifest: str | None = None,
    files: tuple[str, ...] = ("solution.py",),
) -> Path:
    """A complete code exercise folder."""
    folder = root / exercise_id
    folder.mkdir(parents=True)
    if manifest is None:
        listed = ", ".join(f'"{name}"' for name in files)
        manifest = f'title = "{exercise_id}"\nsection = "core_python"\nfiles = [{listed}]\n'
    (folder / MANIFEST_NAME).write_text(manifest, encoding="utf-8")
    (folder / "README.md").write_text(f"# {exercise_id}\n", encoding="utf-8")
    for part in ("stub", "reference"):
        for name in files:
            path = folder / part / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"# {part} {name}\n", encoding="utf-8")
    for kind in ("hidden", "public"):
        tests = folder / "tests" / kind
        tests.mkdir(parents=True)
        (tests / f"test_{kind}.py").write_text("def test_x():\n    pass\n", encoding="utf-8")
    return folder


@pytest.fixture
def catalog_root(tmp_path: Path) -> Path:
    root = tmp_path / "exercises"
    make_exercise(root, "zeta")
    make_exercise(root, "alpha")
    make_exercise(root, "mid", manifest='title = "Mid"\nsection = "fastapi"\npoints = 4\n')
    return root


# --- loading -----------------------------------------------------------------------------------


def test_load_finds_every_exercise_in_id_order(catalog_root: Path) -> None:
    catalog = Catalog.load(catalog_root)
    assert catalog.ids == ["alpha", "mid", "zeta"]
    assert [e.id for e in catalog] == ["alpha", "mid", "zeta"]
    assert len(catalog) == 3
    assert catalog.problems == {}
    assert catalog.root == catalog_root
    catalog.require_valid()  # no problems: no error


def test_loaded_exercise_has_its_manifest_and_paths(catalog_root: Path) -> None:
    mid = Catalog.load(catalog_root)["mid"]
    assert isinstance(mid, Exercise)
    assert mid.path == catalog_root / "mid"
    assert mid.manifest.points == 4
    assert mid.section is Section.FASTAPI
    assert not mid.is_quiz
    assert mid.question == catalog_root / "mid" / "README.md"
    assert mid.stub_dir == catalog_root / "mid" / "stub"
    assert mid.reference_dir == catalog_root / "mid" / "reference"
    assert mid.hidden_tests == catalog_root / "mid" / "tests" / "hidden"
    assert mid.public_tests == catalog_root / "mid" / "tests" / "public"


def test_folders_without_manifest_and_plain_files_are_skipped(catalog_root: Path) -> None:
    (catalog_root / "work_in_progress" / "stub").mkdir(parents=True)
    (catalog_root / "README.md").write_text("# exercises\n", encoding="utf-8")
    catalog = Catalog.load(catalog_root)
    assert catalog.ids == ["alpha", "mid", "zeta"]
    assert catalog.problems == {}


def test_contains_and_getitem(catalog_root: Path) -> None:
    catalog = Catalog.load(catalog_root)
    assert "alpha" in catalog
    assert "beta" not in catalog
    assert catalog["zeta"].id == "zeta"


def test_broken_manifest_is_listed_and_the_others_load(catalog_root: Path) -> None:
    broken = make_exercise(
        catalog_root, "broken", manifest='title = "B"\nsection = "cooking"\npoints = -2\n'
    )
    invalid_toml = make_exercise(catalog_root, "garbled", manifest="title = \n")
    catalog = Catalog.load(catalog_root)
    assert catalog.ids == ["alpha", "mid", "zeta"]
    assert "broken" not in catalog
    assert set(catalog.problems) == {broken / MANIFEST_NAME, invalid_toml / MANIFEST_NAME}
    message = catalog.problems[broken / MANIFEST_NAME]
    assert str(broken / MANIFEST_NAME) in message
    assert "section" in message and "points" in message
    with pytest.raises(BadInputError) as info:
        catalog.require_valid()
    assert "broken exercise manifests" in str(info.value)
    assert str(broken / MANIFEST_NAME) in str(info.value)
    assert str(invalid_toml / MANIFEST_NAME) in str(info.value)


def test_missing_root_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInputError) as info:
        Catalog.load(tmp_path / "nowhere")
    assert str(tmp_path / "nowhere") in str(info.value)


def test_root_that_is_a_file_is_bad_input(tmp_path: Path) -> None:
    file = tmp_path / "exercises"
    file.write_text("", encoding="utf-8")
    with pytest.raises(BadInputError):
        Catalog.load(file)


def test_environment_variable_chooses_the_root(
    catalog_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADER_EXERCISES", str(catalog_root))
    assert Catalog.load().ids == ["alpha", "mid", "zeta"]


def test_default_root_is_the_bundled_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRADER_EXERCISES", raising=False)
    assert DEFAULT_EXERCISES_DIR == BUNDLED
    assert Catalog.load().root == BUNDLED


def test_empty_root_gives_empty_catalog(tmp_path: Path) -> None:
    catalog = Catalog.load(tmp_path)
    assert len(catalog) == 0
    assert catalog.ids == []
    assert catalog.select(None) == []


# --- select ------------------------------------------------------------------------------------


def test_select_everything_when_no_ids(catalog_root: Path) -> None:
    catalog = Catalog.load(catalog_root)
    assert [e.id for e in catalog.select(None)] == ["alpha", "mid", "zeta"]
    assert [e.id for e in catalog.select([])] == ["alpha", "mid", "zeta"]
    assert [e.id for e in catalog.select(())] == ["alpha", "mid", "zeta"]


def test_select_named_ids_in_the_order_given(catalog_root: Path) -> None:
    catalog = Catalog.load(catalog_root)
    assert [e.id for e in catalog.select(["zeta", "alpha"])] == ["zeta", "alpha"]
    assert [e.id for e in catalog.select(iter(["mid"]))] == ["mid"]


def test_select_unknown_id_names_the_known_ones(catalog_root: Path) -> None:
    catalog = Catalog.load(catalog_root)
    with pytest.raises(BadInputError) as info:
        catalog.select(["alpha", "nope"])
    message = str(info.value)
    assert "'nope'" in message
    assert "alpha, mid, zeta" in message


def test_getitem_on_empty_catalog_says_none_known(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match=r"known: none"):
        Catalog.load(tmp_path)["x"]


# --- mutants -----------------------------------------------------------------------------------


def test_mutants_are_the_diffs_of_the_mutants_folder(tmp_path: Path) -> None:
    folder = make_exercise(tmp_path, "ex")
    mutants = folder / "mutants"
    mutants.mkdir()
    for name in ("wrong_api.diff", "off_by_one.diff", "_draft.diff", ".hidden.diff"):
        (mutants / name).write_text("", encoding="utf-8")
    (mutants / "notes.txt").write_text("not a mutant", encoding="utf-8")
    (mutants / "old_copy.py").write_text("x = 1\n", encoding="utf-8")
    exercise = Catalog.load(tmp_path)["ex"]
    assert list(exercise.mutants) == ["off_by_one", "wrong_api"]
    assert exercise.mutants["off_by_one"].path == mutants / "off_by_one.diff"


def test_no_mutants_folder(tmp_path: Path) -> None:
    make_exercise(tmp_path, "ex")
    assert Catalog.load(tmp_path)["ex"].mutants == {}


def test_solution_files_of_a_folder(tmp_path: Path) -> None:
    make_exercise(tmp_path, "multi", files=("pkg/app.py", "main.py"))
    multi = Catalog.load(tmp_path)["multi"]
    assert multi.solution_files(multi.stub_dir) == {
        "pkg/app.py": multi.stub_dir / "pkg" / "app.py",
        "main.py": multi.stub_dir / "main.py",
    }


# --- missing_parts -----------------------------------------------------------------------------


def test_complete_exercise_misses_nothing(tmp_path: Path) -> None:
    make_exercise(tmp_path, "ex", files=("pkg/app.py", "main.py"))
    assert Catalog.load(tmp_path)["ex"].missing_parts() == []


def test_missing_parts_are_listed(tmp_path: Path) -> None:
    folder = make_exercise(tmp_path, "ex", files=("pkg/app.py", "main.py"))
    (folder / "README.md").unlink()
    (folder / "reference" / "pkg" / "app.py").unlink()
    (folder / "stub" / "main.py").unlink()
    for test in (folder / "tests" / "hidden").iterdir():
        test.unlink()
    (folder / "tests" / "hidden").rmdir()
    missing = Catalog.load(tmp_path)["ex"].missing_parts()
    assert sorted(missing) == sorted(
        [
            folder / "README.md",
            folder / "tests" / "hidden",
            folder / "stub" / "main.py",
            folder / "reference" / "pkg" / "app.py",
        ]
    )


def test_empty_public_tests_folder_is_missing(tmp_path: Path) -> None:
    folder = make_exercise(tmp_path, "ex")
    for test in (folder / "tests" / "public").iterdir():
        test.unlink()
    assert Catalog.load(tmp_path)["ex"].missing_parts() == [
        folder / "tests" / "public" / "test_*.py"
    ]


def test_quiz_needs_only_its_question(tmp_path: Path) -> None:
    quiz = tmp_path / "quiz_x"
    quiz.mkdir()
    (quiz / MANIFEST_NAME).write_text(
        'title = "Q"\nsection = "fintech"\nkind = "quiz"\nfiles = ["answers.toml"]\n'
        '[[questions]]\nid = "q1"\nprompt = "p"\nanswer = ["a"]\nexplanation = "e"\n'
        'choices = [{key = "a", text = "A"}, {key = "b", text = "B"}]\n',
        encoding="utf-8",
    )
    exercise = Catalog.load(tmp_path)["quiz_x"]
    assert exercise.is_quiz
    assert exercise.missing_parts() == [quiz / "README.md"]
    (quiz / "README.md").write_text("# Q\n", encoding="utf-8")
    assert exercise.missing_parts() == []


def test_catalog_from_exercises_sorts_and_indexes() -> None:
    manifest = Manifest(title="t", section=Section.CORE_PYTHON)
    exercises = [Exercise(i, Path("/x") / i, manifest) for i in ("b", "c", "a")]
    catalog = Catalog(exercises, Path("/x"))
    assert catalog.ids == ["a", "b", "c"]
    assert catalog.problems == {}


# --- the bundled catalog -----------------------------------------------------------------------


def test_bundled_catalog_loads_with_no_problems() -> None:
    catalog = Catalog.load(BUNDLED)
    assert catalog.problems == {}
    catalog.require_valid()
    assert len(catalog) >= 1
    assert catalog.ids == sorted(catalog.ids)
    for exercise in catalog:
        assert exercise.path == BUNDLED / exercise.id
        assert exercise.id == exercise.id.lower()
        assert exercise.manifest.title

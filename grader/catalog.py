"""The catalog: every exercise folder under `exercises/`, loaded and checked once."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from grader.errors import BadInputError
from grader.manifest import MANIFEST_NAME, Manifest, load_manifest
from grader.mutants import Mutant, mutants_in
from grader.paths import EXERCISES_DIR
from grader.sections import Section

DEFAULT_EXERCISES_DIR = EXERCISES_DIR


@dataclass(frozen=True)
class Exercise:
    """One exercise folder: its manifest and the paths of its parts."""

    id: str
    path: Path
    manifest: Manifest

    @property
    def section(self) -> Section:
        return self.manifest.section

    @property
    def is_quiz(self) -> bool:
        return self.manifest.kind == "quiz"

    @property
    def question(self) -> Path:
        return self.path / "README.md"

    @property
    def stub_dir(self) -> Path:
        return self.path / "stub"

    @property
    def reference_dir(self) -> Path:
        return self.path / "reference"

    @property
    def hidden_tests(self) -> Path:
        return self.path / "tests" / "hidden"

    @property
    def public_tests(self) -> Path:
        return self.path / "tests" / "public"

    @cached_property
    def mutants(self) -> dict[str, Mutant]:
        """Known-wrong solutions by name: each ``mutants/<name>.diff`` (see grader.mutants)."""
        return mutants_in(self.path / "mutants")

    def solution_files(self, folder: Path) -> dict[str, Path]:
        """Map each file the manifest names to where it is in `folder`."""
        return {name: folder / name for name in self.manifest.files}

    def read_solution(self, folder: Path) -> dict[str, bytes]:
        """The contents of the files the manifest names that `folder` has (a stub, a reference)."""
        return {
            name: path.read_bytes()
            for name, path in self.solution_files(folder).items()
            if path.is_file()
        }

    def missing_parts(self) -> list[Path]:
        """The parts every exercise must have, that this one lacks."""
        required = [self.question]
        if not self.is_quiz:
            required += [self.hidden_tests, self.public_tests]
            for base in (self.stub_dir, self.reference_dir):
                required += [base / name for name in self.manifest.files]
        missing = [path for path in required if not path.exists()]
        if not self.is_quiz:
            for suite in (self.hidden_tests, self.public_tests):
                if suite.is_dir() and not any(suite.glob("test_*.py")):
                    missing.append(suite / "test_*.py")
        return missing


class Catalog:
    """The exercises of one folder, in a stable order (by id)."""

    def __init__(
        self, exercises: Iterable[Exercise], root: Path, problems: dict[Path, str] | None = None
    ) -> None:
        self.root = root
        #: Exercise folders that could not be loaded, by manifest path: reported, never skipped silently.
        self.problems = problems or {}
        self._by_id = {exercise.id: exercise for exercise in sorted(exercises, key=lambda e: e.id)}

    @classmethod
    def load(cls, root: Path | None = None) -> Catalog:
        """Load every exercise under `root` (default: $GRADER_EXERCISES or the bundled folder)."""
        root = root or Path(os.environ.get("GRADER_EXERCISES", DEFAULT_EXERCISES_DIR))
        if not root.is_dir():
            raise BadInputError(f"{root}: no such exercises folder")
        exercises: list[Exercise] = []
        problems: dict[Path, str] = {}
        for folder in sorted(root.iterdir()):
            manifest_path = folder / MANIFEST_NAME
            if not manifest_path.is_file():
                continue
            try:
                exercises.append(Exercise(folder.name, folder, load_manifest(manifest_path)))
            except BadInputError as exc:
                problems[manifest_path] = str(exc)
        return cls(exercises, root, problems)

    def require_valid(self) -> None:
        """Refuse to grade with a broken catalog: a score over part of it would mislead."""
        if self.problems:
            raise BadInputError("broken exercise manifests:\n" + "\n".join(self.problems.values()))

    def __iter__(self) -> Iterator[Exercise]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, exercise_id: object) -> bool:
        return exercise_id in self._by_id

    def __getitem__(self, exercise_id: str) -> Exercise:
        try:
            return self._by_id[exercise_id]
        except KeyError:
            known = ", ".join(self._by_id) or "none"
            raise BadInputError(f"unknown exercise {exercise_id!r} (known: {known})") from None

    @property
    def ids(self) -> list[str]:
        return list(self._by_id)

    def select(self, ids: Iterable[str] | None) -> list[Exercise]:
        """The named exercises (all when `ids` is empty), refusing unknown names."""
        wanted = list(ids or [])
        return [self[i] for i in wanted] if wanted else list(self)


def catalog_table(catalog: Catalog) -> str:
    """The catalog as a Markdown table: each exercise and quiz with the guide questions it covers."""
    rows = [
        "| Exercise | Section | Kind | Points | Minutes | Guide questions |",
        "| --- | --- | --- | ---: | ---: | --- |",
    ]
    for exercise in catalog:
        manifest = exercise.manifest
        minutes = "" if manifest.minutes is None else str(manifest.minutes)
        rows.append(
            f"| `{exercise.id}`: {manifest.title} | {exercise.section.label} | {manifest.kind} "
            f"| {manifest.points:g} | {minutes} | {', '.join(manifest.guide)} |"
        )
    return "\n".join(rows) + "\n"

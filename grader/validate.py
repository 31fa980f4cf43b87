"""Validation of the catalog itself: the hidden suites must tell right from wrong.

Every reference must pass its hidden suite; every stub and every known-wrong solution (mutant)
must not. Runs are batched: all references in one sandbox run, all stubs in another, and the
k-th mutant of every exercise together, so the runner's per-run start is paid a few times only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from grader.catalog import Catalog, Exercise
from grader.grading import grade_exercises
from grader.quiz import ANSWERS_FILE, blank_answers, reference_answers
from grader.report import ExerciseResult, Status
from grader.sandboxes import Sandbox

MIN_MUTANTS = 3

# An exercise, what is being checked ("reference", "stub", "mutant <name>"), and its files.
Candidate = tuple[Exercise, str, dict[str, bytes]]


@dataclass(frozen=True)
class Check:
    """One expectation about one exercise, and whether it held."""

    exercise: str
    subject: str  # "manifest", "files", "reference", "stub", "mutant <name>"
    ok: bool
    detail: str


def _read(exercise: Exercise, source: Path) -> dict[str, bytes]:
    return {
        name: path.read_bytes()
        for name, path in exercise.solution_files(source).items()
        if path.is_file()
    }


def _reference(exercise: Exercise) -> dict[str, bytes]:
    if exercise.is_quiz:
        return {ANSWERS_FILE: reference_answers(exercise).encode()}
    return _read(exercise, exercise.reference_dir)


def _stub(exercise: Exercise) -> dict[str, bytes]:
    if exercise.is_quiz:
        return {ANSWERS_FILE: blank_answers(exercise).encode()}
    return _read(exercise, exercise.stub_dir)


def _summary(result: ExerciseResult) -> str:
    failing = [test.name for test in result.tests if test.outcome != "passed"]
    detail = f"{result.status.value}: {result.message.splitlines()[0] if result.message else ''}"
    if failing and result.status != Status.PASSED:
        detail += f" (first failing: {failing[0]})"
    return detail


def validate(
    catalog: Catalog, exercises: Sequence[Exercise], sandbox: Sandbox, *, jobs: int = 1
) -> list[Check]:
    checks = [
        Check(path.parent.name, "manifest", False, problem)
        for path, problem in catalog.problems.items()
    ]
    ready = []
    for exercise in exercises:
        missing = exercise.missing_parts()
        if missing:
            checks += [Check(exercise.id, "files", False, f"missing {path}") for path in missing]
        elif not exercise.is_quiz and len(exercise.mutants) < MIN_MUTANTS:
            checks.append(
                Check(
                    exercise.id,
                    "mutants",
                    False,
                    f"{len(exercise.mutants)} mutants; at least {MIN_MUTANTS} needed",
                )
            )
            ready.append(exercise)
        else:
            ready.append(exercise)

    def run(batch: list[Candidate], want_pass: bool) -> list[Check]:
        results = grade_exercises([(exercise, files) for exercise, _, files in batch], sandbox)
        return [
            Check(
                exercise.id,
                subject,
                (result.status == Status.PASSED) == want_pass,
                _summary(result),
            )
            for (exercise, subject, _), result in zip(batch, results, strict=True)
        ]

    batches = [
        ([(e, "reference", _reference(e)) for e in ready], True),
        ([(e, "stub", _stub(e)) for e in ready], False),
        *((batch, False) for batch in _mutant_batches(ready)),
    ]
    # Sandbox runs are independent: a few at once use the cores while suites wait on barriers,
    # sleeps and subprocesses. The checks keep the batches' order whatever finishes first.
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for found in pool.map(lambda item: run(*item), [b for b in batches if b[0]]):
            checks += found
    return checks


def _mutant_batches(exercises: Iterable[Exercise]) -> list[list[Candidate]]:
    """The k-th mutant of every exercise in the k-th batch: one exercise id per sandbox run."""
    batches: list[list[Candidate]] = []
    for exercise in exercises:
        for index, (name, path) in enumerate(exercise.mutants.items()):
            if index == len(batches):
                batches.append([])
            batches[index].append((exercise, f"mutant {name}", _read(exercise, path)))
    return batches

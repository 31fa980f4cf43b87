"""Validation of the catalog itself: the hidden suites must tell right from wrong.

Every reference must pass its hidden suite; every stub and every known-wrong solution (mutant)
must not; and no universal cheat (the stub answering with objects equal to everything, see
grader.cheats) may score more than the stub. Runs are batched: all references in one sandbox run,
all stubs in another, the k-th mutant of every exercise together and each cheat variant of every
exercise together, so the runner's per-run start is paid a few times only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from grader.assessment import Assessment
from grader.canaries import COPIES
from grader.catalog import Catalog, Exercise
from grader.cheats import VARIANTS, CheatError, synthesize
from grader.clauses import clause_problems
from grader.errors import BadInputError
from grader.grading import grade_exercises
from grader.mutants import MutantError
from grader.quiz import ANSWERS_FILE, blank_answers, reference_answers
from grader.report import ExerciseResult, Status
from grader.sandboxes import Sandbox

MIN_MUTANTS = 3

# What one check grades: an exercise, what is being checked ("reference", "stub",
# "mutant <name>", "cheat <variant>"), and its files.
Subject = tuple[Exercise, str, dict[str, bytes]]


@dataclass(frozen=True)
class Check:
    """One expectation about one exercise, and whether it held."""

    exercise: str
    subject: str  # "manifest", "files", "clauses", "reference", "stub", "mutant <name>", "cheat <variant>"
    ok: bool
    detail: str


def _reference(exercise: Exercise) -> dict[str, bytes]:
    if exercise.is_quiz:
        return {ANSWERS_FILE: reference_answers(exercise).encode()}
    return exercise.read_solution(exercise.reference_dir)


def _stub(exercise: Exercise) -> dict[str, bytes]:
    if exercise.is_quiz:
        return {ANSWERS_FILE: blank_answers(exercise).encode()}
    return exercise.read_solution(exercise.stub_dir)


def _summary(result: ExerciseResult) -> str:
    failing = [test.name for test in result.tests if test.outcome != "passed"]
    detail = f"{result.status.value}: {result.message.splitlines()[0] if result.message else ''}"
    if failing and result.status != Status.PASSED:
        detail += f" (first failing: {failing[0]})"
    return detail


def validate(
    catalog: Catalog,
    exercises: Sequence[Exercise],
    sandbox: Sandbox,
    *,
    jobs: int = 1,
    assessments: Mapping[str, Assessment] | None = None,
) -> list[Check]:
    """Every check of `exercises`, and of `assessments` (rounds of this catalog) when given."""
    checks = [
        Check(path.parent.name, "manifest", False, problem)
        for path, problem in catalog.problems.items()
    ]
    checks += [
        Check(e.id, "minutes", False, "exercise.toml gives no minutes estimate")
        for e in exercises
        if e.manifest.minutes is None
    ]
    checks += [_time_check(name, a, catalog) for name, a in (assessments or {}).items()]
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
    checks += [check for exercise in ready for check in _clause_checks(exercise)]

    def run(batch: list[Subject]) -> list[ExerciseResult]:
        # A mutant only has to fail: its suite stops at the first failure. References are graded
        # in full, with a clone and a twin of every test: a test that fails when it runs again in
        # the same process (state left in the solution's module) would make an honest solution
        # `tampered` whenever grading happened to copy it. Stubs are graded in full too, since
        # the cheats are judged by their scores.
        fail_fast = any(subject.startswith("mutant ") for _, subject, _ in batch)
        references = all(subject == "reference" for _, subject, _ in batch)
        answers = [(exercise, files) for exercise, _, files in batch]
        copies = None if references else COPIES
        return grade_exercises(answers, sandbox, fail_fast=fail_fast, canary_copies=copies)

    stubs = [(e, "stub", _stub(e)) for e in ready]
    cheats, broken = _cheat_batches(stubs)
    mutants, unmade = _mutant_batches(ready)
    checks += broken + unmade
    batches = [
        ([(e, "reference", _reference(e)) for e in ready], True),
        (stubs, False),
        *((batch, False) for batch in mutants),
        *((batch, None) for batch in cheats),  # None: judged against the stub's score
    ]
    # Sandbox runs are independent: a few at once use the cores while suites wait on barriers,
    # sleeps and subprocesses. The checks keep the batches' order whatever finishes first.
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        graded = list(pool.map(lambda item: (item, run(item[0])), [b for b in batches if b[0]]))
    stub_scores = {
        result.id: result.score
        for (batch, _), results in graded
        if batch is stubs
        for result in results
    }
    for (batch, want_pass), results in graded:
        for (exercise, subject, _), result in zip(batch, results, strict=True):
            if want_pass is None:
                checks.append(_cheat_check(exercise, subject, result, stub_scores[exercise.id]))
            else:
                ok = (result.status == Status.PASSED) == want_pass
                checks.append(Check(exercise.id, subject, ok, _summary(result)))
    return checks


def _time_check(name: str, assessment: Assessment, catalog: Catalog) -> Check:
    """A round a good candidate cannot finish in its time limit measures speed, not skill."""
    try:
        problem = assessment.time_problem(catalog)
    except BadInputError as error:
        problem = str(error)
    if problem:
        return Check(f"assessment {name}", "time", False, problem)
    return Check(f"assessment {name}", "time", True, "fits its time limit")


def _clause_checks(exercise: Exercise) -> list[Check]:
    """Every clause the README states is checked by a hidden test, and no test names another."""
    if exercise.is_quiz:
        return []
    readme = exercise.question.read_text(encoding="utf-8")
    problems = clause_problems(readme, exercise.hidden_tests)
    if not problems:
        return [Check(exercise.id, "clauses", True, "every clause has a hidden test")]
    return [Check(exercise.id, "clauses", False, problem) for problem in problems]


def _cheat_check(exercise: Exercise, subject: str, result: ExerciseResult, stub: float) -> Check:
    """A cheat must earn no more than the stub: its points come only from trusting its __eq__."""
    ok = result.score <= stub + 1e-9
    detail = f"scores {result.score:g}, the stub {stub:g}"
    if not ok:
        passed = [test.name for test in result.tests if test.outcome == "passed"]
        detail += f"; passed: {', '.join(passed[:3])}{' …' if len(passed) > 3 else ''}"
    return Check(exercise.id, subject, ok, detail)


def _cheat_batches(stubs: Iterable[Subject]) -> tuple[list[list[Subject]], list[Check]]:
    """One batch per cheat variant, made from each code exercise's stub (quizzes have none)."""
    batches: list[list[Subject]] = [[] for _ in VARIANTS]
    broken = []
    for exercise, _, files in stubs:
        if exercise.is_quiz:
            continue
        for batch, variant in zip(batches, VARIANTS, strict=True):
            subject = f"cheat {variant}"
            try:
                batch.append((exercise, subject, synthesize(files, variant)))
            except CheatError as error:
                broken.append(Check(exercise.id, subject, False, str(error)))
    return batches, broken


def _mutant_batches(exercises: Iterable[Exercise]) -> tuple[list[list[Subject]], list[Check]]:
    """The k-th mutant of every exercise in the k-th batch: one exercise id per sandbox run.
    A mutant whose diff no longer applies to the reference is a failed check, not a run."""
    batches: list[list[Subject]] = []
    unmade = []
    for exercise in exercises:
        index = 0
        for name, mutant in exercise.mutants.items():
            subject = f"mutant {name}"
            try:
                files = mutant.apply(_reference(exercise))
            except MutantError as error:
                unmade.append(Check(exercise.id, subject, False, str(error)))
                continue
            if index == len(batches):
                batches.append([])
            batches[index].append((exercise, subject, files))
            index += 1
    return batches, unmade

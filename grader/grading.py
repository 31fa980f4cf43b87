"""Grade one submission: static checks here, hidden suites in a sandbox, one report out."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from grader import scoring, verdicts
from grader.canaries import COPIES, make_canaries
from grader.catalog import Exercise
from grader.quiz import grade_quiz
from grader.report import ExerciseResult, GradeReport, Status
from grader.sandboxes import Job, Sandbox
from grader.sandboxes.choice import Chosen
from grader.scope import Scope
from grader.scoring import overall_percent, section_scores
from grader.sections import DEFAULT_WEIGHTS, Section
from grader.shards import run_sharded
from grader.static_checks import forbidden_imports, syntax_error
from grader.submission import Submission, open_submission


def static_verdict(exercise: Exercise, files: Mapping[str, bytes]) -> ExerciseResult | None:
    """A verdict reached without running anything: a syntax error, or a forbidden import."""
    for name, content in files.items():
        if not name.endswith(".py"):
            continue
        source = content.decode("utf-8", "replace")
        broken = syntax_error(name, source)
        if broken:
            return scoring.result(exercise, Status.ERROR, str(broken))
        found = forbidden_imports(name, source, exercise.manifest.forbidden_imports)
        if found:
            return scoring.result(exercise, Status.REJECTED, "; ".join(map(str, found)))
    return None


def grade_exercises(
    answers: Sequence[tuple[Exercise, Mapping[str, bytes] | None]],
    sandbox: Sandbox,
    *,
    fail_fast: bool = False,
    parallel: int = 1,
    canary_copies: int | None = COPIES,
) -> list[ExerciseResult]:
    """Grade each exercise on the given files (None: not submitted), in `parallel` sandbox runs
    at once (grader/shards.py).

    `fail_fast`: stop each suite at its first failure; the status then says only whether it
    passed (for known-wrong solutions), and the score is not a grade. `canary_copies`: clones and
    twins per hidden module (None: of every test, see `make_canaries`)."""
    results: dict[str, ExerciseResult] = {}
    jobs: list[Job] = []
    for exercise, files in answers:
        if files is None:
            results[exercise.id] = scoring.result(
                exercise, Status.MISSING, f"no {', '.join(exercise.manifest.files)} submitted"
            )
        elif exercise.is_quiz:
            results[exercise.id] = grade_quiz(exercise, files)
        elif (verdict := static_verdict(exercise, files)) is not None:
            results[exercise.id] = verdict
        else:
            limits = exercise.manifest.limits
            # Canaries include tests planted to fail, which would stop a fail-fast run first.
            canaries = (
                None if fail_fast else make_canaries(exercise.hidden_tests, copies=canary_copies)
            )
            jobs.append(
                Job(exercise.id, dict(files), exercise.hidden_tests, limits, canaries, fail_fast)
            )
    if jobs:
        outcomes = run_sharded(sandbox, jobs, parallel)
        by_id = {exercise.id: exercise for exercise, _ in answers}
        for job in jobs:
            results[job.id] = verdicts.from_outcome(by_id[job.id], outcomes[job.id], job.canaries)
    return [results[exercise.id] for exercise, _ in answers]


def grade_submission(
    submission: Submission,
    exercises: Sequence[Exercise],
    sandbox: Sandbox,
    *,
    weights: Mapping[Section, float] = DEFAULT_WEIGHTS,
    warnings: Sequence[str] = (),
    assessment: str | None = None,
    parallel: int = 1,
) -> GradeReport:
    """Grade every exercise in `exercises`; those the submission lacks are `missing`.
    `parallel`: sandbox runs at once for this one submission."""
    answers = [(e, submission.files_for(e)) for e in exercises]
    results = grade_exercises(answers, sandbox, parallel=parallel)
    sections = section_scores(results, weights)
    return GradeReport(
        submission=submission.label,
        sandbox=sandbox.name,
        assessment=assessment,
        score=round(sum(r.score for r in results), 2),
        max_score=round(sum(r.max_score for r in results), 2),
        percent=overall_percent(sections),
        sections=sections,
        exercises=results,
        ignored_files=submission.ignored(),
        warnings=list(warnings),
    )


def grade_path(
    path: Path,
    scope: Scope,
    choose_sandbox: Callable[[], Chosen],
    *,
    known_ids: Sequence[str],
    parallel: int = 1,
) -> GradeReport:
    """Grade the submission at `path` (a folder or an archive) on `scope`.

    The sandbox is chosen only once the submission opened, so a bad path or archive is reported
    as such before any sandbox is looked for. `known_ids`: the catalog's exercises, whose files
    are not listed as ignored even when `scope` leaves them out.
    """
    with open_submission(path, known_ids) as opened:
        chosen = choose_sandbox()
        return grade_submission(
            opened,
            scope.exercises,
            chosen.sandbox,
            weights=scope.weights,
            warnings=chosen.warnings,
            assessment=scope.assessment_title,
            parallel=parallel,
        )

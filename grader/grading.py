"""Grade one submission: static checks here, hidden suites in a sandbox, one report out."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Literal

from grader import scoring, verdicts
from grader.canaries import COPIES, make_canaries
from grader.catalog import Exercise
from grader.progress import ProgressCallback, ProgressEvent
from grader.protocol import ExerciseDone, ExerciseStart
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


class _Announcer:
    """Progress from the runs' records: each exercise started and finished once, as its records
    arrive, and revised when its final result differs (its run failed after it finished).

    Records come from every shard's thread at once; one lock serialises the callback too."""

    def __init__(self, on_progress: ProgressCallback, jobs: Mapping[str, tuple[Exercise, Job]]):
        self.on_progress = on_progress
        self.jobs = jobs
        self.lock = threading.Lock()
        self.started: set[str] = set()
        self.finished: dict[str, ExerciseResult] = {}
        self.settled = False

    def record(self, record: ExerciseStart | ExerciseDone) -> None:
        if isinstance(record, ExerciseStart):
            with self.lock:
                self._start(record.id)
            return
        found = self.jobs.get(record.run.id)
        if found is not None:
            exercise, job = found
            self.decided(verdicts.from_run(exercise, record.run, job.canaries))

    def decided(self, result: ExerciseResult) -> None:
        with self.lock:
            self._finish(result)

    def settle(self, results: Mapping[str, ExerciseResult]) -> None:
        """The final results are in: finish what no record finished, revise what differs."""
        with self.lock:
            for exercise_id in self.jobs:
                final, said = results[exercise_id], self.finished.get(exercise_id)
                if said is None:
                    self._start(exercise_id)
                    self._finish(final)
                elif (said.status, said.score) != (final.status, final.score):
                    self._emit(final, "revised")
            self.settled = True

    def _start(self, exercise_id: str) -> None:
        if exercise_id not in self.started and not self.settled:
            self.started.add(exercise_id)
            self.on_progress(ProgressEvent(exercise_id, "started"))

    def _finish(self, result: ExerciseResult) -> None:
        if result.id not in self.finished and not self.settled:
            self.finished[result.id] = result
            self._emit(result, "finished")

    def _emit(self, result: ExerciseResult, kind: Literal["finished", "revised"]) -> None:
        self.on_progress(
            ProgressEvent(result.id, kind, result.status, result.score, result.max_score)
        )


def grade_exercises(
    answers: Sequence[tuple[Exercise, Mapping[str, bytes] | None]],
    sandbox: Sandbox,
    *,
    fail_fast: bool = False,
    parallel: int = 1,
    canary_copies: int | None = COPIES,
    on_progress: ProgressCallback | None = None,
) -> list[ExerciseResult]:
    """Grade each exercise on the given files (None: not submitted), in `parallel` sandbox runs
    at once (grader/shards.py).

    `fail_fast`: stop each suite at its first failure; the status then says only whether it
    passed (for known-wrong solutions), and the score is not a grade. `canary_copies`: clones and
    twins per hidden module (None: of every test, see `make_canaries`). `on_progress`: told of
    each exercise as it starts and finishes (grader/progress.py), from several threads at once."""
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
    by_id = {exercise.id: exercise for exercise, _ in answers}
    announcer = None
    if on_progress is not None:
        announcer = _Announcer(on_progress, {job.id: (by_id[job.id], job) for job in jobs})
        for decided in results.values():  # known without a run: said at once
            announcer.decided(decided)
    if jobs:
        outcomes = run_sharded(
            sandbox, jobs, parallel, announcer.record if announcer is not None else None
        )
        for job in jobs:
            results[job.id] = verdicts.from_outcome(by_id[job.id], outcomes[job.id], job.canaries)
    if announcer is not None:
        announcer.settle(results)
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
    on_progress: ProgressCallback | None = None,
) -> GradeReport:
    """Grade every exercise in `exercises`; those the submission lacks are `missing`.
    `parallel`: sandbox runs at once for this one submission. `on_progress`: told of each
    exercise as it starts and finishes (grader/progress.py), from several threads at once."""
    answers = [(e, submission.files_for(e)) for e in exercises]
    results = grade_exercises(answers, sandbox, parallel=parallel, on_progress=on_progress)
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
    on_progress: ProgressCallback | None = None,
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
            on_progress=on_progress,
        )

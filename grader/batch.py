"""Grade many submissions at once: in parallel, cached, interruptible, one row per candidate.

Each submission is graded exactly as `grade` grades one (its own sandbox run, through
:func:`grader.grading.grade_submission`). What a batch adds: one broken or hostile submission
becomes a row with an error and never ends the batch; a cache keyed by content, so a re-run
regrades only what changed; Ctrl-C stops scheduling but lets running gradings finish and clean up;
and a summary (CSV and JSON) to rank candidates by, with the similarity flags. The reports come
back in memory too, so other formats render from them without reading the files back.

Workers are threads: the grading itself happens in subprocesses or containers.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from rich.progress import Progress

from grader import similarity
from grader.archives import ARCHIVE_SUFFIXES
from grader.atomic_write import write_atomic
from grader.batch_cache import ReportCache, cache_key, exercise_version, runner_version
from grader.batch_summary import BatchRow, BatchSummary, RowStatus
from grader.catalog import Exercise
from grader.errors import BadInputError, GraderError, InfrastructureError
from grader.grading import grade_submission
from grader.report import GradeReport, Status
from grader.reports import summary_csv
from grader.sandboxes import Sandbox
from grader.sections import DEFAULT_WEIGHTS, Section
from grader.submission import open_submission
from grader.text import candidate_text, clean_model, safe_name

REPORTS_DIR = "reports"
SUMMARY_JSON = "summary.json"
SUMMARY_CSV = "summary.csv"

SandboxFactory = Callable[[], Sandbox]


@dataclass(frozen=True)
class ProgressEvent:
    done: int
    total: int
    row: BatchRow | None  # None for the first event, sent before any grading finished


#: Called in the thread that called grade_batch: once before any grading finished, then once
#: per finished submission.
ProgressCallback = Callable[[ProgressEvent], None]


def rich_progress(progress: Progress, description: str = "Grading") -> ProgressCallback:
    """A callback that drives one task of a rich Progress."""
    task = progress.add_task(description, total=None)

    def update(event: ProgressEvent) -> None:
        label = f"{description} ({event.row.candidate})" if event.row else description
        progress.update(task, total=event.total, completed=event.done, description=label)

    return update


def require_output_folder(output_dir: Path) -> None:
    """A batch writes a folder of reports: an existing file in its place is bad input."""
    if output_dir.exists() and not output_dir.is_dir():
        raise BadInputError(f"{output_dir} is a file: a batch needs a folder for its reports")


def default_jobs() -> int:
    """The CPUs this process may use: each grading is mostly one busy test process."""
    return max(1, len(os.sched_getaffinity(0)))


def discover(paths: Sequence[Path] = (), batch_dirs: Sequence[Path] = ()) -> list[Path]:
    """The submissions to grade: each of `paths`, and every child of each of `batch_dirs`.

    A batch folder's children are all candidates, folders and files alike (hidden ones aside):
    a file that is not a supported archive becomes a row with an error rather than vanishing.
    Duplicates are graded once.
    """
    found: list[Path] = list(paths)
    for folder in batch_dirs:
        if not folder.is_dir():
            raise BadInputError(f"{folder}: not a folder of submissions")
        found += sorted(c for c in folder.iterdir() if not c.name.startswith((".", "__MACOSX")))
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.absolute(), path)
    return list(unique.values())


def candidate_name(path: Path) -> str:
    """A file-name-safe name for the candidate: the submission's name without archive suffix."""
    name = path.absolute().name
    for suffix in ARCHIVE_SUFFIXES:
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "submission"


def candidate_names(paths: Sequence[Path]) -> list[str]:
    """One distinct name per submission (`alice/` and `alice.zip` become `alice`, `alice-2`)."""
    taken: set[str] = set()
    names = []
    for path in paths:
        base = name = candidate_name(path)
        number = 1
        while name.lower() in taken:
            number += 1
            name = f"{base}-{number}"
        taken.add(name.lower())
        names.append(name)
    return names


@dataclass
class _Graded:
    row: BatchRow
    report: GradeReport | None = None
    solutions: dict[str, dict[str, bytes]] = field(default_factory=dict)  # for similarity


@dataclass
class _Batch:
    """What every worker shares: read-only settings, plus the stop flag."""

    exercises: Sequence[Exercise]
    sandbox_factory: SandboxFactory
    output_dir: Path
    cache: ReportCache
    weights: Mapping[Section, float]
    warnings: Sequence[str]
    assessment: str | None
    parallel: int = 1  # sandbox runs at once within one submission
    stop: threading.Event = field(default_factory=threading.Event)
    versions: dict[str, str] = field(default_factory=dict)
    runner: str = ""

    def __post_init__(self) -> None:
        self.versions = {e.id: exercise_version(e) for e in self.exercises}
        self.runner = runner_version()

    def report_path(self, candidate: str) -> Path:
        return self.output_dir / REPORTS_DIR / f"{candidate}.json"

    def grade(self, candidate: str, path: Path) -> _Graded:
        """Grade one submission; whatever goes wrong becomes this row's error."""
        if self.stop.is_set():
            return _Graded(_skipped(candidate, path))
        started = time.monotonic()
        try:
            return self._grade(candidate, path, started)
        except GraderError as exc:
            kind = "infrastructure" if isinstance(exc, InfrastructureError) else "bad input"
            message = f"{kind}: {exc}"
        except Exception as exc:  # one submission must never end the batch, even through a bug
            message = f"grader error: {type(exc).__name__}: {exc}"
        self.report_path(candidate).unlink(missing_ok=True)  # never leave an older report behind
        row = BatchRow(
            candidate=candidate,
            submission=safe_name(str(path)),
            status=RowStatus.ERROR,
            grading_s=round(time.monotonic() - started, 2),
            error=candidate_text(message),  # quotes paths and member names the candidate chose
        )
        return _Graded(row)

    def _grade(self, candidate: str, path: Path, started: float) -> _Graded:
        if path.is_symlink():
            raise BadInputError(f"{path} is a link: pass the submission itself")
        with open_submission(path, [e.id for e in self.exercises]) as opened:
            answers = {e.id: opened.files_for(e) for e in self.exercises}
            sandbox = self.sandbox_factory()
            key = cache_key(
                runner=self.runner,
                sandbox=sandbox.name,
                weights=self.weights,
                versions=self.versions,
                answers=answers,
                ignored=opened.ignored(),
            )
            report = self.cache.get(key)
            status = RowStatus.CACHED
            if report is None:
                status = RowStatus.GRADED
                report = grade_submission(
                    opened,
                    self.exercises,
                    sandbox,
                    weights=self.weights,
                    warnings=self.warnings,
                    assessment=self.assessment,
                    parallel=self.parallel,
                )
                report = clean_model(report)  # whatever its text, the report files can be written
                self.cache.put(key, report)
            else:  # the same content may have moved; the round and the warnings are this run's
                report = report.model_copy(
                    update={
                        "submission": opened.label,
                        "assessment": self.assessment,
                        "warnings": list(self.warnings),
                    }
                )
        target = self.report_path(candidate)
        write_atomic(target, report.model_dump_json(indent=2) + "\n")
        row = _row(candidate, path, report, status, time.monotonic() - started)
        row.report = target.relative_to(self.output_dir).as_posix()
        solutions = {
            e.id: {name: content for name, content in files.items() if name.endswith(".py")}
            for e in self.exercises
            if not e.is_quiz and (files := answers[e.id])
        }
        return _Graded(row, report, solutions)


def _row(
    candidate: str, path: Path, report: GradeReport, status: RowStatus, grading_s: float
) -> BatchRow:
    counts = Counter(result.status for result in report.exercises)
    return BatchRow(
        candidate=candidate,
        submission=safe_name(str(path)),
        status=status,
        sandbox=report.sandbox,
        score=report.score,
        max_score=report.max_score,
        percent=report.percent,
        sections={s.section: s.percent for s in report.sections},
        statuses={s: counts.get(s, 0) for s in Status},
        time_s=round(sum(r.metrics.wall_s for r in report.exercises if r.metrics), 2),
        grading_s=round(grading_s, 2),
    )


def _skipped(candidate: str, path: Path) -> BatchRow:
    return BatchRow(
        candidate=candidate,
        submission=safe_name(str(path)),
        status=RowStatus.SKIPPED,
        error="not graded: the batch was interrupted",
    )


def _outcome(future: Future[_Graded] | None, candidate: str, path: Path) -> _Graded:
    if future is None or future.cancelled() or not future.done():
        return _Graded(_skipped(candidate, path))
    failure = future.exception()
    if failure is not None:  # a worker never raises an Exception; this is for anything else
        error = f"grader error: {type(failure).__name__}: {failure}"
        return _Graded(
            BatchRow(
                candidate=candidate,
                submission=safe_name(str(path)),
                status=RowStatus.ERROR,
                error=candidate_text(error),
            )
        )
    return future.result()


@dataclass(frozen=True)
class GradedBatch:
    """A batch's summary, and its reports by candidate, kept in memory for other renderings."""

    summary: BatchSummary
    reports: dict[str, GradeReport]


def grade_batch(
    submissions: Sequence[Path],
    exercises: Sequence[Exercise],
    sandbox_factory: SandboxFactory,
    *,
    output_dir: Path,
    jobs: int = 1,
    cache_dir: Path | None = None,
    force: bool = False,
    progress: ProgressCallback | Progress | None = None,
    weights: Mapping[Section, float] = DEFAULT_WEIGHTS,
    warnings: Sequence[str] = (),
    assessment: str | None = None,
    similarity_threshold: float = similarity.DEFAULT_THRESHOLD,
) -> GradedBatch:
    """Grade `submissions` with `jobs` workers, write a report per candidate and the summary.

    `sandbox_factory` is called once per submission (it may hand back one shared sandbox).
    `cache_dir` (None: no cache) holds reports by content key; `force` regrades regardless.
    `assessment` is the round's title, carried by every report.
    On Ctrl-C (KeyboardInterrupt) nothing new starts, running gradings finish and clean up, and
    the summary of what was done is written and returned with `interrupted` set: the caller
    decides the exit code.
    """
    if jobs < 1:
        raise BadInputError("--jobs must be at least 1")
    require_output_folder(output_dir)
    started = time.monotonic()
    notify = rich_progress(progress) if isinstance(progress, Progress) else progress
    cache = ReportCache(cache_dir, force=force)
    # `jobs` is shared: fewer submissions than jobs leave the rest to each submission's exercises.
    workers = min(jobs, max(1, len(submissions)))
    batch = _Batch(
        exercises,
        sandbox_factory,
        output_dir,
        cache,
        weights,
        warnings,
        assessment,
        parallel=max(1, jobs // workers),
    )
    output_dir.mkdir(parents=True, exist_ok=True)
    names = candidate_names(submissions)
    interrupted = False
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="grader-batch")
    futures: list[Future[_Graded]] = []
    named: dict[Future[_Graded], tuple[str, Path]] = {}
    try:
        for name, path in zip(names, submissions, strict=True):
            futures.append(executor.submit(batch.grade, name, path))
            named[futures[-1]] = (name, path)
        if notify:
            notify(ProgressEvent(0, len(futures), None))
        for done, future in enumerate(as_completed(futures), start=1):
            if notify:
                row = _outcome(future, *named[future]).row
                notify(ProgressEvent(done, len(futures), row))
    except KeyboardInterrupt:
        interrupted = True
        batch.stop.set()
    finally:
        while True:  # running gradings always finish: their sandboxes clean up after them
            try:
                executor.shutdown(wait=True, cancel_futures=interrupted)
                break
            except KeyboardInterrupt:
                interrupted = True
                batch.stop.set()
    graded = [
        _outcome(futures[i] if i < len(futures) else None, name, path)
        for i, (name, path) in enumerate(zip(names, submissions, strict=True))
    ]
    stubs = {e.id: similarity.stub_files(e) for e in exercises if not e.is_quiz}
    flags = similarity.compare(
        {g.row.candidate: g.solutions for g in graded if g.solutions},
        stubs,
        threshold=similarity_threshold,
    )
    for g in graded:
        g.row.similar_to = flags.similar_to(g.row.candidate)
    summary = BatchSummary(
        exercises=[e.id for e in exercises],
        jobs=jobs,
        interrupted=interrupted,
        total_s=round(time.monotonic() - started, 2),
        rows=[g.row for g in graded],
        similarity=flags,
    )
    write_summary(summary, output_dir)
    reports = {g.row.candidate: g.report for g in graded if g.report is not None}
    return GradedBatch(summary, reports)


def write_summary(summary: BatchSummary, output_dir: Path) -> None:
    write_atomic(output_dir / SUMMARY_JSON, summary.model_dump_json(indent=2) + "\n")
    write_atomic(output_dir / SUMMARY_CSV, summary_csv.render(summary))

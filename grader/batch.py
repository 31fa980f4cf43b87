"""Grade many submissions at once: in parallel, cached, interruptible, one row per candidate.

Each submission is graded exactly as `grade` grades one (its own sandbox run, through
:func:`grader.grading.grade_submission`). What a batch adds: one broken or hostile submission
becomes a row with an error and never ends the batch; a cache keyed by content, so a re-run
regrades only what changed; Ctrl-C stops scheduling but lets running gradings finish and clean up;
and a summary (CSV and JSON) to rank candidates by, with the similarity flags.

Workers are threads: the grading itself happens in subprocesses or containers.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError
from rich.progress import Progress

from grader import __version__, similarity
from grader.archives import ARCHIVE_SUFFIXES
from grader.catalog import Exercise
from grader.errors import BadInputError, GraderError, InfrastructureError
from grader.grading import grade_submission
from grader.manifest import MANIFEST_NAME
from grader.report import GradeReport, Status
from grader.sandboxes import Sandbox
from grader.sandboxes.workspace import RUNNER
from grader.sections import DEFAULT_WEIGHTS, Section
from grader.submission import open_submission
from grader.text import candidate_text, clean_model, safe_name

SCHEMA_VERSION = 1
CACHE_VERSION = 1  # bump when a cached report would no longer be what grading produces
REPORTS_DIR = "reports"
SUMMARY_JSON = "summary.json"
SUMMARY_CSV = "summary.csv"

SandboxFactory = Callable[[], Sandbox]


class RowStatus(StrEnum):
    GRADED = "graded"
    CACHED = "cached"  # unchanged since a previous run: its cached report was reused
    ERROR = "error"  # no report: a bad archive, or trouble on the grader's side
    SKIPPED = "skipped"  # not graded: the batch was interrupted first


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BatchRow(_Model):
    candidate: str
    submission: str
    status: RowStatus
    sandbox: str = ""
    score: float = 0.0
    max_score: float = 0.0
    percent: float = 0.0
    sections: dict[Section, float] = {}  # section -> percent
    statuses: dict[Status, int] = {}  # exercise status -> how many exercises
    time_s: float = 0.0  # the candidate's code running time: the exercises' wall seconds
    grading_s: float = 0.0  # what this run spent on the candidate (about 0 when cached)
    report: str | None = None  # the JSON report, relative to the output folder
    error: str = ""
    similar_to: list[str] = []


class BatchSummary(_Model):
    schema_version: int = SCHEMA_VERSION
    exercises: list[str]
    jobs: int
    interrupted: bool = False
    total_s: float = 0.0
    rows: list[BatchRow]
    similarity: similarity.SimilarityReport

    def ranking(self) -> list[BatchRow]:
        """Graded candidates best first (percent, then points), then errors, then skipped ones."""
        order = {RowStatus.GRADED: 0, RowStatus.CACHED: 0, RowStatus.ERROR: 1, RowStatus.SKIPPED: 2}
        return sorted(self.rows, key=lambda r: (order[r.status], -r.percent, -r.score, r.candidate))

    def counts(self) -> dict[RowStatus, int]:
        found = Counter(row.status for row in self.rows)
        return {status: found.get(status, 0) for status in RowStatus}


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


def _tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")) if root.is_dir() else []:
        parts = path.relative_to(root).parts
        if not path.is_file() or any(
            p in {"__pycache__", ".pytest_cache", ".hypothesis"} for p in parts
        ):
            continue
        digest.update(f"{path.relative_to(root).as_posix()}\0".encode())
        content = path.read_bytes()
        digest.update(f"{len(content)}\0".encode() + content)
    return digest.hexdigest()


def exercise_version(exercise: Exercise) -> str:
    """A hash of what decides an exercise's verdicts: its manifest and its hidden suite."""
    digest = hashlib.sha256()
    digest.update((exercise.path / MANIFEST_NAME).read_bytes())
    digest.update(_tree_digest(exercise.hidden_tests).encode())
    return digest.hexdigest()


def _files_digest(files: Mapping[str, bytes] | None) -> str | None:
    if files is None:
        return None
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(f"{name}\0{len(files[name])}\0".encode() + files[name])
    return digest.hexdigest()


def _write_atomic(path: Path, text: str) -> None:
    """Write whole or not at all: an interrupted run never leaves half a report behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class _Graded:
    row: BatchRow
    solutions: dict[str, dict[str, bytes]] = field(default_factory=dict)  # for similarity


@dataclass
class _Batch:
    """What every worker shares: read-only settings, plus the stop flag."""

    exercises: Sequence[Exercise]
    sandbox_factory: SandboxFactory
    output_dir: Path
    cache_dir: Path | None
    force: bool
    weights: Mapping[Section, float]
    warnings: Sequence[str]
    stop: threading.Event = field(default_factory=threading.Event)
    versions: dict[str, str] = field(default_factory=dict)
    runner: str = ""

    def __post_init__(self) -> None:
        self.versions = {e.id: exercise_version(e) for e in self.exercises}
        self.runner = hashlib.sha256(RUNNER.read_bytes()).hexdigest() if RUNNER.is_file() else ""

    def key(
        self, sandbox: str, answers: Mapping[str, Mapping[str, bytes] | None], ignored: list[str]
    ) -> str:
        """The cache key: the submission's used files, the exercise versions, and how it is graded."""
        material = {
            "cache": CACHE_VERSION,
            "grader": __version__,
            "runner": self.runner,
            "sandbox": sandbox,
            "weights": {str(k): v for k, v in sorted(self.weights.items())},
            "exercises": [[i, self.versions[i], _files_digest(answers[i])] for i in answers],
            "ignored": ignored,
        }
        return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()

    def cached(self, key: str) -> GradeReport | None:
        if self.cache_dir is None or self.force:
            return None
        try:
            return GradeReport.model_validate_json((self.cache_dir / f"{key}.json").read_bytes())
        except (OSError, ValueError, ValidationError):
            return None  # absent or damaged: grade again

    def store(self, key: str, report: GradeReport) -> None:
        if self.cache_dir is not None:
            _write_atomic(self.cache_dir / f"{key}.json", report.model_dump_json())

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
        self.report_path(candidate).unlink(
            missing_ok=True
        )  # never leave an older report to mislead
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
            key = self.key(sandbox.name, answers, opened.ignored())
            report = self.cached(key)
            status = RowStatus.CACHED
            if report is None:
                status = RowStatus.GRADED
                report = grade_submission(
                    opened, self.exercises, sandbox, weights=self.weights, warnings=self.warnings
                )
                report = clean_model(report)  # whatever its text, the report files can be written
                self.store(key, report)
            else:  # the same content may have moved, and warnings are about this run
                report = report.model_copy(
                    update={"submission": opened.label, "warnings": list(self.warnings)}
                )
        target = self.report_path(candidate)
        _write_atomic(target, report.model_dump_json(indent=2) + "\n")
        row = _row(candidate, path, report, status, time.monotonic() - started)
        row.report = target.relative_to(self.output_dir).as_posix()
        solutions = {
            e.id: {name: content for name, content in files.items() if name.endswith(".py")}
            for e in self.exercises
            if not e.is_quiz and (files := answers[e.id])
        }
        return _Graded(row, solutions)


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
    similarity_threshold: float = similarity.DEFAULT_THRESHOLD,
) -> BatchSummary:
    """Grade `submissions` with `jobs` workers, write a report per candidate and the summary.

    `sandbox_factory` is called once per submission (it may hand back one shared sandbox).
    `cache_dir` (None: no cache) holds reports by content key; `force` regrades regardless.
    On Ctrl-C (KeyboardInterrupt) nothing new starts, running gradings finish and clean up, and
    the summary of what was done is written and returned with `interrupted` set: the caller
    decides the exit code.
    """
    if jobs < 1:
        raise BadInputError("--jobs must be at least 1")
    started = time.monotonic()
    notify = rich_progress(progress) if isinstance(progress, Progress) else progress
    batch = _Batch(exercises, sandbox_factory, output_dir, cache_dir, force, weights, warnings)
    output_dir.mkdir(parents=True, exist_ok=True)
    names = candidate_names(submissions)
    interrupted = False
    executor = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="grader-batch")
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
    return summary


def _sections(summary: BatchSummary) -> list[Section]:
    present = {section for row in summary.rows for section in row.sections}
    return [section for section in Section if section in present]


def _cell(value: object) -> object:
    """Keep spreadsheets from running a candidate-chosen name or message as a formula."""
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + value
    return value


def summary_csv(summary: BatchSummary) -> str:
    """One line per candidate, best first: what a spreadsheet needs to rank and filter."""
    sections = _sections(summary)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "rank",
            "candidate",
            "status",
            "percent",
            "score",
            "max_score",
            *(f"{section.value}_percent" for section in sections),
            *(status.value for status in Status),
            "time_s",
            "grading_s",
            "similar_to",
            "problem",  # not "error": that is the count of exercises in error
            "submission",
            "report",
        ]
    )
    rank = 0
    for row in summary.ranking():
        has_report = row.status in {RowStatus.GRADED, RowStatus.CACHED}
        rank += has_report
        cells: list[object] = [
            rank if has_report else "",
            row.candidate,
            row.status.value,
            row.percent if has_report else "",
            row.score if has_report else "",
            row.max_score if has_report else "",
            *(row.sections.get(section, "") for section in sections),
            *(row.statuses.get(status, 0) if has_report else "" for status in Status),
            row.time_s,
            row.grading_s,
            " ".join(row.similar_to),
            row.error,
            row.submission,
            row.report or "",
        ]
        writer.writerow([_cell(cell) for cell in cells])
    return out.getvalue()


def write_summary(summary: BatchSummary, output_dir: Path) -> None:
    _write_atomic(output_dir / SUMMARY_JSON, summary.model_dump_json(indent=2) + "\n")
    _write_atomic(output_dir / SUMMARY_CSV, summary_csv(summary))


def read_reports(summary: BatchSummary, output_dir: Path) -> dict[str, GradeReport]:
    """The reports a batch wrote, by candidate (for renderings of the whole batch, such as HTML)."""
    return {
        row.candidate: GradeReport.model_validate_json((output_dir / row.report).read_bytes())
        for row in summary.rows
        if row.report and (output_dir / row.report).is_file()
    }

"""Grade one stored submission: the job every executor runs, in the service's own threads or in
a `grader worker` on another machine. Each step with the database is its own short transaction,
retried while the database is unreachable (a restart, a failover): the report a worker spent
minutes on is not thrown away because PostgreSQL blinked."""

from __future__ import annotations

import functools
import logging
import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker, undefer

from grader.catalog import Catalog
from grader.errors import GraderError, InfrastructureError
from grader.grading import grade_path
from grader.report import GradeReport
from grader.sandboxes.choice import choose_sandbox
from grader.scope import Scope, grading_scope
from grader.service import jobs
from grader.service.models import Assignment, Submission, SubmissionStatus
from grader.service.settings import Settings
from grader.service.uploads import archive_suffix

log = logging.getLogger("grader.service")
T = TypeVar("T")
# Labels on a job's Docker containers: whose they are, so that a restarted worker removes its own.
JOB_LABEL = "grader.job"
ATTEMPT_LABEL = "grader.attempt"
WORKER_LABEL = "grader.worker"


def assignment_scope(catalog: Catalog, assignment: Assignment) -> Scope:
    return grading_scope(catalog, assignment.exercise_ids, assignment.assessment)


def default_name() -> str:
    """This process's name in attempts and container labels: unique per machine and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Handin:
    """What grading one submission needs, read in one short transaction."""

    archive: bytes | None  # None: uploaded before the database kept archives; read `path`
    path: Path
    scope: Scope
    candidate: str
    filename: str

    @contextmanager
    def opened(self) -> Iterator[Path]:
        """The archive as a file: the database's copy, so that a worker on another machine
        needs no shared disk."""
        if self.archive is None:
            yield self.path
            return
        with tempfile.TemporaryDirectory(prefix="grader-job-") as tmp:
            path = Path(tmp) / f"upload{archive_suffix(self.filename)}"
            path.write_bytes(self.archive)
            yield path


@dataclass
class Worker:
    settings: Settings
    catalog: Catalog
    sessions: sessionmaker[Session]
    on_graded: Callable[[str], None] = lambda _: None  # webhooks hang here
    name: str = field(default_factory=default_name)
    # With other machines to grade (Celery), a failure on this one's side hands the job back to
    # them (`jobs.release`); alone, it fails the submission at once.
    hand_back: bool = False
    _busy: int = field(default=0, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    @contextmanager
    def _slots(self) -> Iterator[int]:
        """Sandbox runs for one submission: the workers' share no other grading holds, so a
        lone submission spreads its exercises over them as `grade` does (at least one)."""
        with self._lock:
            parallel = max(1, self.settings.workers - self._busy)
            self._busy += 1
        try:
            yield parallel
        finally:
            with self._lock:
                self._busy -= 1

    def transaction(self, step: Callable[[Session], T]) -> T:
        """`step` in a session of its own, tried again while the database cannot be reached,
        for up to `settings.db_retry_s`. Every step is a conditional UPDATE or a read, so a
        retry after a commit whose answer was lost changes nothing."""
        deadline = time.monotonic() + self.settings.db_retry_s
        delay = 0.25
        while True:
            try:
                with self.sessions() as session:
                    return step(session)
            except DBAPIError as exc:
                # OperationalError: refused, reset, the server shutting down.
                if not exc.connection_invalidated and not isinstance(exc, OperationalError):
                    raise
                if time.monotonic() > deadline:
                    raise
                log.warning("the database is unreachable (%s); trying again", exc.orig)
                time.sleep(delay)
                delay = min(delay * 2, 5.0)

    def run(self, submission_id: str, *, takeover: bool = False) -> bool:
        """Grade `submission_id` if it is still waiting (`takeover`: its earlier attempt's worker
        died; see `jobs.claim`), and record the report unless the attempt was fenced off.
        True when the job was handed back for another machine (see `hand_back`)."""
        attempt = self.transaction(
            lambda session: jobs.claim(session, submission_id, self.name, takeover=takeover)
        )
        if attempt is None:
            return False  # superseded, taken by another worker, finished, or failed for good
        handin = self.transaction(functools.partial(self._handin, submission_id=submission_id))
        labels = {JOB_LABEL: submission_id, ATTEMPT_LABEL: str(attempt), WORKER_LABEL: self.name}
        try:
            with self._slots() as parallel, handin.opened() as path:
                report = grade_path(
                    path,
                    handin.scope,
                    functools.partial(
                        choose_sandbox,
                        self.settings.sandbox,
                        runtime=self.settings.runtime,
                        labels=labels,
                    ),
                    known_ids=self.catalog.ids,
                    parallel=parallel,
                )
        except Exception as exc:
            # The upload was checked when it arrived: what fails now is the grader's side
            # (no engine, an image that will not build), or a bug in it.
            reason = str(exc) if isinstance(exc, GraderError) else f"internal error: {exc!r}"
            if self.hand_back and isinstance(exc, InfrastructureError):
                log.warning("%s: cannot grade it here (%s); handing it back", submission_id, reason)
                self.transaction(
                    lambda session: jobs.release(session, submission_id, attempt, reason)
                )
                return True
            log.warning("grading %s failed: %s", submission_id, reason)
            self.transaction(
                lambda session: jobs.finish(
                    session, submission_id, attempt, SubmissionStatus.FAILED, failure=reason
                )
            )
            return False
        if self.transaction(functools.partial(_record, submission_id, attempt, handin, report)):
            self.on_graded(submission_id)
        return False

    def _handin(self, session: Session, submission_id: str) -> Handin:
        submission = session.get_one(
            Submission, submission_id, options=[undefer(Submission.archive)]
        )
        return Handin(
            archive=submission.archive,
            path=self.settings.uploads_dir / submission.upload,
            scope=assignment_scope(self.catalog, submission.invite.assignment),
            candidate=submission.invite.candidate,
            filename=submission.filename,
        )


def _record(
    submission_id: str, attempt: int, handin: Handin, report: GradeReport, session: Session
) -> bool:
    # The stored file's name means nothing to a reader: name the candidate's upload.
    report = report.model_copy(update={"submission": f"{handin.candidate}: {handin.filename}"})
    return jobs.finish(
        session,
        submission_id,
        attempt,
        SubmissionStatus.GRADED,
        report=report.model_dump_json(),
        score=report.score,
        max_score=report.max_score,
        percent=report.percent,
    )

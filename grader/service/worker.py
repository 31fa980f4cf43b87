"""Grade one stored submission: the job every executor runs."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from grader.catalog import Catalog
from grader.errors import GraderError
from grader.grading import grade_path
from grader.sandboxes.choice import choose_sandbox
from grader.scope import Scope, grading_scope
from grader.service import jobs
from grader.service.models import Assignment, Submission, SubmissionStatus
from grader.service.settings import Settings

log = logging.getLogger("grader.service")


def assignment_scope(catalog: Catalog, assignment: Assignment) -> Scope:
    return grading_scope(catalog, assignment.exercise_ids, assignment.assessment)


@dataclass
class Worker:
    settings: Settings
    catalog: Catalog
    sessions: sessionmaker[Session]
    on_graded: Callable[[str], None] = lambda _: None  # webhooks hang here
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

    def run(self, submission_id: str) -> None:
        with self.sessions() as session:
            attempt = jobs.claim(session, submission_id)
            if attempt is None:
                return  # superseded, or another worker has it
            submission = session.get_one(Submission, submission_id)
            assignment = submission.invite.assignment
            path = self.settings.uploads_dir / submission.upload
            # Its rows are read (and stay loaded): end the transaction, so that none is held
            # open for the minutes the sandbox runs.
            session.commit()
            try:
                with self._slots() as parallel:
                    report = grade_path(
                        path,
                        assignment_scope(self.catalog, assignment),
                        functools.partial(
                            choose_sandbox, self.settings.sandbox, runtime=self.settings.runtime
                        ),
                        known_ids=self.catalog.ids,
                        parallel=parallel,
                    )
            except Exception as exc:
                # The upload was checked when it arrived: what fails now is the grader's side
                # (no engine, an image that will not build), or a bug in it.
                reason = str(exc) if isinstance(exc, GraderError) else f"internal error: {exc!r}"
                log.warning("grading %s failed: %s", submission_id, reason)
                jobs.finish(
                    session, submission_id, attempt, SubmissionStatus.FAILED, failure=reason
                )
                return
            # The stored file's name means nothing to a reader: name the candidate's upload.
            report = report.model_copy(
                update={"submission": f"{submission.invite.candidate}: {submission.filename}"}
            )
            graded = jobs.finish(
                session,
                submission_id,
                attempt,
                SubmissionStatus.GRADED,
                report=report.model_dump_json(),
                score=report.score,
                max_score=report.max_score,
                percent=report.percent,
            )
        if graded:
            self.on_graded(submission_id)

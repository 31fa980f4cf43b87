"""The grading job model: a submission's row is its job, and every change of state is one
conditional UPDATE, so that two workers (threads here, machines under Celery) never grade the
same submission at once and a superseded submission's late result is dropped.

An executor only decides *where* `Worker.run` is called; swapping the local thread pool for a
Celery queue changes nothing here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from grader.service.models import Submission, SubmissionStatus, now

log = logging.getLogger("grader.service")
UNFINISHED = (SubmissionStatus.QUEUED, SubmissionStatus.RUNNING)


def claim(session: Session, submission_id: str) -> int | None:
    """Move a queued submission to running and return its attempt number, which `finish` must
    quote; None when it is not queued (taken, superseded)."""
    attempt = session.scalar(
        update(Submission)
        .where(Submission.id == submission_id, Submission.status == SubmissionStatus.QUEUED)
        .values(status=SubmissionStatus.RUNNING, started_at=now(), attempts=Submission.attempts + 1)
        .returning(Submission.attempts)
    )
    session.commit()
    return attempt


def finish(
    session: Session,
    submission_id: str,
    attempt: int,
    status: SubmissionStatus,
    **values: object,
) -> bool:
    """Record the outcome of the running `attempt`; False (nothing written) when the submission
    was superseded meanwhile, or requeued and claimed again (a later attempt's result stands,
    so a worker presumed dead cannot overwrite it)."""
    result = session.execute(
        update(Submission)
        .where(
            Submission.id == submission_id,
            Submission.status == SubmissionStatus.RUNNING,
            Submission.attempts == attempt,
        )
        .values(status=status, finished_at=now(), **values)
    )
    session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def supersede(session: Session, invite_id: int) -> None:
    """Mark the invite's unfinished submissions superseded (a newer one replaces them), in the
    caller's transaction: it commits them together with their successor."""
    session.execute(
        update(Submission)
        .where(Submission.invite_id == invite_id, Submission.status.in_(UNFINISHED))
        .values(status=SubmissionStatus.SUPERSEDED, finished_at=now())
    )


def requeue(session: Session, submission_id: str) -> bool:
    """Queue a failed submission again (an interviewer's regrade)."""
    result = session.execute(
        update(Submission)
        .where(Submission.id == submission_id, Submission.status == SubmissionStatus.FAILED)
        .values(
            status=SubmissionStatus.QUEUED,
            queued_at=now(),
            started_at=None,
            finished_at=None,
            failure=None,
        )
    )
    session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def recover(session: Session) -> list[str]:
    """At start: work a dead process left running is queued again; returns every queued id,
    oldest first, for the executor to take up."""
    session.execute(
        update(Submission)
        .where(Submission.status == SubmissionStatus.RUNNING)
        .values(status=SubmissionStatus.QUEUED, started_at=None)
    )
    session.commit()
    return list(
        session.scalars(
            select(Submission.id)
            .where(Submission.status == SubmissionStatus.QUEUED)
            .order_by(Submission.queued_at)
        )
    )


def queued_count(session: Session) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Submission)
            .where(Submission.status == SubmissionStatus.QUEUED)
        )
        or 0
    )


class Executor(Protocol):
    """Where jobs run. `submit` must not block on grading."""

    def submit(self, submission_id: str) -> None: ...

    def stop(self) -> None: ...


class LocalExecutor:
    """`workers` threads in this process; each job's sandbox is its own process tree."""

    def __init__(self, run: Callable[[str], None], workers: int) -> None:
        self._run = run
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="grading")

    def submit(self, submission_id: str) -> None:
        self._pool.submit(self._guarded, submission_id)

    def _guarded(self, submission_id: str) -> None:
        try:
            self._run(submission_id)
        except Exception:  # a bug must not kill the worker thread silently
            log.exception("grading %s failed", submission_id)

    def stop(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def start_recovered(sessions: sessionmaker[Session], executor: Executor) -> int:
    with sessions() as session:
        ids = recover(session)
    for submission_id in ids:
        executor.submit(submission_id)
    return len(ids)

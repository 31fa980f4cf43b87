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
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Protocol

from sqlalchemy import ColumnElement, and_, false, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from grader.service.models import Attempt, AttemptOutcome, Submission, SubmissionStatus, now

log = logging.getLogger("grader.service")
UNFINISHED = (SubmissionStatus.QUEUED, SubmissionStatus.RUNNING)


MAX_LOST = 3  # attempts that may die for the grader's reasons before a submission is failed


def claim(
    session: Session, submission_id: str, worker: str = "local", *, takeover: bool = False
) -> int | None:
    """Start an attempt at a queued submission and return its number, which `finish` must quote;
    None when there is nothing to grade (taken, superseded, finished, or failed just now).

    `takeover` is for a job the broker delivered again because the worker holding it died: the
    running attempt is presumed dead (counted as lost, its late result refused) and a new one
    starts, unless too many died already: then the submission is failed, not tried forever.
    """
    if takeover:
        lost_attempt = session.scalar(
            update(Submission)
            .where(Submission.id == submission_id, Submission.status == SubmissionStatus.RUNNING)
            .values(status=SubmissionStatus.QUEUED, lost=Submission.lost + 1)
            .returning(Submission.attempts)
        )
        if lost_attempt is not None:
            _close_attempt(session, submission_id, lost_attempt, AttemptOutcome.LOST)
            log.warning("%s: attempt %d was lost with its worker", submission_id, lost_attempt)
    attempt = session.scalar(
        update(Submission)
        .where(
            Submission.id == submission_id,
            Submission.status == SubmissionStatus.QUEUED,
            Submission.lost < MAX_LOST,
        )
        .values(
            status=SubmissionStatus.RUNNING,
            started_at=now(),
            attempts=Submission.attempts + 1,
            worker=worker,
        )
        .returning(Submission.attempts)
    )
    if attempt is not None:
        session.add(Attempt(submission_id=submission_id, number=attempt, worker=worker))
    else:
        give_up(session, submission_id)
    session.commit()
    return attempt


def give_up(session: Session, submission_id: str) -> bool:
    """Fail a queued submission whose attempts died MAX_LOST times (in the caller's
    transaction): the grader's fault, shown to interviewers, never counted against the candidate."""
    last = session.scalar(select(Submission.failure).where(Submission.id == submission_id))
    why = f"the last one: {last}" if last else "its worker was killed or lost"
    result = session.execute(
        update(Submission)
        .where(
            Submission.id == submission_id,
            Submission.status == SubmissionStatus.QUEUED,
            Submission.lost >= MAX_LOST,
        )
        .values(
            status=SubmissionStatus.FAILED,
            finished_at=now(),
            failure=f"grading died {MAX_LOST} times ({why}); regrade it once the grader is mended",
        )
    )
    failed = bool(result.rowcount)  # type: ignore[attr-defined]
    if failed:
        log.error("%s: failed after %d lost attempts", submission_id, MAX_LOST)
    return failed


def _close_attempt(
    session: Session, submission_id: str, number: int, outcome: AttemptOutcome
) -> None:
    session.execute(
        update(Attempt)
        .where(
            Attempt.submission_id == submission_id,
            Attempt.number == number,
            Attempt.finished_at.is_(None),
        )
        .values(finished_at=now(), outcome=outcome)
    )


def _running(submission_id: str, attempt: int) -> tuple[ColumnElement[bool], ...]:
    """The fence: the submission is running, and `attempt` is still its current attempt."""
    return (
        Submission.id == submission_id,
        Submission.status == SubmissionStatus.RUNNING,
        Submission.attempts == attempt,
    )


def finish(
    session: Session,
    submission_id: str,
    attempt: int,
    status: SubmissionStatus,
    **values: object,
) -> bool:
    """Record the outcome of the running `attempt`; False (nothing written but the attempt's own
    row) when the submission was superseded meanwhile, or its attempt was presumed dead and
    another started: a later attempt's result stands, so a worker presumed dead cannot
    overwrite it."""
    result = session.execute(
        update(Submission)
        .where(*_running(submission_id, attempt))
        .values(status=status, finished_at=now(), **values)
    )
    written = bool(result.rowcount)  # type: ignore[attr-defined]
    outcome = AttemptOutcome(status) if written else AttemptOutcome.DROPPED
    _close_attempt(session, submission_id, attempt, outcome)
    session.commit()
    return written


def release(session: Session, submission_id: str, attempt: int, reason: str) -> bool:
    """Hand the running `attempt` back because this machine cannot grade it (its engine is down,
    its image missing): queued again for another worker, counted towards MAX_LOST, `reason` kept
    for interviewers. False when the attempt was fenced off meanwhile."""
    result = session.execute(
        update(Submission)
        .where(*_running(submission_id, attempt))
        .values(
            status=SubmissionStatus.QUEUED,
            started_at=None,
            lost=Submission.lost + 1,
            failure=reason,
        )
    )
    released = bool(result.rowcount)  # type: ignore[attr-defined]
    _close_attempt(session, submission_id, attempt, AttemptOutcome.FAILED)
    if released:
        give_up(session, submission_id)
    session.commit()
    return released


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
            published_at=None,
            started_at=None,
            finished_at=None,
            failure=None,
            lost=0,
        )
    )
    session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def recover(session: Session) -> list[str]:
    """At start of a service that grades in its own process: what it left running died with it
    and is queued again; returns every queued id, oldest first, for the executor to take up."""
    for submission_id in session.scalars(
        select(Submission.id).where(Submission.status == SubmissionStatus.RUNNING)
    ).all():
        _lose(session, submission_id)
    session.commit()
    ids = session.scalars(
        select(Submission.id)
        .where(Submission.status == SubmissionStatus.QUEUED)
        .order_by(Submission.queued_at)
    ).all()
    ids = [submission_id for submission_id in ids if not give_up(session, submission_id)]
    session.commit()
    return ids


def _lose(session: Session, submission_id: str) -> None:
    """Presume the running attempt dead: queue the submission again, the attempt counted lost."""
    number = session.scalar(
        update(Submission)
        .where(Submission.id == submission_id, Submission.status == SubmissionStatus.RUNNING)
        .values(
            status=SubmissionStatus.QUEUED,
            started_at=None,
            published_at=None,
            lost=Submission.lost + 1,
        )
        .returning(Submission.attempts)
    )
    if number is not None:
        _close_attempt(session, submission_id, number, AttemptOutcome.LOST)


def sweep(
    session: Session,
    *,
    running_deadline: timedelta,
    stale_queue: timedelta,
    publish_grace: timedelta = timedelta(seconds=5),
    current: str | None = None,
) -> list[str]:
    """The periodic sweeper's pass over the database, the source of truth: a submission running
    past `running_deadline` lost its worker silently, and is queued again (or failed, after
    MAX_LOST); returns the queued submissions to hand to the broker again, because a broker that
    was down never had them (unpublished `publish_grace` after they were queued, so that the
    sweeper does not race the publish under way), or because they waited past `stale_queue`
    (the broker lost them), or because they were published for other versions than `current`
    (the service was upgraded: no worker of the new version would take them). A job handed over
    twice is harmless: `claim` lets only one attempt start."""
    at = now()
    lost = session.scalars(
        select(Submission.id).where(
            Submission.status == SubmissionStatus.RUNNING,
            Submission.started_at < at - running_deadline,
        )
    ).all()
    for submission_id in lost:
        log.warning("%s: running past its deadline, presumed lost", submission_id)
        _lose(session, submission_id)
    session.commit()
    waiting = session.scalars(
        select(Submission.id)
        .where(
            Submission.status == SubmissionStatus.QUEUED,
            or_(
                and_(
                    Submission.published_at.is_(None),
                    Submission.queued_at < at - publish_grace,
                ),
                Submission.published_at < at - stale_queue,
                and_(
                    Submission.published_at.is_not(None),
                    Submission.published_for != current,
                )
                if current
                else false(),
            ),
        )
        .order_by(Submission.queued_at)
    ).all()
    due = [s for s in dict.fromkeys([*waiting, *lost]) if not give_up(session, s)]
    session.commit()
    return due


def publishing(session: Session, submission_id: str, versions: str) -> None:
    """Note, before the job is sent, which catalog and sandbox it is for: from then on a job
    published for others is obsolete (`obsolete`), whatever a worker finds in it."""
    session.execute(
        update(Submission).where(Submission.id == submission_id).values(published_for=versions)
    )
    session.commit()


def published(session: Session, submission_id: str, at: datetime | None = None) -> None:
    """Note that the broker has the job (its publish was confirmed)."""
    session.execute(
        update(Submission).where(Submission.id == submission_id).values(published_at=at or now())
    )
    session.commit()


def obsolete(session: Session, submission_id: str, versions: str) -> bool:
    """Whether a job for `versions` was replaced by one published for others (an upgrade)."""
    latest = session.scalar(select(Submission.published_for).where(Submission.id == submission_id))
    return latest is not None and latest != versions


def queued_count(session: Session) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Submission)
            .where(Submission.status == SubmissionStatus.QUEUED)
        )
        or 0
    )


class Priority(IntEnum):
    """Which job a worker takes first (where the executor can choose): a candidate waiting on a
    fresh submission goes ahead of an interviewer's regrade."""

    REGRADE = 2
    FRESH = 8


class Executor(Protocol):
    """Where jobs run. `submit` must not block on grading."""

    def submit(self, submission_id: str, priority: Priority = Priority.FRESH) -> None: ...

    def stop(self) -> None: ...


class LocalExecutor:
    """`workers` threads in this process; each job's sandbox is its own process tree."""

    def __init__(self, run: Callable[[str], object], workers: int) -> None:
        self._run = run
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="grading")

    def submit(self, submission_id: str, priority: Priority = Priority.FRESH) -> None:
        self._pool.submit(self._guarded, submission_id)  # in order: a thread pool has no priority

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

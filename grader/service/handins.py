"""A candidate hands in: accepted or refused with the reason, stored, queued; and regraded
when the grader failed. The API and the candidate's page hand in only through here."""

from __future__ import annotations

from typing import BinaryIO

from fastapi import HTTPException
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from grader.errors import BadInputError
from grader.service import jobs, uploads
from grader.service.models import Invite, Submission, SubmissionStatus, now
from grader.service.service import Service

QUEUE_RETRY_SECONDS = 30


def counted(session: Session, invite: Invite) -> int:
    """Submissions that count against the maximum: all but those the grader failed."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Submission)
            .where(Submission.invite_id == invite.id, Submission.status != SubmissionStatus.FAILED)
        )
        or 0
    )


def accept(session: Session, service: Service, invite: Invite) -> None:
    """Refuse a submission past the deadline (403), over the maximum (429) or when the queue is
    full (503 with Retry-After)."""
    assignment = invite.assignment
    if now() > assignment.deadline:
        raise HTTPException(403, f"the deadline ({assignment.deadline.isoformat()}) has passed")
    if counted(session, invite) >= assignment.max_submissions:
        raise HTTPException(429, f"all {assignment.max_submissions} submissions are used")
    if jobs.queued_count(session) >= service.settings.queue_limit:
        raise HTTPException(
            503,
            "the grading queue is full: try again shortly",
            {"Retry-After": str(QUEUE_RETRY_SECONDS)},
        )


def receive(
    service: Service,
    session: Session,
    invite: Invite,
    upload: BinaryIO,
    filename: str,
    idempotency_key: str | None = None,
) -> Submission:
    """Accept (or refuse, as an HTTPException with the reason), store, check and queue an upload:
    the API and the candidate's page hand in only through here. The same idempotency key gives
    back the earlier submission."""
    if idempotency_key and (earlier := _by_key(session, invite, idempotency_key)):
        return earlier
    accept(session, service, invite)
    assignment = invite.assignment
    try:
        stored = uploads.store(
            upload,
            filename,
            service.settings.uploads_dir,
            assignment.exercise_ids,
            service.catalog.ids,
        )
    except BadInputError as exc:
        raise HTTPException(422, str(exc)) from None
    jobs.supersede(session, invite.id)
    received = now()
    submission = Submission(
        invite=invite,
        idempotency_key=idempotency_key,
        status=SubmissionStatus.QUEUED,
        filename=stored.filename,
        upload=stored.name,
        archive=(service.settings.uploads_dir / stored.name).read_bytes(),
        sha256=stored.sha256,
        received_at=received,
        queued_at=received,
    )
    session.add(submission)
    try:
        session.commit()
    except IntegrityError:  # the same key raced in from a second request: theirs stands
        session.rollback()
        uploads.remove(service.settings.uploads_dir, stored.name)
        earlier = _by_key(session, invite, idempotency_key or "")
        if earlier is None:
            raise
        return earlier
    service.enqueue(submission.id)
    return submission


def _by_key(session: Session, invite: Invite, key: str) -> Submission | None:
    return session.scalar(
        select(Submission).where(
            Submission.invite_id == invite.id, Submission.idempotency_key == key
        )
    )


def requeue(service: Service, session: Session, submission: Submission) -> Submission:
    """Queue a failed submission again; 409 for any other."""
    if not jobs.requeue(session, submission.id):
        raise HTTPException(
            409, f"only a failed submission is regraded (this one is {submission.status})"
        )
    session.refresh(submission)
    service.enqueue(submission.id, jobs.Priority.REGRADE)
    return submission

"""Who may see what: an interviewer their own assignments (an admin all), a candidate only
their invite's submissions; anything else is as absent as what does not exist (404)."""

from __future__ import annotations

import secrets

from fastapi import HTTPException, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.service.models import Assignment, Invite, Role, Submission, User


def unauthorized(detail: str = "not authenticated") -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, {"WWW-Authenticate": "Bearer"})


def not_found(what: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"no such {what}")


def may_see(user: User, assignment: Assignment) -> bool:
    """Admins see every assignment; an interviewer sees their own."""
    return user.role == Role.ADMIN or assignment.owner_id == user.id


def visible_assignment(session: Session, user: User, assignment_id: int) -> Assignment:
    assignment = session.get(Assignment, assignment_id)
    if assignment is None or not may_see(user, assignment):
        raise not_found("assignment")  # another's assignment is as absent as a missing one
    return assignment


def invite_by_token(session: Session, token: str) -> Invite:
    invite = session.scalar(select(Invite).where(Invite.token == token))
    if invite is None:
        raise not_found("invite")
    return invite


def readable_submission(
    session: Session, submission_id: str, user: User | None, invite_token: str | None
) -> tuple[Submission, bool]:
    """The submission and whether the reader is an interviewer: a bearer token that may see its
    assignment, or the token of the invite it belongs to (anything else: 404, so that nobody
    learns which ids exist)."""
    if user is None and invite_token is None:
        raise unauthorized()
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise not_found("submission")
    if user is not None and may_see(user, submission.invite.assignment):
        return submission, True
    if invite_token is not None and secrets.compare_digest(
        invite_token.encode(), submission.invite.token.encode()
    ):
        return submission, False
    raise not_found("submission")

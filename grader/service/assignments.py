"""Assignments and invites, as the API and the pages make them."""

from __future__ import annotations

import secrets
from datetime import UTC

from fastapi import HTTPException
from sqlalchemy.orm import Session

from grader.errors import BadInputError
from grader.scope import Scope
from grader.service.models import Assignment, Invite, User
from grader.service.schemas import AssignmentIn, InviteIn
from grader.service.service import Service
from grader.service.worker import assignment_scope


def scope_of(service: Service, assignment: Assignment) -> Scope:
    return assignment_scope(service.catalog, assignment)


def add_assignment(
    service: Service, session: Session, owner: User, body: AssignmentIn
) -> Assignment:
    """Check an assignment's exercises and webhook (422 with the reason) and store it: the API
    and the pages create assignments only through here."""
    if body.webhook_url and not body.webhook_secret:
        raise HTTPException(422, "a webhook needs a secret (at least 16 characters) to sign with")
    assignment = Assignment(
        owner_id=owner.id,
        title=body.title,
        assessment=body.assessment,
        exercise_ids=body.exercises,
        deadline=body.deadline.astimezone(UTC),  # answered as GET answers it: in UTC
        max_submissions=body.max_submissions,
        feedback=body.feedback,
        webhook_url=str(body.webhook_url) if body.webhook_url else None,
        webhook_secret=body.webhook_secret,
    )
    try:
        scope = scope_of(service, assignment)
    except BadInputError as exc:
        raise HTTPException(422, str(exc)) from None
    # With neither, the scope is the whole catalog (as for `grade`): never what an assignment means.
    if not (body.assessment or body.exercises) or not scope.exercises:
        raise HTTPException(422, "an assignment needs an assessment or at least one exercise")
    assignment.exercise_ids = [exercise.id for exercise in scope.exercises]
    session.add(assignment)
    session.commit()
    return assignment


def add_invite(session: Session, assignment: Assignment, body: InviteIn) -> Invite:
    invite = Invite(
        assignment=assignment, token=new_invite_token(), candidate=body.candidate, email=body.email
    )
    session.add(invite)
    session.commit()
    return invite


def new_invite_token() -> str:
    """Unguessable: the invite's token is the candidate's only credential."""
    return secrets.token_urlsafe(32)

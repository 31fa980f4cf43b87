"""The JSON API under /api/v1: interviewers by bearer token, candidates by their invite's token.

Routes only: who may see what is in access.py, what an assignment and a hand-in are in
assignments.py and handins.py, what a reader sees in views.py (the pages use the same)."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Header, Query, Request, Response, UploadFile, status
from fastapi.responses import FileResponse
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from grader.kit import build_kit
from grader.service import access, assignments, handins, views
from grader.service.auth import authenticate
from grader.service.models import Assignment, Role, User
from grader.service.schemas import (
    AssignmentIn,
    AssignmentOut,
    CandidateRow,
    InviteIn,
    InviteOut,
    InviteView,
    SubmissionOut,
    TokenOut,
)
from grader.service.service import Service

router = APIRouter(prefix="/api/v1")
bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/token", auto_error=False)


def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def get_session(service: Annotated[Service, Depends(get_service)]) -> Iterator[Session]:
    with service.sessions() as session:
        yield session


ServiceDep = Annotated[Service, Depends(get_service)]
SessionDep = Annotated[Session, Depends(get_session)]


def optional_user(
    service: ServiceDep, session: SessionDep, token: Annotated[str | None, Depends(bearer)]
) -> User | None:
    """The bearer token's user; None when no token came; 401 for a bad or expired one."""
    if token is None:
        return None
    user_id = service.tokens.user_id(token)
    user = session.get(User, user_id) if user_id is not None else None
    if user is None:
        raise access.unauthorized("the token is invalid or expired")
    return user


def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise access.unauthorized()
    return user


UserDep = Annotated[User, Depends(current_user)]


@router.post("/token", response_model=TokenOut, tags=["auth"])
def token(
    service: ServiceDep, session: SessionDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> TokenOut:
    """OAuth2 password flow: a bearer JWT for an interviewer or an admin."""
    user = authenticate(session, form.username, form.password)
    if user is None:
        raise access.unauthorized("wrong name or password")
    lifetime = int(service.tokens.lifetime.total_seconds())
    return TokenOut(access_token=service.tokens.issue(user), expires_in=lifetime)


@router.post(
    "/assignments",
    status_code=status.HTTP_201_CREATED,
    response_model=AssignmentOut,
    tags=["assignments"],
)
def create_assignment(
    body: AssignmentIn, service: ServiceDep, session: SessionDep, user: UserDep
) -> AssignmentOut:
    return views.assignment_out(assignments.add_assignment(service, session, user, body))


@router.get("/assignments", response_model=list[AssignmentOut], tags=["assignments"])
def list_assignments(session: SessionDep, user: UserDep) -> list[AssignmentOut]:
    query = select(Assignment).order_by(Assignment.id)
    if user.role != Role.ADMIN:
        query = query.where(Assignment.owner_id == user.id)
    return [views.assignment_out(a) for a in session.scalars(query)]


@router.get("/assignments/{assignment_id}", response_model=AssignmentOut, tags=["assignments"])
def get_assignment(assignment_id: int, session: SessionDep, user: UserDep) -> AssignmentOut:
    return views.assignment_out(access.visible_assignment(session, user, assignment_id))


@router.post(
    "/assignments/{assignment_id}/invites",
    status_code=status.HTTP_201_CREATED,
    response_model=InviteOut,
    tags=["invites"],
)
def create_invite(
    assignment_id: int,
    body: InviteIn,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    user: UserDep,
) -> InviteOut:
    invite = assignments.add_invite(
        session, access.visible_assignment(session, user, assignment_id), body
    )
    return views.invite_out(service, request, invite)


@router.get(
    "/assignments/{assignment_id}/invites", response_model=list[InviteOut], tags=["invites"]
)
def list_invites(
    assignment_id: int, request: Request, service: ServiceDep, session: SessionDep, user: UserDep
) -> list[InviteOut]:
    assignment = access.visible_assignment(session, user, assignment_id)
    return [views.invite_out(service, request, invite) for invite in assignment.invites]


@router.get(
    "/assignments/{assignment_id}/submissions",
    response_model=list[CandidateRow],
    tags=["submissions"],
    responses={200: {"content": {"text/csv": {}}}},
)
def list_submissions(
    assignment_id: int,
    service: ServiceDep,
    session: SessionDep,
    user: UserDep,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> list[CandidateRow] | Response:
    """The latest submission per candidate; `?format=csv` for a spreadsheet."""
    rows = views.latest_rows(service, access.visible_assignment(session, user, assignment_id))
    if format == "json":
        return rows
    buffer = io.StringIO()
    fields = list(CandidateRow.model_fields)
    writer = csv.DictWriter(buffer, fieldnames=fields)
    writer.writeheader()
    for row in rows:
        record = row.model_dump(mode="json")
        record["similar_to"] = "; ".join(row.similar_to)
        writer.writerow(record)
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8")


@router.get("/invites/{invite_token}", response_model=InviteView, tags=["candidates"])
def get_invite(invite_token: str, service: ServiceDep, session: SessionDep) -> InviteView:
    return views.invite_view(service, session, access.invite_by_token(session, invite_token))


@router.get(
    "/invites/{invite_token}/kit",
    response_class=FileResponse,
    tags=["candidates"],
    responses={200: {"content": {"application/zip": {}}}},
)
def get_kit(invite_token: str, service: ServiceDep, session: SessionDep) -> FileResponse:
    """The exercises' stubs, questions and public tests: never hidden tests or references."""
    scope = assignments.scope_of(service, access.invite_by_token(session, invite_token).assignment)
    folder = Path(tempfile.mkdtemp(prefix="grader-kit-"))
    kit = build_kit(scope.exercises, folder / "kit.zip", scope.assessment)
    return FileResponse(
        kit,
        media_type="application/zip",
        filename="take-home-kit.zip",
        background=BackgroundTask(_remove_tree, folder),
    )


def _remove_tree(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


@router.post(
    "/invites/{invite_token}/submissions",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SubmissionOut,
    tags=["candidates"],
    responses={
        403: {"description": "past the deadline"},
        413: {"description": "over the upload limit"},
        422: {"description": "not an archive the grader accepts"},
        429: {"description": "no submissions left"},
        503: {"description": "the queue is full: retry after Retry-After seconds"},
    },
)
def submit(
    invite_token: str,
    file: Annotated[UploadFile, File(description="A .zip, .tar.gz or .tgz of the kit's folders.")],
    service: ServiceDep,
    session: SessionDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> SubmissionOut:
    """Hand in: stored, checked, queued. A newer submission supersedes an unfinished one."""
    invite = access.invite_by_token(session, invite_token)
    filename = file.filename or "upload"
    submission = handins.receive(service, session, invite, file.file, filename, idempotency_key)
    return views.submission_out(submission, interviewer=False)


InviteHeader = Annotated[
    str | None, Header(alias="X-Invite-Token", description="A candidate's invite token.")
]


@router.get("/submissions/{submission_id}", response_model=SubmissionOut, tags=["submissions"])
def get_submission(
    submission_id: str,
    session: SessionDep,
    user: Annotated[User | None, Depends(optional_user)],
    invite_token: InviteHeader = None,
) -> SubmissionOut:
    """For an interviewer (bearer token) the full report; for the candidate (X-Invite-Token)
    what the assignment lets them see."""
    submission, interviewer = access.readable_submission(session, submission_id, user, invite_token)
    return views.submission_out(submission, interviewer=interviewer)


@router.post(
    "/submissions/{submission_id}/regrade",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SubmissionOut,
    tags=["submissions"],
)
def regrade(
    submission_id: str, service: ServiceDep, session: SessionDep, user: UserDep
) -> SubmissionOut:
    """Queue a submission the grader failed on (no engine, an image that would not build)."""
    submission, interviewer = access.readable_submission(session, submission_id, user, None)
    if not interviewer:
        raise access.not_found("submission")
    return views.submission_out(handins.requeue(service, session, submission), interviewer=True)

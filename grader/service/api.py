"""The JSON API under /api/v1: interviewers by bearer token, candidates by their invite's token."""

from __future__ import annotations

import csv
import io
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Annotated, BinaryIO

from fastapi import (
    APIRouter,
    Depends,
    File,
    Header,
    HTTPException,
    Query,
    Request,
    Response,
    UploadFile,
    status,
)
from fastapi.responses import FileResponse
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from grader import similarity
from grader.errors import BadInputError
from grader.kit import build_kit, readme
from grader.report import GradeReport, for_candidate
from grader.scope import Scope
from grader.service import jobs, uploads
from grader.service.auth import authenticate
from grader.service.models import (
    Assignment,
    Feedback,
    Invite,
    Role,
    Submission,
    SubmissionStatus,
    User,
    now,
)
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
from grader.service.worker import assignment_scope
from grader.submission import open_submission

router = APIRouter(prefix="/api/v1")
bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/token", auto_error=False)
QUEUE_RETRY_SECONDS = 30


def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def get_session(service: Annotated[Service, Depends(get_service)]) -> Iterator[Session]:
    with service.sessions() as session:
        yield session


ServiceDep = Annotated[Service, Depends(get_service)]
SessionDep = Annotated[Session, Depends(get_session)]


def unauthorized(detail: str = "not authenticated") -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, {"WWW-Authenticate": "Bearer"})


def not_found(what: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"no such {what}")


def optional_user(
    service: ServiceDep, session: SessionDep, token: Annotated[str | None, Depends(bearer)]
) -> User | None:
    """The bearer token's user; None when no token came; 401 for a bad or expired one."""
    if token is None:
        return None
    user_id = service.tokens.user_id(token)
    user = session.get(User, user_id) if user_id is not None else None
    if user is None:
        raise unauthorized("the token is invalid or expired")
    return user


def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise unauthorized()
    return user


UserDep = Annotated[User, Depends(current_user)]


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


def scope_of(service: Service, assignment: Assignment) -> Scope:
    return assignment_scope(service.catalog, assignment)


def assignment_out(assignment: Assignment) -> AssignmentOut:
    return AssignmentOut(
        id=assignment.id,
        title=assignment.title,
        assessment=assignment.assessment,
        exercises=assignment.exercise_ids,
        deadline=assignment.deadline,
        max_submissions=assignment.max_submissions,
        feedback=assignment.feedback,
        webhook_url=assignment.webhook_url,
        owner=assignment.owner.name,
        created_at=assignment.created_at,
    )


def invite_url(service: Service, request: Request, token: str) -> str:
    base = service.settings.public_url or str(request.base_url)
    return f"{base.rstrip('/')}/i/{token}"


def invite_out(service: Service, request: Request, invite: Invite) -> InviteOut:
    return InviteOut(
        id=invite.id,
        assignment=invite.assignment_id,
        candidate=invite.candidate,
        email=invite.email,
        token=invite.token,
        url=invite_url(service, request, invite.token),
    )


def submission_out(submission: Submission, *, interviewer: bool) -> SubmissionOut:
    """The full view for interviewers; for the candidate, scores and the candidate-safe report
    only when the assignment shows feedback, and never the grader's own failure."""
    out = SubmissionOut(
        id=submission.id,
        status=submission.status,
        attempts=submission.attempts,
        counts=submission.counts,
        filename=submission.filename,
        received_at=submission.received_at,
        queued_at=submission.queued_at,
        started_at=submission.started_at,
        finished_at=submission.finished_at,
    )
    report = visible_report(submission, interviewer=interviewer)
    if report is not None:
        out.report = report.model_dump(mode="json")
        out.score, out.max_score, out.percent = report.score, report.max_score, report.percent
    if interviewer:
        out.failure = submission.failure
    return out


def visible_report(submission: Submission, *, interviewer: bool) -> GradeReport | None:
    """The graded report as the reader may see it: whole for interviewers, candidate-safe for
    the candidate when the assignment gives feedback, else none."""
    shown = interviewer or submission.invite.assignment.feedback == Feedback.CANDIDATE
    if submission.status != SubmissionStatus.GRADED or submission.report is None or not shown:
        return None
    report = GradeReport.model_validate_json(submission.report)
    return report if interviewer else for_candidate(report)


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


@router.post("/token", response_model=TokenOut, tags=["auth"])
def token(
    service: ServiceDep, session: SessionDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> TokenOut:
    """OAuth2 password flow: a bearer JWT for an interviewer or an admin."""
    user = authenticate(session, form.username, form.password)
    if user is None:
        raise unauthorized("wrong name or password")
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
    return assignment_out(add_assignment(service, session, user, body))


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


@router.get("/assignments", response_model=list[AssignmentOut], tags=["assignments"])
def list_assignments(session: SessionDep, user: UserDep) -> list[AssignmentOut]:
    query = select(Assignment).order_by(Assignment.id)
    if user.role != Role.ADMIN:
        query = query.where(Assignment.owner_id == user.id)
    return [assignment_out(a) for a in session.scalars(query)]


@router.get("/assignments/{assignment_id}", response_model=AssignmentOut, tags=["assignments"])
def get_assignment(assignment_id: int, session: SessionDep, user: UserDep) -> AssignmentOut:
    return assignment_out(visible_assignment(session, user, assignment_id))


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
    invite = add_invite(session, visible_assignment(session, user, assignment_id), body)
    return invite_out(service, request, invite)


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


@router.get(
    "/assignments/{assignment_id}/invites", response_model=list[InviteOut], tags=["invites"]
)
def list_invites(
    assignment_id: int, request: Request, service: ServiceDep, session: SessionDep, user: UserDep
) -> list[InviteOut]:
    assignment = visible_assignment(session, user, assignment_id)
    return [invite_out(service, request, invite) for invite in assignment.invites]


def latest_rows(service: Service, assignment: Assignment) -> list[CandidateRow]:
    """Each candidate's latest submission, with the similarity flags over the graded ones."""
    rows: list[CandidateRow] = []
    solutions: dict[str, dict[str, dict[str, bytes]]] = {}
    exercises = scope_of(service, assignment).exercises
    for invite in assignment.invites:
        latest = invite.submissions[-1] if invite.submissions else None
        label = f"{invite.candidate} (#{invite.id})"
        rows.append(
            CandidateRow(
                invite=invite.id,
                candidate=label,
                email=invite.email,
                submissions=sum(s.counts for s in invite.submissions),
                latest=latest.id if latest else None,
                status=latest.status if latest else None,
                score=latest.score if latest else None,
                max_score=latest.max_score if latest else None,
                percent=latest.percent if latest else None,
            )
        )
        if latest is not None and latest.status == SubmissionStatus.GRADED:
            path = service.settings.uploads_dir / latest.upload
            with open_submission(path, service.catalog.ids) as opened:
                answers = {e.id: opened.files_for(e) for e in exercises if not e.is_quiz}
            solutions[label] = {k: v for k, v in answers.items() if v}
    stubs = {e.id: similarity.stub_files(e) for e in exercises if not e.is_quiz}
    flags = similarity.compare(solutions, stubs)
    for row in rows:
        row.similar_to = flags.similar_to(row.candidate)
    return rows


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
    rows = latest_rows(service, visible_assignment(session, user, assignment_id))
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
    return invite_view(service, session, invite_by_token(session, invite_token))


def invite_view(service: Service, session: Session, invite: Invite) -> InviteView:
    """What the invite's holder sees: never hidden tests, a report only as feedback allows."""
    assignment = invite.assignment
    scope = scope_of(service, assignment)
    return InviteView(
        candidate=invite.candidate,
        title=assignment.title,
        instructions=readme(scope.exercises, scope.assessment),
        exercises=[e.id for e in scope.exercises],
        deadline=assignment.deadline,
        max_submissions=assignment.max_submissions,
        submissions_left=max(0, assignment.max_submissions - counted(session, invite)),
        feedback=assignment.feedback,
        kit_url=f"/api/v1/invites/{invite.token}/kit",
        submissions=[submission_out(s, interviewer=False) for s in invite.submissions],
    )


@router.get(
    "/invites/{invite_token}/kit",
    response_class=FileResponse,
    tags=["candidates"],
    responses={200: {"content": {"application/zip": {}}}},
)
def get_kit(invite_token: str, service: ServiceDep, session: SessionDep) -> FileResponse:
    """The exercises' stubs, questions and public tests: never hidden tests or references."""
    scope = scope_of(service, invite_by_token(session, invite_token).assignment)
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
    invite = invite_by_token(session, invite_token)
    filename = file.filename or "upload"
    submission = receive(service, session, invite, file.file, filename, idempotency_key)
    return submission_out(submission, interviewer=False)


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
    submission, interviewer = readable_submission(session, submission_id, user, invite_token)
    return submission_out(submission, interviewer=interviewer)


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
    submission, interviewer = readable_submission(session, submission_id, user, None)
    if not interviewer:
        raise not_found("submission")
    return submission_out(requeue(service, session, submission), interviewer=True)


def requeue(service: Service, session: Session, submission: Submission) -> Submission:
    """Queue a failed submission again; 409 for any other."""
    if not jobs.requeue(session, submission.id):
        raise HTTPException(
            409, f"only a failed submission is regraded (this one is {submission.status})"
        )
    session.refresh(submission)
    service.enqueue(submission.id)
    return submission

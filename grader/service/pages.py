"""The server-rendered pages: interviewers log in, make assignments and invites and read reports;
a candidate opens their invite's link to read the instructions, fetch the kit and hand in.

Thin over the same functions as the API (access, assignments, handins, views), so that a form
accepts and refuses exactly what the API does. Plain forms, no JavaScript; Jinja2 escapes everything, and the HTML
report, which carries its own inline styles, is served apart under a stricter policy of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, StrictUndefined
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grader.assessment import load_assessments
from grader.report import GradeReport
from grader.reports import html
from grader.service import access, api, assignments, handins, views
from grader.service.api import ServiceDep, SessionDep
from grader.service.auth import authenticate
from grader.service.cookies import Cookies, WebSession, new_token, same
from grader.service.models import Feedback, Submission, SubmissionStatus, User, now
from grader.service.schemas import AssignmentIn, InviteIn
from grader.service.service import Service

router = APIRouter(include_in_schema=False)

PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # an invite's token is in its URL
}
# The report is a whole page with inline styles: no scripts, no requests, no forms, and framed
# only by the service's own submission page.
REPORT_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'self'; sandbox"
    ),
    "X-Frame-Options": "SAMEORIGIN",
}
UNHEADED = ("/docs",)  # Swagger UI's page starts it with an inline script
PENDING = (SubmissionStatus.QUEUED, SubmissionStatus.RUNNING)
DEFAULT_DAYS = 14  # a new assignment's deadline, from today


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "—"


_env = Environment(
    loader=PackageLoader("grader.service", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
)
_env.filters["when"] = _when
templates = Jinja2Templates(env=_env)


class SecurityHeaders:
    """ASGI middleware: the pages' security headers on every response (the API's too) but the
    API docs'; a response that sets its own, such as the report, keeps them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNHEADED):
            await self.app(scope, receive, send)
            return

        async def headed(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in PAGE_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, headed)


class LoginRequired(Exception):
    def __init__(self, then: str) -> None:
        self.then = then


async def to_login(request: Request, exc: Exception) -> Response:
    then = exc.then if isinstance(exc, LoginRequired) else "/"
    return RedirectResponse(f"/login?next={quote(then)}", status.HTTP_303_SEE_OTHER)


async def page_errors(request: Request, exc: Exception) -> Response:
    """Errors as a page for the pages, as JSON for the API."""
    assert isinstance(exc, StarletteHTTPException)
    if request.url.path.startswith(api.router.prefix + "/"):
        return await http_exception_handler(request, exc)
    return page(request, "error.html", {"error": exc.detail}, exc.status_code, exc.headers)


def page(
    request: Request,
    name: str,
    context: dict[str, Any],
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    context = {"who": None, "error": None, **context}
    return templates.TemplateResponse(request, name, context, status_code, headers)


def see_other(path: str) -> RedirectResponse:
    """After a POST, the browser GETs the result (and a reload does not post again)."""
    return RedirectResponse(path, status.HTTP_303_SEE_OTHER)


def local(path: str) -> str:
    """Where to go after logging in: only a path on this site, never another site."""
    return path if path.startswith("/") and not path.startswith(("//", "/\\")) else "/"


def forged() -> HTTPException:
    return HTTPException(
        status.HTTP_403_FORBIDDEN,
        "The form's CSRF token is missing or wrong: reload the page and send the form again.",
    )


def reasons(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in e['loc']) or 'form'}: {e['msg']}" for e in error.errors()
    )


def get_cookies(service: ServiceDep) -> Cookies:
    return Cookies(service.tokens.key)


CookiesDep = Annotated[Cookies, Depends(get_cookies)]
CsrfField = Annotated[str, Form()]


@dataclass(frozen=True)
class Interviewer:
    user: User
    csrf: str


def signed_in(request: Request, session: SessionDep, cookies: CookiesDep) -> Interviewer:
    """The logged-in interviewer; anyone else goes to the login page (and back afterwards)."""
    web = cookies.read(request)
    user = session.get(User, web.user_id) if web and web.user_id is not None else None
    if web is None or user is None:
        query = f"?{request.url.query}" if request.url.query else ""
        raise LoginRequired(request.url.path + query if request.method == "GET" else "/")
    return Interviewer(user, web.csrf)


def posted(who: Annotated[Interviewer, Depends(signed_in)], csrf: CsrfField = "") -> Interviewer:
    """The interviewer behind a form that carries their session's CSRF token; 403 otherwise."""
    if not same(who.csrf, csrf):
        raise forged()
    return who


Viewer = Annotated[Interviewer, Depends(signed_in)]
Poster = Annotated[Interviewer, Depends(posted)]


# Interviewers: logging in and out.


@router.get("/login")
def login_form(request: Request, cookies: CookiesDep, next: str = "/") -> Response:
    web = cookies.read(request) or WebSession(new_token())
    response = page(request, "login.html", {"csrf": web.csrf, "next": local(next), "name": ""})
    cookies.write(response, request, web)
    return response


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    cookies: CookiesDep,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf: CsrfField = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    web = cookies.read(request)
    if web is None or not same(web.csrf, csrf):
        raise forged()
    user = authenticate(session, name, password)
    if user is None:
        context = {"csrf": web.csrf, "next": local(next), "name": name}
        context["error"] = "Wrong name or password."
        return page(request, "login.html", context, status.HTTP_401_UNAUTHORIZED)
    response = see_other(local(next))
    cookies.write(response, request, WebSession(new_token(), user.id))  # a fresh CSRF token
    return response


@router.post("/logout")
def logout(request: Request, cookies: CookiesDep, who: Poster) -> Response:
    response = see_other("/login")
    cookies.clear(response, request)
    return response


# Interviewers: assignments, invites, submissions.


@router.get("/")
def home(request: Request, session: SessionDep, who: Viewer) -> Response:
    assignments = api.list_assignments(session, who.user)
    return page(request, "home.html", {"who": who, "assignments": assignments})


@router.get("/assignments/new")
def new_assignment_form(request: Request, service: ServiceDep, who: Viewer) -> Response:
    deadline = (now() + timedelta(days=DEFAULT_DAYS)).strftime("%Y-%m-%dT%H:%M")
    form = {"deadline": deadline, "max_submissions": "3", "feedback": Feedback.NONE.value}
    return assignment_form(request, service, who, form)


def assignment_form(
    request: Request,
    service: Service,
    who: Interviewer,
    form: dict[str, Any],
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    catalog = service.catalog
    # Only the shipped assessments this catalog can grade: the others would be refused.
    assessments = {
        name: assessment
        for name, assessment in load_assessments().items()
        if all(exercise in catalog for exercise in assessment.exercises)
    }
    context = {
        "who": who,
        "form": form,
        "error": error,
        "assessments": assessments,
        "exercises": list(catalog),
        "feedbacks": list(Feedback),
    }
    return page(request, "new_assignment.html", context, status_code)


def as_utc(value: str) -> str:
    """A datetime-local field's value, which has no zone, read as UTC (the form says so)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value  # left for the model to refuse, with its reason
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


@router.post("/assignments/new")
def create_assignment(
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    who: Poster,
    title: Annotated[str, Form()] = "",
    assessment: Annotated[str, Form()] = "",
    exercises: Annotated[list[str] | None, Form()] = None,
    deadline: Annotated[str, Form()] = "",
    max_submissions: Annotated[str, Form()] = "",
    feedback: Annotated[str, Form()] = "",
    webhook_url: Annotated[str, Form()] = "",
    webhook_secret: Annotated[str, Form()] = "",
) -> Response:
    form: dict[str, Any] = {
        "title": title,
        "assessment": assessment,
        "exercises": exercises or [],
        "deadline": deadline,
        "max_submissions": max_submissions,
        "feedback": feedback,
        "webhook_url": webhook_url,
    }  # the secret is not sent back to the browser
    try:
        body = AssignmentIn.model_validate(
            {
                **form,
                "assessment": assessment or None,
                "deadline": as_utc(deadline),
                "webhook_url": webhook_url or None,
                "webhook_secret": webhook_secret or None,
            }
        )
        assignment = assignments.add_assignment(service, session, who.user, body)
    except ValidationError as exc:
        return assignment_form(request, service, who, form, reasons(exc), 422)
    except HTTPException as exc:
        return assignment_form(request, service, who, form, str(exc.detail), exc.status_code)
    return see_other(f"/assignments/{assignment.id}")


@router.get("/assignments/{assignment_id}")
def assignment_page(
    assignment_id: int, request: Request, service: ServiceDep, session: SessionDep, who: Viewer
) -> Response:
    return show_assignment(request, service, session, who, assignment_id)


def show_assignment(
    request: Request,
    service: Service,
    session: Session,
    who: Interviewer,
    assignment_id: int,
    form: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    assignment = access.visible_assignment(session, who.user, assignment_id)
    invites = [views.invite_out(service, request, invite) for invite in assignment.invites]
    rows = views.latest_rows(service, assignment)  # in the invites' order, one per invite
    context = {
        "who": who,
        "assignment": views.assignment_out(assignment),
        "candidates": list(zip(invites, rows, strict=True)),
        "form": form or {"candidate": "", "email": ""},
        "error": error,
    }
    return page(request, "assignment.html", context, status_code)


@router.post("/assignments/{assignment_id}/invites")
def create_invite(
    assignment_id: int,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    who: Poster,
    candidate: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
) -> Response:
    assignment = access.visible_assignment(session, who.user, assignment_id)
    form = {"candidate": candidate, "email": email}
    try:
        body = InviteIn.model_validate({"candidate": candidate, "email": email or None})
    except ValidationError as exc:
        return show_assignment(
            request, service, session, who, assignment_id, form, reasons(exc), 422
        )
    assignments.add_invite(session, assignment, body)
    return see_other(f"/assignments/{assignment_id}")


def interviewers_submission(session: Session, who: Interviewer, submission_id: str) -> Submission:
    submission, interviewer = access.readable_submission(session, submission_id, who.user, None)
    if not interviewer:
        raise access.not_found("submission")
    return submission


@router.get("/submissions/{submission_id}")
def submission_page(
    submission_id: str, request: Request, session: SessionDep, who: Viewer
) -> Response:
    submission = interviewers_submission(session, who, submission_id)
    context = {
        "who": who,
        "submission": views.submission_out(submission, interviewer=True),
        "invite": submission.invite,
        "assignment": submission.invite.assignment,
        "pending": submission.status in PENDING,
    }
    return page(request, "submission.html", context)


@router.get("/submissions/{submission_id}/report")
def submission_report(submission_id: str, session: SessionDep, who: Viewer) -> Response:
    """The whole report, as `grade --html` writes it; framed by the submission's page."""
    submission = interviewers_submission(session, who, submission_id)
    return report_page(views.visible_report(submission, interviewer=True))


@router.post("/submissions/{submission_id}/regrade")
def regrade(submission_id: str, service: ServiceDep, session: SessionDep, who: Poster) -> Response:
    handins.requeue(service, session, interviewers_submission(session, who, submission_id))
    return see_other(f"/submissions/{submission_id}")


def report_page(report: GradeReport | None) -> Response:
    if report is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no report to show for this submission")
    return HTMLResponse(html.render(report), headers=REPORT_HEADERS)


# Candidates: everything hangs off the invite's token.


@router.get("/i/{invite_token}")
def invite_page(
    invite_token: str,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    cookies: CookiesDep,
) -> Response:
    return show_invite(request, service, session, cookies, invite_token)


def show_invite(
    request: Request,
    service: Service,
    session: Session,
    cookies: Cookies,
    invite_token: str,
    error: str | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    invite = access.invite_by_token(session, invite_token)
    view = views.invite_view(service, session, invite)
    context = {
        "invite": view,
        "token": invite_token,
        "csrf": cookies.invite_csrf(invite_token),
        "key": new_token(),  # an idempotency key: a form sent twice hands in once
        "open": now() <= view.deadline and view.submissions_left > 0,
        "past": now() > view.deadline,
        "feedback": view.feedback == Feedback.CANDIDATE,
        "error": error,
    }
    return page(request, "invite.html", context, status_code, headers)


@router.post("/i/{invite_token}/submissions")
def hand_in(
    invite_token: str,
    request: Request,
    service: ServiceDep,
    session: SessionDep,
    cookies: CookiesDep,
    file: Annotated[UploadFile | None, File()] = None,
    csrf: CsrfField = "",
    key: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    invite = access.invite_by_token(session, invite_token)
    if not same(cookies.invite_csrf(invite.token), csrf):
        raise forged()
    if file is None or not file.filename:
        error = "Choose the archive (.zip, .tar.gz or .tgz) to hand in."
        return show_invite(request, service, session, cookies, invite_token, error, 422)
    try:
        handins.receive(service, session, invite, file.file, file.filename, key or None)
    except HTTPException as exc:
        return show_invite(
            request,
            service,
            session,
            cookies,
            invite_token,
            str(exc.detail),
            exc.status_code,
            exc.headers,
        )
    return see_other(f"/i/{invite_token}")


@router.get("/i/{invite_token}/submissions/{submission_id}")
def candidate_report(invite_token: str, submission_id: str, session: SessionDep) -> Response:
    """The candidate-safe report, when the assignment gives feedback; 404 for another invite's."""
    invite = access.invite_by_token(session, invite_token)
    submission = session.get(Submission, submission_id)
    if submission is None or submission.invite_id != invite.id:
        raise access.not_found("submission")
    return report_page(views.visible_report(submission, interviewer=False))

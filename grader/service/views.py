"""What a reader sees of the stored rows: the API's response models, built in one place."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from grader import similarity
from grader.kit import readme
from grader.report import GradeReport, for_candidate
from grader.service import assignments, handins
from grader.service.models import Assignment, Feedback, Invite, Submission, SubmissionStatus
from grader.service.schemas import AssignmentOut, CandidateRow, InviteOut, InviteView, SubmissionOut
from grader.service.service import Service
from grader.submission import open_submission


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
        out.published_at = submission.published_at
        out.worker = submission.worker
    return out


def visible_report(submission: Submission, *, interviewer: bool) -> GradeReport | None:
    """The graded report as the reader may see it: whole for interviewers, candidate-safe for
    the candidate when the assignment gives feedback, else none."""
    shown = interviewer or submission.invite.assignment.feedback == Feedback.CANDIDATE
    if submission.status != SubmissionStatus.GRADED or submission.report is None or not shown:
        return None
    report = GradeReport.model_validate_json(submission.report)
    return report if interviewer else for_candidate(report)


def invite_view(service: Service, session: Session, invite: Invite) -> InviteView:
    """What the invite's holder sees: never hidden tests, a report only as feedback allows."""
    assignment = invite.assignment
    scope = assignments.scope_of(service, assignment)
    return InviteView(
        candidate=invite.candidate,
        title=assignment.title,
        instructions=readme(scope.exercises, scope.assessment),
        exercises=[e.id for e in scope.exercises],
        deadline=assignment.deadline,
        max_submissions=assignment.max_submissions,
        submissions_left=max(0, assignment.max_submissions - handins.counted(session, invite)),
        feedback=assignment.feedback,
        kit_url=f"/api/v1/invites/{invite.token}/kit",
        submissions=[submission_out(s, interviewer=False) for s in invite.submissions],
    )


def latest_rows(service: Service, assignment: Assignment) -> list[CandidateRow]:
    """Each candidate's latest submission, with the similarity flags over the graded ones."""
    rows: list[CandidateRow] = []
    solutions: dict[str, dict[str, dict[str, bytes]]] = {}
    exercises = assignments.scope_of(service, assignment).exercises
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

"""What the API accepts and answers: pydantic models, which OpenAPI at /docs is made from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, HttpUrl

from grader.service.models import Feedback, SubmissionStatus


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int  # seconds


class AssignmentIn(_In):
    title: str = Field(min_length=1, max_length=200)
    assessment: str | None = Field(None, description="An assessment's name; or give `exercises`.")
    exercises: list[str] = Field(
        default_factory=list, description="Exercise ids, when no assessment."
    )
    deadline: AwareDatetime
    max_submissions: int = Field(3, ge=1, le=100)
    feedback: Feedback = Feedback.NONE
    webhook_url: HttpUrl | None = None
    webhook_secret: str | None = Field(None, min_length=16, max_length=200)


class AssignmentOut(BaseModel):
    id: int
    title: str
    assessment: str | None
    exercises: list[str]
    deadline: datetime
    max_submissions: int
    feedback: Feedback
    webhook_url: str | None
    owner: str
    created_at: datetime


class InviteIn(_In):
    candidate: str = Field(min_length=1, max_length=200)
    email: str | None = Field(None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")


class InviteOut(BaseModel):
    id: int
    assignment: int
    candidate: str
    email: str | None
    token: str
    url: str


class SubmissionOut(BaseModel):
    id: str
    status: SubmissionStatus
    attempts: int
    counts: bool = Field(description="Whether it counts against the maximum (not when `failed`).")
    filename: str
    received_at: datetime
    queued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    score: float | None = None
    max_score: float | None = None
    percent: float | None = None
    failure: str | None = Field(default=None, description="Why grading failed: interviewers only.")
    published_at: datetime | None = Field(
        default=None, description="When the broker last got its job: interviewers only."
    )
    worker: str | None = Field(
        default=None, description="Who ran the latest attempt: interviewers only."
    )
    report: dict[str, Any] | None = None


class InviteView(BaseModel):
    """What a candidate's invite link shows."""

    candidate: str
    title: str
    instructions: str
    exercises: list[str]
    deadline: datetime
    max_submissions: int
    submissions_left: int
    feedback: Feedback
    kit_url: str
    submissions: list[SubmissionOut]


class CandidateRow(BaseModel):
    invite: int
    candidate: str
    email: str | None
    submissions: int
    latest: str | None
    status: SubmissionStatus | None
    score: float | None
    max_score: float | None
    percent: float | None
    similar_to: list[str] = []

"""The service's tables. The database is the source of truth: a submission's row says where its
grading stands, so a restarted service (or, next, another machine) picks up where work stopped."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def now() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every database (SQLite keeps no time zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: the service stores aware UTC times only")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if not isinstance(value, datetime):
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class Role(StrEnum):
    INTERVIEWER = "interviewer"
    ADMIN = "admin"


class Feedback(StrEnum):
    """What a candidate sees of a graded submission."""

    NONE = "none"
    CANDIDATE = "candidate"  # the candidate-safe report: scores, public outcomes, no hidden names


class SubmissionStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    GRADED = "graded"
    SUPERSEDED = "superseded"
    FAILED = "failed"  # the grader's own fault: does not count against the candidate


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[Role] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class Assignment(Base):
    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    assessment: Mapped[str | None] = mapped_column(String(100))
    exercise_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    max_submissions: Mapped[int]
    feedback: Mapped[Feedback] = mapped_column(String(20))
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    webhook_secret: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    owner: Mapped[User] = relationship()
    invites: Mapped[list[Invite]] = relationship(back_populates="assignment", order_by="Invite.id")


class Invite(Base):
    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    token: Mapped[str] = mapped_column(String(100), unique=True)
    candidate: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    assignment: Mapped[Assignment] = relationship(back_populates="invites")
    submissions: Mapped[list[Submission]] = relationship(
        back_populates="invite", order_by="Submission.received_at"
    )


def new_submission_id() -> str:
    return uuid.uuid4().hex


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("invite_id", "idempotency_key"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_submission_id)
    invite_id: Mapped[int] = mapped_column(ForeignKey("invites.id"), index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[SubmissionStatus] = mapped_column(String(20), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    filename: Mapped[str] = mapped_column(String(300))
    upload: Mapped[str] = mapped_column(String(300))  # the stored archive, under uploads_dir
    # The archive itself, for workers on other machines (None: uploaded before 0002); deferred,
    # so that listing submissions does not read it.
    archive: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When it was last handed to the broker; None while it waits for a broker that was down.
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The catalog and sandbox versions its latest job was published for: an older job is obsolete.
    published_for: Mapped[str | None] = mapped_column(String(40))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    worker: Mapped[str | None] = mapped_column(String(200))  # who runs (ran) the latest attempt
    lost: Mapped[int] = mapped_column(default=0)  # attempts that died since it was last queued
    score: Mapped[float | None]
    max_score: Mapped[float | None]
    percent: Mapped[float | None]
    report: Mapped[str | None] = mapped_column(Text)  # the GradeReport, as JSON
    failure: Mapped[str | None] = mapped_column(Text)  # why grading failed, for interviewers

    invite: Mapped[Invite] = relationship(back_populates="submissions")
    deliveries: Mapped[list[WebhookDelivery]] = relationship(
        back_populates="submission", order_by="WebhookDelivery.id"
    )
    attempt_rows: Mapped[list[Attempt]] = relationship(
        back_populates="submission", order_by="Attempt.number"
    )

    @property
    def counts(self) -> bool:
        """Whether it counts against the candidate's maximum: not when the grader failed."""
        return self.status != SubmissionStatus.FAILED


class AttemptOutcome(StrEnum):
    GRADED = "graded"
    FAILED = "failed"  # the grader failed and said so (no engine, a broken image)
    LOST = "lost"  # its worker died or went silent: presumed dead, fenced off
    DROPPED = "dropped"  # finished after it was superseded or fenced off: its result was refused


class Attempt(Base):
    """One try at grading a submission; `number` is the fencing token its worker quotes."""

    __tablename__ = "grading_attempts"
    __table_args__ = (UniqueConstraint("submission_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    number: Mapped[int]
    worker: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[AttemptOutcome | None] = mapped_column(String(20))

    submission: Mapped[Submission] = relationship(back_populates="attempt_rows")


class WebhookDelivery(Base):
    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    attempt: Mapped[int]
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    delivered: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    submission: Mapped[Submission] = relationship(back_populates="deliveries")

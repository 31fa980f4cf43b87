"""The grade report: the one schema every output format (terminal, JSON, …) is rendered from."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from grader.sections import Section

SCHEMA_VERSION = 1


class Status(StrEnum):
    PASSED = "passed"  # every hidden test passed
    PARTIAL = "partial"  # some passed
    FAILED = "failed"  # none passed
    ERROR = "error"  # syntax error, failing import, a test process that died or did not complete
    TIMEOUT = "timeout"  # a test or the whole suite ran out of time
    MISSING = "missing"  # the submission has no solution for it
    REJECTED = "rejected"  # a static check failed (a forbidden import)
    TAMPERED = "tampered"  # the test process reported outcomes that did not happen (forgery)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TestResult(_Model):
    name: str
    outcome: Literal["passed", "failed", "error", "skipped"]
    duration_s: float = 0.0
    message: str = ""
    weight: float = 1.0


class Metrics(_Model):
    """Measured outside the test process (from its resource usage), so the code cannot fake them."""

    wall_s: float = 0.0
    cpu_s: float = 0.0
    peak_rss_mb: float = 0.0


class ExerciseResult(_Model):
    id: str
    title: str
    section: Section
    status: Status
    score: float
    max_score: float
    message: str = ""
    tests: list[TestResult] = []
    metrics: Metrics | None = None
    output: str = Field("", description="What the test process printed, capped.")


class SectionScore(_Model):
    section: Section
    title: str
    weight: float = Field(description="Share of the overall percentage; 0 for nice-to-have.")
    score: float
    max_score: float
    percent: float


class GradeReport(_Model):
    schema_version: int = SCHEMA_VERSION
    submission: str
    sandbox: str
    score: float
    max_score: float
    percent: float = Field(description="Section percentages weighted by the guide's weights.")
    sections: list[SectionScore]
    exercises: list[ExerciseResult]
    ignored_files: list[str] = []
    warnings: list[str] = []

    def exercise(self, exercise_id: str) -> ExerciseResult:
        return next(result for result in self.exercises if result.id == exercise_id)

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
    performance: bool = Field(
        default=False, description="A test of speed or memory, not of behaviour."
    )
    clauses: list[str] = Field(
        default=[], description="The clauses of the exercise's README that this test checks."
    )


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
    output: str = Field(default="", description="What the test process printed, capped.")
    correctness_percent: float | None = Field(
        default=None, description="Share of the behaviour tests' weight that passed."
    )
    performance_percent: float | None = Field(
        default=None,
        description="Share of the performance tests' weight that passed; None without any.",
    )


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
    assessment: str | None = None
    score: float
    max_score: float
    percent: float = Field(description="Section percentages weighted by the guide's weights.")
    sections: list[SectionScore]
    exercises: list[ExerciseResult]
    ignored_files: list[str] = []
    warnings: list[str] = []
    feedback: Literal["interviewer", "candidate"] = "interviewer"

    def exercise(self, exercise_id: str) -> ExerciseResult:
        return next(result for result in self.exercises if result.id == exercise_id)


def for_candidate(report: GradeReport) -> GradeReport:
    """The report as it may be sent to a candidate: the hidden tests' names, messages and the
    code's output withheld (they would give the hidden suite away), counts and scores kept."""
    exercises = []
    for result in report.exercises:
        passed = sum(test.outcome == "passed" for test in result.tests)
        message = (
            f"{passed} of {len(result.tests)} hidden tests passed"
            if result.tests
            else _CANDIDATE_MESSAGES.get(result.status, result.status.value)
        )
        exercises.append(result.model_copy(update={"tests": [], "message": message, "output": ""}))
    return report.model_copy(
        update={"exercises": exercises, "warnings": [], "feedback": "candidate"}
    )


_CANDIDATE_MESSAGES = {
    Status.ERROR: "the code could not be run to the end (a syntax error, a failing import, or a crash)",
    Status.TIMEOUT: "the code ran out of time",
    Status.MISSING: "no solution was submitted",
    Status.REJECTED: "the solution uses an import the exercise forbids",
    Status.TAMPERED: "the test results could not be trusted",
}

"""What a batch hands back per candidate (a row) and as a whole (the summary), apart from the
engine that grades it, so that renderings of a batch need none of grading, sandboxes or archives.
"""

from __future__ import annotations

from collections import Counter
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from grader.report import Status
from grader.sections import Section
from grader.similarity import SimilarityReport

SCHEMA_VERSION = 1


class RowStatus(StrEnum):
    GRADED = "graded"
    CACHED = "cached"  # unchanged since a previous run: its cached report was reused
    ERROR = "error"  # no report: a bad archive, or trouble on the grader's side
    SKIPPED = "skipped"  # not graded: the batch was interrupted first


HAS_REPORT = frozenset({RowStatus.GRADED, RowStatus.CACHED})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BatchRow(_Model):
    candidate: str
    submission: str
    status: RowStatus
    sandbox: str = ""
    score: float = 0.0
    max_score: float = 0.0
    percent: float = 0.0
    sections: dict[Section, float] = {}  # section -> percent
    statuses: dict[Status, int] = {}  # exercise status -> how many exercises
    time_s: float = 0.0  # the candidate's code running time: the exercises' wall seconds
    grading_s: float = 0.0  # what this run spent on the candidate (about 0 when cached)
    report: str | None = None  # the JSON report, relative to the output folder
    error: str = ""
    similar_to: list[str] = []


class BatchSummary(_Model):
    schema_version: int = SCHEMA_VERSION
    exercises: list[str]
    jobs: int
    interrupted: bool = False
    total_s: float = 0.0
    rows: list[BatchRow]
    similarity: SimilarityReport

    def ranking(self) -> list[BatchRow]:
        """Graded candidates best first (percent, then points), then errors, then skipped ones."""
        order = {RowStatus.GRADED: 0, RowStatus.CACHED: 0, RowStatus.ERROR: 1, RowStatus.SKIPPED: 2}
        return sorted(self.rows, key=lambda r: (order[r.status], -r.percent, -r.score, r.candidate))

    def counts(self) -> dict[RowStatus, int]:
        found = Counter(row.status for row in self.rows)
        return {status: found.get(status, 0) for status in RowStatus}

    def sections(self) -> list[Section]:
        """The sections some candidate was graded on, in the guide's order."""
        present = {section for row in self.rows for section in row.sections}
        return [section for section in Section if section in present]

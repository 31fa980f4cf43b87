"""A batch's summary as CSV: one line per candidate, best first, for a spreadsheet to rank and
filter."""

from __future__ import annotations

import csv
import io

from grader.batch_summary import HAS_REPORT, BatchSummary
from grader.report import Status


def _cell(value: object) -> object:
    """Keep spreadsheets from running a candidate-chosen name or message as a formula."""
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + value
    return value


def render(summary: BatchSummary) -> str:
    sections = summary.sections()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "rank",
            "candidate",
            "status",
            "percent",
            "score",
            "max_score",
            *(f"{section.value}_percent" for section in sections),
            *(status.value for status in Status),
            "time_s",
            "grading_s",
            "similar_to",
            "problem",  # not "error": that is the count of exercises in error
            "submission",
            "report",
        ]
    )
    rank = 0
    for row in summary.ranking():
        has_report = row.status in HAS_REPORT
        rank += has_report
        cells: list[object] = [
            rank if has_report else "",
            row.candidate,
            row.status.value,
            row.percent if has_report else "",
            row.score if has_report else "",
            row.max_score if has_report else "",
            *(row.sections.get(section, "") for section in sections),
            *(row.statuses.get(status, 0) if has_report else "" for status in Status),
            row.time_s,
            row.grading_s,
            " ".join(row.similar_to),
            row.error,
            row.submission,
            row.report or "",
        ]
        writer.writerow([_cell(cell) for cell in cells])
    return out.getvalue()

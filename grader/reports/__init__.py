"""Renderings of a GradeReport, one module per format, and the one table of formats.

Each format renders one report, and adds its files to a batch's folder (every batch also gets
a JSON report per candidate and the summary, whatever the format).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from grader.batch_summary import BatchSummary
from grader.errors import BadInputError
from grader.report import GradeReport, for_candidate
from grader.reports import gradescope, html, json, junit, terminal

TERMINAL_FILE_WIDTH = 120  # a terminal report written to a file: wide enough for its tables
FEEDBACK_DIR = "feedback"

BatchFiles = Callable[[BatchSummary, Mapping[str, GradeReport]], dict[str, str]]


@dataclass(frozen=True)
class ReportFormat:
    """How a format renders one report (None: drawn on a console), and its files for a batch
    (relative path in the batch's folder -> text)."""

    render: Callable[[GradeReport], str] | None
    batch_files: BatchFiles


def _no_files(summary: BatchSummary, reports: Mapping[str, GradeReport]) -> dict[str, str]:
    return {}


def _gradescope_files(summary: BatchSummary, reports: Mapping[str, GradeReport]) -> dict[str, str]:
    return {f"gradescope/{name}.json": gradescope.render(r) for name, r in reports.items()}


FORMATS: dict[str, ReportFormat] = {
    "terminal": ReportFormat(None, _no_files),
    "json": ReportFormat(json.render, _no_files),  # a batch writes JSON reports anyway
    "junit": ReportFormat(junit.render, lambda s, r: {"junit.xml": junit.render_many(r)}),
    "gradescope": ReportFormat(gradescope.render, _gradescope_files),
    "html": ReportFormat(html.render, lambda s, r: {"report.html": html.render_batch(s, r)}),
}


def require_report_file(output: Path | None) -> None:
    """One report is one file (or standard output): an existing folder in its place is bad input."""
    if output is not None and output.is_dir():
        raise BadInputError(f"{output} is a folder: give a file for the report")


def write_report(report: GradeReport, output_format: str, output: Path | None = None) -> None:
    """One report in `output_format`, to the file `output` (None: standard output)."""
    render = FORMATS[output_format].render
    if render is None:
        if output is None:
            terminal.render(report, Console())
        else:
            with output.open("w", encoding="utf-8") as stream:
                terminal.render(report, Console(file=stream, width=TERMINAL_FILE_WIDTH))
    elif output is None:
        sys.stdout.write(render(report))
        sys.stdout.flush()
    else:
        output.write_text(render(report), encoding="utf-8")


def write_batch_files(
    summary: BatchSummary,
    reports: Mapping[str, GradeReport],
    output_dir: Path,
    output_format: str,
    *,
    candidate_feedback: bool = False,
) -> None:
    """The format's files for a whole batch; with `candidate_feedback`, each candidate's report
    safe to send (in feedback/), and the format's files made of those."""
    if candidate_feedback:
        reports = {name: for_candidate(report) for name, report in reports.items()}
        for name, report in reports.items():
            (output_dir / FEEDBACK_DIR).mkdir(exist_ok=True)
            (output_dir / FEEDBACK_DIR / f"{name}.json").write_text(
                json.render(report), encoding="utf-8"
            )
    for relative, text in FORMATS[output_format].batch_files(summary, reports).items():
        target = output_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

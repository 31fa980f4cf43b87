"""The terminal report (rich): what an interviewer reads first.

Much of a report is the candidate's text (messages, output, test and file names, the
submission's path): it is normalised (grader/text.py) and handed to rich as `Text`, never as
markup, so that it can neither fail the report nor drive the interviewer's terminal.
"""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from grader.report import ExerciseResult, GradeReport, Status
from grader.text import clean_model, clip

STATUS_STYLE = {
    Status.PASSED: "bold green",
    Status.PARTIAL: "yellow",
    Status.FAILED: "red",
    Status.ERROR: "bold red",
    Status.TIMEOUT: "magenta",
    Status.MISSING: "dim",
    Status.REJECTED: "bold red",
    Status.TAMPERED: "bold white on red",
}
MESSAGE_LINES = 12


def _exercise_table(report: GradeReport) -> Table:
    table = Table(title=Text(f"Grade report: {report.submission}"), title_justify="left")
    for column, justify in [
        ("Exercise", "left"),
        ("Section", "left"),
        ("Status", "left"),
        ("Score", "right"),
        ("Tests", "right"),
        ("Perf %", "right"),
        ("Time s", "right"),
        ("CPU s", "right"),
        ("Peak MiB", "right"),
    ]:
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for result in report.exercises:
        passed = sum(test.outcome == "passed" for test in result.tests)
        metrics = result.metrics
        table.add_row(
            Text(result.id),
            Text(result.section.value),
            Text(result.status.value, style=STATUS_STYLE[result.status]),
            f"{result.score:g}/{result.max_score:g}",
            f"{passed}/{len(result.tests)}" if result.tests else "-",
            f"{result.performance_percent:.0f}" if result.performance_percent is not None else "-",
            f"{metrics.wall_s:.2f}" if metrics else "-",
            f"{metrics.cpu_s:.2f}" if metrics else "-",
            f"{metrics.peak_rss_mb:.0f}" if metrics else "-",
        )
    return table


def _section_table(report: GradeReport) -> Table:
    table = Table(title="Sections", title_justify="left")
    for column in ("Section", "Weight %", "Score", "Percent"):
        table.add_column(column, justify="left" if column == "Section" else "right")
    for section in report.sections:
        table.add_row(
            Text(section.title),
            f"{section.weight:g}",
            f"{section.score:g}/{section.max_score:g}",
            f"{section.percent:.1f}",
        )
    table.add_row(
        Text("Overall", style="bold"),
        "",
        f"{report.score:g}/{report.max_score:g}",
        Text(f"{report.percent:.1f}", style="bold"),
    )
    return table


def _details(result: ExerciseResult) -> Panel | None:
    """What went wrong in one exercise: its message and each test that did not pass."""
    if result.status in {Status.PASSED, Status.MISSING}:
        return None
    parts: list[Text] = [Text(result.message, style=STATUS_STYLE[result.status])]
    if result.status == Status.ERROR and result.output:
        tail = clip(result.output.strip(), MESSAGE_LINES, unit="lines", keep="end")
        parts.append(Text("\n" + tail, style="dim"))
    for test in result.tests:
        if test.outcome != "passed":
            clauses = f" (clauses {', '.join(test.clauses)})" if test.clauses else ""
            parts.append(Text(f"\n{test.outcome.upper()} {test.name}{clauses}", style="bold"))
            if test.message:
                parts.append(Text(clip(test.message.strip(), MESSAGE_LINES, unit="lines")))
    return Panel(
        Group(*parts), title=Text(f"{result.id}: {result.status.value}"), title_align="left"
    )


def render(report: GradeReport, console: Console) -> None:
    report = clean_model(report)  # also a report read back from a cache, or built elsewhere
    for warning in report.warnings:
        console.print(Text.assemble(("warning:", "bold yellow"), " ", warning))
    console.print(_exercise_table(report))
    for result in report.exercises:
        panel = _details(result)
        if panel is not None:
            console.print(panel)
    console.print(_section_table(report))
    if report.ignored_files:
        shown = ", ".join(report.ignored_files[:10])
        more = (
            f" and {len(report.ignored_files) - 10} more" if len(report.ignored_files) > 10 else ""
        )
        console.print(Text(f"Ignored files: {shown}{more}", style="dim"))
    console.print(Text(f"Sandbox: {report.sandbox}"))

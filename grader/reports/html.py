"""The HTML report: one self-contained file to mail to a hiring panel or attach to a ticket.

Inline CSS, no scripts, no external resources (it must open offline and from an attachment),
failures folded in <details>. Everything a candidate controls — test messages, output, file
names, the submission's name — goes through html.escape; numbers are formatted here. A batch
page adds a ranking, the score distribution as an inline SVG histogram, and the similarity flags.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from html import escape

from grader import __version__
from grader.batch_summary import BatchRow, BatchSummary, RowStatus
from grader.report import ExerciseResult, GradeReport, Status
from grader.sections import Section
from grader.text import clean_model

MESSAGE_CHARS = 4000
BINS = 10  # histogram bars of 10 percentage points

STATUS_COLOURS = {
    Status.PASSED: "#1a7f37",
    Status.PARTIAL: "#9a6700",
    Status.FAILED: "#cf222e",
    Status.ERROR: "#a40e26",
    Status.TIMEOUT: "#8250df",
    Status.MISSING: "#6e7781",
    Status.REJECTED: "#a40e26",
    Status.TAMPERED: "#82071e",  # a forgery: darker than an error
}
OTHER_COLOUR = "#a40e26"  # statuses added later: shown as alarming until given a colour
ROW_COLOURS = {
    RowStatus.GRADED: "#1a7f37",
    RowStatus.CACHED: "#0969da",
    RowStatus.ERROR: "#a40e26",
    RowStatus.SKIPPED: "#6e7781",
}

CSS = """
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: #fff; }
main { max-width: 1120px; margin: 0 auto; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.sub { color: var(--muted); margin: 0; word-break: break-all; }
.headline { display: flex; gap: 16px; align-items: center; margin: 16px 0; flex-wrap: wrap; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; background: var(--soft); }
.card .big { font-size: 28px; font-weight: 700; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--soft); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff;
  font-size: 12px; font-weight: 600; white-space: nowrap; }
.bar { display: inline-block; width: 80px; height: 8px; background: var(--line); border-radius: 4px;
  vertical-align: middle; margin-left: 6px; overflow: hidden; }
.bar > span { display: block; height: 100%; background: #0969da; }
.title { color: var(--muted); font-size: 12px; }
tr.details > td { background: #fff; border-bottom: 1px solid var(--line); padding-top: 0; }
details > summary { cursor: pointer; color: #0969da; }
details .verdict { margin: 6px 0; }
.test { margin: 8px 0 0; }
.test h4 { margin: 0 0 2px; font-size: 13px; }
pre { margin: 0; padding: 8px; background: var(--soft); border: 1px solid var(--line); border-radius: 6px;
  white-space: pre-wrap; word-break: break-word; font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace;
  max-height: 320px; overflow: auto; }
.warnings { border: 1px solid #d4a72c; background: #fff8c5; border-radius: 8px; padding: 8px 12px 8px 28px; }
.alert { border: 1px solid #cf222e; background: #ffebe9; border-radius: 8px; padding: 8px 12px; }
.muted { color: var(--muted); }
.candidate { margin-top: 12px; }
.candidate > summary { font-size: 16px; font-weight: 600; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
svg text { font: 11px system-ui, sans-serif; fill: var(--ink); }
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _colour(status: Status) -> str:
    return STATUS_COLOURS.get(status, OTHER_COLOUR)


def _badge(text: str, colour: str) -> str:
    return f'<span class="badge" style="background:{colour}">{_e(text)}</span>'


def _bar(percent: float) -> str:
    width = min(max(percent, 0.0), 100.0)
    return f'<span class="bar" aria-hidden="true"><span style="width:{width:.1f}%"></span></span>'


def _clip(text: str) -> str:
    return (
        text
        if len(text) <= MESSAGE_CHARS
        else text[:MESSAGE_CHARS] + f"\n… ({len(text) - MESSAGE_CHARS} more characters)"
    )


def _anchor(name: str) -> str:
    return "c-" + re.sub(r"[^A-Za-z0-9_-]", "_", name)


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n"
        f"<footer>Generated by grader {_e(__version__)}.</footer>\n</main>\n</body>\n</html>\n"
    )


def _card(label: str, value: str) -> str:
    return f'<div class="card"><div class="label">{_e(label)}</div><div class="big">{value}</div></div>'


def _sections(report: GradeReport) -> str:
    rows = "".join(
        f'<tr><td>{_e(s.title)}</td><td class="num">{s.weight:g}</td>'
        f'<td class="num">{s.score:g}/{s.max_score:g}</td>'
        f'<td class="num">{s.percent:.1f}{_bar(s.percent)}</td></tr>\n'
        for s in report.sections
    )
    return (
        '<table class="sections">\n<thead><tr><th>Section</th><th class="num">Weight %</th>'
        '<th class="num">Score</th><th class="num">Percent</th></tr></thead>\n'
        f"<tbody>\n{rows}<tr><th>Overall</th><th></th>"
        f'<th class="num">{report.score:g}/{report.max_score:g}</th>'
        f'<th class="num">{report.percent:.1f}{_bar(report.percent)}</th></tr>\n</tbody>\n</table>\n'
    )


def _details(result: ExerciseResult) -> str:
    """What went wrong: the verdict, each test that did not pass, and what the code printed."""
    problems = [test for test in result.tests if test.outcome != "passed"]
    if result.status in {Status.PASSED, Status.MISSING} and not problems:
        return ""
    parts = [f'<p class="verdict">{_e(result.message)}</p>'] if result.message else []
    for test in problems:
        parts.append(
            f'<div class="test"><h4>{_e(test.outcome.upper())} {_e(test.name)}</h4>'
            + (f"<pre>{_e(_clip(test.message))}</pre>" if test.message else "")
            + "</div>"
        )
    if result.output:
        parts.append(
            f"<details><summary>Output</summary><pre>{_e(_clip(result.output))}</pre></details>"
        )
    label = f"{len(problems)} test(s) did not pass" if problems else result.status.value
    return (
        f'<tr class="details" data-exercise="{_e(result.id)}"><td colspan="8">'
        f"<details><summary>{_e(label)}</summary>{''.join(parts)}</details></td></tr>\n"
    )


def _exercises(report: GradeReport) -> str:
    rows = []
    for result in report.exercises:
        passed = sum(test.outcome == "passed" for test in result.tests)
        metrics = result.metrics
        rows.append(
            f'<tr class="exercise" data-exercise="{_e(result.id)}" data-status="{_e(result.status.value)}">'
            f'<td>{_e(result.id)}<div class="title">{_e(result.title)}</div></td>'
            f"<td>{_e(result.section.label)}</td>"
            f"<td>{_badge(result.status.value, _colour(result.status))}</td>"
            f'<td class="num">{result.score:g}/{result.max_score:g}</td>'
            f'<td class="num">{f"{passed}/{len(result.tests)}" if result.tests else "-"}</td>'
            f'<td class="num">{f"{metrics.wall_s:.2f}" if metrics else "-"}</td>'
            f'<td class="num">{f"{metrics.cpu_s:.2f}" if metrics else "-"}</td>'
            f'<td class="num">{f"{metrics.peak_rss_mb:.0f}" if metrics else "-"}</td></tr>\n'
            + _details(result)
        )
    return (
        '<table class="exercises">\n<thead><tr><th>Exercise</th><th>Section</th><th>Status</th>'
        '<th class="num">Score</th><th class="num">Tests</th><th class="num">Time s</th>'
        '<th class="num">CPU s</th><th class="num">Peak MiB</th></tr></thead>\n'
        f"<tbody>\n{''.join(rows)}</tbody>\n</table>\n"
    )


def _warnings(warnings: Iterable[str]) -> str:
    items = "".join(f"<li>{_e(warning)}</li>" for warning in warnings)
    return f'<ul class="warnings">{items}</ul>\n' if items else ""


def _report_body(report: GradeReport, heading: str = "h2") -> str:
    ignored = ""
    if report.ignored_files:
        shown = ", ".join(_e(name) for name in report.ignored_files[:20])
        more = (
            f" and {len(report.ignored_files) - 20} more" if len(report.ignored_files) > 20 else ""
        )
        ignored = f'<p class="muted">Ignored files: {shown}{more}</p>\n'
    return (
        _warnings(report.warnings)
        + f"<{heading}>Exercises</{heading}>\n{_exercises(report)}"
        + f"<{heading}>Sections</{heading}>\n{_sections(report)}"
        + ignored
        + f'<p class="muted">Sandbox: <strong class="sandbox">{_e(report.sandbox)}</strong></p>\n'
    )


def render(report: GradeReport) -> str:
    """One submission's report as a self-contained HTML page."""
    report = clean_model(report)  # valid UTF-8 and no control characters, whatever its source
    passed = sum(result.status == Status.PASSED for result in report.exercises)
    body = (
        f'<h1>Grade report</h1>\n<p class="sub">{_e(report.submission)}</p>\n'
        '<div class="headline">'
        + _card("Overall", f"{report.percent:.1f}%")
        + _card("Points", f"{report.score:g}/{report.max_score:g}")
        + _card("Exercises passed", f"{passed}/{len(report.exercises)}")
        + _card("Sandbox", _e(report.sandbox))
        + "</div>\n"
        + _report_body(report)
    )
    return _page(f"Grade report: {report.submission}", body)


def histogram(percents: Iterable[float], bins: int = BINS) -> list[int]:
    """How many percentages fall in each of `bins` equal ranges of 0-100 (100 in the last)."""
    counts = [0] * bins
    for value in percents:
        counts[min(int(max(value, 0.0) * bins / 100), bins - 1)] += 1
    return counts


def _distribution(counts: list[int]) -> str:
    """The histogram as an inline SVG: bars, their counts, and the ranges under them."""
    width, height, left, bottom, top = 640, 220, 36, 34, 18
    plot_w, plot_h = width - left - 8, height - bottom - top
    step = plot_w / len(counts)
    tallest = max(counts) or 1
    parts = [
        f'<svg class="distribution" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Score distribution">',
        "<title>Score distribution: candidates per 10-point range of the overall percentage</title>",
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 8}" y2="{top + plot_h}" stroke="#59636e"/>',
    ]
    for tick in range(tallest + 1) if tallest <= 5 else (0, tallest // 2, tallest):
        y = top + plot_h - plot_h * tick / tallest
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    span = 100 // len(counts)
    for i, count in enumerate(counts):
        bar_h = plot_h * count / tallest
        x = left + i * step + 3
        y = top + plot_h - bar_h
        parts.append(
            f'<rect class="bin" data-count="{count}" x="{x:.1f}" y="{y:.1f}" width="{step - 6:.1f}" '
            f'height="{bar_h:.1f}" fill="#0969da" rx="2"/>'
        )
        if count:
            parts.append(
                f'<text x="{x + (step - 6) / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle">{count}</text>'
            )
        label = f"{i * span}&#8211;{100 if i == len(counts) - 1 else (i + 1) * span}"
        parts.append(
            f'<text x="{x + (step - 6) / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{label}</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 2}" text-anchor="middle">overall %</text></svg>'
    )
    return "\n".join(parts) + "\n"


def _ranking(summary: BatchSummary, anchors: set[str]) -> str:
    sections = [s for s in Section if any(s in row.sections for row in summary.rows)]
    head = "".join(f'<th class="num">{_e(s.label)} %</th>' for s in sections)
    rows = []
    rank = 0
    for row in summary.ranking():
        graded = row.status in {RowStatus.GRADED, RowStatus.CACHED}
        rank += graded
        name = _e(row.candidate)
        if row.candidate in anchors:
            name = f'<a href="#{_anchor(row.candidate)}">{name}</a>'
        if graded:
            counts = ", ".join(f"{n} {s.value}" for s, n in row.statuses.items() if n)
            cells = (
                f'<td class="num">{row.percent:.1f}{_bar(row.percent)}</td>'
                f'<td class="num">{row.score:g}/{row.max_score:g}</td>'
                + "".join(
                    f'<td class="num">{row.sections[s]:.1f}</td>'
                    if s in row.sections
                    else "<td></td>"
                    for s in sections
                )
                + f"<td>{_e(counts)}</td>"
            )
        else:
            cells = f'<td colspan="{3 + len(sections)}">{_e(row.error)}</td>'
        flags = ", ".join(_e(other) for other in row.similar_to)
        rows.append(
            f'<tr class="candidate-row" data-candidate="{_e(row.candidate)}" data-status="{_e(row.status.value)}">'
            f'<td class="num">{rank if graded else ""}</td><td>{name}</td>'
            f"<td>{_badge(row.status.value, ROW_COLOURS[row.status])}</td>{cells}"
            f'<td class="num">{row.time_s:.2f}</td><td>{flags}</td></tr>\n'
        )
    return (
        '<table class="ranking">\n<thead><tr><th class="num">Rank</th><th>Candidate</th><th>Status</th>'
        f'<th class="num">Overall %</th><th class="num">Points</th>{head}<th>Exercises</th>'
        '<th class="num">Time s</th><th>Similar to</th></tr></thead>\n'
        f"<tbody>\n{''.join(rows)}</tbody>\n</table>\n"
    )


def _similarity(summary: BatchSummary) -> str:
    flags = summary.similarity
    if not flags.pairs:
        return (
            f'<p class="muted">No pair of solutions is {flags.threshold:.0%} alike or more.</p>\n'
        )
    rows = "".join(
        f'<tr class="pair"><td>{_e(p.first)}</td><td>{_e(p.second)}</td>'
        f'<td class="num">{p.similarity:.0%}</td>'
        f"<td>{_e(', '.join(f'{x.exercise} ({x.similarity:.0%})' for x in p.exercises))}</td></tr>\n"
        for p in flags.pairs
    )
    return (
        f'<p class="muted">Pairs whose solutions to an exercise share at least {flags.threshold:.0%} '
        "of their structural fingerprints (names and literals ignored, the stub discounted). "
        "A flag is a prompt to read both solutions, not a verdict; scores are unchanged.</p>\n"
        '<table class="similarity">\n<thead><tr><th>Candidate</th><th>Candidate</th>'
        '<th class="num">Similarity</th><th>Exercises</th></tr></thead>\n'
        f"<tbody>\n{rows}</tbody>\n</table>\n"
    )


def render_batch(summary: BatchSummary, reports: Mapping[str, GradeReport]) -> str:
    """A whole batch on one page: ranking, distribution, similarity flags, each report folded."""
    summary = clean_model(summary)
    reports = {name: clean_model(report) for name, report in reports.items()}
    graded = [r for r in summary.rows if r.status in {RowStatus.GRADED, RowStatus.CACHED}]
    counts = summary.counts()
    interrupted = (
        '<p class="alert">The batch was interrupted: some candidates were not graded.</p>\n'
        if summary.interrupted
        else ""
    )
    by_rank: list[BatchRow] = [row for row in summary.ranking() if row.candidate in reports]
    candidates = "".join(
        f'<details class="candidate" id="{_anchor(row.candidate)}"><summary>{_e(row.candidate)} — '
        f"{reports[row.candidate].percent:.1f}%</summary>\n"
        f'<p class="sub">{_e(reports[row.candidate].submission)}</p>\n'
        f"{_report_body(reports[row.candidate], 'h3')}</details>\n"
        for row in by_rank
    )
    mean = sum(r.percent for r in graded) / len(graded) if graded else 0.0
    body = (
        f'<h1>Batch report</h1>\n<p class="sub">{len(summary.rows)} candidates, '
        f"{len(summary.exercises)} exercises: {_e(', '.join(summary.exercises))}</p>\n"
        + interrupted
        + '<div class="headline">'
        + _card(
            "Graded", f"{counts[RowStatus.GRADED] + counts[RowStatus.CACHED]}/{len(summary.rows)}"
        )
        + _card("Mean overall", f"{mean:.1f}%")
        + _card("Errors", str(counts[RowStatus.ERROR]))
        + _card("Similar pairs", str(len(summary.similarity.pairs)))
        + _card("Time", f"{summary.total_s:.0f} s, {summary.jobs} jobs")
        + "</div>\n"
        + f"<h2>Ranking</h2>\n{_ranking(summary, set(reports))}"
        + f"<h2>Score distribution</h2>\n{_distribution(histogram(r.percent for r in graded))}"
        + f"<h2>Similarity</h2>\n{_similarity(summary)}"
        + "<h2>Reports</h2>\n"
        + (candidates or '<p class="muted">No reports.</p>\n')
    )
    return _page("Batch report", body)

"""The HTML report: self-contained, escaped, and checked in a real headless browser.

The browser tests need Chromium (`apt-get install -y chromium`). Without it they skip, unless
GRADER_REQUIRE_BROWSER=1, which makes a missing browser a failure (for CI).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from grader.batch_summary import BatchRow, BatchSummary, RowStatus
from grader.report import ExerciseResult, GradeReport, Metrics, SectionScore, Status
from grader.report import TestResult as Case
from grader.reports import html
from grader.sections import Section
from grader.similarity import SharedExercise, SimilarityReport, SimilarPair

REQUIRE_BROWSER_ENV = "GRADER_REQUIRE_BROWSER"
HOSTILE = "<script>document.title='pwned'</script><img src=x onerror=alert(1)> & </pre></details>"
WIDTH, HEIGHT = 1200, 1600


def exercise(
    id: str, status: Status, tests: list[Case], score: float, message: str = ""
) -> ExerciseResult:
    return ExerciseResult(
        id=id,
        title=f"The {id} exercise",
        section=Section.CORE_PYTHON if id != "greeter" else Section.FASTAPI,
        status=status,
        score=score,
        max_score=10.0,
        message=message,
        tests=tests,
        metrics=Metrics(wall_s=1.5, cpu_s=1.25, peak_rss_mb=61.0) if tests else None,
        output=HOSTILE if tests else "",
    )


def sample(submission: str = "/subs/alice", percent: float = 55.0) -> GradeReport:
    return GradeReport(
        submission=submission,
        sandbox="docker",
        score=5.5,
        max_score=30.0,
        percent=percent,
        sections=[
            SectionScore(
                section=Section.CORE_PYTHON,
                title="Core Python",
                weight=60,
                score=5.5,
                max_score=20,
                percent=27.5,
            ),
            SectionScore(
                section=Section.FASTAPI,
                title="FastAPI",
                weight=20,
                score=0,
                max_score=10,
                percent=0,
            ),
        ],
        exercises=[
            exercise(
                "adder",
                Status.PARTIAL,
                [
                    Case(name="test_adder.py::test_small", outcome="passed"),
                    Case(name="test_adder.py::test_big", outcome="failed", message=HOSTILE),
                ],
                5.5,
                "1 of 2 tests passed",
            ),
            exercise("greeter", Status.MISSING, [], 0.0, "no solution.py submitted"),
            exercise("loops", Status.TIMEOUT, [], 0.0, "the suite exceeded 20 s"),
        ],
        ignored_files=["notes.txt", HOSTILE],
        warnings=[f"a warning with {HOSTILE}"],
    )


def summary() -> tuple[BatchSummary, dict[str, GradeReport]]:
    percents = {"alice": 55.0, "bob": 100.0, "carol": 12.5, "dave": 100.0, "erin": 57.0}
    reports = {name: sample(f"/subs/{name}", percent) for name, percent in percents.items()}
    rows = [
        BatchRow(
            candidate=name,
            submission=f"/subs/{name}",
            status=RowStatus.GRADED if name != "erin" else RowStatus.CACHED,
            score=report.score,
            max_score=report.max_score,
            percent=report.percent,
            sections={Section.CORE_PYTHON: 27.5, Section.FASTAPI: 0.0},
            statuses={Status.PARTIAL: 1, Status.MISSING: 1, Status.TIMEOUT: 1},
            time_s=1.5,
            report=f"reports/{name}.json",
            similar_to=["dave"] if name == "bob" else ["bob"] if name == "dave" else [],
        )
        for name, report in reports.items()
    ]
    rows.append(
        BatchRow(
            candidate="mallory",
            submission="/subs/mallory.zip",
            status=RowStatus.ERROR,
            error=f"bad input: {HOSTILE}",
        )
    )
    flags = SimilarityReport(
        threshold=0.8,
        k=5,
        window=4,
        pairs=[
            SimilarPair(
                first="bob",
                second="dave",
                similarity=0.93,
                exercises=[SharedExercise(exercise="adder", similarity=0.93, shared=14)],
            )
        ],
    )
    batch = BatchSummary(
        exercises=["adder", "greeter", "loops"], jobs=2, total_s=12.0, rows=rows, similarity=flags
    )
    return batch, reports


class Page(HTMLParser):
    """The parts of a page the tests look at: every tag with its attributes, and the text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def having(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [
            found
            for name, found in self.tags
            if name == tag and all(found.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def with_class(self, tag: str, cls: str) -> list[dict[str, str]]:
        return [a for name, a in self.tags if name == tag and cls in a.get("class", "").split()]


def assert_self_contained_and_escaped(page: Page) -> None:
    tags = {tag for tag, _ in page.tags}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed"}
    for tag, attrs in page.tags:
        assert not any(name.startswith("on") for name in attrs), tag  # no event handlers
        for name in ("src", "href"):
            assert not attrs.get(name, "#").startswith(("http", "//")), (tag, attrs)
    assert any(HOSTILE in text for text in page.text)  # shown, as text


def test_a_report_has_a_row_per_exercise_and_folded_failures() -> None:
    text = html.render(sample())
    page = Page(text)
    assert_self_contained_and_escaped(page)
    rows = page.with_class("tr", "exercise")
    assert [(r["data-exercise"], r["data-status"]) for r in rows] == [
        ("adder", "partial"),
        ("greeter", "missing"),
        ("loops", "timeout"),
    ]
    # Failures fold under <details>: the partial one and the timeout, not the missing one.
    assert [r["data-exercise"] for r in page.with_class("tr", "details")] == ["adder", "loops"]
    assert "FAILED test_adder.py::test_big" in "".join(page.text)
    assert page.with_class("strong", "sandbox") and "docker" in "".join(page.text)
    assert "55.0%" in text and "5.5/30" in text and "27.5" in text


def test_a_batch_page_ranks_candidates_and_draws_the_distribution_from_the_data() -> None:
    batch, reports = summary()
    page = Page(html.render_batch(batch, reports))
    assert_self_contained_and_escaped(page)
    ranked = [r["data-candidate"] for r in page.with_class("tr", "candidate-row")]
    assert ranked == ["bob", "dave", "erin", "alice", "carol", "mallory"]
    bins = [int(b["data-count"]) for b in page.with_class("rect", "bin")]
    assert bins == html.histogram([55, 100, 12.5, 100, 57]) == [0, 1, 0, 0, 0, 2, 0, 0, 0, 2]
    assert [a["id"] for a in page.with_class("details", "candidate")] == [
        "c-bob",
        "c-dave",
        "c-erin",
        "c-alice",
        "c-carol",
    ]
    assert len(page.with_class("tr", "pair")) == 1
    assert page.having("a", href="#c-bob")


def test_every_status_has_a_colour_of_its_own_and_tampered_is_shown_in_it() -> None:
    assert set(html.STATUS_COLOURS) == set(Status)
    report = sample()
    forged = exercise("adder", Status.TAMPERED, [], 0.0, "the test results could not be trusted")
    report = report.model_copy(update={"exercises": [forged]})
    page = Page(html.render(report))
    (row,) = page.with_class("tr", "exercise")
    assert row["data-status"] == "tampered"
    badges = [b["style"] for b in page.with_class("span", "badge")]
    assert f"background:{html.STATUS_COLOURS[Status.TAMPERED]}" in badges


def test_the_html_report_needs_none_of_the_batch_engine_grading_or_sandboxes() -> None:
    probe = (
        "import sys, grader.reports.html\n"
        "engine = ('grader.batch', 'grader.grading', 'grader.sandboxes', 'grader.submission')\n"
        "print([m for m in sys.modules if m in engine or m.startswith('grader.sandboxes.')])"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


def test_the_histogram_puts_100_in_the_last_bin() -> None:
    assert html.histogram([0, 9.99, 10, 99.9, 100, -1, 150]) == [3, 1, 0, 0, 0, 0, 0, 0, 0, 3]


# --- In a real browser -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        reason = "no chromium on PATH (apt-get install -y chromium)"
        if os.environ.get(REQUIRE_BROWSER_ENV) == "1":
            pytest.fail(f"{REQUIRE_BROWSER_ENV}=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    return found


def browse(chromium: str, page: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--window-size={WIDTH},{HEIGHT}",
            *args,
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
        cwd=page.parent,
    )


def png_rows(data: bytes) -> Iterator[tuple[int, bytes]]:
    """Decode a PNG with the standard library only: (width, each row's bytes) as RGB or RGBA."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, idat, header = 8, b"", b""
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind, body = data[offset + 4 : offset + 8], data[offset + 8 : offset + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        offset += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, colour, interlace) in {(8, 2, 0), (8, 6, 0)}, "an unexpected PNG flavour"
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    previous = bytearray(stride)
    zeros = bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 2 and line == zeros:  # "same as the row above": most of a page
            line = bytearray(previous)
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        elif kind in (1, 3, 4):
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                up = previous[i]
                if kind == 1:
                    line[i] = (line[i] + left) & 0xFF
                elif kind == 3:
                    line[i] = (line[i] + (left + up) // 2) & 0xFF
                else:
                    upper_left = previous[i - channels] if i >= channels else 0
                    p = left + up - upper_left
                    pa, pb, pc = abs(p - left), abs(p - up), abs(p - upper_left)
                    best = left if pa <= pb and pa <= pc else up if pb <= pc else upper_left
                    line[i] = (line[i] + best) & 0xFF
        previous = line
        yield width, bytes(line)


def colours(png: bytes, rows: int) -> tuple[int, int, set[tuple[int, ...]], float]:
    """Width, height decoded, the distinct colours (sampled) and the share of non-white pixels."""
    seen: set[tuple[int, ...]] = set()
    dark = total = 0
    count = 0
    width = 0
    for count, (width, line) in enumerate(png_rows(png), start=1):
        channels = len(line) // width
        for x in range(0, width, 3):
            pixel = tuple(line[x * channels : x * channels + 3])
            seen.add(pixel)
            total += 1
            dark += pixel != (255, 255, 255)
        if count == rows:
            break
    return width, count, seen, dark / max(total, 1)


@pytest.mark.slow
def test_a_report_renders_in_a_real_browser(chromium: str, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(html.render(sample()), encoding="utf-8")
    dom = browse(chromium, page, "--dump-dom").stdout.decode()
    parsed = Page(dom)
    assert [r["data-exercise"] for r in parsed.with_class("tr", "exercise")] == [
        "adder",
        "greeter",
        "loops",
    ]
    # The hostile markup stayed text: no element of it, and its script never ran.
    assert "<title>Grade report: /subs/alice</title>" in dom
    assert not parsed.having("img") and not parsed.having("script")
    shot = tmp_path / "report.png"
    browse(chromium, page, f"--screenshot={shot}")
    width, rows, seen, dark = colours(shot.read_bytes(), rows=700)
    assert (width, rows) == (WIDTH, 700)
    assert len(seen) > 30  # text, badges, bars: far from a blank page
    assert 0.02 < dark < 0.9


@pytest.mark.slow
def test_a_batch_page_renders_in_a_real_browser(chromium: str, tmp_path: Path) -> None:
    batch, reports = summary()
    page = tmp_path / "batch.html"
    page.write_text(html.render_batch(batch, reports), encoding="utf-8")
    dom = browse(chromium, page, "--dump-dom").stdout.decode()
    parsed = Page(dom)
    assert len(parsed.with_class("tr", "candidate-row")) == 6
    assert len(parsed.with_class("rect", "bin")) == html.BINS
    assert "<title>Batch report</title>" in dom and not parsed.having("script")
    shot = tmp_path / "batch.png"
    browse(chromium, page, f"--screenshot={shot}")
    width, rows, seen, dark = colours(shot.read_bytes(), rows=900)
    assert (width, rows) == (WIDTH, 900)
    assert len(seen) > 30 and 0.02 < dark < 0.9
    assert (0x09, 0x69, 0xDA) in seen  # the histogram's bars (and the score bars) are drawn

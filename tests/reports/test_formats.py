"""The one table of formats: every format renders a report and adds its files to a batch."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest
from test_html import sample, summary

from grader.errors import BadInputError
from grader.reports import FORMATS, require_report_file, write_batch_files, write_report


def test_the_table_holds_the_five_documented_formats() -> None:
    assert list(FORMATS) == ["terminal", "json", "junit", "gradescope", "html"]


def test_a_terminal_report_written_to_a_file_is_complete_and_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "report.txt"
    opened = []
    real_open = Path.open

    def recording_open(self: Path, *args: object, **kwargs: object) -> object:
        stream = real_open(self, *args, **kwargs)  # type: ignore[call-overload]
        opened.append(stream)
        return stream

    monkeypatch.setattr(Path, "open", recording_open)
    write_report(sample(), "terminal", out)
    assert opened and all(stream.closed for stream in opened)
    text = out.read_text()
    assert "adder" in text and "Overall" in text and "\x1b" not in text
    assert max(len(line) for line in text.splitlines()) <= 120


@pytest.mark.parametrize("output_format", [f for f in FORMATS if f != "terminal"])
def test_each_file_format_writes_what_it_renders(tmp_path: Path, output_format: str) -> None:
    out = tmp_path / "report"
    write_report(sample(), output_format, out)
    render = FORMATS[output_format].render
    assert render is not None and out.read_text() == render(sample())


def test_a_folder_is_not_a_report_file(tmp_path: Path) -> None:
    require_report_file(None)
    require_report_file(tmp_path / "new.json")
    with pytest.raises(BadInputError, match="is a folder"):
        require_report_file(tmp_path)


@pytest.mark.parametrize(
    ("output_format", "files"),
    [
        ("terminal", set()),
        ("json", set()),
        ("junit", {"junit.xml"}),
        ("html", {"report.html"}),
        ("gradescope", {f"gradescope/{n}.json" for n in ("alice", "bob", "carol", "dave", "erin")}),
    ],
)
def test_a_batch_gets_the_files_of_its_format_from_the_reports_in_memory(
    tmp_path: Path, output_format: str, files: set[str]
) -> None:
    batch, reports = summary()
    write_batch_files(batch, reports, tmp_path, output_format)
    written = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert written == files
    if output_format == "junit":
        root = ElementTree.parse(tmp_path / "junit.xml").getroot()
        assert len(root.findall("testsuite")) == 3 * len(reports)


def test_candidate_feedback_withholds_the_hidden_tests_in_every_file(tmp_path: Path) -> None:
    batch, reports = summary()
    write_batch_files(batch, reports, tmp_path, "junit", candidate_feedback=True)
    feedback = json.loads((tmp_path / "feedback" / "alice.json").read_text())
    assert feedback["feedback"] == "candidate"
    assert all(exercise["tests"] == [] for exercise in feedback["exercises"])
    assert "test_big" not in (tmp_path / "junit.xml").read_text()
    assert "test_big" in reports["alice"].model_dump_json()  # the interviewer's keep the detail

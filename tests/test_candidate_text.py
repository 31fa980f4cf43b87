"""Candidate text is data, never markup or control (issue 9), through the real `grade` command.

A hostile solution puts a lone surrogate, ANSI/OSC/C1 escape sequences and rich markup in its
failure messages and printed output; hostile submissions name files, folders and archive
members with markup. Every format must still be produced (exit 0, valid UTF-8), nothing may reach
the interviewer's terminal raw, and no name may cause a traceback or exit 1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "exercises"
RIGHT = "def add(a, b):\n    return a + b\n"
# Invalid UTF-8, an OSC retitle, a clear screen, an 8-bit CSI (C1) and OSC 8 hyperlinks, printed
# raw; then a failure message holding a lone surrogate, the same escapes and markup.
HOSTILE = (
    "import os\n"
    "def add(a, b):\n"
    '    os.write(1, b"\\xff\\xfe\\x1b]0;pwned\\x07\\x1b[2J\\xc2\\x9b31m'
    '\\x1b]8;;http://evil\\x1b\\\\link\\x1b]8;;\\x1b\\\\\\n")\n'
    '    print("\\udcff [/bold] \\x1b[5m", flush=True)\n'
    '    raise AssertionError("\\udcff \\x1b[2J \\x9b31m \\x1b]0;pwned\\x07 [/x] [/bold]")\n'
)
RAW_CONTROLS = (b"\x1b", b"\x9b", b"\x07")


def grade(
    *args: str | Path, sandbox: str = "local", cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    """`grade` as an interviewer runs it; bytes, so that nothing is decoded away unseen."""
    return subprocess.run(
        [str(BIN / "grade"), *map(str, args), "--sandbox", sandbox, "-e", "adder"],
        capture_output=True,
        timeout=300,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "GRADER_EXERCISES": str(FIXTURES)},
    )


def assert_clean(done: subprocess.CompletedProcess[bytes]) -> None:
    """Exit 0, no traceback, valid UTF-8 and no raw escape on either stream."""
    for stream in (done.stdout, done.stderr):
        assert b"Traceback" not in stream, stream.decode(errors="replace")
        for control in RAW_CONTROLS:
            assert stream.count(control) == 0, (control, stream[:2000])
        text = stream.decode("utf-8")  # strict: a lone surrogate would have been written raw
        assert "\x9b" not in text and "\x85" not in text  # nor a C1 control as a character
    assert done.returncode == 0, done.stderr.decode(errors="replace")


def submission(root: Path, solution: str = HOSTILE) -> Path:
    (root / "adder").mkdir(parents=True)
    (root / "adder" / "solution.py").write_text(solution, encoding="utf-8")
    return root


@pytest.fixture(autouse=True)
def _local_sandbox_needs_root(request: pytest.FixtureRequest) -> None:
    if os.geteuid() != 0 and request.node.get_closest_marker("docker") is None:
        pytest.skip("the local sandbox's walls need root")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return submission(tmp_path_factory.mktemp("hostile") / "candidate")


@pytest.mark.parametrize("output_format", ["terminal", "json", "junit", "gradescope", "html"])
def test_hostile_messages_and_output_in_every_format(hostile: Path, output_format: str) -> None:
    done = grade(hostile, "--format", output_format)
    assert_clean(done)
    text = done.stdout.decode("utf-8")
    assert "\ufffd" in text  # the lone surrogate, replaced
    assert "\\x1b[2J" in text or "\\\\x1b[2J" in text  # shown as an escape, not sent
    if output_format == "terminal":
        assert "[/x] [/bold]" in text  # markup printed literally
        return
    if output_format == "json":
        report = json.loads(text)
        result = report["exercises"][0]
        assert result["status"] == "failed" and result["score"] == 0
        message = result["tests"][0]["message"]
        assert "AssertionError: \ufffd \\x1b[2J \\x9b31m \\x1b]0;pwned\\x07 [/x] [/bold]" in message
        printed = result["output"] + "".join(test["message"] for test in result["tests"])
        assert "\ufffd\ufffd\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m" in printed
    elif output_format == "junit":
        assert ET.fromstring(done.stdout).find(".//failure") is not None
    elif output_format == "gradescope":
        assert json.loads(text)["score"] == 0
    else:
        assert text.startswith("<!DOCTYPE html>") and "[/x] [/bold]" in text


def test_a_right_answer_beside_hostile_output_keeps_its_points(tmp_path: Path) -> None:
    """The text is escaped, not a reason to withhold a grade."""
    noisy = RIGHT.replace("    return", '    print("\\udcff\\x1b[2J\\x9b")\n    return')
    done = grade(submission(tmp_path / "noisy", noisy), "--format", "json")
    assert_clean(done)
    report = json.loads(done.stdout)
    assert report["percent"] == 100.0


@pytest.mark.parametrize("output_format", ["terminal", "html", "junit", "gradescope"])
def test_a_hostile_candidate_in_a_batch_gets_a_grade(
    tmp_path: Path, hostile: Path, output_format: str
) -> None:
    right = submission(tmp_path / "right", RIGHT)
    out = tmp_path / "results"
    done = grade(hostile, right, "-o", out, "--format", output_format)
    assert_clean(done)
    rows = {row["candidate"]: row for row in json.loads((out / "summary.json").read_text())["rows"]}
    assert rows["candidate"]["status"] == "graded" and rows["candidate"]["percent"] == 0
    assert rows["right"]["status"] == "graded" and rows["right"]["percent"] == 100
    for written in out.rglob("*"):
        if written.is_file():
            data = written.read_bytes()
            data.decode("utf-8")
            assert all(data.count(control) == 0 for control in RAW_CONTROLS), written


def markup_tree(root: Path) -> Path:
    """A right answer beside files and folders whose names are rich markup."""
    submission(root, RIGHT)
    (root / "[").mkdir()
    (root / "[" / "x]").write_text("x")
    (root / "[" / "bold]").write_text("x")
    (root / "adder" / "[red]notes[").write_text("x")
    (root / "adder" / "\x1b]0;pwned\x07").write_text("x")
    return root


def test_markup_in_file_and_folder_names(tmp_path: Path) -> None:
    # The submission's own path holds markup too: a folder `[` holding `bold]`.
    done = grade(markup_tree(tmp_path / "[" / "bold]"))
    assert_clean(done)
    text = done.stdout.decode("utf-8")
    assert "[/bold]" in text and "[/x]" in text and "[red]notes[" in text
    assert "100.0" in text  # graded as usual


def test_markup_in_archive_member_names(tmp_path: Path) -> None:
    archive = tmp_path / "[bold]candidate.zip"
    with zipfile.ZipFile(archive, "w") as packed:
        packed.writestr("adder/solution.py", RIGHT)
        packed.writestr("[/x]", "x")
        packed.writestr("adder/[/bold]", "x")
    done = grade(archive, "--format", "json")
    assert_clean(done)
    report = json.loads(done.stdout)
    assert report["percent"] == 100.0
    assert report["ignored_files"] == ["[/x]", "adder/[/bold]"]
    terminal = grade(archive)
    assert_clean(terminal)
    assert "[/x], adder/[/bold]" in terminal.stdout.decode("utf-8")


def test_a_refused_archive_or_a_missing_path_named_with_markup_is_bad_input(
    tmp_path: Path,
) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as packed:
        packed.writestr("adder/solution.py", RIGHT)
        packed.writestr("../[/x]\x1b[2J", "x")
    for path in (archive, tmp_path / "[/bold]", tmp_path / "[" / "x]"):
        done = grade(path)
        assert done.returncode == 2, done.stderr.decode(errors="replace")
        assert b"Traceback" not in done.stderr and b"\x1b" not in done.stderr
        assert done.stderr.decode("utf-8").startswith("error:")
    assert "[/x]\\x1b[2J" in grade(archive).stderr.decode("utf-8").replace("\n", "")


def test_markup_and_bad_names_in_a_batch(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    markup_tree(batch / "[bold]alice")
    submission(batch / "[bob]", RIGHT)
    with zipfile.ZipFile(batch / "[red]carol.zip", "w") as packed:
        packed.writestr("adder/solution.py", RIGHT)
        packed.writestr("[/x]", "x")
    with zipfile.ZipFile(batch / "[blink]dave.zip", "w") as packed:
        packed.writestr("../[/x]", "x")
    # A folder whose name is not valid UTF-8 and holds an escape sequence.
    os.mkdir(os.fsencode(batch) + b"/erin\xff\x1b[2J")
    submission(Path(os.fsdecode(os.fsencode(batch) + b"/erin\xff\x1b[2J")), RIGHT)
    out = tmp_path / "results"
    done = grade("--batch", batch, "-o", out, "--format", "html")
    assert_clean(done)
    rows = json.loads((out / "summary.json").read_text(encoding="utf-8"))["rows"]
    # Same content as another: `cached` (a grade all the same).
    statuses = {row["candidate"]: row["status"].replace("cached", "graded") for row in rows}
    assert statuses == {
        "bold_alice": "graded",
        "bob": "graded",
        "red_carol": "graded",
        "blink_dave": "error",  # refused: a member outside the archive
        "erin_2J": "graded",
    }
    assert all(row["percent"] == 100 for row in rows if row["status"] != "error")
    erin = next(row for row in rows if row["candidate"] == "erin_2J")
    assert erin["submission"].endswith("erin\ufffd\\x1b[2J")
    dave = next(row for row in rows if row["candidate"] == "blink_dave")
    assert "[/x]" in dave["error"] and "[/x]" in done.stdout.decode("utf-8")
    (out / "report.html").read_text(encoding="utf-8")


@pytest.mark.docker
def test_the_protocol_path_in_the_real_container(hostile: Path, docker_sandbox: object) -> None:
    """The same hostile text, through the Docker sandbox's runner and its result stream."""
    done = grade(hostile, "--format", "json", sandbox="docker")
    assert_clean(done)
    result = json.loads(done.stdout)["exercises"][0]
    assert result["status"] == "failed"
    assert "AssertionError: \ufffd \\x1b[2J \\x9b31m" in result["tests"][0]["message"]
    printed = result["output"] + "".join(test["message"] for test in result["tests"])
    assert "\ufffd\ufffd\\x1b]0;pwned\\x07" in printed

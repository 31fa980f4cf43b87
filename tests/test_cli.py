"""End to end: the real `grade` and `grader` commands, on the small fixture catalog."""

from __future__ import annotations

import functools
import io
import json
import os
import pty
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import uuid
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from grader import scope
from grader.assessment import load_assessment
from grader.cli import grade

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "exercises"
ADD = "def add(a, b):\n    return a + b\n"
GREET = 'def greet(name):\n    return f"Hello, {name}!"\n'


def run(command: str, *args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / command), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "GRADER_EXERCISES": str(FIXTURES), "COLUMNS": "160"},
    )


def submission(root: Path, **solutions: str) -> Path:
    for exercise, source in solutions.items():
        (root / exercise).mkdir(parents=True)
        (root / exercise / "solution.py").write_text(source)
    return root


def grade_json(
    path: Path, *options: object
) -> tuple[dict[str, Any], subprocess.CompletedProcess[str]]:
    done = run("grade", path, "--sandbox", "local", "--format", "json", *options)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout), done


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {exercise["id"]: exercise["status"] for exercise in report["exercises"]}


def test_a_correct_submission_scores_full_marks_with_the_documented_fields(tmp_path: Path) -> None:
    report, done = grade_json(submission(tmp_path / "sub", adder=ADD, greeter=GREET))
    assert done.returncode == 0
    assert statuses(report) == {"adder": "passed", "greeter": "passed"}
    assert report["schema_version"] == 1 and report["sandbox"] == "local"
    assert (report["score"], report["max_score"], report["percent"]) == (15, 15, 100)
    assert [s["section"] for s in report["sections"]] == ["core_python", "fastapi"]
    adder = report["exercises"][0]
    assert set(adder) >= {"id", "status", "score", "max_score", "message", "tests", "metrics"}
    assert set(adder["metrics"]) == {"wall_s", "cpu_s", "peak_rss_mb"}
    assert {t["outcome"] for t in adder["tests"]} == {"passed"}
    assert set(adder["tests"][0]) >= {"name", "outcome", "duration_s", "message"}


def grade_on_a_terminal(*args: object) -> tuple[subprocess.CompletedProcess[str], str]:
    """`grade` with standard error on a pseudo-terminal (standard output piped): the run, and
    what the terminal showed, without its colours."""
    master, slave = pty.openpty()
    shown: list[bytes] = []

    def read() -> None:  # as it comes, so that a full terminal never blocks the grader
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: every writer closed the terminal
                return
            if not chunk:
                return
            shown.append(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        with os.fdopen(slave, "wb") as tty:
            done = subprocess.run(
                [str(BIN / "grade"), *map(str, args)],
                stdout=subprocess.PIPE,
                stderr=tty,
                text=True,
                timeout=300,
                env={"PATH": "/usr/bin:/bin", "GRADER_EXERCISES": str(FIXTURES), "TERM": "xterm"},
            )
        reader.join(30)
    finally:
        os.close(master)
    text = b"".join(shown).decode("utf-8", "replace").replace("\r\n", "\n")
    return done, re.sub(r"\x1b\[[0-9;]*m", "", text)


PROGRESS_LINE = re.compile(r"^(adder|greeter)\s+(… started|\w+ [\d.]+/[\d.]+)$", re.M)


def test_a_terminal_on_standard_error_shows_each_exercise_start_and_finish(
    tmp_path: Path,
) -> None:
    path = submission(tmp_path / "sub", adder=ADD)
    done, shown = grade_on_a_terminal(path, "--sandbox", "local", "--format", "json")
    assert done.returncode == 0, shown
    report = json.loads(done.stdout)  # standard output holds the report and nothing else
    assert statuses(report) == {"adder": "passed", "greeter": "missing"}
    lines = [match.group(0) for match in PROGRESS_LINE.finditer(shown)]
    assert lines == ["greeter  missing 0/5", "adder   … started", "adder    passed 10/10"], shown


def test_no_progress_when_standard_error_is_not_a_terminal(tmp_path: Path) -> None:
    report, done = grade_json(submission(tmp_path / "sub", adder=ADD))
    assert statuses(report) == {"adder": "passed", "greeter": "missing"}
    assert not PROGRESS_LINE.search(done.stderr) and "started" not in done.stderr
    assert "passed" not in done.stderr and "missing" not in done.stderr


def test_a_wrong_solution_loses_points_and_names_the_failing_test(tmp_path: Path) -> None:
    wrong = "def add(a, b):\n    return a + b + (1 if a > 100 else 0)\n"
    report, _ = grade_json(submission(tmp_path / "sub", adder=wrong, greeter=GREET))
    adder = report["exercises"][0]
    assert adder["status"] == "partial" and 0 < adder["score"] < 10
    failed = [t for t in adder["tests"] if t["outcome"] == "failed"]
    assert failed and "assert" in failed[0]["message"]
    # Each test names the README clauses it checks: what the wrong solution breaks is C2.
    assert {t["name"].rsplit("::", 1)[1]: t["clauses"] for t in failed} == {
        "test_big_integers_are_exact": ["C2"],
        "test_matches_plus": ["C1", "C2"],
    }
    # Sections are weighted 60/20 (core/fastapi), rescaled to the sections graded.
    core = report["sections"][0]["percent"]
    assert report["percent"] == pytest.approx((60 * core + 20 * 100) / 80, abs=0.01)


def test_fail_under_exits_1_below_the_threshold_and_0_above(tmp_path: Path) -> None:
    path = submission(tmp_path / "sub", adder=ADD)
    assert grade_json(path, "--fail-under", "90")[1].returncode == 1
    assert grade_json(path, "--fail-under", "50")[1].returncode == 0


def test_an_exercise_the_submission_lacks_is_missing(tmp_path: Path) -> None:
    report, _ = grade_json(submission(tmp_path / "sub", greeter=GREET))
    assert statuses(report) == {"adder": "missing", "greeter": "passed"}
    assert report["exercises"][0]["score"] == 0


def test_a_syntax_error_is_an_error_with_its_line(tmp_path: Path) -> None:
    report, _ = grade_json(submission(tmp_path / "sub", adder="def add(a, b):\n    return a +\n"))
    adder = report["exercises"][0]
    assert adder["status"] == "error" and "line 2" in adder["message"]


def test_a_forbidden_import_is_rejected_naming_import_and_line(tmp_path: Path) -> None:
    source = (
        '"""Adds."""\nfrom operator import add as _add\n\ndef add(a, b):\n    return _add(a, b)\n'
    )
    report, _ = grade_json(submission(tmp_path / "sub", adder=source))
    adder = report["exercises"][0]
    assert adder["status"] == "rejected" and adder["score"] == 0
    assert "'operator'" in adder["message"] and "line 2" in adder["message"]


def test_an_infinite_loop_times_out_without_affecting_the_other_exercise(tmp_path: Path) -> None:
    loop = "def add(a, b):\n    while True:\n        pass\n"
    report, _ = grade_json(submission(tmp_path / "sub", adder=loop, greeter=GREET))
    assert statuses(report) == {"adder": "timeout", "greeter": "passed"}
    assert "exceeded 3 s" in report["exercises"][0]["message"]


def test_one_hanging_test_fails_alone_and_the_others_keep_their_points(tmp_path: Path) -> None:
    hangs_on_big = "def add(a, b):\n    while a == 10**20 + 1:\n        pass\n    return a + b\n"
    report, _ = grade_json(submission(tmp_path / "sub", adder=hangs_on_big))
    adder = report["exercises"][0]
    outcomes = {t["name"].split("::")[-1]: t["outcome"] for t in adder["tests"]}
    assert adder["status"] == "timeout" and outcomes["test_big_integers_are_exact"] == "failed"
    assert outcomes["test_small"] == outcomes["test_matches_plus"] == "passed"
    assert adder["score"] == 6  # 3 of the 5 shares (the big-integer test weighs 2)


def test_sys_exit_at_import_is_never_graded_passed(tmp_path: Path) -> None:
    report, _ = grade_json(submission(tmp_path / "sub", adder="import sys\nsys.exit(0)\n" + ADD))
    adder = report["exercises"][0]
    assert adder["status"] == "error" and adder["score"] == 0


def test_os_exit_during_the_suite_is_never_graded_passed(tmp_path: Path) -> None:
    sneaky = "import os\ndef greet(name):\n    os._exit(0)\n"
    report, _ = grade_json(submission(tmp_path / "sub", greeter=sneaky))
    greeter = report["exercises"][1]
    assert greeter["status"] == "error" and "ended before the suite completed" in greeter["message"]


def test_a_memory_hog_fails_its_exercise_only(tmp_path: Path) -> None:
    hog = "def add(a, b):\n    return len(bytearray(16 << 30))\n"
    report, _ = grade_json(submission(tmp_path / "sub", adder=hog, greeter=GREET))
    assert statuses(report) == {"adder": "failed", "greeter": "passed"}
    assert "MemoryError" in report["exercises"][0]["tests"][0]["message"]


def test_planted_configuration_files_are_ignored_and_listed(tmp_path: Path) -> None:
    path = submission(tmp_path / "sub", adder="def add(a, b):\n    return 0\n")
    # A conftest that would turn every failure into a pass, were it ever loaded.
    (path / "adder" / "conftest.py").write_text(
        "import pytest\n@pytest.hookimpl(hookwrapper=True)\n"
        "def pytest_runtest_makereport(item, call):\n"
        "    outcome = yield\n    outcome.get_result().outcome = 'passed'\n"
    )
    (path / "adder" / "pytest.ini").write_text("[pytest]\naddopts = -p no:python\n")
    (path / "sitecustomize.py").write_text("raise SystemExit\n")
    report, _ = grade_json(path)
    assert report["exercises"][0]["status"] == "failed"
    assert report["ignored_files"] == ["adder/conftest.py", "adder/pytest.ini", "sitecustomize.py"]


def test_archives_are_graded_like_folders(tmp_path: Path) -> None:
    archive = tmp_path / "candidate.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("candidate/adder/solution.py", ADD)
        zf.writestr("candidate/greeter/solution.py", GREET)
    report, _ = grade_json(archive)
    assert statuses(report) == {"adder": "passed", "greeter": "passed"}


def test_an_archive_with_traversal_members_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    name = f"escaped-{uuid.uuid4().hex}.py"
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        data = ADD.encode()
        for member in ("adder/solution.py", f"../{name}", f"../../{name}"):
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    done = run("grade", archive, "--sandbox", "local")
    assert done.returncode == 2
    assert "outside" in done.stderr and "Traceback" not in done.stderr
    assert not list(Path(tempfile.gettempdir()).glob(name)) and not (tmp_path / name).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/nonexistent/submission"], "no such file or folder"),
        (["{tmp}", "-e", "nope"], "unknown exercise 'nope'"),
        (["{tmp}", "--exercises-dir", "/nonexistent"], "no such exercises folder"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(
    tmp_path: Path, args: list[str], message: str
) -> None:
    done = run("grade", *[arg.format(tmp=tmp_path) for arg in args])
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_the_terminal_report_shows_failures_sections_and_metrics(tmp_path: Path) -> None:
    wrong = "def add(a, b):\n    return a - b\n"
    done = run(
        "grade", submission(tmp_path / "sub", adder=wrong, greeter=GREET), "--sandbox", "local"
    )
    assert done.returncode == 0, done.stderr
    for expected in (
        "adder",
        "failed",
        "test_small",
        "assert",
        "Core Python",
        "Overall",
        "Peak MiB",
    ):
        assert expected in done.stdout


def test_json_can_be_written_to_a_file_that_matches_the_exported_schema(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    done = run(
        "grade",
        submission(tmp_path / "sub", adder=ADD),
        "--sandbox",
        "local",
        "--format",
        "json",
        "-o",
        out,
    )
    assert done.returncode == 0 and done.stdout == ""
    report = json.loads(out.read_text())
    schema = json.loads(run("grader", "schema").stdout)
    assert set(schema["required"]) <= set(report)
    assert set(schema["properties"]) == set(report)


def test_validate_passes_on_a_sound_catalog_and_names_a_mutant_that_survives(
    tmp_path: Path,
) -> None:
    assert run("grader", "validate", "--sandbox", "local").returncode == 0
    catalog = tmp_path / "catalog"
    shutil.copytree(FIXTURES, catalog)
    # The reference's docstring changed under the mutants: their diffs no longer apply. One
    # mutant makes no mistake and survives, another holds no diff at all.
    adder = catalog / "adder"
    (adder / "reference" / "solution.py").write_text(
        'def add(a: int, b: int) -> int:\n    """The sum."""\n    return a + b\n'
    )
    (adder / "mutants" / "subtracts.diff").write_text("Makes no mistake at all.\n")
    (adder / "mutants" / "survives.diff").write_text(
        "A comment, not a mistake.\n\n--- a/solution.py\n+++ b/solution.py\n@@ -1,3 +1,4 @@\n"
        ' def add(a: int, b: int) -> int:\n     """The sum."""\n+    # harmless\n'
        "     return a + b\n"
    )
    (catalog / "greeter" / "stub" / "solution.py").unlink()
    done = run("grader", "validate", "--sandbox", "local", "--exercises-dir", catalog)
    assert done.returncode == 1
    assert "stub" in done.stdout and "solution.py" in done.stdout
    out = " ".join(done.stdout.replace("│", " ").split())  # the table's cells, unwrapped
    assert "mutant floats no longer applies to the reference's solution.py" in out
    assert "mutant subtracts" in out and "holds no diff" in out
    assert "mutant survives" in out


def test_exercises_lists_the_catalog() -> None:
    done = run("grader", "exercises")
    assert done.returncode == 0 and "adder" in done.stdout and "greeter" in done.stdout


@pytest.mark.parametrize("output_format", ["junit", "gradescope", "html"])
def test_one_submission_renders_in_every_file_format(tmp_path: Path, output_format: str) -> None:
    out = tmp_path / f"report.{output_format}"
    path = submission(tmp_path / "sub", adder="def add(a, b):\n    return a - b\n", greeter=GREET)
    done = run("grade", path, "--sandbox", "local", "--format", output_format, "-o", out)
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    if output_format == "junit":
        suites = ElementTree.fromstring(text)
        assert {s.get("name") for s in suites.iter("testsuite")} == {"adder", "greeter"}
        assert suites.find(".//failure") is not None
    elif output_format == "gradescope":
        results = json.loads(text)
        assert results["score"] == 5 and len(results["tests"]) == 6
    else:
        assert "<table" in text and "adder" in text and "http" not in text.replace("http-equiv", "")


def test_a_batch_writes_reports_a_summary_and_a_ranking(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    submission(batch / "ann", adder=ADD, greeter=GREET)
    submission(batch / "bob", adder="def add(a, b):\n    return a - b\n", greeter=GREET)
    (batch / "eve.zip").write_bytes(b"not a zip")
    out = tmp_path / "out"
    done = run(
        "grade", "--batch", batch, "--sandbox", "local", "-j", "2", "--format", "junit", "-o", out
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads((out / "summary.json").read_text())
    rows = {row["candidate"]: row for row in summary["rows"]}
    assert rows["ann"]["percent"] == 100 and rows["bob"]["percent"] < 100
    assert rows["eve"]["status"] == "error" and "not a readable archive" in rows["eve"]["error"]
    assert (out / "reports" / "ann.json").exists() and (out / "summary.csv").exists()
    assert ElementTree.parse(out / "junit.xml").getroot().find(".//testsuite") is not None
    assert done.stdout.index("ann") < done.stdout.index("bob")  # ranked
    again = run("grade", "--batch", batch, "--sandbox", "local", "-o", out)
    assert json.loads((out / "summary.json").read_text())["rows"][0]["status"] == "cached", (
        again.stderr
    )


def test_no_submission_at_all_is_a_usage_error() -> None:
    done = run("grade")
    assert done.returncode == 2 and "give a submission" in done.stderr


def test_a_batch_with_candidate_feedback_writes_reports_safe_to_send(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    submission(batch / "ann", adder="def add(a, b):\n    return a - b\n", greeter=GREET)
    submission(batch / "bob", adder=ADD, greeter=GREET)
    out = tmp_path / "out"
    done = run(
        "grade", "--batch", batch, "--sandbox", "local", "--feedback", "candidate", "-o", out
    )
    assert done.returncode == 0, done.stderr
    feedback = json.loads((out / "feedback" / "ann.json").read_text())
    assert feedback["feedback"] == "candidate"
    assert all(
        exercise["tests"] == [] and exercise["output"] == "" for exercise in feedback["exercises"]
    )
    assert "test_small" not in (out / "feedback" / "ann.json").read_text()
    assert "of 4 hidden tests passed" in feedback["exercises"][0]["message"]
    # The interviewer's own reports keep the detail.
    assert "test_small" in (out / "reports" / "ann.json").read_text()


def test_a_terminal_report_to_a_file_is_complete_and_closed_when_grade_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "report.txt"
    opened: list[Any] = []
    real_open = Path.open

    def recording_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        stream = real_open(self, *args, **kwargs)
        if self == out:
            opened.append(stream)
        return stream

    monkeypatch.setattr(Path, "open", recording_open)
    path = submission(tmp_path / "sub", adder=ADD, greeter=GREET)
    args = [str(path), "--sandbox", "local", "--exercises-dir", str(FIXTURES), "-o", str(out)]
    done = CliRunner().invoke(grade, args)
    assert done.exit_code == 0, done.output
    assert len(opened) == 1 and opened[0].closed
    text = out.read_text()
    assert "adder" in text and "greeter" in text and "Overall" in text and done.stdout == ""


def test_a_batch_for_an_assessment_carries_it_in_every_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rounds = tmp_path / "assessments"
    rounds.mkdir()
    (rounds / "fixture_round.toml").write_text(
        'title = "Fixture round"\ndescription = "adder only"\ntime_limit_minutes = 30\n'
        'exercises = ["adder"]\n\n[weights]\ncore_python = 100\n'
    )
    monkeypatch.setattr(scope, "load_assessment", functools.partial(load_assessment, root=rounds))
    batch = tmp_path / "batch"
    submission(batch / "ann", adder=ADD)
    submission(batch / "bob", adder="def add(a, b):\n    return a - b\n")
    out = tmp_path / "out"
    args = ["--batch", str(batch), "-a", "fixture_round", "--sandbox", "local", "-o", str(out)]
    done = CliRunner().invoke(grade, [*args, "--exercises-dir", str(FIXTURES)])
    assert done.exit_code == 0, done.output
    for name in ("ann", "bob"):
        report = json.loads((out / "reports" / f"{name}.json").read_text())
        assert report["assessment"] == "Fixture round"
        assert [e["id"] for e in report["exercises"]] == ["adder"]

"""Batch grading: parallel, isolated per candidate, cached by content, and safe to interrupt."""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import tarfile
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import pytest
from rich.console import Console
from rich.progress import Progress

from grader.batch import (
    SUMMARY_CSV,
    SUMMARY_JSON,
    ProgressEvent,
    candidate_names,
    discover,
    grade_batch,
)
from grader.batch_cache import cache_key, exercise_version, runner_version
from grader.batch_summary import BatchRow, BatchSummary, RowStatus
from grader.catalog import Catalog, Exercise
from grader.errors import InfrastructureError
from grader.paths import SANDBOX_DIR
from grader.report import GradeReport, Status
from grader.reports import summary_csv
from grader.sandboxes import Job, SandboxOutcome
from grader.sandboxes.image import grader_files
from grader.sandboxes.local import LocalSandbox
from grader.similarity import SimilarityReport

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "exercises"
ADD = "def add(a, b):\n    return a + b\n"
GREET = 'def greet(name):\n    return f"Hello, {name}!"\n'
OFF_BY_ONE = "def add(a, b):\n    return a + b + (1 if a > 100 else 0)\n"
NO_BANG = 'def greet(name):\n    return f"Hello, {name}"\n'
SYNTAX_ERROR = "def add(a, b)\n    return a + b\n"
FORBIDDEN = "import operator\n\ndef add(a, b):\n    return operator.add(a, b)\n"
LOOP = "def add(a, b):\n    while True:\n        pass\n"
EXIT_AT_IMPORT = "import sys\nsys.exit(0)\n"
OS_EXIT = "import os\n\ndef greet(name):\n    os._exit(0)\n"
# Two candidates' unusual greeters: one the other's with every name and literal changed.
COPIED = '''
def greet(name):
    """Greet."""
    letters = []
    for ch in name:
        if ch.isspace():
            letters.append(" ")
        else:
            letters.append(ch)
    joined = "".join(letters)
    seen = {}
    for ch in joined:
        seen[ch] = seen.get(ch, 0) + 1
    return "Hello, " + joined + "!" if seen or not seen else ""
'''
DISGUISED = (
    COPIED.replace("letters", "chars")
    .replace("ch", "c")
    .replace("joined", "text")
    .replace("seen", "freq")
    .replace('"Greet."', '"Say hello."')
)


def daemon_loop(marker: str) -> str:
    """Tries to leave a process behind (marked, to be found), then never returns.

    The referee refuses to start programs, so the attempt is caught and the loop still runs: the
    exercise times out either way, and a process that did start must die with its grading.
    """
    return (
        "import subprocess, sys\n\n"
        "def add(a, b):\n"
        "    try:\n"
        f"        subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)', '{marker}'],"
        " stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "    except PermissionError:\n"
        "        pass\n"
        "    while True:\n"
        "        pass\n"
    )


def folder(root: Path, **solutions: str) -> Path:
    root.mkdir(parents=True)
    for exercise, source in solutions.items():
        (root / exercise).mkdir()
        (root / exercise / "solution.py").write_text(source)
    return root


def zipped(target: Path, source: Path) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(source.rglob("*")):
            archive.write(path, Path(source.name) / path.relative_to(source))
    shutil.rmtree(source)
    return target


def tarred(target: Path, source: Path) -> Path:
    with tarfile.open(target, "w:gz") as archive:
        archive.add(source, arcname=source.name)
    shutil.rmtree(source)
    return target


class CountingSandbox:
    """The local sandbox, counting its runs: a cached submission must not reach it."""

    name = "local"

    def __init__(self) -> None:
        self.inner = LocalSandbox()
        self.runs = 0
        self.lock = threading.Lock()

    def run(self, jobs: list[Job]) -> SandboxOutcome:
        with self.lock:
            self.runs += 1
        return self.inner.run(jobs)


@pytest.fixture(scope="module")
def exercises() -> list[Exercise]:
    return list(Catalog.load(FIXTURES))


# A process that ends early earns nothing; whether it is called an error or a forgery (it also
# cut the host's canary tests short) is the verdicts' business, not the batch's.
ENDED_EARLY = frozenset({Status.ERROR, Status.TAMPERED})

# candidate -> {exercise: status, or the statuses allowed}; None: an error row
EXPECTED: dict[str, dict[str, Status | frozenset[Status]] | None] = {
    **{f"correct-{i}": {"adder": Status.PASSED, "greeter": Status.PASSED} for i in (1, 2, 3, 4, 5)},
    "zipped-1": {"adder": Status.PASSED, "greeter": Status.PASSED},
    "zipped-2": {"adder": Status.PASSED, "greeter": Status.PASSED},
    "tarred": {"adder": Status.PASSED, "greeter": Status.PASSED},
    "partial-1": {"adder": Status.PARTIAL, "greeter": Status.PASSED},
    "partial-2": {"adder": Status.PASSED, "greeter": Status.FAILED},
    "partial-3": {"adder": Status.PARTIAL, "greeter": Status.FAILED},
    "adder-only-1": {"adder": Status.PASSED, "greeter": Status.MISSING},
    "adder-only-2": {"adder": Status.PARTIAL, "greeter": Status.MISSING},
    "empty": {"adder": Status.MISSING, "greeter": Status.MISSING},
    "syntax": {"adder": Status.ERROR, "greeter": Status.PASSED},
    "forbidden": {"adder": Status.REJECTED, "greeter": Status.PASSED},
    "loop": {"adder": Status.TIMEOUT, "greeter": Status.PASSED},
    "daemon": {"adder": Status.TIMEOUT, "greeter": Status.PASSED},
    "exits": {"adder": Status.PASSED, "greeter": ENDED_EARLY},
    "os-exit": {"adder": Status.PASSED, "greeter": ENDED_EARLY},
    "copy-a": {"adder": Status.PASSED, "greeter": Status.PASSED},
    "copy-b": {"adder": Status.PASSED, "greeter": Status.PASSED},
    "broken-zip": None,
    "escaping-zip": None,
    "notes.txt": None,
}


def make_batch(root: Path, marker: str) -> Path:
    """One folder with a submission per candidate of EXPECTED, as a hiring round would send them."""
    root.mkdir()
    for i in (1, 2, 3, 4, 5):
        folder(root / f"correct-{i}", adder=ADD, greeter=GREET)
    zipped(root / "zipped-1.zip", folder(root / "zipped-1", adder=ADD, greeter=GREET))
    zipped(root / "zipped-2.zip", folder(root / "zipped-2", adder=ADD, greeter=GREET))
    tarred(root / "tarred.tar.gz", folder(root / "tarred", adder=ADD, greeter=GREET))
    folder(root / "partial-1", adder=OFF_BY_ONE, greeter=GREET)
    folder(root / "partial-2", adder=ADD, greeter=NO_BANG)
    folder(root / "partial-3", adder=OFF_BY_ONE, greeter=NO_BANG)
    folder(root / "adder-only-1", adder=ADD)
    folder(root / "adder-only-2", adder=OFF_BY_ONE)
    folder(root / "empty")
    (root / "empty" / "README.txt").write_text("I ran out of time.")
    folder(root / "syntax", adder=SYNTAX_ERROR, greeter=GREET)
    folder(root / "forbidden", adder=FORBIDDEN, greeter=GREET)
    folder(root / "loop", adder=LOOP, greeter=GREET)
    folder(root / "daemon", adder=daemon_loop(marker), greeter=GREET)
    folder(root / "exits", adder=ADD, greeter=EXIT_AT_IMPORT)
    folder(root / "os-exit", adder=ADD, greeter=OS_EXIT)
    folder(root / "copy-a", adder=ADD, greeter=COPIED)
    folder(root / "copy-b", adder=ADD, greeter=DISGUISED)
    (root / "broken-zip.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    with zipfile.ZipFile(root / "escaping-zip.zip", "w") as archive:
        archive.writestr("../adder/solution.py", ADD)
    (root / "notes.txt").write_text("not a submission")
    (root / ".DS_Store").write_bytes(b"\0")  # hidden: not a candidate
    return root


def by_candidate(summary: BatchSummary) -> dict[str, BatchRow]:
    return {row.candidate: row for row in summary.rows}


@pytest.mark.slow
def test_a_batch_grades_in_parallel_caches_and_regrades_with_force(
    tmp_path: Path,
    exercises: list[Exercise],
    processes_with: Callable[[str], list[int]],
) -> None:
    marker = f"grader-batch-daemon-{uuid.uuid4().hex}"
    submissions = discover(batch_dirs=[make_batch(tmp_path / "round", marker)])
    assert len(submissions) == len(EXPECTED) >= 20
    out, cache = tmp_path / "out", tmp_path / "cache"
    sandbox = CountingSandbox()

    def grade(paths: list[Path] = submissions, force: bool = False) -> BatchSummary:
        return grade_batch(
            paths, exercises, lambda: sandbox, output_dir=out, jobs=2, cache_dir=cache, force=force
        ).summary

    first = grade()
    rows = by_candidate(first)
    assert set(rows) == set(EXPECTED) and not first.interrupted
    for candidate, expected in EXPECTED.items():
        row = rows[candidate]
        if expected is None:
            assert row.status == RowStatus.ERROR and row.report is None, candidate
            assert row.error.startswith("bad input: "), row.error
            continue
        # Identical content is graded once: a later twin reuses the first one's report.
        assert row.status in {RowStatus.GRADED, RowStatus.CACHED}, (candidate, row.error)
        report = GradeReport.model_validate_json((out / str(row.report)).read_bytes())
        found = {e.id: e.status for e in report.exercises}
        assert set(found) == set(expected), candidate
        for exercise_id, allowed in expected.items():
            allowed = allowed if isinstance(allowed, frozenset) else frozenset({allowed})
            assert found[exercise_id] in allowed, (candidate, exercise_id, found[exercise_id])
        assert (row.percent, row.score) == (report.percent, report.score)
        assert sum(row.statuses.values()) == 2
    assert rows["correct-1"].percent == 100.0 and rows["empty"].percent == 0.0
    assert "not a readable archive" in rows["broken-zip"].error
    assert "outside" in rows["escaping-zip"].error
    assert processes_with(marker) == []  # the daemon died with its grading
    # The work overlapped: two workers finished in well under the sum of the gradings.
    assert first.total_s < 0.8 * sum(row.grading_s for row in first.rows)
    # Similarity flags the disguised copy, and the three who share one peculiar bug; the
    # correct solutions everybody writes alike are too small to call a copy. Scores stay.
    pairs = {(p.first, p.second): [e.exercise for e in p.exercises] for p in first.similarity.pairs}
    assert pairs == {
        ("copy-a", "copy-b"): ["greeter"],
        ("adder-only-2", "partial-1"): ["adder"],
        ("adder-only-2", "partial-3"): ["adder"],
        ("partial-1", "partial-3"): ["adder"],
    }
    assert rows["copy-a"].similar_to == ["copy-b"] and rows["copy-a"].percent == 100.0
    # The summary on disk: JSON as returned, and a CSV ranked best first.
    assert BatchSummary.model_validate_json((out / SUMMARY_JSON).read_bytes()) == first
    table = list(csv.DictReader(io.StringIO((out / SUMMARY_CSV).read_text())))
    assert len(table) == len(EXPECTED)
    assert [float(r["percent"]) for r in table if r["percent"]] == sorted(
        (row.percent for row in first.rows if row.report), reverse=True
    )
    assert table[0]["rank"] == "1" and {"core_python_percent", "fastapi_percent"} <= set(table[0])
    assert {r["candidate"] for r in table if r["status"] == "error"} == {
        c for c, e in EXPECTED.items() if e is None
    }
    graded = [row for row in first.rows if row.status == RowStatus.GRADED]
    assert len(graded) >= 15  # every distinct submission, and twins that ran at the same time
    first_runs = sandbox.runs
    assert first_runs >= 14  # the distinct submissions with code to run

    # A re-run reuses every unchanged submission's report: nothing reaches the sandbox.
    second = grade()
    assert sandbox.runs == first_runs
    for candidate, row in by_candidate(second).items():
        expected_status = RowStatus.ERROR if EXPECTED[candidate] is None else RowStatus.CACHED
        assert row.status == expected_status, candidate
        assert row.percent == rows[candidate].percent
    assert second.similarity == first.similarity

    # A changed file regrades that submission only.
    (tmp_path / "round" / "partial-1" / "adder" / "solution.py").write_text(
        ADD.replace("a + b", "b + a")
    )
    third = by_candidate(grade())
    assert sandbox.runs == first_runs + 1
    assert third["partial-1"].status == RowStatus.GRADED and third["partial-1"].percent == 100.0
    assert third["partial-2"].status == RowStatus.CACHED

    # --force regrades unchanged submissions too.
    some = [p for p in submissions if p.name in {"correct-1", "partial-2", "copy-a"}]
    forced = grade(some, force=True)
    assert {row.status for row in forced.rows} == {RowStatus.GRADED}
    assert sandbox.runs == first_runs + 4


@pytest.mark.slow
def test_ctrl_c_stops_scheduling_and_lets_running_gradings_clean_up(
    tmp_path: Path,
    exercises: list[Exercise],
    processes_with: Callable[[str], list[int]],
) -> None:
    marker = f"grader-batch-interrupted-{uuid.uuid4().hex}"
    root = tmp_path / "round"
    root.mkdir()
    subs = [folder(root / "a-quick", adder=ADD)]
    subs += [folder(root / f"b-slow-{i}", adder=daemon_loop(marker)) for i in (1, 2)]
    subs += [folder(root / f"c-later-{i}", adder=ADD, greeter=GREET) for i in range(6)]
    out = tmp_path / "out"
    armed = threading.Event()

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        if armed.is_set():  # only while the batch runs: never the rest of the test session
            raise KeyboardInterrupt

    def press_ctrl_c_after_the_first_report() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not list((out / "reports").glob("*.json")):
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGINT)

    previous = signal.signal(signal.SIGINT, on_sigint)
    presser = threading.Thread(target=press_ctrl_c_after_the_first_report)
    try:
        armed.set()
        presser.start()
        summary = grade_batch(subs, exercises, LocalSandbox, output_dir=out, jobs=2).summary
    finally:
        armed.clear()
        presser.join()
        signal.signal(signal.SIGINT, previous)

    rows = by_candidate(summary)
    assert summary.interrupted
    assert processes_with(marker) == []  # the running gradings cleaned up after themselves
    assert not [t for t in threading.enumerate() if t.name.startswith("grader-batch")]
    # The gradings that were running finished, and kept their reports.
    assert rows["a-quick"].status == RowStatus.GRADED
    assert rows["b-slow-1"].status == RowStatus.GRADED
    slow = GradeReport.model_validate_json((out / str(rows["b-slow-1"].report)).read_bytes())
    assert slow.exercise("adder").status == Status.TIMEOUT
    skipped = [row for row in summary.rows if row.status == RowStatus.SKIPPED]
    assert len(skipped) >= 4 and all(row.report is None for row in skipped)
    written = {path.stem for path in (out / "reports").glob("*.json")}
    assert written == {row.candidate for row in summary.rows if row.report}
    on_disk = BatchSummary.model_validate_json((out / SUMMARY_JSON).read_bytes())
    assert on_disk.interrupted and on_disk == summary


class FakeSandbox:
    """Answers at once with no result: every exercise that runs becomes an `error`."""

    name = "fake"

    def run(self, jobs: list[Job]) -> SandboxOutcome:
        return SandboxOutcome(None, "fake sandbox")


def test_one_bad_submission_or_a_grader_failure_never_stops_the_others(
    tmp_path: Path,
    exercises: list[Exercise],
) -> None:
    root = tmp_path / "round"
    good = folder(root / "good", adder=ADD)
    huge = folder(root / "huge", adder="x = 1\n" + "#" * (2 << 20))
    infra = folder(root / "infra", adder="# infra\n" + ADD)
    crash = folder(root / "crash", adder="# crash\n" + ADD)
    missing = root / "does-not-exist"
    out = tmp_path / "out"
    (out / "reports").mkdir(parents=True)
    (out / "reports" / "huge.json").write_text("{}")  # from an older run: must not mislead

    class Troubled(FakeSandbox):
        """Fails as the solution's first line asks: trouble on the grader's side."""

        def run(self, jobs: list[Job]) -> SandboxOutcome:
            source = jobs[0].files["solution.py"]
            if source.startswith(b"# infra"):
                raise InfrastructureError("no Docker engine answers")
            if source.startswith(b"# crash"):
                raise RuntimeError("a bug in the grader")
            return super().run(jobs)

    events: list[ProgressEvent] = []
    summary = grade_batch(
        [good, huge, infra, crash, missing],
        exercises,
        Troubled,
        output_dir=out,
        jobs=3,
        progress=events.append,
    ).summary
    rows = by_candidate(summary)
    assert rows["good"].status == RowStatus.GRADED and rows["good"].sandbox == "fake"
    assert rows["huge"].status == RowStatus.ERROR and "larger than 1 MiB" in rows["huge"].error
    assert not (out / "reports" / "huge.json").exists()
    assert rows["infra"].error == "infrastructure: no Docker engine answers"
    assert rows["crash"].error == "grader error: RuntimeError: a bug in the grader"
    assert "no such file or folder" in rows["does-not-exist"].error
    assert [e.done for e in events] == [0, 1, 2, 3, 4, 5] and events[-1].total == 5
    assert {e.row.candidate for e in events if e.row} == set(rows)


def test_a_rich_progress_is_driven_to_completion(
    tmp_path: Path,
    exercises: list[Exercise],
) -> None:
    subs = [folder(tmp_path / f"c{i}", adder=ADD) for i in range(3)]
    progress = Progress(console=Console(file=io.StringIO()))
    with progress:
        grade_batch(subs, exercises, FakeSandbox, output_dir=tmp_path / "out", progress=progress)
    (task,) = progress.tasks
    assert task.total == 3 and task.completed == 3


def test_discover_takes_every_child_of_a_batch_folder_once(tmp_path: Path) -> None:
    root = tmp_path / "round"
    folder(root / "alice", adder=ADD)
    (root / "bob.zip").write_bytes(b"")
    (root / "carol.tar.gz").write_bytes(b"")
    (root / "notes.txt").write_text("")
    (root / ".hidden").mkdir()
    (root / "__MACOSX").mkdir()
    found = discover([root / "alice", tmp_path / "dave"], batch_dirs=[root])
    assert [p.name for p in found] == ["alice", "dave", "bob.zip", "carol.tar.gz", "notes.txt"]
    with pytest.raises(Exception, match="not a folder of submissions"):
        discover(batch_dirs=[tmp_path / "nowhere"])


def test_candidate_names_are_safe_and_distinct() -> None:
    paths = [
        Path("alice"),
        Path("alice.zip"),
        Path("ALICE.tgz"),
        Path("a b/=cmd|x.tar.gz"),
        Path(".."),
    ]
    names = candidate_names(paths)
    assert names[:3] == ["alice", "alice-2", "ALICE-3"]
    assert names[3] == "cmd_x"
    assert len(set(names)) == len(names) and all("/" not in n for n in names)


def test_the_cache_key_follows_the_exercise_version(tmp_path: Path) -> None:
    catalog_dir = tmp_path / "catalog"
    shutil.copytree(FIXTURES, catalog_dir)
    before = {e.id: exercise_version(e) for e in Catalog.load(catalog_dir)}
    assert before == {e.id: exercise_version(e) for e in Catalog.load(catalog_dir)}
    hidden = catalog_dir / "adder" / "tests" / "hidden" / "test_adder.py"
    hidden.write_text(hidden.read_text() + "\n\ndef test_more():\n    pass\n")
    after = {e.id: exercise_version(e) for e in Catalog.load(catalog_dir)}
    assert after["adder"] != before["adder"] and after["greeter"] == before["greeter"]
    (catalog_dir / "greeter" / "tests" / "public" / "test_public.py").write_text("")
    assert exercise_version(Catalog.load(catalog_dir)["greeter"]) == before["greeter"]


def test_the_csv_never_hands_a_spreadsheet_a_formula() -> None:
    row = BatchRow(
        candidate='=HYPERLINK("http://x")',
        submission="@sub",
        status=RowStatus.ERROR,
        error="-1+1",
    )
    summary = BatchSummary(
        exercises=[], jobs=1, rows=[row], similarity=SimilarityReport(threshold=0.8, k=5, window=4)
    )
    (line,) = list(csv.DictReader(io.StringIO(summary_csv.render(summary))))
    assert line["candidate"].startswith("'=") and line["problem"] == "'-1+1"
    assert line["submission"] == "'@sub"


def test_batch_reports_carry_the_assessment_also_when_cached(
    tmp_path: Path, exercises: list[Exercise]
) -> None:
    subs = [folder(tmp_path / "round" / name, adder=ADD) for name in ("ann", "bob")]
    out, cache = tmp_path / "out", tmp_path / "cache"

    def grade(assessment: str | None) -> dict[str, GradeReport]:
        graded = grade_batch(
            subs, exercises, FakeSandbox, output_dir=out, cache_dir=cache, assessment=assessment
        )
        on_disk = {
            row.candidate: GradeReport.model_validate_json((out / str(row.report)).read_bytes())
            for row in graded.summary.rows
        }
        assert graded.reports == on_disk  # what other formats render is what was written
        return graded.reports

    first = grade("Round 1: Core Python")
    assert {r.assessment for r in first.values()} == {"Round 1: Core Python"}
    assert {r.assessment for r in grade("Round 2").values()} == {"Round 2"}
    summary = BatchSummary.model_validate_json((out / SUMMARY_JSON).read_bytes())
    assert {row.status for row in summary.rows} == {RowStatus.CACHED}  # a label, not a regrade
    assert {r.assessment for r in grade(None).values()} == {None}


def test_changing_any_file_the_sandbox_runs_changes_the_cache_key(tmp_path: Path) -> None:
    sandbox_dir = tmp_path / "sandbox"
    shutil.copytree(SANDBOX_DIR, sandbox_dir, ignore=shutil.ignore_patterns("__*"))
    runner_files = {path.name for path in grader_files(sandbox_dir)}
    assert {"runner.py", "plugin.py", "referee.py", "exact.py", "pytest.ini"} <= runner_files

    def key(runner: str) -> str:
        return cache_key(
            runner=runner,
            sandbox="local",
            weights={},
            versions={"adder": "v1"},
            answers={"adder": {"solution.py": ADD.encode()}},
            ignored=[],
        )

    before = runner_version(sandbox_dir)
    assert runner_version(sandbox_dir) == before
    seen = {key(before)}
    for name in sorted(runner_files):
        path = sandbox_dir / name
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        changed = runner_version(sandbox_dir)
        assert changed != before, name
        seen.add(key(changed))
        path.write_bytes(original)
    assert len(seen) == len(runner_files) + 1  # a key of its own for each changed file
    (sandbox_dir / "README.md").write_text("docs only")  # not run: no regrading
    assert runner_version(sandbox_dir) == before
    assert runner_version() == runner_version(SANDBOX_DIR)

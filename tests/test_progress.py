"""Progress while one submission grades (grader/progress.py, and its events from grader/grading.py):
each exercise started and finished once, from several threads, and revised when its run's whole
result is not believed after all. Real local sandboxes, on the fixture catalog."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from grader.catalog import Catalog, Exercise
from grader.grading import grade_exercises
from grader.paths import SANDBOX_DIR
from grader.progress import ProgressEvent, ProgressPrinter, terminal_progress
from grader.report import Status
from grader.sandboxes.local import LocalSandbox

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "exercises"


@pytest.fixture(scope="module")
def catalog() -> dict[str, Exercise]:
    return {exercise.id: exercise for exercise in Catalog.load(FIXTURES)}


class Recorder:
    """The events heard, with the thread each came from."""

    def __init__(self) -> None:
        self.events: list[tuple[int, ProgressEvent]] = []

    def __call__(self, event: ProgressEvent) -> None:
        self.events.append((threading.get_ident(), event))

    def said(self) -> list[tuple[str, str, str | None, float | None]]:
        return [
            (e.exercise, e.kind, e.status.value if e.status else None, e.score)
            for _, e in self.events
        ]


def reference(exercise: Exercise) -> dict[str, bytes]:
    return exercise.read_solution(exercise.reference_dir)


def test_the_printer_writes_a_line_per_event_and_lines_never_interleave() -> None:
    out = io.StringIO()
    printer = ProgressPrinter(Console(file=out, width=80, color_system=None), width=7)
    printer(ProgressEvent("adder", "started"))
    printer(ProgressEvent("adder", "finished", Status.PASSED, 10.0, 10.0))
    printer(ProgressEvent("greeter", "revised", Status.ERROR, 0.0, 5.0))
    lines = out.getvalue().splitlines()
    assert lines[0] == "adder   … started"
    assert lines[1] == "adder    passed 10/10"
    assert lines[2].startswith("greeter  error 0/5 (revised")

    out = io.StringIO()
    printer = ProgressPrinter(Console(file=out, width=80, color_system=None))

    def burst(name: str) -> None:
        for index in range(50):
            printer(ProgressEvent(f"{name}-{index}", "finished", Status.FAILED, 0.0, 1.0))

    threads = [threading.Thread(target=burst, args=(f"t{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = out.getvalue().splitlines()
    assert len(lines) == 400
    assert all(line.endswith(" failed 0/1") and line.count("failed") == 1 for line in lines)


def test_no_printer_unless_standard_error_is_a_terminal() -> None:
    assert terminal_progress(["adder"], io.StringIO()) is None
    master, slave = os.openpty()
    try:
        with os.fdopen(slave, "w", closefd=False) as tty:
            assert isinstance(terminal_progress(["adder"], tty), ProgressPrinter)
    finally:
        os.close(master)
        os.close(slave)


@pytest.mark.slow
def test_each_exercise_starts_and_finishes_once_with_its_final_status_and_score(
    catalog: dict[str, Exercise],
) -> None:
    heard = Recorder()
    adder = catalog["adder"]
    results = grade_exercises(
        [(adder, reference(adder)), (catalog["greeter"], None)],
        LocalSandbox(),
        on_progress=heard,
    )
    assert [(r.id, r.status) for r in results] == [
        ("adder", Status.PASSED),
        ("greeter", Status.MISSING),
    ]
    assert heard.said() == [
        ("greeter", "finished", "missing", 0.0),  # known without a run: said at once
        ("adder", "started", None, None),
        ("adder", "finished", "passed", 10.0),
    ]


@pytest.mark.slow
def test_sharded_runs_report_from_their_own_threads(catalog: dict[str, Exercise]) -> None:
    heard = Recorder()
    answers = [(exercise, reference(exercise)) for exercise in catalog.values()]
    results = grade_exercises(answers, LocalSandbox(), parallel=2, on_progress=heard)
    finished = [(thread, event) for thread, event in heard.events if event.kind == "finished"]
    assert sorted(event.exercise for _, event in finished) == sorted(catalog)
    assert len({thread for thread, _ in finished}) == 2
    assert {(e.exercise, e.status, e.score) for _, e in finished} == {
        (r.id, r.status, r.score) for r in results
    }
    assert sorted(e.exercise for _, e in heard.events if e.kind == "started") == sorted(catalog)


@pytest.fixture
def runner_that_stops_early() -> Iterator[Path]:
    """A copy of the runner that exits, with code 0, right after its first exercise's record:
    the stream lacks its closing record."""
    folder = Path(tempfile.mkdtemp(prefix="grader-runner-"))
    try:
        folder.chmod(0o755)
        copy = folder / "sandbox"
        shutil.copytree(SANDBOX_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
        runner = copy / "runner.py"
        sent = '        send(wire.ExerciseDone(record="exercise", run=run_exercise(spec)))\n'
        source = runner.read_text()
        assert sent in source
        runner.write_text(source.replace(sent, sent + "        os._exit(0)\n"))
        yield copy
    finally:
        shutil.rmtree(folder)


@pytest.mark.slow
def test_a_run_that_stops_early_earns_nothing_and_what_finished_is_revised(
    catalog: dict[str, Exercise], runner_that_stops_early: Path
) -> None:
    heard = Recorder()
    answers = [(exercise, reference(exercise)) for exercise in catalog.values()]
    first, second = (exercise.id for exercise, _ in answers)
    results = grade_exercises(
        answers, LocalSandbox(runner_dir=runner_that_stops_early), on_progress=heard
    )
    assert all(r.status is Status.ERROR and r.score == 0 for r in results), results
    assert all("closing record" in r.message for r in results)
    said = heard.said()
    assert said[:2] == [(first, "started", None, None), (first, "finished", "passed", 10.0)]
    assert set(said[2:]) == {
        (second, "started", None, None),
        (second, "finished", "error", 0.0),
        (first, "revised", "error", 0.0),
    }

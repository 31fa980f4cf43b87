"""Both sandboxes hand on the runner's records as each exercise ends, while the run goes on, and
still believe its result only once the whole stream is in."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from grader.manifest import Limits
from grader.protocol import ExerciseDone, ExerciseStart
from grader.sandboxes import Job, Sandbox
from grader.sandboxes.local import LocalSandbox

pytestmark = pytest.mark.slow

LIMITS = Limits(test_timeout_s=10, wall_timeout_s=20, memory_mb=768)
PAUSE_S = 4.0


@pytest.fixture(params=["local", "docker"])
def sandbox(request: pytest.FixtureRequest) -> Sandbox:
    if request.param == "docker":
        box: Sandbox = request.getfixturevalue("docker_sandbox")
        return box
    return LocalSandbox()


def job(tmp_path: Path, name: str, body: str) -> Job:
    hidden = tmp_path / name
    hidden.mkdir()
    (hidden / f"test_{name}.py").write_text(f"import time\n\n\ndef test_it():\n    {body}\n")
    return Job(name, {"solution.py": b""}, hidden, LIMITS)


def test_each_exercise_is_reported_as_it_ends_and_the_result_is_whole(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    heard: list[tuple[float, ExerciseStart | ExerciseDone]] = []
    jobs = [
        job(tmp_path, "quick", "assert True"),
        job(tmp_path, "slow", f"time.sleep({PAUSE_S})"),
    ]
    outcome = sandbox.run(jobs, lambda record: heard.append((time.monotonic(), record)))
    returned = time.monotonic()
    assert outcome.result is not None, outcome.problem
    assert [run.id for run in outcome.result.exercises] == ["quick", "slow"]
    kinds = [
        (type(record).__name__, record.id if isinstance(record, ExerciseStart) else record.run.id)
        for _, record in heard
    ]
    assert kinds == [
        ("ExerciseStart", "quick"),
        ("ExerciseDone", "quick"),
        ("ExerciseStart", "slow"),
        ("ExerciseDone", "slow"),
    ]
    quick_done = heard[1][0]
    # Heard while the slow exercise still ran: live, not read back after the run.
    assert returned - quick_done > PAUSE_S / 2, returned - quick_done
    assert heard[1][1] == ExerciseDone(record="exercise", run=outcome.result.exercises[0])

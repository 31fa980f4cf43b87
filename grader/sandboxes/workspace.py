"""The workspace every sandbox hands the runner: one folder per exercise, and the request.

<root>/request.json
<root>/<id>/tests/      the hidden suite (read-only for the code under test)
<root>/<id>/solution/   the candidate's files (read-only)
<root>/<id>/scratch/    the working directory, the only writable place
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from grader.paths import SANDBOX_DIR
from grader.protocol import ExerciseSpec, RecordSink, RecordStream, RunRequest, StreamError
from grader.sandboxes import Job, SandboxOutcome

RUNNER_DIR = SANDBOX_DIR
RUNNER = RUNNER_DIR / "runner.py"
REQUEST_NAME = "request.json"
# Slack for the runner's own start (imports) and the forks, on top of the suites' wall limits.
STARTUP_SLACK_S = 30.0


def minimal_environment(home: str) -> dict[str, str]:
    """Nothing of the grader's environment (credentials included) reaches candidate code."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }


def write_workspace(
    jobs: Iterable[Job],
    root: Path,
    inside: PurePosixPath,
    *,
    scratch: PurePosixPath,
    process_limit: int | None = None,
) -> RunRequest:
    """Lay out `root` for the runner; paths in the request are as the sandbox sees `root` (`inside`).

    `process_limit`: RLIMIT_NPROC for the test processes, for sandboxes whose user is not shared
    with other sandboxes.
    """
    specs = []
    for job in jobs:
        folder = root / job.id
        shutil.copytree(
            job.tests_dir, folder / "tests", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
        if job.canaries:
            # The canary modules, and each hidden module replaced by its version with planted
            # copies: the trusted collection then expects them like any other test.
            for name, source in job.canaries.files().items():
                (folder / "tests" / name).write_text(source, encoding="utf-8")
        for name, content in job.files.items():
            target = folder / "solution" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        base = inside / job.id
        specs.append(
            ExerciseSpec(
                id=job.id,
                tests_dir=str(base / "tests"),
                solution_dir=str(base / "solution"),
                scratch_dir=str(scratch / job.id),
                test_timeout_s=job.limits.test_timeout_s,
                wall_timeout_s=job.limits.wall_timeout_s,
                memory_mb=job.limits.memory_mb,
                process_limit=process_limit,
                fail_fast=job.fail_fast,
            )
        )
    request = RunRequest(exercises=specs)
    (root / REQUEST_NAME).write_text(request.model_dump_json(), encoding="utf-8")
    return request


def run_deadline(jobs: Iterable[Job]) -> float:
    """How long the whole run may take before the host kills it."""
    return STARTUP_SLACK_S + sum(job.limits.wall_timeout_s + 5.0 for job in jobs)


def parse_result(
    raw: bytes,
    stderr: str = "",
    *,
    expected: Sequence[str] | None = None,
    on_record: RecordSink | None = None,
) -> SandboxOutcome:
    """Believe the runner's output only if it is one complete, valid stream (fail-closed)."""
    stream = RecordStream(on_record, expected=expected)
    stream.feed(raw)
    return outcome_of(stream, stderr)


def outcome_of(stream: RecordStream, stderr: str = "") -> SandboxOutcome:
    """The outcome of a stream read to its end: its result, or why there is none."""
    try:
        return SandboxOutcome(stream.result(), stderr=stderr)
    except StreamError as exc:
        return SandboxOutcome(None, str(exc), stderr=stderr)

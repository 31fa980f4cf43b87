"""Sandboxes run a submission's hidden suites through the runner and hand back its result.

A sandbox is anything with a `name` and a `run(jobs)` method (see :class:`Sandbox`). Both
backends run the same runner (`sandbox/runner.py`) over the same workspace layout
(:mod:`grader.sandboxes.workspace`); they differ only in the walls around it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from grader.canaries import Canaries
from grader.manifest import Limits
from grader.protocol import RecordSink, RunResult


@dataclass(frozen=True)
class Job:
    """One exercise to run: the candidate's files and the hidden suite that judges them."""

    id: str
    files: dict[str, bytes]
    tests_dir: Path
    limits: Limits
    canaries: Canaries | None = None
    fail_fast: bool = False  # stop at the first failure: "does it fail?", not "what does it score?"


@dataclass(frozen=True)
class SandboxOutcome:
    """What came back: the runner's validated result, or why there is none (fail-closed)."""

    result: RunResult | None
    problem: str = ""
    timed_out: bool = False
    stderr: str = ""


class Sandbox(Protocol):
    name: str

    def run(self, jobs: list[Job], on_record: RecordSink | None = None) -> SandboxOutcome:
        """Run `jobs` and return the runner's result, or why there is none.

        `on_record` hears of each exercise's start and end as the runner reports them, each
        record once, maybe from another thread, never after `run` returns: progress only, since
        the result is believed only once the whole stream is in."""
        ...

"""What the runner sends back from inside a sandbox, validated before anything is believed.

The runner is `sandbox/runner.py`; it emits plain JSON (it needs no pydantic), built from the
TypedDicts of `sandbox/wire.py`, the wire format's one definition. These models mirror them field
for field (tests/test_protocol.py proves it) and are the one place that JSON is parsed: anything
missing, extra or of the wrong type is a protocol error, which the grader turns into `error` for
the exercises concerned, never into `passed`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from grader.text import clean_tree

PROTOCOL = 1
RESULT_LIMIT = 32 << 20  # bytes of runner output the grader accepts


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExerciseSpec(_Wire):
    """One exercise as the runner sees it: paths inside the sandbox, and its limits."""

    id: str
    tests_dir: str
    solution_dir: str
    scratch_dir: str
    test_timeout_s: float
    wall_timeout_s: float
    memory_mb: int
    process_limit: int | None = None
    fail_fast: bool = False


class RunRequest(_Wire):
    protocol: int = PROTOCOL
    exercises: list[ExerciseSpec]


class CollectedTest(_Wire):
    nodeid: str
    weight: float = 1.0
    performance: bool = False
    cpu_budget_s: float | None = None  # a performance test's CPU budget (its marker's cpu_s)
    clauses: list[str] = []


class CollectError(_Wire):
    nodeid: str
    message: str


class TestRun(_Wire):
    nodeid: str
    outcome: Literal["passed", "failed", "error", "skipped"]
    duration_s: float
    message: str
    # CPU seconds of the test process between the test's start and end events, read by the
    # runner from the kernel: candidate code cannot fake it as it can time.process_time.
    cpu_s: float | None = None


class RunMetrics(_Wire):
    wall_s: float
    cpu_s: float
    peak_rss_mb: float


class ExerciseRun(_Wire):
    id: str
    outcome: Literal["completed", "timeout", "flooded"]
    timed_out_test: str | None
    exit_code: int | None
    signal: int | None
    finished: bool
    exitstatus: int | None
    collected: list[CollectedTest] | None
    collect_errors: list[CollectError]
    tests: list[TestRun]
    malformed_events: int
    # What the referee refused, if anything: evidence of tampering.
    violation: str | None = None
    stdout: str
    stderr: str
    metrics: RunMetrics
    # The test ids a trusted collection found before any candidate code ran (None: it failed).
    expected: list[str] | None
    expected_problem: str
    # Tests that hung in earlier runs, in order, after which this run went without them.
    resumed_after: list[CollectedTest] = []
    # Outcomes the runner's deadlines decided: each hung test failed and, when the last run was
    # cut short, the test it was in failed and those it never reached were not run.
    judged: list[TestRun] = []
    # Performance tests' CPU budgets, from the trusted collection.
    cpu_budgets: dict[str, float] = {}


class RunResult(_Wire):
    protocol: Literal[1]
    exercises: list[ExerciseRun]

    @model_validator(mode="before")
    @classmethod
    def _candidate_text(cls, data: Any) -> Any:
        """Every string the runner relays (messages, output, test ids) may be the candidate's:
        made valid Unicode and terminal-safe here, where it enters (grader/text.py)."""
        return clean_tree(data)

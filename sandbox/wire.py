"""The runner's wire format: the one definition of the request it reads and the records it sends.

The runner runs inside the sandbox with the standard library and pytest only, so it cannot use
the grader's pydantic models; it builds its JSON from these TypedDicts instead (every top-level
file of sandbox/ is copied next to it). The grader validates the same JSON with the pydantic
models of ``grader/protocol.py``, which add what a TypedDict cannot enforce (no extra fields,
defaults for hand-built runs, text cleaning). ``tests/test_protocol.py`` checks that each model
has exactly the fields and types of its TypedDict here, so the two cannot drift apart.

The result is a stream of records, one JSON object per line, sent as each exercise starts and
ends, so that the grader can show progress: for each exercise of the request, in its order, an
``ExerciseStart`` and then an ``ExerciseDone``; last, one ``RunEnd`` with the number of exercises
sent. Only a complete stream is believed; one that stops early (a runner killed or crashed
midway) earns nothing, as a missing document did before.
"""

from __future__ import annotations

from typing import Final, Literal, TypedDict

PROTOCOL: Final = 2

Outcome = Literal["passed", "failed", "error", "skipped"]


class ExerciseSpec(TypedDict):
    """One exercise as the runner sees it: paths inside the sandbox, and its limits."""

    id: str
    tests_dir: str
    solution_dir: str
    scratch_dir: str
    test_timeout_s: float
    wall_timeout_s: float
    memory_mb: int
    process_limit: int | None
    # Stop at the first failing test, without shrinking Hypothesis's example: for runs that only
    # ask whether a known-wrong solution fails (mutation testing), never for a candidate's grade.
    fail_fast: bool


class RunRequest(TypedDict):
    protocol: int
    exercises: list[ExerciseSpec]


class CollectedTest(TypedDict):
    nodeid: str
    weight: float
    performance: bool
    cpu_budget_s: float | None
    clauses: list[str]  # the README clauses the test checks (its `clause` markers)


class CollectError(TypedDict):
    nodeid: str
    message: str


class TestRun(TypedDict):
    """A test's outcome, as the test process reported it or as the runner's deadlines decided."""

    nodeid: str
    outcome: Outcome
    duration_s: float
    message: str
    cpu_s: float | None


class RunMetrics(TypedDict):
    wall_s: float
    cpu_s: float
    peak_rss_mb: float


class ExerciseRun(TypedDict):
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
    violation: str | None
    stdout: str
    stderr: str
    metrics: RunMetrics
    expected: list[str] | None
    expected_problem: str
    # The tests that hung, in order; after each, the suite ran again without them.
    resumed_after: list[CollectedTest]
    # Outcomes the runner's deadlines decided (see runner.judged_by_deadlines).
    judged: list[TestRun]
    cpu_budgets: dict[str, float]


class ExerciseStart(TypedDict):
    """Sent as the runner begins an exercise."""

    record: Literal["start"]
    id: str


class ExerciseDone(TypedDict):
    """Sent as soon as an exercise's runs are over: its whole result."""

    record: Literal["exercise"]
    run: ExerciseRun


class RunEnd(TypedDict):
    """The closing record: without it, or with a count that does not match, nothing is believed."""

    record: Literal["end"]
    protocol: Literal[2]
    exercises: int

"""What the runner sends back from inside a sandbox, validated before anything is believed.

The runner is `sandbox/runner.py`; it emits plain JSON (it needs no pydantic), built from the
TypedDicts of `sandbox/wire.py`, the wire format's one definition. These models mirror them field
for field (tests/test_protocol.py proves it) and are the one place that JSON is parsed: anything
missing, extra or of the wrong type is a protocol error, which the grader turns into `error` for
the exercises concerned, never into `passed`.

The result comes as a stream of records, one a line, as each exercise starts and ends (so that
progress can be shown while a submission grades), closed by a record that counts them.
:class:`RecordStream` reads it as it comes; only a complete stream is believed (see
:meth:`RecordStream.result`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from grader.text import clean_tree

PROTOCOL = 2
RESULT_LIMIT = 32 << 20  # bytes of runner output (the whole stream) the grader accepts


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


class _Relayed(_Wire):
    @model_validator(mode="before")
    @classmethod
    def _candidate_text(cls, data: Any) -> Any:
        """Every string the runner relays (messages, output, test ids) may be the candidate's:
        made valid Unicode and terminal-safe here, where it enters (grader/text.py)."""
        return clean_tree(data)


class ExerciseStart(_Relayed):
    """The runner begins an exercise."""

    record: Literal["start"]
    id: str


class ExerciseDone(_Relayed):
    """An exercise's result, sent as soon as its runs are over."""

    record: Literal["exercise"]
    run: ExerciseRun


class RunEnd(_Wire):
    """The closing record, with the number of exercises the stream carried."""

    record: Literal["end"]
    protocol: Literal[2]
    exercises: int


class RunResult(_Relayed):
    """A whole run's result: what a complete stream adds up to (never sent as one document)."""

    protocol: Literal[2]
    exercises: list[ExerciseRun]


Record = Annotated[ExerciseStart | ExerciseDone | RunEnd, Field(discriminator="record")]
_RECORD: TypeAdapter[ExerciseStart | ExerciseDone | RunEnd] = TypeAdapter(Record)
# Who hears of each exercise's start and end as they arrive: for progress, never for the result.
RecordSink = Callable[[ExerciseStart | ExerciseDone], None]


class StreamError(ValueError):
    """Why a stream is not believed: it is incomplete, malformed or too large."""


class RecordStream:
    """The runner's record stream, fed a chunk at a time as it arrives, judged whole at the end.

    Each complete line is validated at once and, if it is a valid record in its place, handed to
    `on_record` (progress). The first fault (a line that is no valid record, a record out of
    order or not `expected`, more than `limit` bytes) ends the reading for good: the stream is
    then refused, whatever follows. `expected`: the exercise ids of the request, in its order.
    """

    def __init__(
        self,
        on_record: RecordSink | None = None,
        *,
        expected: Sequence[str] | None = None,
        limit: int = RESULT_LIMIT,
    ) -> None:
        self.on_record = on_record
        self.expected = list(expected) if expected is not None else None
        self.limit = limit
        self.problem = ""
        self._buffer = bytearray()
        self._size = 0
        self._records = 0
        self._started: str | None = None  # the exercise begun and not yet done
        self._runs: list[ExerciseRun] = []
        self._end: RunEnd | None = None

    @property
    def room(self) -> int:
        """How many more bytes to read: one past the limit, enough to see that it was passed."""
        return 0 if self.problem else max(0, self.limit + 1 - self._size)

    def feed(self, chunk: bytes) -> None:
        if self.problem or not chunk:
            return
        self._size += len(chunk)
        if self._size > self.limit:
            self._buffer.clear()
            self.problem = "the runner's result is larger than the limit"
            return
        scanned = len(self._buffer)  # a long record comes in many chunks: each is searched once
        self._buffer += chunk
        while not self.problem and (cut := self._buffer.find(b"\n", scanned)) >= 0:
            line = bytes(self._buffer[:cut])
            del self._buffer[: cut + 1]
            scanned = 0
            self._take(line)

    def _take(self, line: bytes) -> None:
        self._records += 1
        where = f"record {self._records}"
        if self._end is not None:
            self.problem = f"the runner's result goes on after its closing record ({where})"
            return
        try:
            record = _RECORD.validate_python(json.loads(line))
        except (ValueError, ValidationError, RecursionError) as exc:
            self.problem = f"the runner's result is malformed ({where}: {_first_line(exc)})"
            return
        self.problem = self._misplaced(record)
        if self.problem:
            self.problem = f"the runner's result is out of order ({where}: {self.problem})"
            return
        if isinstance(record, ExerciseStart):
            self._started = record.id
        elif isinstance(record, ExerciseDone):
            self._started = None
            self._runs.append(record.run)
        else:
            self._end = record
            return
        if self.on_record is not None:
            self.on_record(record)

    def _misplaced(self, record: ExerciseStart | ExerciseDone | RunEnd) -> str:
        """Why `record` cannot come now ("" if it can): the grammar is
        (start(id) exercise(id))* end(count), ids as `expected`."""
        done = len(self._runs)
        if isinstance(record, ExerciseStart):
            if self._started is not None:
                return f"{record.id} starts before {self._started} is done"
            if self.expected is not None and self.expected[done : done + 1] != [record.id]:
                return f"{record.id} was not asked for here"
        elif isinstance(record, ExerciseDone):
            if record.run.id != self._started:
                return f"a result for {record.run.id}, which has not started"
        else:
            if self._started is not None:
                return f"it closes while {self._started} is not done"
            if record.exercises != done:
                return f"the closing record counts {record.exercises} exercises, not {done}"
            if self.expected is not None and done != len(self.expected):
                return f"{done} exercises of the {len(self.expected)} asked for"
        return ""

    def result(self) -> RunResult:
        """The run's result, believed only from a complete stream: every line a valid record in
        its place, nothing cut off, the closing record last with the right count.

        Raises StreamError otherwise, so that a run that stopped early earns nothing."""
        if self.problem:
            raise StreamError(self.problem)
        if not self._records and not self._buffer.strip():
            raise StreamError("the runner ended without a result")
        if self._buffer:
            raise StreamError("the runner's result ends in a cut-off record")
        if self._end is None:
            raise StreamError("the runner's result stops before its closing record")
        return RunResult(protocol=self._end.protocol, exercises=self._runs)


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__

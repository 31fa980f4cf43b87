"""grader.protocol and sandbox/wire.py: the pydantic models and the runner's TypedDicts are one
definition of the wire format, field for field and type for type; and the record stream is
believed only whole (fail-closed)."""

from __future__ import annotations

import importlib.util
import json
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import pytest
from pydantic import BaseModel

from grader import protocol

WIRE_FILE = Path(__file__).resolve().parent.parent / "sandbox" / "wire.py"
SHARED = (
    "ExerciseSpec",
    "RunRequest",
    "CollectedTest",
    "CollectError",
    "TestRun",
    "RunMetrics",
    "ExerciseRun",
    "ExerciseStart",
    "ExerciseDone",
    "RunEnd",
)


@pytest.fixture(scope="module")
def wire() -> Iterator[types.ModuleType]:
    """sandbox/wire.py, loaded as the runner loads it (`import wire`), then forgotten."""
    spec = importlib.util.spec_from_file_location("wire", WIRE_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    saved = sys.modules.get("wire")
    sys.modules["wire"] = module  # get_type_hints resolves the annotations through it
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        if saved is None:
            del sys.modules["wire"]
        else:
            sys.modules["wire"] = saved


def shape(annotation: Any) -> Any:
    """A type as comparable data: classes by name, so protocol.X and wire.X compare equal."""
    origin = get_origin(annotation)
    if origin is Literal:
        return ("Literal", frozenset(get_args(annotation)))
    if origin in (Union, types.UnionType):
        return ("Union", frozenset(shape(arg) for arg in get_args(annotation)))
    if origin is not None:
        return (origin.__name__, tuple(shape(arg) for arg in get_args(annotation)))
    if annotation is type(None):
        return "None"
    return annotation.__name__


def differences(model: type[BaseModel], typed: Any) -> list[str]:
    hints = get_type_hints(typed)
    found = [f"{name}: only in the model" for name in model.model_fields.keys() - hints.keys()]
    found += [f"{name}: only in wire.py" for name in hints.keys() - model.model_fields.keys()]
    for name in model.model_fields.keys() & hints.keys():
        ours, theirs = shape(model.model_fields[name].annotation), shape(hints[name])
        if ours != theirs:
            found.append(f"{name}: {ours} in the model, {theirs} in wire.py")
    return sorted(found)


@pytest.mark.parametrize("name", SHARED)
def test_each_model_has_exactly_the_fields_and_types_of_the_runners_typeddict(
    wire: types.ModuleType, name: str
) -> None:
    assert differences(getattr(protocol, name), getattr(wire, name)) == []


@pytest.mark.parametrize("name", SHARED)
def test_the_runner_always_sends_every_field(wire: types.ModuleType, name: str) -> None:
    """Defaults in the models serve hand-built runs; the runner never leaves a field out."""
    typed = getattr(wire, name)
    assert typed.__required_keys__ == frozenset(get_type_hints(typed))


def test_a_drift_would_be_seen(wire: types.ModuleType) -> None:
    class Drifted(protocol.TestRun):
        attempt: int

    assert differences(Drifted, wire.TestRun) == ["attempt: only in the model"]
    assert differences(protocol.RunMetrics, wire.TestRun) != []
    assert shape(int | None) != shape(float | None)


def test_both_speak_the_same_protocol(wire: types.ModuleType) -> None:
    assert protocol.PROTOCOL == wire.PROTOCOL


def wire_run(wire: types.ModuleType, exercise_id: str = "adder", **changes: Any) -> Any:
    """An exercise's result as the runner builds it."""
    collected = [
        wire.CollectedTest(nodeid=n, weight=1.0, performance=False, cpu_budget_s=None, clauses=[])
        for n in ("t.py::a", "t.py::b")
    ]
    run = wire.ExerciseRun(
        id=exercise_id,
        outcome="timeout",
        timed_out_test="t.py::a",
        exit_code=None,
        signal=9,
        finished=False,
        exitstatus=None,
        collected=collected,
        collect_errors=[],
        tests=[],
        malformed_events=0,
        violation=None,
        stdout="",
        stderr="",
        metrics=wire.RunMetrics(wall_s=1.0, cpu_s=0.5, peak_rss_mb=40.0),
        expected=["t.py::a", "t.py::b"],
        expected_problem="",
        resumed_after=[],
        judged=[
            wire.TestRun(nodeid="t.py::a", outcome="failed", duration_s=3.0, message="", cpu_s=None)
        ],
        cpu_budgets={},
    )
    return {**run, **changes}


def line(record: Any) -> bytes:
    return json.dumps(record).encode() + b"\n"


def stream(wire: types.ModuleType, *runs: Any, count: int | None = None) -> bytes:
    """A complete stream, as the runner sends it: start and result per exercise, then the end."""
    records = []
    for run in runs:
        records.append(wire.ExerciseStart(record="start", id=run["id"]))
        records.append(wire.ExerciseDone(record="exercise", run=run))
    total = len(runs) if count is None else count
    records.append(wire.RunEnd(record="end", protocol=wire.PROTOCOL, exercises=total))
    return b"".join(map(line, records))


def read(raw: bytes, expected: list[str] | None = None, **options: Any) -> protocol.RunResult:
    reader = protocol.RecordStream(expected=expected, **options)
    reader.feed(raw)
    return reader.result()


def refused(raw: bytes, *words: str, expected: list[str] | None = None, **options: Any) -> str:
    with pytest.raises(protocol.StreamError) as caught:
        read(raw, expected, **options)
    assert all(word in str(caught.value) for word in words), caught.value
    return str(caught.value)


def test_a_stream_built_from_the_typeddicts_validates(wire: types.ModuleType) -> None:
    result = read(stream(wire, wire_run(wire)), ["adder"])
    assert result.exercises[0].judged[0].outcome == "failed"


def test_a_complete_stream_gives_what_one_document_of_its_runs_gave(
    wire: types.ModuleType,
) -> None:
    runs = [wire_run(wire, "adder"), wire_run(wire, "greeter", stdout="hi\x1b[31m")]
    whole = protocol.RunResult.model_validate({"protocol": 2, "exercises": runs})
    assert read(stream(wire, *runs), ["adder", "greeter"]) == whole
    assert "\x1b" not in whole.exercises[1].stdout  # candidate text is cleaned as it enters
    chunked = protocol.RecordStream()
    for index in range(0, len(stream(wire, *runs)), 7):  # as it comes: chunks cut anywhere
        chunked.feed(stream(wire, *runs)[index : index + 7])
    assert chunked.result() == whole


def test_every_stream_that_stops_early_is_refused(wire: types.ModuleType) -> None:
    """Missing its closing record, or cut inside any record: a run that stopped early earns
    nothing, wherever it stopped."""
    raw = stream(wire, wire_run(wire, "adder"), wire_run(wire, "greeter"))
    for cut in range(len(raw)):
        refused(raw[:cut])
    last_start = raw.rindex(b'{"record": "end"')
    assert "closing record" in refused(raw[:last_start])
    assert "cut-off" in refused(raw[:-1])  # the closing record without its newline
    assert "without a result" in refused(b"")


def test_a_count_that_does_not_match_is_refused(wire: types.ModuleType) -> None:
    runs = (wire_run(wire, "adder"), wire_run(wire, "greeter"))
    refused(stream(wire, *runs, count=1), "counts 1 exercises, not 2")
    refused(stream(wire, *runs, count=3), "counts 3")
    refused(stream(wire, *runs[:1]), "1 exercises of the 2", expected=["adder", "greeter"])


def test_an_oversize_stream_is_refused(wire: types.ModuleType) -> None:
    raw = stream(wire, wire_run(wire))
    assert read(raw, limit=len(raw)).exercises
    refused(raw, "larger than the limit", limit=len(raw) - 1)
    big = stream(wire, wire_run(wire, stdout="x" * protocol.RESULT_LIMIT))
    refused(big, "larger than the limit")


def test_an_invalid_or_misplaced_record_is_refused_and_ends_the_reading(
    wire: types.ModuleType,
) -> None:
    good = wire_run(wire)
    start = line({"record": "start", "id": "adder"})
    end = line({"record": "end", "protocol": 2, "exercises": 1})
    done = line({"record": "exercise", "run": good})
    for raw in (
        start + line({"record": "exercise", "run": {**good, "outcome": "passed"}}) + end,
        start + line({"record": "exercise", "run": {**good, "verdict": "passed"}}) + end,
        start + line({"record": "exercise", "run": good, "extra": 1}) + end,
        start + line({"record": "exercise"}) + end,
        start + b"not json\n" + done + end,
        start + b"\n" + done + end,
        start + line({"record": "progress", "id": "adder"}) + done + end,
        start + done + line({"record": "end", "protocol": 1, "exercises": 1}),
        start + b"\xff\xfe\n" + done + end,
    ):
        refused(raw, "malformed")
    refused(done + end, "out of order", "not started")
    refused(start + start + done + end, "out of order", "before adder is done")
    refused(start + end, "out of order", "while adder is not done")
    refused(start + done + end + start, "after its closing record")
    refused(start + done + end, "not asked for", expected=["greeter"])
    mislabelled = line({"record": "exercise", "run": {**good, "id": "greeter"}})
    refused(start + mislabelled + end, "greeter, which has not started")


def test_records_reach_the_sink_as_they_arrive_but_only_a_whole_stream_is_believed(
    wire: types.ModuleType,
) -> None:
    heard: list[Any] = []
    reader = protocol.RecordStream(heard.append, expected=["adder", "greeter"])
    raw = stream(wire, wire_run(wire, "adder"), wire_run(wire, "greeter"))
    first_done = raw.index(b'{"record": "start", "id": "greeter"}')
    reader.feed(raw[: first_done + 5])
    assert [type(record).__name__ for record in heard] == ["ExerciseStart", "ExerciseDone"]
    assert heard[1].run.id == "adder"
    with pytest.raises(protocol.StreamError):  # the run stopped here: nothing is believed
        reader.result()
    reader.feed(b"garbage\n" + raw[first_done + 5 :])
    assert len(heard) == 2  # nothing after a fault reaches the sink
    with pytest.raises(protocol.StreamError, match="malformed"):
        reader.result()

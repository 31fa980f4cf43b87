"""grader.protocol and sandbox/wire.py: the pydantic models and the runner's TypedDicts are one
definition of the wire format, field for field and type for type."""

from __future__ import annotations

import importlib.util
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
    "RunResult",
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


def test_a_document_built_from_the_typeddicts_validates(wire: types.ModuleType) -> None:
    collected = [
        wire.CollectedTest(nodeid=n, weight=1.0, performance=False, cpu_budget_s=None, clauses=[])
        for n in ("t.py::a", "t.py::b")
    ]
    run = wire.ExerciseRun(
        id="adder",
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
    document = protocol.RunResult.model_validate({"protocol": wire.PROTOCOL, "exercises": [run]})
    assert document.exercises[0].judged[0].outcome == "failed"

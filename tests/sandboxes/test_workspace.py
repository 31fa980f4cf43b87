"""The workspace layout and the fail-closed parsing of what the runner sends back."""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

from grader.manifest import Limits
from grader.protocol import RESULT_LIMIT
from grader.sandboxes import Job
from grader.sandboxes.workspace import REQUEST_NAME, parse_result, write_workspace

RUN = {
    "id": "ex",
    "outcome": "completed",
    "timed_out_test": None,
    "exit_code": 0,
    "signal": None,
    "finished": True,
    "exitstatus": 0,
    "collected": [{"nodeid": "t.py::a", "weight": 1.0, "performance": False}],
    "collect_errors": [],
    "tests": [{"nodeid": "t.py::a", "outcome": "passed", "duration_s": 0.1, "message": ""}],
    "malformed_events": 0,
    "stdout": "",
    "stderr": "",
    "metrics": {"wall_s": 1.0, "cpu_s": 0.5, "peak_rss_mb": 40.0},
    "expected": ["t.py::a"],
    "expected_problem": "",
    "resumed_after": [],
}


def document(**changes: object) -> bytes:
    """The runner's record stream for one exercise, RUN changed by `changes`."""
    records = [
        {"record": "start", "id": "ex"},
        {"record": "exercise", "run": {**RUN, **changes}},
        {"record": "end", "protocol": 2, "exercises": 1},
    ]
    return b"".join(json.dumps(record).encode() + b"\n" for record in records)


def test_a_valid_document_is_believed() -> None:
    outcome = parse_result(document(), expected=["ex"])
    assert outcome.result is not None and outcome.result.exercises[0].finished


def test_nothing_garbage_two_documents_or_a_wrong_shape_give_no_result() -> None:
    for raw in (
        b"",
        b"not json",
        document() + document(),
        document(outcome="passed"),  # not an outcome the runner knows
        document(extra_field=1),
        json.dumps({"protocol": 2, "exercises": []}).encode(),
        json.dumps({"record": "end", "protocol": 1, "exercises": 0}).encode() + b"\n",
    ):
        outcome = parse_result(raw)
        assert outcome.result is None and outcome.problem, raw[:40]


def test_an_oversized_result_is_refused_unread() -> None:
    outcome = parse_result(b" " * (RESULT_LIMIT + 1))
    assert outcome.result is None and "larger than the limit" in outcome.problem


def test_the_workspace_keeps_tests_and_solution_apart_and_names_scratch(tmp_path: Path) -> None:
    tests = tmp_path / "hidden"
    (tests / "__pycache__").mkdir(parents=True)
    (tests / "test_x.py").write_text("def test_x(): pass\n")
    (tests / "__pycache__" / "junk.pyc").write_bytes(b"junk")
    root = tmp_path / "root"
    root.mkdir()
    files = {"solution.py": b"x = 1\n", "pkg/mod.py": b"y = 2\n"}
    request = write_workspace(
        [Job("ex", files, tests, Limits())],
        root,
        PurePosixPath("/work"),
        scratch=PurePosixPath("/scratch"),
        process_limit=64,
    )
    (spec,) = request.exercises
    assert (spec.tests_dir, spec.solution_dir, spec.scratch_dir) == (
        "/work/ex/tests",
        "/work/ex/solution",
        "/scratch/ex",
    )
    assert (root / "ex" / "solution" / "pkg" / "mod.py").read_bytes() == b"y = 2\n"
    assert (root / "ex" / "tests" / "test_x.py").exists()
    assert not (root / "ex" / "tests" / "__pycache__").exists()
    assert json.loads((root / REQUEST_NAME).read_text())["exercises"][0]["process_limit"] == 64

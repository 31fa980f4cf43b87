"""grader.verdicts: from what the runner saw to a verdict, fail-closed.

Runs are built by hand as grader.protocol.ExerciseRun objects, as the runner would send them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from grader import protocol, verdicts
from grader.canaries import Canaries, Copy, make_canaries
from grader.catalog import Exercise
from grader.manifest import Limits, Manifest
from grader.report import Metrics, Status
from grader.sandboxes import SandboxOutcome
from grader.sections import Section

EXERCISE = Exercise(
    "adder",
    Path("/nonexistent/adder"),
    Manifest(
        title="Add two numbers",
        section=Section.CORE_PYTHON,
        points=10,
        limits=Limits(test_timeout_s=3, wall_timeout_s=20),
    ),
)

A, B, C = "test_adder.py::test_a", "test_adder.py::test_b", "test_adder.py::test_c"
WEIGHTS = {A: 1.0, B: 1.0, C: 2.0}  # C is worth half the points


def collected(weights: dict[str, float] = WEIGHTS) -> list[protocol.CollectedTest]:
    return [protocol.CollectedTest(nodeid=n, weight=w) for n, w in weights.items()]


def reported(outcome: str, *nodeids: str) -> list[protocol.TestRun]:
    return [
        protocol.TestRun(
            nodeid=n,
            outcome=outcome,  # type: ignore[arg-type]
            duration_s=0.012345,
            message="" if outcome == "passed" else "assert 1 == 2",
        )
        for n in nodeids
    ]


def make_run(**overrides: Any) -> protocol.ExerciseRun:
    """A complete run where every collected test passed, unless overridden."""
    fields: dict[str, Any] = {
        "id": "adder",
        "outcome": "completed",
        "timed_out_test": None,
        "exit_code": 0,
        "signal": None,
        "finished": True,
        "exitstatus": 0,
        "collected": collected(),
        "collect_errors": [],
        "tests": reported("passed", A, B, C),
        "malformed_events": 0,
        "stdout": "out",
        "stderr": "err",
        "metrics": protocol.RunMetrics(wall_s=1.5, cpu_s=1.25, peak_rss_mb=42.0),
        "expected": [A, B, C],
        "expected_problem": "",
        "resumed_after": [],
    }
    fields.update(overrides)
    return protocol.ExerciseRun(**fields)


def judged(outcome: str, message: str, *nodeids: str) -> list[protocol.TestRun]:
    """What the runner's deadlines decided, as `runner.judged_by_deadlines` reports it."""
    duration = 0.0 if outcome == "error" else 3.0
    return [
        protocol.TestRun(nodeid=n, outcome=outcome, duration_s=duration, message=message)  # type: ignore[arg-type]
        for n in nodeids
    ]


TIMED_OUT = "timed out after 3 s"
RAN_AGAIN = "timed out after 3 s (the suite ran again without it)"
NOT_RUN = "not run: the suite timed out"


def outcomes(result: Any) -> dict[str, str]:
    return {test.name: test.outcome for test in result.tests}


# --- completed runs ----------------------------------------------------------------------------


def test_complete_run_all_passed() -> None:
    result = verdicts.from_run(EXERCISE, make_run())
    assert result.status is Status.PASSED
    assert result.score == 10
    assert result.max_score == 10
    assert result.message == "all 3 tests passed"
    assert result.id == "adder"
    assert result.title == "Add two numbers"
    assert result.section is Section.CORE_PYTHON
    assert {t.name: t.weight for t in result.tests} == WEIGHTS
    assert all(t.duration_s == 0.0123 for t in result.tests)
    assert result.metrics == Metrics(wall_s=1.5, cpu_s=1.25, peak_rss_mb=42.0)
    assert result.output == "err\nout"


def test_complete_run_some_passed_scores_by_weight() -> None:
    run = make_run(tests=reported("passed", A, C) + reported("failed", B))
    result = verdicts.from_run(EXERCISE, run)
    assert result.status is Status.PARTIAL
    assert result.score == 7.5  # (1 + 2) of 4 shares
    assert result.message == "2 of 3 tests passed"
    assert outcomes(result) == {A: "passed", B: "failed", C: "passed"}
    assert next(t for t in result.tests if t.name == B).message == "assert 1 == 2"


def test_complete_run_only_the_light_tests_passed() -> None:
    run = make_run(tests=reported("passed", A, B) + reported("error", C))
    result = verdicts.from_run(EXERCISE, run)
    assert result.status is Status.PARTIAL
    assert result.score == 5.0


def test_complete_run_none_passed() -> None:
    run = make_run(tests=reported("failed", A, B) + reported("skipped", C), exitstatus=1)
    result = verdicts.from_run(EXERCISE, run)
    assert result.status is Status.FAILED
    assert result.score == 0
    assert result.message == "none of 3 tests passed"


def test_skipped_tests_do_not_count_as_passed() -> None:
    run = make_run(tests=reported("passed", A, B) + reported("skipped", C))
    result = verdicts.from_run(EXERCISE, run)
    assert result.status is Status.PARTIAL
    assert result.score == 5.0


def test_reports_in_another_order_still_match() -> None:
    run = make_run(tests=reported("passed", C, A, B))
    assert verdicts.from_run(EXERCISE, run).status is Status.PASSED


def test_nonzero_exit_after_finishing_does_not_matter() -> None:
    result = verdicts.from_run(EXERCISE, make_run(exit_code=1))
    assert result.status is Status.PASSED


# --- incomplete evidence is an error, never a pass ---------------------------------------------


def assert_error(run: protocol.ExerciseRun, *words: str) -> None:
    result = verdicts.from_run(EXERCISE, run)
    assert result.status is Status.ERROR, result.message
    assert result.score == 0
    assert result.max_score == 10
    for word in words:
        assert word in result.message, result.message


def test_not_finished_with_exit_code_zero_is_an_error_even_if_all_passed() -> None:
    """sys.exit(0) / os._exit(0) from the candidate's code after some reports."""
    run = make_run(finished=False, exitstatus=None, exit_code=0)
    assert_error(run, "ended before the suite completed", "exit code 0")


def test_not_finished_after_partial_reports() -> None:
    run = make_run(finished=False, exitstatus=None, exit_code=0, tests=reported("passed", A))
    assert_error(run, "ended before the suite completed")


def test_killed_by_a_signal() -> None:
    run = make_run(finished=False, exitstatus=None, exit_code=None, signal=9)
    assert_error(run, "killed by signal 9")


def test_finished_without_ever_collecting() -> None:
    run = make_run(collected=None)
    assert_error(run, "do not match the collected tests")


def test_ended_without_collecting_or_reporting() -> None:
    run = make_run(collected=None, tests=[], finished=False, exitstatus=None)
    assert_error(run, "ended before the suite completed")


def test_collected_nothing() -> None:
    run = make_run(collected=[], tests=[], expected=[])
    assert_error(run, "collected no tests")


def test_collected_test_missing_from_the_reports() -> None:
    run = make_run(tests=reported("passed", A, B))
    assert_error(run, "do not match the collected tests")


def test_extra_reported_test() -> None:
    run = make_run(tests=reported("passed", A, B, C, "test_adder.py::test_ghost"))
    result = verdicts.from_run(EXERCISE, run)
    assert result.status is Status.TAMPERED and result.score == 0


def test_test_reported_twice() -> None:
    run = make_run(tests=reported("passed", A, B, C, A))
    assert_error(run, "do not match")


def test_duplicate_report_replacing_a_missing_one() -> None:
    run = make_run(tests=reported("passed", A, A, C))
    assert_error(run, "do not match")


@pytest.mark.parametrize("count", [1, 7])
def test_malformed_events(count: int) -> None:
    assert_error(make_run(malformed_events=count), "garbled")


def test_flooded() -> None:
    assert_error(make_run(outcome="flooded", finished=False), "flooded")


def test_flooded_wins_over_complete_reports() -> None:
    assert_error(make_run(outcome="flooded"), "flooded")


def test_collect_error() -> None:
    errors = [protocol.CollectError(nodeid="test_adder.py", message="ImportError: no solution")]
    run = make_run(collect_errors=errors, collected=[], tests=[], exitstatus=2)
    assert_error(run, "could not be collected", "ImportError: no solution")


def test_collect_error_wins_over_complete_reports() -> None:
    errors = [protocol.CollectError(nodeid="test_other.py", message="SyntaxError")]
    assert_error(make_run(collect_errors=errors), "could not be collected")


def test_error_keeps_what_was_reported_for_the_interviewer() -> None:
    run = make_run(finished=False, exitstatus=None, tests=reported("passed", A))
    result = verdicts.from_run(EXERCISE, run)
    assert outcomes(result) == {A: "passed"}
    assert result.score == 0


def test_long_output_is_cut_to_its_tail() -> None:
    run = make_run(stdout="x" * 10_000 + "THE END", stderr="")
    result = verdicts.from_run(EXERCISE, run)
    assert result.output.endswith("THE END")
    assert result.output.startswith("… (6007 characters cut)")
    assert result.output.endswith("x" * (verdicts.OUTPUT_KEPT - len("THE END")) + "THE END")


# --- timeouts ----------------------------------------------------------------------------------


def test_timeout_with_a_timed_out_test() -> None:
    run = make_run(
        outcome="timeout",
        timed_out_test=B,
        finished=False,
        exitstatus=None,
        exit_code=None,
        signal=9,
        tests=reported("passed", A),
        judged=[*judged("failed", TIMED_OUT, B), *judged("error", NOT_RUN, C)],
    )
    result = verdicts.from_run(EXERCISE, run)
    assert result.status is Status.TIMEOUT
    assert outcomes(result) == {A: "passed", B: "failed", C: "error"}
    timed_out = next(t for t in result.tests if t.name == B)
    assert timed_out.message == "timed out after 3 s"
    assert timed_out.duration_s == 3
    not_run = next(t for t in result.tests if t.name == C)
    assert "not run" in not_run.message
    assert not_run.weight == 2.0
    # An incomplete run earns nothing: it could have been cut short on purpose.
    assert result.score == 0
    assert B in result.message and "3 s" in result.message


def test_timeout_of_the_whole_suite() -> None:
    run = make_run(
        outcome="timeout",
        finished=False,
        exitstatus=None,
        exit_code=None,
        signal=9,
        tests=reported("passed", A, C),
        judged=judged("error", NOT_RUN, B),
    )
    result = verdicts.from_run(EXERCISE, run)
    assert result.status is Status.TIMEOUT
    assert outcomes(result) == {A: "passed", C: "passed", B: "error"}
    assert result.score == 0
    assert "the suite exceeded 20 s" in result.message


def test_a_timeout_earns_nothing_whatever_the_runner_judged() -> None:
    """The runner's judged outcomes are reported, never a reason to credit a run cut short."""
    run = make_run(
        outcome="timeout",
        finished=False,
        exitstatus=None,
        signal=9,
        tests=reported("passed", A, B),
        judged=judged("passed", "", C),
    )
    result = verdicts.from_run(EXERCISE, run)
    assert result.status is Status.TIMEOUT and result.score == 0


def test_judged_outcomes_of_tests_never_collected_are_refused() -> None:
    run = make_run(tests=reported("passed", A, B, C), judged=judged("failed", TIMED_OUT, "t::x"))
    assert_error(run, "do not match the collected tests")


def test_timeout_before_collection_earns_nothing() -> None:
    run = make_run(
        outcome="timeout", collected=None, tests=[], finished=False, exitstatus=None, signal=9
    )
    result = verdicts.from_run(EXERCISE, run)
    assert result.status is Status.TIMEOUT
    assert result.score == 0


def test_timeout_does_not_credit_uncollected_or_repeated_reports() -> None:
    run = make_run(
        outcome="timeout",
        timed_out_test=B,
        finished=False,
        exitstatus=None,
        signal=9,
        tests=reported("passed", A, A, "test_adder.py::test_ghost"),
    )
    result = verdicts.from_run(EXERCISE, run)
    assert result.score <= 2.5  # A's share of 4, at most


# --- from_outcome ------------------------------------------------------------------------------


def test_outcome_with_a_result_uses_the_exercise_run() -> None:
    other = make_run(id="other", tests=reported("failed", A, B, C))
    result_doc = protocol.RunResult(protocol=2, exercises=[other, make_run()])
    result = verdicts.from_outcome(EXERCISE, SandboxOutcome(result=result_doc))
    assert result.status is Status.PASSED
    assert result.score == 10


def test_outcome_without_result_is_an_error() -> None:
    outcome = SandboxOutcome(result=None, problem="runner printed no JSON", stderr="Traceback")
    result = verdicts.from_outcome(EXERCISE, outcome)
    assert result.status is Status.ERROR
    assert result.score == 0
    assert "runner printed no JSON" in result.message
    assert result.output == "Traceback"


def test_outcome_without_result_or_problem_still_says_why() -> None:
    result = verdicts.from_outcome(EXERCISE, SandboxOutcome(result=None))
    assert result.status is Status.ERROR
    assert "no result" in result.message


def test_outcome_without_result_that_timed_out() -> None:
    result = verdicts.from_outcome(EXERCISE, SandboxOutcome(result=None, timed_out=True))
    assert result.status is Status.TIMEOUT
    assert result.score == 0
    assert result.tests == []


def test_outcome_whose_result_lacks_the_exercise() -> None:
    doc = protocol.RunResult(protocol=2, exercises=[make_run(id="other")])
    result = verdicts.from_outcome(EXERCISE, SandboxOutcome(result=doc))
    assert result.status is Status.ERROR
    assert result.score == 0


def test_outcome_stderr_is_cut_to_its_tail() -> None:
    outcome = SandboxOutcome(result=None, stderr="e" * 9000 + "LAST")
    result = verdicts.from_outcome(EXERCISE, outcome)
    assert result.output.endswith("LAST")
    assert result.output.startswith("… (5004 characters cut)")
    assert len(result.output) <= verdicts.OUTPUT_KEPT + len("… (5004 characters cut) ")


# --- the protocol refuses what it does not expect -----------------------------------------------


def test_protocol_refuses_extra_and_wrong_fields() -> None:
    good = make_run().model_dump()
    with pytest.raises(ValidationError):
        protocol.ExerciseRun.model_validate({**good, "verdict": "passed"})
    with pytest.raises(ValidationError):
        protocol.ExerciseRun.model_validate({**good, "outcome": "passed"})
    bad_test = {**good, "tests": [{**good["tests"][0], "outcome": "ok"}]}
    with pytest.raises(ValidationError):
        protocol.ExerciseRun.model_validate(bad_test)
    missing = dict(good)
    del missing["finished"]
    with pytest.raises(ValidationError):
        protocol.ExerciseRun.model_validate(missing)
    with pytest.raises(ValidationError):
        protocol.RunResult.model_validate({"protocol": 1, "exercises": []})


# --- forgery: canaries and the trusted collection -------------------------------------------


def with_canaries(outcomes: dict[str, str]) -> tuple[Canaries, protocol.ExerciseRun]:
    """A run of A, B, C plus the canaries, each canary reported with `outcomes[expected]`."""
    canaries = make_canaries()
    ids = list(canaries.expected)
    run = make_run(
        collected=[*collected(), *(protocol.CollectedTest(nodeid=n) for n in ids)],
        tests=[
            *(
                protocol.TestRun(nodeid=n, outcome=outcomes[o], duration_s=0.0, message="")  # type: ignore[arg-type]
                for n, o in canaries.expected.items()
            ),
            *reported("passed", A, B, C),
        ],
        expected=[A, B, C, *ids],
    )
    return canaries, run


def test_honest_canaries_are_invisible_in_the_result() -> None:
    canaries, run = with_canaries({"passed": "passed", "failed": "failed"})
    result = verdicts.from_run(EXERCISE, run, canaries)
    assert result.status is Status.PASSED and result.score == 10
    assert outcomes(result) == {A: "passed", B: "passed", C: "passed"}


def test_a_blanket_forgery_is_tampered_with_no_points() -> None:
    canaries, run = with_canaries({"passed": "passed", "failed": "passed"})
    result = verdicts.from_run(EXERCISE, run, canaries)
    assert result.status is Status.TAMPERED and result.score == 0 and result.tests == []
    assert "canary" in result.message


def test_skipping_the_canaries_while_reporting_real_tests_is_tampered() -> None:
    canaries, run = with_canaries({"passed": "passed", "failed": "failed"})
    run = run.model_copy(update={"tests": reported("passed", A, B, C)})
    assert verdicts.from_run(EXERCISE, run, canaries).status is Status.TAMPERED


def test_reporting_a_test_the_trusted_collection_did_not_find_is_tampered() -> None:
    run = make_run(expected=[A, B])
    assert verdicts.from_run(EXERCISE, run).status is Status.TAMPERED


def test_collecting_less_than_the_trusted_collection_is_an_error() -> None:
    run = make_run(expected=[A, B, C, "test_adder.py::test_d"])
    result = verdicts.from_run(EXERCISE, run)
    assert result.status is Status.ERROR and "hidden suite as it is" in result.message


def test_a_suite_the_trusted_collection_could_not_collect_is_an_error() -> None:
    run = make_run(expected=None, expected_problem="ImportError: boom")
    result = verdicts.from_run(EXERCISE, run)
    assert result.status is Status.ERROR and "boom" in result.message


def test_a_collection_that_broke_is_an_error_not_a_forgery() -> None:
    """sys.exit at import: pytest finishes with an internal error and runs no canary."""
    canaries, run = with_canaries({"passed": "passed", "failed": "failed"})
    broken = run.model_copy(update={"tests": [], "collected": collected()})
    result = verdicts.from_run(EXERCISE, broken, canaries)
    assert result.status is Status.ERROR and result.score == 0


def test_a_hung_test_after_which_the_suite_ran_to_the_end_keeps_the_others_points() -> None:
    run = make_run(
        collected=[protocol.CollectedTest(nodeid=A), protocol.CollectedTest(nodeid=C, weight=2.0)],
        tests=reported("passed", A, C),
        resumed_after=[protocol.CollectedTest(nodeid=B)],
        judged=judged("failed", RAN_AGAIN, B),
    )
    result = verdicts.from_run(EXERCISE, run)
    assert result.status is Status.TIMEOUT and result.score == 7.5  # A and C: 3 of 4 shares
    assert outcomes(result) == {A: "passed", B: "failed", C: "passed"}
    assert B in result.message and "ran again without it" in result.tests[-1].message


def test_a_resumed_run_that_hangs_again_earns_nothing() -> None:
    run = make_run(
        outcome="timeout",
        timed_out_test=C,
        finished=False,
        exitstatus=None,
        exit_code=None,
        signal=9,
        collected=[protocol.CollectedTest(nodeid=A), protocol.CollectedTest(nodeid=C, weight=2.0)],
        tests=reported("passed", A),
        resumed_after=[protocol.CollectedTest(nodeid=B)],
        judged=[*judged("failed", RAN_AGAIN, B), *judged("failed", TIMED_OUT, C)],
    )
    result = verdicts.from_run(EXERCISE, run)
    assert result.status is Status.TIMEOUT and result.score == 0
    assert outcomes(result) == {A: "passed", B: "failed", C: "failed"}


def test_a_resumed_run_must_still_run_the_last_canaries() -> None:
    canaries, run = with_canaries({"passed": "passed", "failed": "failed"})
    first_canaries = [t for t in run.tests if t.nodeid.split("::")[0].startswith("test_0")]
    resumed = run.model_copy(
        update={
            "collected": [c for c in run.collected or [] if c.nodeid != B],
            "tests": [*first_canaries, *reported("passed", A, C)],
            "resumed_after": [protocol.CollectedTest(nodeid=B)],
        }
    )
    assert verdicts.from_run(EXERCISE, resumed, canaries).status is Status.TAMPERED


# --- forgery: the copies planted inside the hidden module ------------------------------------

CLONE, TWIN = "test_adder.py::test_b_a", "test_adder.py::test_c_b"
COPIES = Canaries(
    (),
    (
        Copy("test_adder.py", "test_b_a", "test_a", twin=False),
        Copy("test_adder.py", "test_c_b", "test_b", twin=True),
    ),
)


def with_copies(a: str, clone: str, b: str, twin: str, **overrides: Any) -> protocol.ExerciseRun:
    """A run of A, B, C and the clone of A and the twin of B, with these outcomes."""
    fields: dict[str, Any] = {
        "collected": [
            *collected(),
            protocol.CollectedTest(nodeid=CLONE),
            protocol.CollectedTest(nodeid=TWIN),
        ],
        "tests": [
            *reported(a, A),
            *reported(clone, CLONE),
            *reported(b, B),
            *reported(twin, TWIN),
            *reported("passed", C),
        ],
        "expected": [A, B, C, CLONE, TWIN],
    }
    return make_run(**{**fields, **overrides})


@pytest.mark.parametrize(
    ("a", "clone", "b"),
    [
        ("passed", "passed", "passed"),
        ("failed", "failed", "failed"),
        ("error", "failed", "skipped"),
        (
            "failed",
            "passed",
            "passed",
        ),  # a clone that passed alone: chance (a flaky test), not fraud
    ],
)
def test_honest_copies_are_invisible_in_the_result(a: str, clone: str, b: str) -> None:
    result = verdicts.from_run(EXERCISE, with_copies(a, clone, b, "failed"), COPIES)
    assert result.status is not Status.TAMPERED
    assert outcomes(result) == {A: a, B: b, C: "passed"}
    assert "test_b_a" not in result.model_dump_json() and "test_c_b" not in result.model_dump_json()
    assert (
        result.score
        == 10 * sum(w for n, w in WEIGHTS.items() if outcomes(result)[n] == "passed") / 4
    )


@pytest.mark.parametrize("clone", ["failed", "error", "skipped"])
def test_a_test_that_passed_where_its_clone_did_not_is_tampered(clone: str) -> None:
    result = verdicts.from_run(EXERCISE, with_copies("passed", clone, "passed", "failed"), COPIES)
    assert result.status is Status.TAMPERED and result.score == 0 and result.tests == []
    assert "canary" in result.message


@pytest.mark.parametrize("b", ["passed", "failed"])
def test_a_twin_that_passed_is_tampered(b: str) -> None:
    result = verdicts.from_run(EXERCISE, with_copies("passed", "passed", b, "passed"), COPIES)
    assert result.status is Status.TAMPERED and result.score == 0
    assert "canary" in result.message


def test_a_finished_run_that_skips_a_copy_is_tampered() -> None:
    run = with_copies("passed", "passed", "passed", "failed")
    run = run.model_copy(update={"tests": [t for t in run.tests if t.nodeid != TWIN]})
    result = verdicts.from_run(EXERCISE, run, COPIES)
    assert result.status is Status.TAMPERED and "every canary" in result.message


def test_a_clone_is_compared_only_once_both_were_reported() -> None:
    """The suite hung on A's clone (its original passed): a timeout, not a forgery."""
    run = with_copies(
        "passed",
        "passed",
        "passed",
        "failed",
        outcome="timeout",
        timed_out_test=CLONE,
        finished=False,
        exitstatus=None,
        exit_code=None,
        signal=9,
    )
    run = run.model_copy(
        update={
            "tests": [t for t in run.tests if t.nodeid in {A}],
            "judged": [*judged("failed", TIMED_OUT, CLONE), *judged("error", NOT_RUN, B, TWIN, C)],
        }
    )
    result = verdicts.from_run(EXERCISE, run, COPIES)
    assert result.status is Status.TIMEOUT and result.score == 0
    assert set(outcomes(result)) == {A, B, C}
    assert "test_b_a" not in result.model_dump_json()  # a canary that hung stays unnamed
    assert result.message == "a test exceeded 3 s"


def test_a_resumed_run_need_not_report_the_copy_that_hung() -> None:
    run = with_copies("passed", "passed", "passed", "failed")
    resumed = run.model_copy(
        update={
            "collected": [c for c in run.collected or [] if c.nodeid != CLONE],
            "tests": [t for t in run.tests if t.nodeid != CLONE],
            "resumed_after": [protocol.CollectedTest(nodeid=CLONE)],
            "judged": judged("failed", RAN_AGAIN, CLONE),
        }
    )
    result = verdicts.from_run(EXERCISE, resumed, COPIES)
    assert result.status is Status.PASSED and result.score == 10
    assert outcomes(result) == {A: "passed", B: "passed", C: "passed"}


def test_parametrized_copies_are_matched_by_their_parameters() -> None:
    a1, a2 = f"{A}[1]", f"{A}[2]"
    clone1, clone2 = f"{CLONE}[1]", f"{CLONE}[2]"
    ids = {a1: 1.0, a2: 1.0, B: 1.0, C: 1.0}
    base = {
        "collected": [
            *collected(ids),
            *(protocol.CollectedTest(nodeid=n) for n in (clone1, clone2, TWIN)),
        ],
        "expected": [*ids, clone1, clone2, TWIN],
    }
    honest = make_run(
        **base,
        tests=[*reported("passed", a1, clone1, B, C), *reported("failed", a2, clone2, TWIN)],
    )
    result = verdicts.from_run(EXERCISE, honest, COPIES)
    assert result.status is Status.PARTIAL and set(outcomes(result)) == set(ids)
    forged = make_run(
        **base,
        tests=[*reported("passed", a1, a2, clone1, B, C), *reported("failed", clone2, TWIN)],
    )
    assert verdicts.from_run(EXERCISE, forged, COPIES).status is Status.TAMPERED

"""From what the runner observed to a verdict: fail-closed, so only complete evidence passes.

A suite counts as completed only if the runner saw the test process announce its collected tests,
report each of them exactly once, and finish. Anything less — the process exited early
(``sys.exit(0)``, ``os._exit(0)``), died, flooded or garbled its result stream — is an error,
never a pass.
"""

from __future__ import annotations

from grader.canaries import Canaries
from grader.catalog import Exercise
from grader.protocol import ExerciseRun, TestRun
from grader.report import ExerciseResult, Metrics, Status, TestResult
from grader.sandboxes import SandboxOutcome
from grader.scoring import exercise_score, percent

OUTPUT_KEPT = 4000


def result(
    exercise: Exercise,
    status: Status,
    message: str = "",
    tests: list[TestResult] | None = None,
    metrics: Metrics | None = None,
    output: str = "",
    *,
    completed: bool = False,
) -> ExerciseResult:
    tests = tests or []
    correctness, performance = split_percent(tests)
    # Only a completed run earns points: an incomplete one (a timeout, a crash) could have been
    # cut short on purpose after forging results, before the last canaries ran. A timeout whose
    # suite was run again without the hung test, to the end, is complete.
    earns = completed or status in {Status.PASSED, Status.PARTIAL, Status.FAILED}
    return ExerciseResult(
        id=exercise.id,
        title=exercise.manifest.title,
        section=exercise.section,
        status=status,
        score=exercise_score(exercise.manifest.points, tests) if earns else 0.0,
        max_score=exercise.manifest.points,
        message=message,
        tests=tests,
        metrics=metrics,
        output=output,
        correctness_percent=correctness,
        performance_percent=performance,
    )


def split_percent(tests: list[TestResult]) -> tuple[float | None, float | None]:
    """Passed share of the behaviour tests and of the performance tests, as Codility reports them."""

    def share(group: list[TestResult]) -> float | None:
        total = sum(test.weight for test in group)
        if not group or total <= 0:
            return None
        return percent(sum(test.weight for test in group if test.outcome == "passed"), total)

    return share([t for t in tests if not t.performance]), share(
        [t for t in tests if t.performance]
    )


def tally(
    exercise: Exercise,
    tests: list[TestResult],
    metrics: Metrics | None = None,
    output: str = "",
    noun: str = "tests",
) -> ExerciseResult:
    """The verdict of a completed run: passed, partial or failed by how many tests passed."""
    passed = sum(test.outcome == "passed" for test in tests)
    if passed == len(tests):
        status, message = Status.PASSED, f"all {passed} {noun} passed"
    elif passed:
        status, message = Status.PARTIAL, f"{passed} of {len(tests)} {noun} passed"
    else:
        status, message = Status.FAILED, f"none of {len(tests)} {noun} passed"
    return result(exercise, status, message, tests, metrics, output)


def from_outcome(
    exercise: Exercise, outcome: SandboxOutcome, canaries: Canaries | None = None
) -> ExerciseResult:
    run = None
    if outcome.result is not None:
        run = next((r for r in outcome.result.exercises if r.id == exercise.id), None)
    if run is not None:
        return from_run(exercise, run, canaries)
    if outcome.timed_out:
        return result(exercise, Status.TIMEOUT, "the whole run exceeded its deadline")
    problem = outcome.problem or "the sandbox returned no result for this exercise"
    return result(exercise, Status.ERROR, f"no result: {problem}", output=_tail(outcome.stderr))


def _tail(text: str) -> str:
    return text if len(text) <= OUTPUT_KEPT else "…" + text[-OUTPUT_KEPT:]


def _died(run: ExerciseRun) -> str:
    if run.signal is not None:
        return f"killed by signal {run.signal}"
    return f"exit code {run.exit_code}"


def forged(run: ExerciseRun, canaries: Canaries | None) -> str | None:
    """Why the run's reports cannot be believed, if they cannot: a canary's outcome is wrong, a
    test passed where its exact copy did not, or it reports tests that a trusted collection, made
    before any candidate code ran, did not find."""
    reported = {test.nodeid: test.outcome for test in run.tests}
    if canaries is not None:
        expected = canaries.expected
        if any(reported[n] != outcome for n, outcome in expected.items() if n in reported):
            return "reported outcomes that did not happen (a canary test's result was forged)"
        for nodeid, outcome in reported.items():
            found = canaries.copy_of(nodeid)
            if found is None:
                continue
            copy, original = found
            if copy.twin and outcome == "passed":
                return (
                    "reported a test as passed that cannot pass (a canary test's result was forged)"
                )
            # A clone is checked one way only: a forger gains nothing by failing a real test, so
            # "the clone passed, its original did not" is left to chance (a flaky test), not fraud.
            if not copy.twin and outcome != "passed" and reported.get(original) == "passed":
                return "reported a test as passed whose exact copy did not pass (a canary test's result was forged)"
        collected_all = not run.collect_errors and collected_ids(run) == set(run.expected or ())
        planted = canaries.among(run.expected or ()) - _resumed(run)
        if run.finished and collected_all and not (set(expected) | planted) <= set(reported):
            return "finished without running every canary test"
    if run.expected is not None and not set(reported) <= set(run.expected):
        return "reported tests that are not in the hidden suite"
    return None


def _resumed(run: ExerciseRun) -> set[str]:
    return {test.nodeid for test in run.resumed_after}


def _canary_ids(run: ExerciseRun, canaries: Canaries | None) -> set[str]:
    """Every node id of the run that is a canary: never reported, never scored."""
    if canaries is None:
        return set()
    ids = [
        *(run.expected or ()),
        *(t.nodeid for t in run.collected or ()),
        *(t.nodeid for t in run.tests),
    ]
    return canaries.among(ids)


def collected_ids(run: ExerciseRun) -> set[str] | None:
    """What the run collected, with the hung tests its resumed run went without."""
    if run.collected is None:
        return None
    return {test.nodeid for test in run.collected} | _resumed(run)


def over_budget(run: ExerciseRun, test: TestRun) -> TestResult | None:
    """A performance test that passed inside the test process but spent more CPU than its budget,
    as the runner measured from outside (where a faked clock cannot reach), fails here."""
    budget = run.cpu_budgets.get(test.nodeid)
    if budget is None or test.outcome != "passed":
        return None
    weight = next((t.weight for t in run.collected or [] if t.nodeid == test.nodeid), 1.0)
    if test.cpu_s is not None and test.cpu_s <= budget:
        return None
    used = "an unknown amount" if test.cpu_s is None else f"{test.cpu_s:.2f} s"
    return TestResult(
        name=test.nodeid,
        outcome="failed",
        duration_s=round(test.duration_s, 4),
        message=f"used {used} of CPU, over its budget of {budget:g} s (measured by the runner)",
        weight=weight,
        performance=True,
    )


def from_run(
    exercise: Exercise, run: ExerciseRun, canaries: Canaries | None = None
) -> ExerciseResult:
    limits = exercise.manifest.limits
    metrics = Metrics(**run.metrics.model_dump())
    output = _tail((run.stderr + "\n" + run.stdout).strip())
    hidden = _canary_ids(run, canaries)
    weights = {
        test.nodeid: test.weight for test in run.collected or [] if test.nodeid not in hidden
    }
    performance = {test.nodeid for test in run.collected or [] if test.performance}
    tests = [
        over_budget(run, test)
        or TestResult(
            name=test.nodeid,
            outcome=test.outcome,
            duration_s=round(test.duration_s, 4),
            message=test.message,
            weight=weights.get(test.nodeid, 1.0),
            performance=test.nodeid in performance,
        )
        for test in run.tests
        if test.nodeid not in hidden
    ]
    hung = [test for test in run.resumed_after if test.nodeid not in hidden]
    for test in reversed(hung):
        weights[test.nodeid] = test.weight
        tests.insert(
            0,
            TestResult(
                name=test.nodeid,
                outcome="failed",
                duration_s=limits.test_timeout_s,
                message=f"timed out after {limits.test_timeout_s:g} s (the suite ran again without it)",
                weight=test.weight,
                performance=test.performance,
            ),
        )

    def error(message: str) -> ExerciseResult:
        return result(exercise, Status.ERROR, message, tests, metrics, output)

    if run.violation:
        message = f"the test process was caught at {run.violation}"
        return result(exercise, Status.TAMPERED, message, [], metrics, output)
    if run.outcome == "flooded":
        return error("the test process flooded its result stream")
    if run.malformed_events:
        return error("the test process garbled its result stream")
    if run.expected is None:
        return error(f"the hidden suite could not be collected: {run.expected_problem}")
    why = forged(run, canaries)
    if why:
        return result(exercise, Status.TAMPERED, f"the test process {why}", [], metrics, output)
    reported_names = [test.name for test in tests]
    if (
        (run.collected is None and tests)
        or len(set(reported_names)) != len(reported_names)
        or not set(reported_names) <= set(weights)
    ):
        return error("the reported tests do not match the collected tests")
    if run.outcome == "timeout":
        reported = set(reported_names)
        timed_out = run.timed_out_test if run.timed_out_test in weights else None
        if timed_out:
            tests.append(
                TestResult(
                    name=timed_out,
                    outcome="failed",
                    duration_s=limits.test_timeout_s,
                    message=f"timed out after {limits.test_timeout_s:g} s",
                    weight=weights[timed_out],
                    performance=timed_out in performance,
                )
            )
            reported.add(timed_out)
        tests += [
            TestResult(
                name=nodeid,
                outcome="error",
                message="not run: the suite timed out",
                weight=w,
                performance=nodeid in performance,
            )
            for nodeid, w in weights.items()
            if nodeid not in reported
        ]
        what = (
            f"test {run.timed_out_test} exceeded {limits.test_timeout_s:g} s"
            if run.timed_out_test
            else f"the suite exceeded {limits.wall_timeout_s:g} s"
        )
        return result(exercise, Status.TIMEOUT, what, tests, metrics, output)
    if run.collect_errors:
        first = run.collect_errors[0]
        return error(f"the tests could not be collected: {first.message}")
    if run.collected is None or not run.finished:
        return error(f"the test process ended before the suite completed ({_died(run)})")
    if collected_ids(run) != set(run.expected):
        return error("the test process did not collect the hidden suite as it is")
    if not weights:
        return error("the hidden suite collected no tests")
    if sorted(test.name for test in tests) != sorted(weights):
        return error("the reported tests do not match the collected tests")
    if hung:
        message = f"test {hung[0].nodeid} exceeded {limits.test_timeout_s:g} s"
        return result(exercise, Status.TIMEOUT, message, tests, metrics, output, completed=True)
    return tally(exercise, tests, metrics, output)

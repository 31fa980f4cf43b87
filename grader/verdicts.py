"""From what the runner observed to a verdict: fail-closed, so only complete evidence passes.

A suite counts as completed only if the runner saw the test process announce its collected tests,
report each of them exactly once, and finish. Anything less — the process exited early
(``sys.exit(0)``, ``os._exit(0)``), died, flooded or garbled its result stream — is an error,
never a pass. The runner decides what its deadlines did to the tests (``judged``); this module
only reports those outcomes and judges whether the run as a whole can be believed. Scoring is
grader/scoring.py's.
"""

from __future__ import annotations

from grader.canaries import Canaries
from grader.catalog import Exercise
from grader.protocol import CollectedTest, ExerciseRun, TestRun
from grader.report import ExerciseResult, Metrics, Status, TestResult
from grader.sandboxes import SandboxOutcome
from grader.scoring import result, tally
from grader.text import clip

OUTPUT_KEPT = 4000


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
    return clip(text, OUTPUT_KEPT, keep="end")


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


def _over_budget(
    run: ExerciseRun, test: TestRun, known: dict[str, CollectedTest]
) -> TestResult | None:
    """A performance test that passed inside the test process but spent more CPU than its budget,
    as the runner measured from outside (where a faked clock cannot reach), fails here."""
    budget = run.cpu_budgets.get(test.nodeid)
    if budget is None or test.outcome != "passed":
        return None
    if test.cpu_s is not None and test.cpu_s <= budget:
        return None
    collected = known.get(test.nodeid) or CollectedTest(nodeid=test.nodeid)
    used = "an unknown amount" if test.cpu_s is None else f"{test.cpu_s:.2f} s"
    return TestResult(
        name=test.nodeid,
        outcome="failed",
        duration_s=round(test.duration_s, 4),
        message=f"used {used} of CPU, over its budget of {budget:g} s (measured by the runner)",
        weight=collected.weight,
        performance=True,
        clauses=collected.clauses,
    )


def from_run(
    exercise: Exercise, run: ExerciseRun, canaries: Canaries | None = None
) -> ExerciseResult:
    """The verdict of one exercise's run: its tests, unless an integrity check refuses them."""
    metrics = Metrics(**run.metrics.model_dump())
    output = _tail((run.stderr + "\n" + run.stdout).strip())
    hidden = _canary_ids(run, canaries)
    tests = reported_tests(run, hidden)
    refused = refusal(run, canaries, tests, hidden)
    if refused is not None:
        status, message = refused
        shown = [] if status is Status.TAMPERED else tests  # a forger's reports mean nothing
        return result(exercise, status, message, shown, metrics, output)
    if run.outcome == "timeout":
        message = _cut_short(exercise, run, hidden)
        return result(exercise, Status.TIMEOUT, message, tests, metrics, output)
    problem = incompleteness(run, tests, hidden)
    if problem:
        return result(exercise, Status.ERROR, problem, tests, metrics, output)
    hung = [test.nodeid for test in run.resumed_after if test.nodeid not in hidden]
    if hung:
        message = f"test {hung[0]} exceeded {exercise.manifest.limits.test_timeout_s:g} s"
        return result(exercise, Status.TIMEOUT, message, tests, metrics, output, completed=True)
    return tally(exercise, tests, metrics, output)


def _known(run: ExerciseRun, hidden: set[str]) -> dict[str, CollectedTest]:
    """Every test the run collected or went without (it hung), canaries left out."""
    known = [*(run.collected or ()), *run.resumed_after]
    return {t.nodeid: t for t in known if t.nodeid not in hidden}


def reported_tests(run: ExerciseRun, hidden: set[str]) -> list[TestResult]:
    """What the test process reported, then what the runner's deadlines decided (a hung test
    failed, one never reached was not run), canaries left out."""
    known = _known(run, hidden)

    def entry(test: TestRun) -> TestResult:
        collected = known.get(test.nodeid) or CollectedTest(nodeid=test.nodeid)
        return TestResult(
            name=test.nodeid,
            outcome=test.outcome,
            duration_s=round(test.duration_s, 4),
            message=test.message,
            weight=collected.weight,
            performance=collected.performance,
            clauses=collected.clauses,
        )

    return [
        _over_budget(run, test, known) or entry(test)
        for test in [*run.tests, *run.judged]
        if test.nodeid not in hidden
    ]


def refusal(
    run: ExerciseRun, canaries: Canaries | None, tests: list[TestResult], hidden: set[str]
) -> tuple[Status, str] | None:
    """The integrity checks: why the run's reports cannot be believed at all, if they cannot.

    Tampered: the referee caught the test process, or it forged outcomes. Error: it flooded or
    garbled its stream, the trusted collection failed, or its reports do not match what it
    collected. Checked in this order, before any timeout, so a cut-short run is refused too.
    """
    if run.violation:
        return Status.TAMPERED, f"the test process was caught at {run.violation}"
    if run.outcome == "flooded":
        return Status.ERROR, "the test process flooded its result stream"
    if run.malformed_events:
        return Status.ERROR, "the test process garbled its result stream"
    if run.expected is None:
        return Status.ERROR, f"the hidden suite could not be collected: {run.expected_problem}"
    why = forged(run, canaries)
    if why:
        return Status.TAMPERED, f"the test process {why}"
    names = [test.name for test in tests]
    if (
        (run.collected is None and tests)
        or len(set(names)) != len(names)
        or not set(names) <= set(_known(run, hidden))
    ):
        return Status.ERROR, "the reported tests do not match the collected tests"
    return None


def incompleteness(run: ExerciseRun, tests: list[TestResult], hidden: set[str]) -> str:
    """Why a run that was not cut short still did not complete the suite ("" if it did)."""
    if run.collect_errors:
        return f"the tests could not be collected: {run.collect_errors[0].message}"
    if run.collected is None or not run.finished:
        return f"the test process ended before the suite completed ({_died(run)})"
    if collected_ids(run) != set(run.expected or ()):
        return "the test process did not collect the hidden suite as it is"
    known = _known(run, hidden)
    if not known:
        return "the hidden suite collected no tests"
    if sorted(test.name for test in tests) != sorted(known):
        return "the reported tests do not match the collected tests"
    return ""


def _cut_short(exercise: Exercise, run: ExerciseRun, hidden: set[str]) -> str:
    """What cut the last run short: a test (named unless it is a canary) or the wall limit."""
    limits = exercise.manifest.limits
    if run.timed_out_test is None:
        return f"the suite exceeded {limits.wall_timeout_s:g} s"
    name = "a test" if run.timed_out_test in hidden else f"test {run.timed_out_test}"
    return f"{name} exceeded {limits.test_timeout_s:g} s"

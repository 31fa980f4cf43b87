"""Attack class 3: forging only the real tests, which leaves the canary modules honest.

Both forgers below patch pytest from the candidate's solution.py so that chosen tests of the
hidden module "pass" without running: one every test of the module that imported `solution`,
the other only the test names the repository shows. The copies planted in that module catch
both: the first passes a twin that must fail, the second leaves a clone failing next to its
forged original. The target is the fixture exercise `adder`.

Graded through `grade`, the referee (sandbox/referee.py) sees the patch first; so the canaries'
own layer is also proven without it, by running the planted suite under plain pytest and
judging the outcomes with `forged()`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_attacks import FIXTURES, grade

from grader import protocol, verdicts
from grader.canaries import Canaries, defined_tests, make_canaries

pytestmark = pytest.mark.slow

HIDDEN = FIXTURES / "adder" / "tests" / "hidden"
KNOWN = defined_tests((HIDDEN / "test_adder.py").read_text())

FORGERS = {
    "every_test_of_the_module": "'solution' in vars(item.module)",
    "only_the_known_test_names": f"item.originalname in {sorted(KNOWN)!r}",
}


def submission(tmp_path: Path, solution: str) -> Path:
    root = tmp_path / "submission"
    (root / "adder").mkdir(parents=True)
    (root / "adder" / "solution.py").write_text(solution)
    return root


def test_the_reference_keeps_full_marks(sandbox: str, tmp_path: Path) -> None:
    reference = (FIXTURES / "adder" / "reference" / "solution.py").read_text()
    report, _ = grade(submission(tmp_path, reference), sandbox)
    (adder,) = report["exercises"]
    assert adder["status"] == "passed" and adder["score"] == 10, (adder["message"], adder["tests"])
    assert sorted(test["name"].split("::")[1] for test in adder["tests"]) == sorted(KNOWN)


def forger_solution(forger: str) -> str:
    return textwrap.dedent(
        f"""
        import _pytest.python

        _runtest = _pytest.python.Function.runtest

        def runtest(item):
            if {FORGERS[forger]}:
                return None  # "passed", without running the test
            return _runtest(item)

        _pytest.python.Function.runtest = runtest

        def add(a, b):
            return a - b
        """
    )


@pytest.mark.parametrize("forger", sorted(FORGERS))
def test_forging_the_hidden_modules_tests_is_tampered(
    forger: str, sandbox: str, tmp_path: Path
) -> None:
    report, _ = grade(submission(tmp_path, forger_solution(forger)), sandbox)
    (adder,) = report["exercises"]
    assert adder["status"] == "tampered" and adder["score"] == 0, adder


def plain_pytest_run(folder: Path) -> protocol.ExerciseRun:
    """The suite in `folder` run by plain pytest (no runner, no referee), as the runner reports it."""
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml=r.xml"],
        cwd=folder,
        capture_output=True,
        check=False,
        timeout=120,
    )
    tests = []
    for case in ET.parse(folder / "r.xml").getroot().iter("testcase"):
        kinds = {child.tag for child in case} & {"failure", "error", "skipped"}
        outcome = {"failure": "failed", "error": "error", "skipped": "skipped"}.get(
            min(kinds, default=""), "passed"
        )
        nodeid = f"{case.attrib['classname'].replace('.', '/')}.py::{case.attrib['name']}"
        tests.append(protocol.TestRun(nodeid=nodeid, outcome=outcome, duration_s=0.0, message=""))
    ids = [test.nodeid for test in tests]
    return protocol.ExerciseRun(
        id="adder",
        outcome="completed",
        timed_out_test=None,
        exit_code=0,
        signal=None,
        finished=True,
        exitstatus=1,
        collected=[protocol.CollectedTest(nodeid=n) for n in ids],
        collect_errors=[],
        tests=tests,
        malformed_events=0,
        stdout="",
        stderr="",
        metrics=protocol.RunMetrics(wall_s=0.0, cpu_s=0.0, peak_rss_mb=0.0),
        expected=ids,
        expected_problem="",
        resumed_after=[],
    )


@pytest.mark.parametrize("forger", [*sorted(FORGERS), None])
def test_the_planted_copies_alone_catch_both_forgers(forger: str | None, tmp_path: Path) -> None:
    canaries = make_canaries(HIDDEN)
    suite = tmp_path / "suite"
    shutil.copytree(HIDDEN, suite)
    for name, source in canaries.files().items():
        (suite / name).write_text(source)
    wrong = "def add(a, b):\n    return a - b\n"
    (suite / "solution.py").write_text(forger_solution(forger) if forger else wrong)
    run = plain_pytest_run(suite)
    assert set(canaries.among(run.expected or ())) >= {
        f"test_adder.py::{c.name}" for c in canaries.copies
    }
    why = verdicts.forged(run, canaries)
    if forger is None:  # honest wrong code: nothing forged
        assert why is None
        return
    # The first and last canary modules alone see nothing: the forger left them honest.
    assert verdicts.forged(run, Canaries(canaries.canaries)) is None
    expected = "exact copy" if forger == "only_the_known_test_names" else "cannot pass"
    assert why is not None and expected in why, why

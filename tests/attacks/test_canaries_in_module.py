"""Attack class 3: forging only the real tests, which leaves the canary modules honest.

Both forgers below patch pytest from the candidate's solution.py so that chosen tests of the
hidden module "pass" without running: one every test of the module that imported `solution`,
the other only the test names the repository shows. The copies planted in that module catch
both: the first passes a twin that must fail, the second leaves a clone failing next to its
forged original. The target is the fixture exercise `adder`, graded through `grade`.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from test_attacks import FIXTURES, grade

from grader.canaries import defined_tests

pytestmark = pytest.mark.slow

KNOWN = defined_tests((FIXTURES / "adder" / "tests" / "hidden" / "test_adder.py").read_text())

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


@pytest.mark.parametrize("forger", sorted(FORGERS))
def test_forging_the_hidden_modules_tests_is_tampered(
    forger: str, sandbox: str, tmp_path: Path
) -> None:
    solution = textwrap.dedent(
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
    report, _ = grade(submission(tmp_path, solution), sandbox)
    (adder,) = report["exercises"]
    assert adder["status"] == "tampered" and adder["score"] == 0, adder
    assert "canary" in adder["message"]

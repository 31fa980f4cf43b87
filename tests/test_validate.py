"""grader validate's cheat check: a suite that trusts the candidate's __eq__ is caught."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.catalog import Catalog
from grader.sandboxes.local import LocalSandbox
from grader.validate import validate

FIXTURES = Path(__file__).parent / "fixtures" / "exercises"

WEAK_SUITE = """import pytest
import solution


@pytest.mark.clause("C1")
def test_ada():
    assert solution.greet("Ada") == "Hello, Ada!"


@pytest.mark.clause("C1")
def test_lowercase_name_kept():
    assert solution.greet("bob") == "Hello, bob!"
"""


@pytest.mark.slow
def test_a_suite_comparing_with_bare_equality_fails_the_cheat_check_and_exact_ones_pass(
    tmp_path: Path,
) -> None:
    catalog_dir = tmp_path / "catalog"
    shutil.copytree(FIXTURES, catalog_dir)
    (catalog_dir / "greeter" / "tests" / "hidden" / "test_greeter.py").write_text(WEAK_SUITE)
    catalog = Catalog.load(catalog_dir)
    checks = validate(catalog, list(catalog), LocalSandbox(), jobs=1)
    cheats = {(c.exercise, c.subject): c for c in checks if c.subject.startswith("cheat ")}
    variants = ["cheat object", "cheat str", "cheat int"]
    assert set(cheats) == {(e, v) for e in ("adder", "greeter") for v in variants}
    for variant in variants:
        weak, exact = cheats["greeter", variant], cheats["adder", variant]
        assert not weak.ok and "the stub 0" in weak.detail and "test_ada" in weak.detail
        assert exact.ok, exact.detail
    # The weak suite still tells the reference, the stub and every mutant apart: only the cheat
    # check sees its weakness.
    assert [c for c in checks if not c.ok and not c.subject.startswith("cheat ")] == []


# State kept in the solution's module: the second run of the test in one process fails.
ONCE_ONLY_SUITE = """import pytest
import solution
from exact import same


@pytest.mark.clause("C1")
def test_ada():
    assert same(solution.greet("Ada"), "Hello, Ada!")


@pytest.mark.clause("C1")
def test_lowercase_name_kept():
    assert not hasattr(solution, "seen")
    solution.seen = True
    assert same(solution.greet("bob"), "Hello, bob!")
"""


@pytest.mark.slow
def test_a_test_that_cannot_run_twice_in_one_process_fails_the_reference_check(
    tmp_path: Path,
) -> None:
    """Grading copies a few tests at random (canaries): such a test would make an honest solution
    `tampered` by chance. Validation copies every test of a reference, so it fails every time."""
    catalog_dir = tmp_path / "catalog"
    shutil.copytree(FIXTURES, catalog_dir)
    suite = catalog_dir / "greeter" / "tests" / "hidden" / "test_greeter.py"
    suite.write_text(ONCE_ONLY_SUITE)
    catalog = Catalog.load(catalog_dir)
    checks = validate(catalog, list(catalog), LocalSandbox(), jobs=1)
    failed = {(c.exercise, c.subject): c for c in checks if not c.ok}
    assert set(failed) == {("greeter", "reference")}
    assert "tampered" in failed["greeter", "reference"].detail

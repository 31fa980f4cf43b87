"""grader.canaries: the copies planted in hidden modules, as a forger would have to face them."""

from __future__ import annotations

import ast
import random
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from grader.canaries import (
    COPIES,
    Canaries,
    Copy,
    defined_tests,
    identifiers,
    make_canaries,
    originals,
    plant,
)

ROOT = Path(__file__).resolve().parent.parent
ADDER = ROOT / "tests" / "fixtures" / "exercises" / "adder"
CATALOG = sorted((ROOT / "exercises").glob("*/tests/hidden"))

MODULE = textwrap.dedent(
    """
    import pytest
    import solution
    from hypothesis import given, settings
    from hypothesis import strategies as st


    @pytest.fixture(scope="module")
    def shared():
        return []


    @pytest.fixture
    def fresh():
        return []


    @pytest.fixture
    def built_on_shared(shared):
        return shared


    def test_plain_sum_is_right():
        # a comment that the copy keeps
        assert solution.add(1, 2) == 3


    @pytest.mark.weight(2)
    def test_weighted_sum_with_fixture(fresh, tmp_path):
        fresh.append(solution.add(2, 2))
        assert fresh == [4]


    @pytest.mark.parametrize("a, b", [(1, 2), (3, 4)])
    def test_parametrized_sum(a, b):
        assert solution.add(a, b) == a + b


    @given(st.integers())
    @settings(max_examples=5)
    def test_hypothesis_sum_of_zero(a):
        assert solution.add(a, 0) == a


    @pytest.mark.performance
    def test_performance_sum_is_fast():
        assert solution.add(1, 1) == 2


    def test_shared_state_sum(shared):
        shared.append(1)
        assert len(shared) == 1


    def test_indirectly_shared_sum(built_on_shared):
        assert built_on_shared == []


    def test_early_return_sum():
        if solution.add(0, 0) == 0:
            return
        assert False


    def test_unknown_fixture_sum(from_a_conftest):
        assert from_a_conftest


    @pytest.mark.xfail
    def test_expected_failure_sum():
        assert solution.add(1, 1) == 3


    def helper_not_a_test():
        return solution.add(1, 1)


    class TestInAClass:
        def test_method_sum(self):
            assert solution.add(1, 1) == 2
    """
)


def functions(source: str) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    tree = ast.parse(source)
    return {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def renamed_dump(node: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> str:
    return ast.dump(type(node)(**{**node.__dict__, "name": name}))


def planted(
    source: str = MODULE, seed: int = 1, names: set[str] | None = None
) -> tuple[str, list[Copy]]:
    result = plant("test_sum.py", source, names or set(), random.Random(seed))
    assert result is not None
    return result


# --- which tests are copied -----------------------------------------------------------------


def test_originals_are_cheap_isolated_top_level_tests() -> None:
    chosen = {node.name for node in originals(ast.parse(MODULE))}
    assert chosen == {"test_plain_sum_is_right", "test_weighted_sum_with_fixture"}


def test_parametrized_tests_fill_in_when_plain_ones_are_too_few() -> None:
    source = MODULE.replace("def test_weighted_sum_with_fixture", "def helper_weighted")
    chosen = {node.name for node in originals(ast.parse(source))}
    assert chosen == {"test_plain_sum_is_right", "test_parametrized_sum"}


def test_hypothesis_tests_only_when_nothing_else_is_copyable() -> None:
    source = textwrap.dedent(
        """
        from hypothesis import given, strategies as st
        import solution

        @given(st.integers(), st.integers())
        def test_matches_plus(a, b):
            assert solution.add(a, b) == a + b

        def test_uses_a_conftest_fixture(elsewhere):
            assert elsewhere
        """
    )
    assert [node.name for node in originals(ast.parse(source))] == ["test_matches_plus"]


def test_a_module_with_nothing_safe_to_copy_is_left_alone() -> None:
    source = "import solution\n\ndef test_needs(unknown):\n    assert unknown\n"
    assert plant("test_x.py", source, set(), random.Random(0)) is None
    assert plant("test_x.py", "def broken(:\n", set(), random.Random(0)) is None


# --- what is planted ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(20))
def test_copies_are_verbatim_renamed_and_placed_after_their_original(seed: int) -> None:
    source, copies = planted(seed=seed)
    before, after = functions(MODULE), functions(source)
    order = list(after)
    assert sum(not c.twin for c in copies) == 2 and sum(c.twin for c in copies) == 2
    for copy in copies:
        original, planted_copy = before[copy.original], after[copy.name]
        assert order.index(copy.name) > order.index(copy.original)
        if copy.twin:
            body = planted_copy.body
            head = type(planted_copy)(**{**planted_copy.__dict__, "body": body[:-2]})
            assert renamed_dump(original, copy.name) == ast.dump(head)
        else:
            assert renamed_dump(original, copy.name) == ast.dump(planted_copy)
    # The original module's text is all still there, in order, and real tests are untouched.
    for name, node in before.items():
        assert ast.dump(after[name]) == ast.dump(node)
    assert "# a comment that the copy keeps" in source


@pytest.mark.parametrize("seed", range(20))
def test_a_twins_tail_is_an_ordinary_assertion_that_never_holds(seed: int) -> None:
    source, copies = planted(seed=seed)
    after = functions(source)
    for copy in (c for c in copies if c.twin):
        assign, check = after[copy.name].body[-2:]
        assert isinstance(assign, ast.Assign) and isinstance(check, ast.Assert)
        (target,) = assign.targets
        assert isinstance(target, ast.Name) and target.id not in identifiers(ast.parse(MODULE))
        assert isinstance(assign.value, ast.Constant) and isinstance(check.test, ast.Compare)
        (wanted,) = check.test.comparators
        assert isinstance(check.test.left, ast.Name) and check.test.left.id == target.id
        assert isinstance(check.test.ops[0], ast.Eq) and isinstance(wanted, ast.Constant)
        assert assign.value.value != wanted.value


@pytest.mark.parametrize("seed", range(20))
def test_names_come_from_the_module_and_are_new_to_the_whole_suite(seed: int) -> None:
    elsewhere = {"test_plain_sum", "test_sum_is_right"}  # real tests of another module
    source, copies = planted(seed=seed, names=elsewhere)
    vocabulary = {
        word for name in functions(MODULE) if name.startswith("test_") for word in name.split("_")
    }
    names = [copy.name for copy in copies]
    assert len(set(names)) == len(names)
    for name in names:
        assert name.startswith("test_") and set(name.split("_")) <= vocabulary
        assert name not in elsewhere and name not in identifiers(ast.parse(MODULE))
        assert len(name.split("_")) >= 3  # a phrase like its neighbours, not "test_x"
    assert set(functions(source)) == set(functions(MODULE)) | set(names)


def test_the_choices_are_random_per_run_and_reproducible_from_a_seed() -> None:
    hidden = ADDER / "tests" / "hidden"
    first, again = make_canaries(hidden, random.Random(7)), make_canaries(hidden, random.Random(7))
    assert first == again
    runs = [make_canaries(hidden) for _ in range(5)]
    assert len({run.modules["test_adder.py"] for run in runs}) > 1
    assert len({tuple(run.expected) for run in runs}) == 5


def test_the_suite_is_written_with_its_modules_replaced() -> None:
    canaries = make_canaries(ADDER / "tests" / "hidden", random.Random(3))
    files = canaries.files()
    assert set(canaries.expected) <= {f"{f}::{n}" for f in files for n in functions(files[f])}
    assert files["test_adder.py"] == canaries.modules["test_adder.py"]
    assert {c.file for c in canaries.copies} == {"test_adder.py"}


def test_copies_none_copies_every_test_once_as_a_clone_and_once_as_a_twin() -> None:
    hidden = ADDER / "tests" / "hidden"
    source = (hidden / "test_adder.py").read_text(encoding="utf-8")
    copyable = sorted(node.name for node in originals(ast.parse(source)))
    assert 2 * COPIES < 2 * len(copyable) < 2 * len(defined_tests(source))  # some are not
    canaries = make_canaries(hidden, random.Random(5), copies=None)
    for twin in (False, True):
        assert sorted(c.original for c in canaries.copies if c.twin is twin) == copyable
    assert len(make_canaries(hidden, random.Random(5)).copies) == 2 * COPIES


def test_copies_are_recognised_with_their_parameters() -> None:
    canaries = Canaries((), (Copy("test_x.py", "test_b_c", "test_a", twin=False),))
    assert canaries.copy_of("test_x.py::test_b_c[1-2]") == (
        canaries.copies[0],
        "test_x.py::test_a[1-2]",
    )
    assert canaries.copy_of("test_x.py::test_a") is None
    assert canaries.copy_of("test_y.py::test_b_c") is None
    assert canaries.among(["test_x.py::test_b_c", "test_x.py::test_a"]) == {"test_x.py::test_b_c"}


@pytest.mark.parametrize("hidden", CATALOG, ids=lambda p: p.parent.parent.name)
def test_every_hidden_module_of_the_catalog_gets_two_clones_and_two_twins(hidden: Path) -> None:
    canaries = make_canaries(hidden, random.Random(11))
    modules = {p.relative_to(hidden).as_posix() for p in hidden.rglob("test_*.py")}
    assert set(canaries.modules) == modules
    for file, source in canaries.modules.items():
        ast.parse(source)
        mine = [c for c in canaries.copies if c.file == file]
        assert sorted(c.twin for c in mine) == [False, False, True, True], file


# --- running them ---------------------------------------------------------------------------


def run_pytest(folder: Path, solution: str) -> dict[str, tuple[str, str]]:
    """Name -> (outcome, message) of every test in `folder`, against `solution` (a subprocess)."""
    (folder / "solution.py").write_text(solution)
    report = folder / "report.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml", str(report)],
        cwd=folder,
        capture_output=True,
        check=False,
        timeout=120,
    )
    results = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        failure = case.find("failure")
        results[case.attrib["name"]] = (
            "failed" if failure is not None else "passed",
            failure.attrib.get("message", "") if failure is not None else "",
        )
    return results


@pytest.mark.parametrize("right", [True, False], ids=["right", "wrong"])
def test_clones_agree_and_twins_fail_for_right_and_wrong_code(right: bool, tmp_path: Path) -> None:
    canaries = make_canaries(ADDER / "tests" / "hidden", random.Random(5))
    for name, source in canaries.files().items():
        (tmp_path / name).write_text(source)
    solution = f"def add(a, b):\n    return a + b if {right} else a - b\n"
    results = run_pytest(tmp_path, solution)
    for copy in canaries.copies:
        outcome, message = results[copy.name]
        if copy.twin:
            assert outcome == "failed"
            if right:  # it fails at its tail, with the message of any failed equality
                assert message.startswith("assert ") and " == " in message, message
        else:
            assert outcome == results[copy.original][0] == ("passed" if right else "failed")

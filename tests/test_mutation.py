"""Mutation testing: cosmic-ray's mutants graded by the hidden suite, equivalents, the bar."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from grader.catalog import Catalog
from grader.errors import BadInputError
from grader.mutation import (
    EQUIVALENTS_FILE,
    REQUIRED_SCORE,
    Equivalent,
    Equivalents,
    Outcome,
    annotation_spans,
    load_equivalents,
    make_mutations,
    run_mutation,
    score_outcomes,
)
from grader.report import Status
from grader.sandboxes.local import LocalSandbox

FIXTURES = Path(__file__).parent / "fixtures" / "exercises"

# Only 1 + 2: `a | b` and `a ^ b` give 3 as well, so two of cosmic-ray's eleven mutants of
# `return a + b` survive this suite.
WEAK_SUITE = """import pytest
import solution
from exact import same


@pytest.mark.clause("C1", "C2")
def test_one_example():
    assert same(solution.add(1, 2), 3)
"""

EQUIVALENT = """[[mutant]]
line = 3
column = 13
operator = "core/ReplaceBinaryOperator_Add_{name}"
reason = "for this test's sake only"
"""


def adder_catalog(tmp_path: Path, suite: str | None = None) -> Catalog:
    root = tmp_path / "catalog"
    shutil.copytree(FIXTURES / "adder", root / "adder")
    if suite is not None:
        (root / "adder" / "tests" / "hidden" / "test_adder.py").write_text(suite)
    return Catalog.load(root)


@pytest.mark.slow
def test_survivors_are_named_and_listed_equivalents_count_neither_way(tmp_path: Path) -> None:
    catalog = adder_catalog(tmp_path, WEAK_SUITE)
    (weak,) = run_mutation(list(catalog), LocalSandbox(), tmp_path / "s", jobs=2)
    assert sorted(m.operator.rsplit("_", 1)[1] for m in weak.survivors) == ["BitOr", "BitXor"]
    assert weak.killed == 9 and weak.score < REQUIRED_SCORE and not weak.ok
    assert weak.survivors[0].before == "return a + b" and "|" in weak.survivors[0].after + "^"

    entries = EQUIVALENT.format(name="BitOr") + EQUIVALENT.format(name="BitXor")
    (catalog["adder"].path / EQUIVALENTS_FILE).write_text(entries)
    (listed,) = run_mutation(list(catalog), LocalSandbox(), tmp_path / "s", jobs=2)
    assert (listed.killed, listed.equivalent, listed.survived, listed.ok) == (9, 2, 0, True)


@pytest.mark.slow
def test_the_cli_kills_every_mutant_of_a_strong_suite_and_fails_on_a_stale_equivalent(
    tmp_path: Path,
) -> None:
    catalog = adder_catalog(tmp_path)
    (catalog["adder"].path / EQUIVALENTS_FILE).write_text(EQUIVALENT.format(name="Sub"))
    done = subprocess.run(
        [Path(sys.executable).parent / "grader", "mutation", "--sandbox", "local", "--session-dir",
         str(tmp_path / "s"), "--exercises-dir", str(tmp_path / "catalog"), "--markdown"],
        capture_output=True, text=True, check=False, cwd=tmp_path,
        env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "| adder | 11 | 11 | 0 | 0 | 100.0% |" in done.stdout
    assert "no longer survives: solution.py:3:13 core/ReplaceBinaryOperator_Add_Sub" in done.stdout
    # cosmic-ray's own session holds every mutant's outcome, for cr-report.
    with sqlite3.connect(tmp_path / "s" / "adder.sqlite") as db:
        outcomes = db.execute("select test_outcome from work_results").fetchall()
    assert sorted(outcomes) == [("KILLED",)] * 11


def test_a_reference_that_fails_its_own_suite_is_refused(tmp_path: Path) -> None:
    broken = WEAK_SUITE.replace("3)", "4)")
    catalog = adder_catalog(tmp_path, broken)
    with pytest.raises(BadInputError, match="the reference fails its hidden suite: adder"):
        run_mutation(list(catalog), LocalSandbox(), tmp_path / "s")


def test_a_malformed_equivalents_file_is_bad_input(tmp_path: Path) -> None:
    catalog = adder_catalog(tmp_path)
    (catalog["adder"].path / EQUIVALENTS_FILE).write_text('[[mutant]]\nline = "three"\n')
    with pytest.raises(BadInputError, match=r"equivalent_mutants\.toml: mutant\.0\.line"):
        run_mutation(list(catalog), LocalSandbox(), tmp_path / "s")


def test_mutants_inside_annotations_are_marked_and_one_reason_can_cover_them(
    tmp_path: Path,
) -> None:
    catalog = adder_catalog(tmp_path)
    reference = catalog["adder"].reference_dir / "solution.py"
    reference.write_text(
        "from __future__ import annotations\n\n\n"
        "def add(a: int | None, b: int) -> int:\n"
        "    total: int | None = (a or 0) + b\n"
        "    return total\n"
    )
    assert sorted(annotation_spans(reference.read_text())) == [
        ((4, 11), (4, 21)),
        ((4, 26), (4, 29)),
        ((4, 34), (4, 37)),
        ((5, 11), (5, 21)),
    ]
    mutations = make_mutations(catalog["adder"], tmp_path / "s.sqlite")
    inside = {(m.line, m.operator) for m in mutations if m.in_annotation}
    outside = {(m.line, m.operator) for m in mutations if not m.in_annotation}
    assert (4, "core/ReplaceBinaryOperator_BitOr_BitAnd") in inside
    assert (5, "core/ReplaceBinaryOperator_Add_Sub") in outside
    assert {line for line, _ in inside} == {4} and {line for line, _ in outside} == {5}
    (catalog["adder"].path / EQUIVALENTS_FILE).write_text('annotations = "never evaluated"\n')
    assert load_equivalents(catalog["adder"]).annotations == "never evaluated"


def test_a_declared_equivalent_that_only_timed_out_stays_equivalent_and_a_refuted_one_is_stale(
    tmp_path: Path,
) -> None:
    mutations = make_mutations(adder_catalog(tmp_path)["adder"], tmp_path / "s.sqlite")
    sub, mul, div = (
        next(m for m in mutations if m.operator.endswith(name)) for name in ("Sub", "Mul", "Div")
    )
    declared = Equivalents(
        mutant=[Equivalent(line=3, column=13, operator=m.operator, reason="r") for m in (sub, mul)]
    )
    outcomes = [
        Outcome(sub, killed=True, status=Status.TIMEOUT, first_failing="t"),
        Outcome(mul, killed=True, status=Status.FAILED, first_failing="t"),
        Outcome(div, killed=False, status=Status.PASSED, first_failing=""),
    ]
    score = score_outcomes("adder", outcomes, declared)
    assert (score.killed, score.equivalent, score.survivors) == (1, 1, [div])
    assert [e.operator for e in score.stale] == [mul.operator]

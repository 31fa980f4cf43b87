"""Contract clauses: what a README states and what its hidden suite's markers name must agree."""

from __future__ import annotations

from pathlib import Path

from grader import clauses
from grader.catalog import Catalog
from grader.clauses import clause_problems, stated_clauses

README = """# Stack

- [C1] `push(x)` puts x on top.
- [C2] `pop()` returns the top; see [C9](https://example.com) and [C8][ref], which are links.
  [C3] An empty stack's `pop()` raises `IndexError`.
"""

SUITE = """
import pytest

pytestmark = pytest.mark.clause("C1")


@pytest.mark.clause("C2", "C3")
def test_pop(): ...


@pytest.mark.parametrize("x", [pytest.param(1, marks=pytest.mark.clause("C2"))])
def test_param(x): ...


class TestNothing:
    def test_unmarked(self): ...
"""


def write_suite(folder: Path, source: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "test_stack.py").write_text(source)
    return folder


def test_clause_tags_are_read_in_order_and_markdown_links_are_not_tags() -> None:
    assert stated_clauses(README) == ["C1", "C2", "C3"]


def test_marks_are_found_on_tests_params_and_module_pytestmark(tmp_path: Path) -> None:
    counts = clauses.tested_clauses(write_suite(tmp_path, SUITE))
    assert counts == {"C1": 1, "C2": 2, "C3": 1}


def test_agreement_has_no_problem(tmp_path: Path) -> None:
    assert clause_problems(README, write_suite(tmp_path, SUITE)) == []


def test_an_untested_clause_an_unstated_mark_and_a_repeated_tag_are_each_named(
    tmp_path: Path,
) -> None:
    suite = SUITE.replace('"C2", "C3"', '"C2", "C7"')
    readme = README + "- [C1] again\n"
    assert clause_problems(readme, write_suite(tmp_path, suite)) == [
        "clause C1 is stated twice",
        "clause C3 has no hidden test",
        "a hidden test names C7, which the README does not state",
    ]


def test_a_readme_without_clauses_is_a_problem(tmp_path: Path) -> None:
    problems = clause_problems("# Stack\n\nNo tags here.\n", write_suite(tmp_path, SUITE))
    assert problems == ["the README states no clauses (tag each one like [C1])"]


def test_a_suite_that_does_not_parse_marks_nothing(tmp_path: Path) -> None:
    assert clauses.tested_clauses(write_suite(tmp_path, "def broken(:\n")) == {}


def test_every_shipped_exercise_states_clauses_and_tests_each_one() -> None:
    problems = {
        exercise.id: clause_problems(exercise.question.read_text("utf-8"), exercise.hidden_tests)
        for exercise in Catalog.load()
        if not exercise.is_quiz
    }
    assert {k: v for k, v in problems.items() if v} == {}

"""Contract clauses: the README states them, the hidden suite names which tests check each one.

A clause is a tag such as `[C3]` at the start of a sentence or bullet of an exercise's README; a
hidden test names the clauses it checks with `@pytest.mark.clause("C3", ...)` (on a test, a class,
a module's `pytestmark`, or a `pytest.param(..., marks=...)`). The tests are read, not run: the
check is static, so `grader validate` can name an untested clause before any sandbox starts.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

from grader import pyast

CLAUSE = re.compile(r"\[(C\d+)\](?![(\[])")  # [C3], not a Markdown link [C3](...) or [C3][ref]


def stated_clauses(readme: str) -> list[str]:
    """The clause ids a README states, in order of first mention (repeats included)."""
    return CLAUSE.findall(readme)


def _clause_marks(tree: ast.AST) -> list[str]:
    """String arguments of every `<...>.mark.clause(...)` call in a module."""
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "clause"
            and isinstance(node.func.value, ast.Attribute)
            and node.func.value.attr == "mark"
        ):
            found += [
                arg.value
                for arg in node.args
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            ]
    return found


def tested_clauses(tests_dir: Path) -> Counter[str]:
    """How many `clause` marks name each clause id in a suite's test modules."""
    counts: Counter[str] = Counter()
    for path in sorted(tests_dir.rglob("*.py")):
        try:
            tree = pyast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except (SyntaxError, UnicodeDecodeError):
            continue  # a broken suite fails its own checks; it simply marks nothing here
        counts.update(_clause_marks(tree))
    return counts


def clause_problems(readme: str, tests_dir: Path) -> list[str]:
    """Why a README and its hidden suite disagree about the contract; empty when they agree."""
    stated = stated_clauses(readme)
    if not stated:
        return ["the README states no clauses (tag each one like [C1])"]
    problems = [f"clause {c} is stated twice" for c, n in Counter(stated).items() if n > 1]
    tested = tested_clauses(tests_dir)
    problems += [f"clause {c} has no hidden test" for c in dict.fromkeys(stated) if c not in tested]
    problems += [
        f"a hidden test names {c}, which the README does not state"
        for c in tested
        if c not in stated
    ]
    return problems

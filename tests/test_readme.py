"""The README tells the truth: its catalog table and attack count match the code."""

from __future__ import annotations

import ast
from pathlib import Path

from grader.catalog import Catalog, catalog_table

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_catalog_table_is_current() -> None:
    """Regenerate with `grader exercises --markdown` when an exercise changes."""
    assert catalog_table(Catalog.load()) in README


def count_of(test_file: str, table: str) -> int:
    """How many entries a module-level table of an attack suite holds (its keys, read from source)."""
    tree = ast.parse((ROOT / "tests" / "attacks" / test_file).read_text(encoding="utf-8"))
    entries = next(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == table
    )
    assert isinstance(entries, ast.Dict)
    return len(entries.keys)


def test_the_red_team_counts_are_current() -> None:
    assert f"{count_of('test_attacks.py', 'ATTACKS')} hostile submissions" in README
    assert f"runs {count_of('test_forgery.py', 'FORGERIES')} forgers" in README

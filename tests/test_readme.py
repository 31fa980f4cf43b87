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


def test_the_red_team_count_is_current() -> None:
    tree = ast.parse((ROOT / "tests" / "attacks" / "test_attacks.py").read_text(encoding="utf-8"))
    attacks = next(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "ATTACKS"
    )
    assert isinstance(attacks, ast.Dict)
    assert f"{len(attacks.keys)} hostile submissions" in README


def test_the_forger_count_is_current() -> None:
    tree = ast.parse((ROOT / "tests" / "attacks" / "test_forgery.py").read_text(encoding="utf-8"))
    forgeries = next(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "FORGERIES"
    )
    assert isinstance(forgeries, ast.Dict)
    assert f"runs {len(forgeries.keys)} forgers" in README

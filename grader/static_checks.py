"""Checks made on the submitted source before anything runs: syntax, and forbidden imports.

Static checks are easy to evade (``getattr(__builtins__, …)``), so they guard the exercise's
intent — "write it without contextlib" — not the host; the sandbox guards the host.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from grader import pyast

_IMPORT_FUNCTIONS = {"__import__", "import_module"}


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}, line {self.line}: {self.message}"


def syntax_error(file: str, source: str) -> Finding | None:
    try:
        pyast.parse(source, filename=file)
    except SyntaxError as exc:
        return Finding(file, exc.lineno or 0, f"syntax error: {exc.msg}")
    except ValueError as exc:  # source with NUL bytes
        return Finding(file, 0, f"cannot be parsed: {exc}")
    return None


def imported_modules(tree: ast.AST) -> Iterator[tuple[str, int]]:
    """Every module name the code imports, with its line: statements and calls with a constant name."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, node.lineno
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name not in _IMPORT_FUNCTIONS:
                continue
            arguments = node.args[:1] + [kw.value for kw in node.keywords if kw.arg == "name"]
            for argument in arguments:
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    yield argument.value, node.lineno


def _is_forbidden(module: str, forbidden: Iterable[str]) -> str | None:
    for name in forbidden:
        if module == name or module.startswith(name + "."):
            return name
    return None


def forbidden_imports(file: str, source: str, forbidden: Iterable[str]) -> list[Finding]:
    forbidden = list(forbidden)
    if not forbidden:
        return []
    tree = pyast.parse(source, filename=file)
    return [
        Finding(file, line, f"imports {module!r}, which this exercise forbids")
        for module, line in imported_modules(tree)
        if _is_forbidden(module, forbidden)
    ]

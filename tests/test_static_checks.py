"""grader.static_checks: syntax errors and forbidden imports, with the right file and line."""

from __future__ import annotations

import ast
import textwrap

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.static_checks import Finding, forbidden_imports, imported_modules, syntax_error


def lines_of(source: str, forbidden: list[str]) -> list[int]:
    return [f.line for f in forbidden_imports("solution.py", source, forbidden)]


@pytest.mark.parametrize(
    "statement",
    [
        "import contextlib",
        "import contextlib.abc",
        "import contextlib as cl",
        "import os, contextlib",
        "from contextlib import contextmanager",
        "from contextlib.abc import thing",
        "from contextlib import *",
        "__import__('contextlib')",
        "__import__('contextlib.sub')",
        "importlib.import_module('contextlib')",
        "import_module('contextlib')",
        "x = __import__('contextlib', globals(), locals())",
    ],
)
def test_forbidden_import_is_found(statement: str) -> None:
    source = f"import sys\n\n{statement}\n"
    findings = forbidden_imports("solution.py", source, ["contextlib"])
    assert len(findings) == 1
    finding = findings[0]
    assert finding.file == "solution.py"
    assert finding.line == 3
    assert "contextlib" in finding.message
    assert "forbids" in finding.message


@pytest.mark.parametrize(
    "statement",
    [
        "import contextlibx",
        "import xcontextlib",
        "import contextlib_extras.sub",
        "from contextlibx import thing",
        "from . import contextlib",
        "from .contextlib import contextmanager",
        "from ..contextlib import contextmanager",
        "__import__(name)",
        "importlib.import_module(f'context{x}')",
        "print('import contextlib')",
        "# import contextlib",
        "x = 'contextlib'",
        "other('contextlib')",
    ],
)
def test_not_forbidden(statement: str) -> None:
    assert forbidden_imports("solution.py", statement + "\n", ["contextlib"]) == []


def test_forbidden_dotted_name_only_matches_that_submodule() -> None:
    assert lines_of("import os\nimport os.path\nimport os.pathlib\n", ["os.path"]) == [2]


def test_no_forbidden_names_means_no_findings_even_for_bad_source() -> None:
    assert forbidden_imports("solution.py", "import contextlib\n", []) == []
    assert forbidden_imports("solution.py", "def (:\n", []) == []


def test_every_occurrence_is_reported_with_its_line() -> None:
    source = textwrap.dedent(
        """\
        import json

        def f():
            import copy
            return copy


        class A:
            def g(self):
                from pickle import dumps
                return __import__("copy").deepcopy(self)

        if True:
            import importlib
            mod = importlib.import_module("pickle")
        """
    )
    findings = forbidden_imports("pkg/mod.py", source, ["copy", "pickle"])
    assert {f.file for f in findings} == {"pkg/mod.py"}
    assert sorted(f.line for f in findings) == [4, 10, 11, 15]
    messages = {f.line: f.message for f in findings}
    assert "'copy'" in messages[4]
    assert "'pickle'" in messages[10]
    assert "'copy'" in messages[11]
    assert "'pickle'" in messages[15]


def test_multiline_import_reports_its_first_line() -> None:
    source = "x = 1\nfrom contextlib import (\n    contextmanager,\n    suppress,\n)\n"
    assert lines_of(source, ["contextlib"]) == [2]


def test_several_forbidden_modules_in_one_statement() -> None:
    findings = forbidden_imports("s.py", "import copy, json, pickle\n", ["copy", "pickle"])
    assert sorted(f.message for f in findings) == [
        "imports 'copy', which this exercise forbids",
        "imports 'pickle', which this exercise forbids",
    ]
    assert {f.line for f in findings} == {1}


def test_imported_modules_lists_everything_with_lines() -> None:
    tree = ast.parse("import a.b as c\nfrom d import e\nfrom . import f\n__import__('g')\n")
    assert sorted(imported_modules(tree)) == [("a.b", 1), ("d", 2), ("g", 4)]


def test_finding_str() -> None:
    assert str(Finding("solution.py", 7, "oops")) == "solution.py, line 7: oops"


# --- syntax errors -----------------------------------------------------------------------------


def test_valid_source_has_no_syntax_error() -> None:
    assert syntax_error("solution.py", "def f():\n    return 1\n") is None
    assert syntax_error("solution.py", "") is None


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("def f(:\n    pass\n", 1),
        ("x = 1\ny = 2\nif x\n    pass\n", 3),
        ("x = 1\n\n\ndef f():\nreturn 1\n", 5),
        ("x = (1,\n", 1),
        ("a = 1\nb = 2\nc = 3 +\n", 3),
    ],
)
def test_syntax_error_reported_with_its_line(source: str, line: int) -> None:
    finding = syntax_error("pkg/solution.py", source)
    assert finding is not None
    assert finding.file == "pkg/solution.py"
    assert finding.line == line
    assert finding.message.startswith("syntax error: ")
    assert str(finding).startswith(f"pkg/solution.py, line {line}: syntax error")


def test_nul_bytes_cannot_be_parsed() -> None:
    finding = syntax_error("solution.py", "x = 1\x00\n")
    assert finding is not None
    assert finding.file == "solution.py"
    assert "null" in finding.message


@given(st.sampled_from(["copy", "pickle", "contextlib"]), st.integers(0, 30))
def test_line_number_follows_blank_lines(module: str, blank: int) -> None:
    source = "\n" * blank + f"import {module}\n"
    findings = forbidden_imports("s.py", source, ["copy", "pickle", "contextlib"])
    assert [f.line for f in findings] == [blank + 1]


def test_keyword_argument_import_call_is_found() -> None:
    assert lines_of("__import__(name='contextlib')\n", ["contextlib"]) == [1]

"""`ast.parse` that is safe to call from several threads at once.

CPython before 3.11.5 and 3.12 kept the AST validator's recursion depth per interpreter, not per
thread, so two threads parsing at once could fail with "SystemError: AST constructor recursion
depth mismatch" (python/cpython#106905). Batch grading, validation and mutation testing grade in
threads, and each grading parses sources (syntax checks, canaries), so every parse goes through
one lock. Parsing is fast; the lock costs nothing measurable next to a sandbox run.
"""

from __future__ import annotations

import ast
import threading

_LOCK = threading.Lock()


def parse(source: str | bytes, filename: str = "<unknown>") -> ast.Module:
    with _LOCK:
        return ast.parse(source, filename=filename)

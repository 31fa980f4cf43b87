"""Universal cheats: the stub with every public function answering "equal to anything".

A hidden suite that checks results with a bare ``==`` asks the candidate's object whether it is
right, and an object whose ``__eq__`` always says yes (or a ``str``/``int`` subclass that does)
passes. ``grader validate`` grades these cheats and requires that they earn no more than the stub,
so such a suite is caught before a candidate finds it.

The cheat is made from the stub's syntax tree (never imported): imports, signatures, decorators,
classes and module-level code stay, so the candidate's modules import and are called exactly like
the stub's; only the bodies of public functions and methods change.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Literal

from grader import pyast

Variant = Literal["object", "str", "int"]
VARIANTS: tuple[Variant, ...] = ("object", "str", "int")

# The factory every replaced body calls; private, so it never collides with a stub's public name.
FACTORY = "_grader_anything"

_OBJECT = f'''
class _GraderAnything:
    """Equal to everything, truthy, empty, callable, and its own every attribute."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __lt__(self, other):
        return True

    __le__ = __gt__ = __ge__ = __lt__

    def __hash__(self):
        return 0

    def __bool__(self):
        return True

    def __len__(self):
        return 0

    def __iter__(self):
        return self

    def __next__(self):
        raise StopIteration

    def __contains__(self, item):
        return True

    def __call__(self, *args, **kwargs):
        return self

    def __getitem__(self, key):
        return self

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return None

    def __repr__(self):
        return "<anything>"


def {FACTORY}():
    return _GraderAnything()
'''


def _builtin_subclass(base: str, value: str) -> str:
    return f'''
class _GraderAnything({base}):
    """A {base} that says it equals everything."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = {base}.__hash__


def {FACTORY}():
    return _GraderAnything({value})
'''


PRELUDES: dict[Variant, str] = {
    "object": _OBJECT,
    "str": _builtin_subclass("str", "''"),
    "int": _builtin_subclass("int", "0"),
}

# Methods given a fixed body instead of the cheat value. Constructors must return None (they keep
# the stub's body minus its NotImplementedError); iterators end at once so nothing loops forever.
_EQUAL = {"__eq__": "True", "__ne__": "False", "__contains__": "True", "__bool__": "True"}
_CONSTRUCTORS = frozenset({"__init__", "__post_init__"})
_STOPS = {"__next__": "StopIteration", "__anext__": "StopAsyncIteration"}
# Dunders that hand out a value a test might compare: they return the cheat value.
_RETURNING = frozenset(
    {"__call__", "__enter__", "__aenter__", "__getitem__", "__iter__", "__aiter__"}
)

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


class CheatError(ValueError):
    """The stub cannot be parsed, so no cheat can be made from it."""


def synthesize(files: Mapping[str, bytes], variant: Variant) -> dict[str, bytes]:
    """The cheat of one variant for an exercise's stub files (other files are kept as they are)."""
    return {
        name: cheat_module(content.decode(), variant, name).encode()
        if name.endswith(".py")
        else content
        for name, content in files.items()
    }


def cheat_module(source: str, variant: Variant, filename: str = "<stub>") -> str:
    """One stub module's cheat: same imports, names and signatures, lying return values."""
    try:
        tree = pyast.parse(source, filename)
    except SyntaxError as error:
        raise CheatError(f"{filename} does not parse: {error}") from error
    for node in tree.body:
        if isinstance(node, FunctionNode) and _public(node.name):
            node.body = _returning()
        elif isinstance(node, ast.ClassDef) and _public(node.name):
            for member in node.body:
                if isinstance(member, FunctionNode):
                    member.body = _method_body(member)
    prelude = pyast.parse(PRELUDES[variant]).body
    at = _after_future_imports(tree.body)
    tree.body[at:at] = prelude
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def _public(name: str) -> bool:
    return not name.startswith("_")


def _dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


def _returning() -> list[ast.stmt]:
    return [ast.Return(ast.Call(ast.Name(FACTORY, ast.Load()), [], []))]


def _method_body(method: FunctionNode) -> list[ast.stmt]:
    name = method.name
    if name in _EQUAL:
        return [ast.Return(ast.Constant(_EQUAL[name] == "True"))]
    if name in _CONSTRUCTORS:
        kept = [statement for statement in method.body if not _raises_not_implemented(statement)]
        return kept or [ast.Pass()]
    if name in _STOPS:
        return [ast.Raise(ast.Name(_STOPS[name], ast.Load()))]
    if name in _RETURNING or _public(name):
        return _returning()
    return method.body


def _raises_not_implemented(statement: ast.stmt) -> bool:
    if not isinstance(statement, ast.Raise) or statement.exc is None:
        return False
    raised = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
    return isinstance(raised, ast.Name) and raised.id == "NotImplementedError"


def _after_future_imports(body: list[ast.stmt]) -> int:
    """Where code may be inserted: after the module docstring and `from __future__` imports."""
    at = 0
    for index, statement in enumerate(body):
        docstring = (
            index == 0
            and isinstance(statement, ast.Expr)
            and isinstance(statement.value, ast.Constant)
            and isinstance(statement.value.value, str)
        )
        future = isinstance(statement, ast.ImportFrom) and statement.module == "__future__"
        if docstring or future:
            at = index + 1
        else:
            break
    return at

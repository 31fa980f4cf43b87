"""The universal cheats: made from a stub's syntax tree, importable like it, and lying."""

from __future__ import annotations

import ast
import asyncio
import inspect
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from grader.catalog import Catalog
from grader.cheats import VARIANTS, CheatError, Variant, cheat_module, synthesize

STUB = '''"""A stub."""

from __future__ import annotations

from collections.abc import Iterator

LIMIT = 3


def add(a: int, b: int = LIMIT, *rest: int, scale: int, **extra: str) -> int:
    """Return the sum."""
    raise NotImplementedError


async def fetch(url: str) -> str:
    raise NotImplementedError


def numbers(n: int) -> Iterator[int]:
    raise NotImplementedError
    yield 0


def _helper() -> int:
    return 41


class Counter:
    """Counts."""

    def __init__(self, start: int) -> None:
        self.start = start
        raise NotImplementedError

    def __iter__(self) -> Counter:
        raise NotImplementedError

    def __next__(self) -> int:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        raise NotImplementedError

    def __repr__(self) -> str:
        return "Counter()"

    @property
    def value(self) -> int:
        raise NotImplementedError

    @staticmethod
    def parse(text: str) -> Counter:
        raise NotImplementedError

    def _private(self) -> int:
        return 7
'''


def load(source: str) -> types.ModuleType:
    module = types.ModuleType("cheat")
    exec(compile(source, "cheat.py", "exec"), module.__dict__)
    return module


def signatures(source: str) -> dict[str, str]:
    """Every function's and method's name, kind and arguments (with defaults and annotations)."""
    found = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name != (
            "_grader_anything"
        ):
            kind = type(node).__name__
            found[node.name] = (
                f"{kind} {ast.dump(node.args)} {ast.dump(node.returns or ast.Pass())}"
            )
            found[node.name] += " ".join(ast.dump(d) for d in node.decorator_list)
    return found


def top_level_names(source: str) -> set[str]:
    return {
        node.name
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }


def liar(value: Any) -> None:
    """`value` claims to equal unrelated values of every type, and to differ from none."""
    for other in (3, "x", [1, 2], {"a": 1}, None, 2.5, object()):
        assert value == other
        assert (value != other) is False


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_cheat_keeps_names_and_signatures_and_its_answers_equal_everything(
    variant: Variant,
) -> None:
    source = cheat_module(STUB, variant)
    assert ast.get_docstring(ast.parse(source)) == "A stub."
    assert signatures(source).items() >= signatures(STUB).items()
    assert top_level_names(STUB) <= top_level_names(source)
    module = load(source)
    liar(module.add(1, scale=2))
    assert inspect.iscoroutinefunction(module.fetch)
    liar(asyncio.run(module.fetch("http://example.com")))
    liar(module.numbers(3))
    counter = module.Counter(5)
    assert counter.start == 5  # the constructor keeps what the stub's did, minus the raise
    liar(counter.value)
    liar(module.Counter.parse("1"))
    assert counter == object() and (counter != 1) is False
    if variant == "object":
        assert list(counter) == []  # an iterator that ends at once: nothing loops forever
    assert module._helper() == 41 and counter._private() == 7 and repr(counter) == "Counter()"
    assert module.LIMIT == 3


def test_the_builtin_variants_are_exactly_subclasses_of_their_builtin() -> None:
    text = load(cheat_module(STUB, "str")).add(1, scale=2)
    number = load(cheat_module(STUB, "int")).add(1, scale=2)
    assert isinstance(text, str) and type(text) is not str
    assert isinstance(number, int) and type(number) is not int
    assert {text: 1}[text] == 1 and hash(number) == hash(0)


def test_the_object_variant_is_permissive_everywhere_a_test_might_look() -> None:
    value = load(cheat_module(STUB, "object")).add(1, scale=2)
    liar(value)
    assert value.anything is value and value() is value and value[0] is value
    assert 5 in value and bool(value) and len(value) == 0 and list(value) == []
    assert value < 1 and value >= "a" and hash(value) == 0
    with value as entered:
        assert entered is value
    with pytest.raises(AttributeError):
        value.__fspath__  # noqa: B018  (dunder protocols are not faked)


def test_the_exact_helper_is_not_fooled_by_any_variant() -> None:
    sys.path.insert(0, str(Path(__file__).parents[1] / "sandbox"))
    try:
        from exact import same
    finally:
        sys.path.pop(0)
    for variant in VARIANTS:
        value = load(cheat_module(STUB, variant)).add(1, scale=2)
        assert not same(value, 3) and not same(value, "") and not same([value], [0])


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_catalog_stub_gives_a_cheat_that_compiles_with_the_same_public_names(
    variant: Variant,
) -> None:
    exercises = [e for e in Catalog.load() if not e.is_quiz]
    assert exercises
    for exercise in exercises:
        files = {
            name: path.read_bytes()
            for name, path in exercise.solution_files(exercise.stub_dir).items()
        }
        cheat = synthesize(files, variant)
        assert cheat.keys() == files.keys()
        for name, content in cheat.items():
            compile(content, f"{exercise.id}/{name}", "exec")
            stub = files[name].decode()
            public = {n for n in top_level_names(stub) if not n.startswith("_")}
            assert public <= top_level_names(content.decode()), (exercise.id, name)
            assert signatures(content.decode()).keys() >= signatures(stub).keys()


def test_other_files_are_kept_and_a_stub_that_does_not_parse_is_an_error() -> None:
    cheat = synthesize({"pkg/data.txt": b"x = (", "pkg/mod.py": b"def f(): pass\n"}, "int")
    assert cheat["pkg/data.txt"] == b"x = ("
    assert load(cheat["pkg/mod.py"].decode()).f() == 12345
    with pytest.raises(CheatError, match=r"broken\.py"):
        synthesize({"broken.py": b"def f(:\n"}, "object")

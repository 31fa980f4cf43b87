"""Canary tests: outcomes only the host knows, planted in every hidden suite.

The test process runs the candidate's code, so whatever it reports could be forged — by
patching pytest's reports or the plugin, or by writing the result stream by hand. Each run gets:

* extra tests with random names in a module that sorts first and one that sorts last; half of
  them must fail, and which ones depends on a hash the code would have to compute. A blanket
  forgery ("everything passed") reports a failing canary as passed; a forged stream that skips to
  the end lacks the last canaries.
* inside every hidden module, copies of its own tests, named from its own vocabulary and placed
  among its tests, so that a forger who rewrites only that module (or only the test names the
  repository shows) also rewrites copies it cannot tell from the real tests. A *clone* is a
  verbatim copy and must agree with its original (a forged pass next to an honest failure); a
  *twin* is a verbatim copy with an assertion appended that never holds, so it always fails (a
  forger who passes every test of the module passes it).

Either way the exercise is `tampered`. Which tests are copied, their names and places are chosen
per run with `secrets`, so reading this code and the suites does not tell them apart. Canaries
never appear in reports.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import keyword
import random
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from grader import pyast

COPIES = 2  # clones, and as many twins, per hidden module
BUILTIN_FIXTURES = frozenset(
    {"tmp_path", "tmpdir", "monkeypatch", "capsys", "capfd", "capsysbinary", "capfdbinary"}
    | {"caplog", "recwarn"}
)
HYPOTHESIS = frozenset({"given", "settings", "example", "seed"})
MARKS = frozenset({"parametrize", "weight", "clause"})  # marks a copy keeps, running the same
LOCALS = ("value", "result", "total", "count", "got", "seen", "size", "actual")


@dataclass(frozen=True)
class Canary:
    file: str
    name: str
    nonce: str
    passes: bool

    @property
    def nodeid(self) -> str:
        return f"{self.file}::{self.name}"

    def source(self) -> str:
        parity = _parity(self.nonce) if self.passes else 1 - _parity(self.nonce)
        digest = f'int(hashlib.sha256(b"{self.nonce}").hexdigest(), 16)'
        return f"def {self.name}():\n    assert {digest} % 2 == {parity}\n"


@dataclass(frozen=True)
class Copy:
    """A real test planted again in its module under another name: a clone, or a twin that must fail."""

    file: str
    name: str
    original: str
    twin: bool


@dataclass(frozen=True)
class Canaries:
    canaries: tuple[Canary, ...]
    copies: tuple[Copy, ...] = ()
    # Hidden module (path relative to the suite) -> its source with the copies planted.
    modules: Mapping[str, str] = field(default_factory=dict)

    @property
    def expected(self) -> dict[str, str]:
        """Node id -> the outcome an honest run reports (the first and last modules' canaries)."""
        return {c.nodeid: "passed" if c.passes else "failed" for c in self.canaries}

    def copy_of(self, nodeid: str) -> tuple[Copy, str] | None:
        """The copy a node id belongs to (parametrized ids included), with its original's node id."""
        file, _, rest = nodeid.partition("::")
        name, bracket, params = rest.partition("[")
        for copy in self.copies:
            if copy.file == file and copy.name == name:
                return copy, f"{file}::{copy.original}{bracket}{params}"
        return None

    def among(self, nodeids: Iterable[str]) -> set[str]:
        """The canaries among these node ids: what reports and scores must never show."""
        expected = self.expected
        return {n for n in nodeids if n in expected or self.copy_of(n) is not None}

    def files(self) -> dict[str, str]:
        """Path relative to the suite's folder -> source, to be written over the suite's copy."""
        sources: dict[str, str] = {}
        for canary in self.canaries:
            sources[canary.file] = (
                sources.get(canary.file, "import hashlib\n") + "\n\n" + canary.source()
            )
        return {**sources, **self.modules}


def _parity(nonce: str) -> int:
    return int(hashlib.sha256(nonce.encode()).hexdigest(), 16) % 2


def make_canaries(
    tests_dir: Path | None = None,
    rng: random.Random | None = None,
    *,
    copies: int | None = COPIES,
) -> Canaries:
    """Two canaries in a module that runs first and two in one that runs last (one of each pair
    fails), and `copies` clones and twins in every hidden module of `tests_dir` (None: of every
    test that can be copied, which `grader validate` asks for on references, so that a test that
    cannot run twice in one process is found there and not by a candidate's unlucky draw).

    `rng` is for tests only: grading draws from the operating system's randomness.
    """
    rng = rng or secrets.SystemRandom()
    canaries = []
    for file in (f"test_0{_hex(rng)}.py", f"test_zzzz{_hex(rng)}.py"):
        names = sorted(f"test_{_hex(rng)}" for _ in range(2))
        failing = rng.choice(names)
        canaries += [Canary(file, name, _hex(rng, 16), name != failing) for name in names]
    planted_copies: list[Copy] = []
    modules: dict[str, str] = {}
    if tests_dir is not None:
        paths = sorted(tests_dir.rglob("test_*.py"))
        sources = {
            p.relative_to(tests_dir).as_posix(): p.read_text(encoding="utf-8") for p in paths
        }
        suite_names = {n for source in sources.values() for n in defined_tests(source, nested=True)}
        for file, source in sources.items():
            planted = plant(file, source, suite_names, rng, copies)
            if planted is not None:
                modules[file], more = planted
                planted_copies += more
    return Canaries(tuple(canaries), tuple(planted_copies), modules)


def _hex(rng: random.Random, size: int = 6) -> str:
    return rng.getrandbits(size * 8).to_bytes(size, "big").hex()


def defined_tests(source: str, *, nested: bool = False) -> list[str]:
    """The module's top-level test functions (`nested`: and those in classes), by name."""
    try:
        tree = pyast.parse(source)
    except SyntaxError:
        return []
    nodes = ast.walk(tree) if nested else iter(tree.body)
    return [
        node.name
        for node in nodes
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
    ]


def plant(
    file: str, source: str, suite_names: set[str], rng: random.Random, k: int | None = COPIES
) -> tuple[str, list[Copy]] | None:
    """The module's source with k clones and k twins of its tests planted (None: of every test
    safe to copy), or None if it has no test that is safe to copy (or does not parse: the
    trusted collection will say so)."""
    try:
        tree = pyast.parse(source)
    except SyntaxError:
        return None
    pool = originals(tree)
    if not pool:
        return None
    lines = source.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    taken = suite_names | identifiers(tree)
    vocabulary = _vocabulary(defined_tests(source))
    index = {id(node): i for i, node in enumerate(tree.body)}
    boundaries = _boundaries(tree.body)
    at_line: dict[int, list[str]] = {}
    copies: list[Copy] = []
    for twin in (False, True):
        for node in rng.sample(pool, len(pool) if k is None else min(k, len(pool))):
            name = _fresh_name(defined_tests(source), taken, rng)
            taken.add(name)
            text = _renamed(lines, node, name)
            if twin:
                text += _failing_tail(lines, node, vocabulary, taken, rng)
            where = rng.choice([b for b in boundaries if b > index[id(node)]])
            line = _first_line(tree.body[where]) - 1 if where < len(tree.body) else len(lines)
            at_line.setdefault(line, []).append(text)
            copies.append(Copy(file, name, node.name, twin))
    out: list[str] = []
    for line in range(len(lines) + 1):
        texts = at_line.get(line, [])
        rng.shuffle(texts)
        out += [f"{text}\n\n" if line < len(lines) else f"\n\n{text}" for text in texts]
        out += lines[line : line + 1]
    return "".join(out), copies


def originals(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """The tests worth copying: top-level, cheap and isolated. Plain tests first; parametrized
    ones if fewer than `COPIES` plain ones exist; Hypothesis tests only if nothing else does."""
    fixtures = _safe_fixtures(tree)
    tiers: dict[int, list[ast.FunctionDef | ast.AsyncFunctionDef]] = {0: [], 1: [], 2: []}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if not node.name.startswith("test_"):
            continue
        tier = _tier(node, fixtures)
        if tier is not None:
            tiers[tier].append(node)
    pool = tiers[0] if len(tiers[0]) >= COPIES else tiers[0] + tiers[1]
    return pool or tiers[2]


def _tier(node: ast.FunctionDef | ast.AsyncFunctionDef, fixtures: set[str]) -> int | None:
    """0 plain, 1 parametrized, 2 Hypothesis; None: not safe to copy (an unknown decorator or
    fixture, a shared fixture, a performance test, a `return` that would skip a twin's tail)."""
    if node.body[0].lineno == node.lineno or _returns(node):
        return None
    provided: set[str] = set()
    hypothesis = given = False
    for decorator in node.decorator_list:
        call = decorator if isinstance(decorator, ast.Call) else None
        parts = _dotted(call.func if call else decorator)
        if parts[-1:] and parts[-1] in HYPOTHESIS:
            hypothesis = True
            if parts[-1] == "given" and call is not None:
                given = True
                provided |= {kw.arg for kw in call.keywords if kw.arg}
                positional = [a.arg for a in node.args.args][-len(call.args) :] if call.args else []
                provided |= set(positional)
        elif len(parts) >= 2 and parts[-2] == "mark" and parts[-1] in MARKS:
            if parts[-1] == "parametrize":
                if call is None or not call.args:
                    return None
                provided |= _argnames(call.args[0])
        else:
            return None
    if hypothesis and not given:
        return None
    args = node.args
    if args.vararg or args.kwarg or args.posonlyargs or args.kwonlyargs or args.defaults:
        return None
    if any(a.arg not in provided and a.arg not in fixtures for a in args.args):
        return None
    if hypothesis:
        return 2
    return 1 if provided else 0


def _returns(node: ast.AST) -> bool:
    """A `return` or `yield` in the function itself (nested functions and classes aside)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Return | ast.Yield | ast.YieldFrom):
            return True
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if _returns(child):
            return True
    return False


def _dotted(node: ast.expr) -> list[str]:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.insert(0, node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.insert(0, node.id)
        return parts
    return []


def _argnames(node: ast.expr) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {name.strip() for name in node.value.split(",") if name.strip()}
    if isinstance(node, ast.List | ast.Tuple):
        return {
            e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
        }
    return set()


def _safe_fixtures(tree: ast.Module) -> set[str]:
    """Fixtures a copy may share with its original: function-scoped, down to their own fixtures.
    A module- or session-scoped one carries state from test to test, so a copy could see it
    changed and honestly disagree with its original."""
    defined: dict[str, tuple[bool, list[str]]] = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            if _dotted(call.func if call else decorator)[-1:] != ["fixture"]:
                continue
            keywords = {kw.arg: kw.value for kw in call.keywords} if call else {}
            scope = keywords.get("scope")
            function_scoped = scope is None or (
                isinstance(scope, ast.Constant) and scope.value == "function"
            )
            name = keywords.get("name")
            key = (
                name.value
                if isinstance(name, ast.Constant) and isinstance(name.value, str)
                else node.name
            )
            defined[key] = (
                function_scoped and not (call and call.args),
                [a.arg for a in node.args.args],
            )
    safe = set(BUILTIN_FIXTURES)

    def is_safe(name: str, seen: frozenset[str]) -> bool:
        if name in BUILTIN_FIXTURES:
            return True
        if name not in defined or name in seen:
            return False
        ok, needs = defined[name]
        return ok and all(is_safe(n, seen | {name}) for n in needs)

    return safe | {name for name in defined if is_safe(name, frozenset())}


def identifiers(tree: ast.Module) -> set[str]:
    """Every name the module uses or defines, and the builtins: what a planted name must not shadow."""
    names = set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
    return names


def _vocabulary(names: list[str]) -> list[str]:
    words = dict.fromkeys(w for name in names for w in name.split("_")[1:] if w)
    return list(words)


def _fresh_name(names: list[str], taken: set[str], rng: random.Random) -> str:
    """A test name of the module's own words, which no test of the suite has: the head of one of
    its test names spliced to the tail of another, or failing that, its words recombined."""
    split = [name.split("_")[1:] for name in names if name.startswith("test_")]
    split = [words for words in split if words] or [["case"]]
    words = _vocabulary(names) or ["case"]
    for attempt in range(1000):
        head, tail = rng.choice(split), rng.choice(split)
        if attempt < 200 and len(head) > 1 and len(tail) > 1:
            parts = head[: rng.randint(1, len(head) - 1)] + tail[rng.randint(1, len(tail) - 1) :]
        else:
            parts = rng.sample(words, rng.randint(min(2, len(words)), min(5, len(words))))
        name = "test_" + "_".join(parts)
        if attempt > 500:
            name += f"_{rng.randint(2, 99)}"
        if name not in taken:
            return name
    raise RuntimeError("no fresh test name")  # pragma: no cover - 1000 draws with numbers


def _failing_tail(
    lines: list[str],
    node: ast.FunctionDef | ast.AsyncFunctionDef,
    vocabulary: list[str],
    taken: set[str],
    rng: random.Random,
) -> str:
    """Two lines shaped like any assertion of the suite (`assert 417 == 421`) that never hold."""
    first = lines[node.body[0].lineno - 1]
    indent = first[: len(first) - len(first.lstrip())]
    candidates = [
        w for w in (*vocabulary, *LOCALS) if w.isidentifier() and not keyword.iskeyword(w)
    ]
    free = [w for w in candidates if w not in taken] or [f"{rng.choice(LOCALS)}_{_hex(rng, 2)}"]
    local = rng.choice(free)
    got = rng.randint(2, 999)
    wanted = got + rng.choice([-1, 1]) * rng.randint(1, 9)
    return f"{indent}{local} = {got}\n{indent}assert {local} == {wanted}\n"


def _first_line(node: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def _boundaries(body: list[ast.stmt]) -> list[int]:
    """Indices i such that text may be inserted before body[i] (len(body): at the end)."""
    found = [
        i
        for i in range(1, len(body))
        if (body[i - 1].end_lineno or body[i - 1].lineno) < _first_line(body[i])
    ]
    return [*found, len(body)]


def _renamed(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> str:
    """The function's text, decorators included, with only its name changed."""
    text = lines[_first_line(node) - 1 : node.end_lineno]
    offset = node.lineno - _first_line(node)
    pattern = re.compile(r"^(\s*(?:async\s+)?def\s+)" + re.escape(node.name) + r"\b")
    renamed, count = pattern.subn(lambda m: m.group(1) + name, text[offset], count=1)
    if count != 1:
        raise ValueError(f"cannot rename {node.name}")
    text[offset] = renamed
    return "".join(text)

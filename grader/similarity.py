"""Similarity across a batch: structural fingerprints of each solution, winnowed as MOSS does.

Each solution is parsed and flattened into the sequence of its syntax-tree node types, with
every name and literal abstracted away (renaming variables or changing strings changes
nothing). Hashed k-grams of that sequence are winnowed (Schleimer, Wilkerson and Aiken,
"Winnowing: local algorithms for document fingerprinting", SIGMOD 2003): any shared run of at
least ``window + k - 1`` node types is guaranteed to leave a shared fingerprint. Fingerprints of
the exercise's stub are removed (every candidate starts from it), and so are fingerprints that
many submissions share (the obvious solution everybody writes, as MOSS's ``-m`` does).

It only flags pairs for a human to look at; it never changes a score.
"""

from __future__ import annotations

import ast
import hashlib
import itertools
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence

from pydantic import BaseModel, ConfigDict

from grader import pyast
from grader.catalog import Exercise

DEFAULT_K = 5  # node types per k-gram: shorter k-grams match by chance
DEFAULT_WINDOW = 4  # winnowing window: matches of k + window - 1 = 8 node types are always caught
DEFAULT_THRESHOLD = 0.8
MIN_FINGERPRINTS = 6  # fewer left after discounting: too little code to call anything similar
MAX_OCCURRENCES = 10  # a fingerprint in more submissions than this is common code (MOSS's -m)

# Nodes that carry no structure of their own: expression contexts.
_SKIPPED = (ast.expr_context,)

#: candidate -> exercise id -> file name -> content
Solutions = Mapping[str, Mapping[str, Mapping[str, bytes]]]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SharedExercise(_Model):
    exercise: str
    similarity: float
    shared: int  # fingerprints both solutions have


class SimilarPair(_Model):
    first: str
    second: str
    similarity: float  # the highest over the exercises listed
    exercises: list[SharedExercise]


class SimilarityReport(_Model):
    threshold: float
    k: int
    window: int
    pairs: list[SimilarPair] = []

    def similar_to(self, candidate: str) -> list[str]:
        """The candidates flagged together with `candidate`."""
        found = [p.second for p in self.pairs if p.first == candidate]
        return found + [p.first for p in self.pairs if p.second == candidate]


def _without_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    first = body[0] if body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return body[1:]
    return body


def _children(node: ast.AST) -> Iterator[ast.AST]:
    """Child nodes in source order, docstrings left out (they are prose, not structure)."""
    documented = isinstance(
        node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
    )
    for name, value in ast.iter_fields(node):
        if isinstance(value, ast.AST):
            yield value
        elif isinstance(value, list):
            items: list[object] = value
            if documented and name == "body":
                items = list(_without_docstring(value))
            yield from (item for item in items if isinstance(item, ast.AST))


def _walk(node: ast.AST) -> Iterator[str]:
    """Pre-order node types; a block's end is marked so that nesting is part of the sequence."""
    if isinstance(node, _SKIPPED):
        return
    kind = type(node).__name__
    yield kind
    for child in _children(node):
        yield from _walk(child)
    if hasattr(node, "body"):
        yield f"/{kind}"


def tokens(source: str) -> list[str]:
    """The solution as a sequence of node types (names and literals abstracted); [] if it does not parse."""
    try:
        tree = pyast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return []
    try:
        return list(_walk(tree))[1:-1]  # the Module node and its end are in every file
    except RecursionError:
        return []


def _hash(gram: Sequence[str]) -> int:
    """A stable hash (the built-in one is salted per process)."""
    digest = hashlib.blake2b("\x1f".join(gram).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def kgram_hashes(sequence: Sequence[str], k: int = DEFAULT_K) -> list[int]:
    if not sequence:
        return []
    if len(sequence) < k:
        return [_hash(sequence)]
    return [_hash(sequence[i : i + k]) for i in range(len(sequence) - k + 1)]


def winnow(hashes: Sequence[int], window: int = DEFAULT_WINDOW) -> set[int]:
    """The minimum hash of every window (the rightmost on ties), each position recorded once."""
    if len(hashes) <= window:
        return {min(hashes)} if hashes else set()
    selected: set[int] = set()
    last = -1
    for start in range(len(hashes) - window + 1):
        chunk = hashes[start : start + window]
        low = min(chunk)
        position = start + window - 1 - chunk[::-1].index(low)
        if position != last:
            selected.add(hashes[position])
            last = position
    return selected


def fingerprints(
    files: Mapping[str, bytes], *, k: int = DEFAULT_K, window: int = DEFAULT_WINDOW
) -> frozenset[int]:
    """The fingerprints of one exercise's solution: the union over its Python files."""
    found: set[int] = set()
    for name in sorted(files):
        if name.endswith(".py"):
            sequence = tokens(files[name].decode("utf-8", "replace"))
            found |= winnow(kgram_hashes(sequence, k), window)
    return frozenset(found)


def stub_files(exercise: Exercise) -> dict[str, bytes]:
    """The stub the candidates started from, whose fingerprints are nobody's own work."""
    paths = {name: exercise.stub_dir / name for name in exercise.manifest.files}
    return {name: path.read_bytes() for name, path in paths.items() if path.is_file()}


def jaccard(first: frozenset[int], second: frozenset[int]) -> float:
    union = len(first | second)
    return len(first & second) / union if union else 0.0


def compare(
    solutions: Solutions,
    stubs: Mapping[str, Mapping[str, bytes]],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    k: int = DEFAULT_K,
    window: int = DEFAULT_WINDOW,
    min_fingerprints: int = MIN_FINGERPRINTS,
    max_occurrences: int = MAX_OCCURRENCES,
) -> SimilarityReport:
    """Every pair of candidates whose solutions to some exercise are at least `threshold` alike.

    `stubs` maps an exercise id to its stub's files. Pairs come most similar first.
    """
    exercises = sorted({e for answers in solutions.values() for e in answers})
    prints: dict[str, dict[str, frozenset[int]]] = {}
    for exercise in exercises:
        stub = fingerprints(stubs.get(exercise, {}), k=k, window=window)
        own = {
            candidate: fingerprints(answers[exercise], k=k, window=window) - stub
            for candidate, answers in solutions.items()
            if exercise in answers
        }
        counts = Counter(fp for found in own.values() for fp in found)
        common = {fp for fp, count in counts.items() if count > max_occurrences}
        prints[exercise] = {
            candidate: kept
            for candidate, found in own.items()
            if len(kept := found - common) >= min_fingerprints
        }
    pairs: list[SimilarPair] = []
    for first, second in itertools.combinations(sorted(solutions), 2):
        shared: list[SharedExercise] = []
        for exercise in exercises:
            a, b = prints[exercise].get(first), prints[exercise].get(second)
            if a is None or b is None:
                continue
            score = jaccard(a, b)
            if score >= threshold:
                shared.append(
                    SharedExercise(exercise=exercise, similarity=round(score, 3), shared=len(a & b))
                )
        if shared:
            best = max(item.similarity for item in shared)
            pairs.append(SimilarPair(first=first, second=second, similarity=best, exercises=shared))
    pairs.sort(key=lambda pair: (-pair.similarity, pair.first, pair.second))
    return SimilarityReport(threshold=threshold, k=k, window=window, pairs=pairs)

"""Similarity flags: structural (renaming does not hide a copy), stub-discounted, never a score."""

from __future__ import annotations

import textwrap
from pathlib import Path

from grader.catalog import Catalog
from grader.similarity import (
    compare,
    fingerprints,
    jaccard,
    kgram_hashes,
    stub_files,
    tokens,
    winnow,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "exercises"

ORIGINAL = """
    def greet(name):
        '''Say hello.'''
        parts = []
        for ch in name:
            if ch.isalpha():
                parts.append(ch)
            else:
                parts.append("_")
        cleaned = "".join(parts)
        counts = {}
        for ch in cleaned:
            counts[ch] = counts.get(ch, 0) + 1
        return "Hello, " + cleaned + "!" if counts else "Hello!"
"""
# The same code with every name, literal and docstring changed: a disguised copy.
DISGUISED = """
    def greet(who):
        pieces = []
        for c in who:
            if c.isalpha():
                pieces.append(c)
            else:
                pieces.append("-")
        result = "".join(pieces)
        tally = {}
        for c in result:
            tally[c] = tally.get(c, 7) + 2
        return "Hi " + result + "?" if tally else "Hi"
"""
# Independent work: another algorithm for the same task.
DIFFERENT = """
    import re

    class Greeter:
        def __init__(self, punctuation):
            self.punctuation = punctuation

        def __call__(self, name):
            with open("/dev/null") as sink:
                sink.read()
            try:
                cleaned = re.sub(r"[^A-Za-z]", "_", name)
            except re.error:
                raise ValueError(name)
            while cleaned.startswith("_"):
                cleaned = cleaned[1:]
            return f"Hello, {cleaned}{self.punctuation}"

    greet = Greeter("!")
"""


def files(source: str) -> dict[str, bytes]:
    return {"solution.py": textwrap.dedent(source).encode()}


def test_names_literals_and_docstrings_are_abstracted_away() -> None:
    assert tokens(textwrap.dedent(ORIGINAL)) == tokens(textwrap.dedent(DISGUISED))
    assert tokens("x = 1") == tokens("total = 'a string'")
    assert tokens("x = 1") != tokens("x = y + 1")


def test_nesting_is_part_of_the_structure() -> None:
    nested = "if a:\n    b()\n    c()\n"
    after = "if a:\n    b()\nc()\n"
    assert tokens(nested) != tokens(after)


def test_code_that_does_not_parse_has_no_fingerprints() -> None:
    assert tokens("def broken(:\n") == []
    assert fingerprints({"solution.py": b"def broken(:\n"}) == frozenset()
    assert fingerprints({"notes.txt": b"x = 1\n" * 50}) == frozenset()  # Python files only


def test_winnowing_keeps_the_rightmost_minimum_of_every_window() -> None:
    hashes = [77, 74, 42, 17, 98, 50, 17, 98, 8, 88, 67, 39, 77, 74, 42, 17, 98]
    # The example of Schleimer et al. 2003, figure 2 (window 4): 17 17 8 39 17.
    assert winnow(hashes, 4) == {17, 8, 39}
    assert winnow([5, 3], 4) == {3}
    assert winnow([], 4) == set()


def test_a_match_as_long_as_the_guarantee_always_leaves_a_shared_fingerprint() -> None:
    shared = tokens(textwrap.dedent(ORIGINAL))[:8]  # k + window - 1 node types
    before = kgram_hashes(["Pass", *shared, "Break"])
    after = kgram_hashes(["Continue", "Global", *shared])
    assert winnow(before) & winnow(after)


def test_a_disguised_copy_is_identical_and_independent_work_is_not() -> None:
    original, disguised, different = (
        fingerprints(files(s)) for s in (ORIGINAL, DISGUISED, DIFFERENT)
    )
    assert len(original) >= 6
    assert jaccard(original, disguised) == 1.0
    assert jaccard(original, different) < 0.3


def test_compare_flags_the_pair_with_the_exercises_they_share() -> None:
    solutions = {
        "alice": {"greeter": files(ORIGINAL), "adder": files("def add(a, b):\n    return a + b\n")},
        "bob": {"greeter": files(DISGUISED)},
        "carol": {"greeter": files(DIFFERENT)},
    }
    report = compare(solutions, {}, threshold=0.8)
    assert [(p.first, p.second) for p in report.pairs] == [("alice", "bob")]
    (pair,) = report.pairs
    assert [e.exercise for e in pair.exercises] == ["greeter"]
    assert pair.similarity == 1.0 and pair.exercises[0].shared >= 6
    assert report.similar_to("bob") == ["alice"] and report.similar_to("carol") == []


def test_the_stub_is_discounted_so_that_an_untouched_stub_is_no_match() -> None:
    catalog = Catalog.load(FIXTURES)
    stub = stub_files(catalog["greeter"])
    padded_stub = stub["solution.py"].decode() + textwrap.dedent(ORIGINAL).replace(
        "greet", "helper"
    )
    solutions = {
        "alice": {"greeter": {"solution.py": padded_stub.encode()}},
        "bob": {"greeter": {"solution.py": padded_stub.encode()}},
        "carol": {"greeter": stub},
        "dave": {"greeter": stub},
    }
    report = compare(solutions, {"greeter": stub})
    assert [(p.first, p.second) for p in report.pairs] == [("alice", "bob")]  # not carol/dave


def test_a_solution_many_submit_is_common_code_not_a_copy() -> None:
    solutions = {f"c{i:02}": {"greeter": files(ORIGINAL)} for i in range(12)}
    assert compare(solutions, {}, max_occurrences=10).pairs == []
    assert len(compare(solutions, {}, max_occurrences=20).pairs) == 12 * 11 // 2


def test_too_little_code_is_never_flagged() -> None:
    tiny = files("def add(a, b):\n    return a + b\n")
    assert compare({"a": {"adder": tiny}, "b": {"adder": tiny}}, {}).pairs == []

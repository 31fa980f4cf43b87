"""Hidden suite for the typed_containers exercise: runtime behaviour and static types.

The static half writes small client programs next to a copy of the candidate's solution.py and
runs mypy --strict once over all of them (no cache, no config file). The solution and the correct
client must be clean; every wrong client must be rejected on exactly the lines marked ``# E``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import solution
from exact import same
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from solution import Stack, tops

# --------------------------------------------------------------------------- runtime: Stack


@pytest.mark.clause("C3")
def test_push_pop_is_last_in_first_out() -> None:
    stack: Stack[int] = Stack()
    for value in (1, 2, 3):
        stack.push(value)
    assert same([stack.pop(), stack.pop(), stack.pop()], [3, 2, 1])
    assert len(stack) == 0


@pytest.mark.clause("C1")
def test_constructor_items_are_pushed_in_order_last_is_top() -> None:
    stack = Stack(["a", "b", "c"])
    assert same(stack.peek(), "c")
    assert same(stack.pop(), "c")
    assert same(stack.pop(), "b")


@pytest.mark.clause("C3")
def test_peek_returns_the_top_without_removing_it() -> None:
    stack = Stack([1, 2])
    assert same(stack.peek(), 2)
    assert same(stack.peek(), 2)
    assert len(stack) == 2


@pytest.mark.clause("C4")
@pytest.mark.parametrize("method", ["pop", "peek"])
def test_pop_and_peek_on_an_empty_stack_raise_index_error(method: str) -> None:
    stack: Stack[int] = Stack()
    with pytest.raises(IndexError):
        getattr(stack, method)()
    stack.push(5)
    stack.pop()
    with pytest.raises(IndexError):
        getattr(stack, method)()
    assert len(stack) == 0


@pytest.mark.clause("C6")
def test_len_and_truthiness() -> None:
    stack: Stack[str] = Stack()
    assert len(stack) == 0
    assert not stack
    stack.push("x")
    assert len(stack) == 1
    assert stack


@pytest.mark.clause("C7")
def test_iteration_goes_from_bottom_to_top_and_does_not_consume() -> None:
    stack = Stack([1, 2, 3])
    stack.push(4)
    assert same(list(stack), [1, 2, 3, 4])
    assert same(list(stack), [1, 2, 3, 4])
    assert len(stack) == 4


@pytest.mark.clause("C2")
def test_constructor_copies_its_items() -> None:
    source = [1, 2]
    stack = Stack(source)
    stack.push(3)
    source.append(99)
    assert source == [1, 2, 99], "pushing onto the stack changed the caller's list"
    assert same(list(stack), [1, 2, 3])


@pytest.mark.clause("C1")
def test_constructor_accepts_any_iterable() -> None:
    assert same(list(Stack(x * x for x in range(4))), [0, 1, 4, 9])
    assert same(list(Stack("abc")), ["a", "b", "c"])
    assert same(list(Stack(())), [])


@pytest.mark.clause("C1")
def test_constructor_parameter_is_named_items() -> None:
    assert same(list(Stack(items=[1, 2])), [1, 2])
    assert same(list(Stack[str](items=())), [])


@pytest.mark.clause("C1", "C2")
def test_empty_stacks_do_not_share_state() -> None:
    first: Stack[int] = Stack()
    second: Stack[int] = Stack()
    first.push(1)
    assert len(second) == 0
    assert same(list(Stack[int]()), [])


@pytest.mark.clause("C5")
def test_map_returns_a_new_stack_in_the_same_order_and_leaves_self_unchanged() -> None:
    stack = Stack([1, 2, 3])
    calls: list[int] = []

    def describe(n: int) -> str:
        calls.append(n)
        return f"#{n}"

    mapped = stack.map(describe)
    assert isinstance(mapped, Stack)
    assert mapped is not stack
    assert same(list(mapped), ["#1", "#2", "#3"])
    assert same(mapped.peek(), "#3")
    assert same(list(stack), [1, 2, 3])
    assert same(sorted(calls), [1, 2, 3]), "func is called once per item"
    mapped.push("#4")
    assert len(stack) == 3, "the mapped stack shares state with the original"


@pytest.mark.clause("C5")
def test_map_of_an_empty_stack_is_empty() -> None:
    empty: Stack[int] = Stack()
    mapped = empty.map(str)
    assert isinstance(mapped, Stack)
    assert mapped is not empty
    assert same(list(mapped), [])
    assert len(mapped) == 0
    with pytest.raises(IndexError):
        mapped.peek()


@pytest.mark.clause("C8")
def test_stack_is_subscriptable_at_runtime() -> None:
    stack = Stack[int]([7])
    assert same(stack.pop(), 7)


# --------------------------------------------------------------------------- runtime: tops


class FixedTop:
    """Satisfies Peekable structurally, without inheriting from anything."""

    def __init__(self, top: str, size: int = 1) -> None:
        self.top, self.size = top, size

    def peek(self) -> str:
        return self.top

    def __len__(self) -> int:
        return self.size


@pytest.mark.clause("C9")
def test_tops_reads_the_top_of_every_source_in_order_without_removing_it() -> None:
    first, second = Stack([1, 2]), Stack([3])
    assert same(tops([first, second]), [2, 3])
    assert same(list(first), [1, 2])
    assert same(list(second), [3])


@pytest.mark.clause("C9")
def test_tops_skips_empty_sources() -> None:
    empty: Stack[int] = Stack()
    assert same(tops([empty, Stack([1]), Stack[int](), Stack([4, 5])]), [1, 5])
    assert same(tops([]), [])


@pytest.mark.clause("C10")
def test_tops_accepts_any_object_with_peek_and_len_and_any_iterable() -> None:
    sources = (s for s in [FixedTop("a"), FixedTop("never read", size=0), FixedTop("c")])
    assert same(tops(sources), ["a", "c"])


# --------------------------------------------------------------------------- runtime: stateful


class StackMachine(RuleBasedStateMachine):
    """Any sequence of operations behaves like a Python list used as a stack."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: Stack[int] = Stack()
        self.model: list[int] = []

    @rule(value=st.integers())
    def push(self, value: int) -> None:
        self.stack.push(value)
        self.model.append(value)

    @precondition(lambda self: self.model)
    @rule()
    def pop(self) -> None:
        assert same(self.stack.pop(), self.model.pop())

    @precondition(lambda self: not self.model)
    @rule()
    def pop_empty(self) -> None:
        with pytest.raises(IndexError):
            self.stack.pop()

    @precondition(lambda self: self.model)
    @rule()
    def peek(self) -> None:
        assert same(self.stack.peek(), self.model[-1])

    @rule()
    def map_negates_into_a_new_stack(self) -> None:
        mapped = self.stack.map(lambda n: -n)
        assert same(list(mapped), [-n for n in self.model])

    @invariant()
    def same_length_and_order(self) -> None:
        assert len(self.stack) == len(self.model)
        assert same(list(self.stack), self.model)


TestStackMachine = StackMachine.TestCase
TestStackMachine.pytestmark = [pytest.mark.clause("C3", "C4", "C5", "C6", "C7")]
TestStackMachine.settings = settings(max_examples=50, stateful_step_count=20)


@pytest.mark.clause("C9")
@settings(max_examples=50)
@given(st.lists(st.lists(st.integers(), max_size=3), max_size=6))
def test_property_tops_equals_last_of_each_non_empty_list(lists: list[list[int]]) -> None:
    assert same(tops([Stack(items) for items in lists]), [items[-1] for items in lists if items])


# --------------------------------------------------------------------------- static: mypy

GOOD_CLIENT = """
    from collections.abc import Iterator

    from solution import Peekable, Stack, tops

    ints: Stack[int] = Stack()
    ints.push(1)
    ints.push(2)
    top: int = ints.peek()
    popped: int = ints.pop() + 1
    size: int = len(ints)
    strs: Stack[str] = ints.map(str)
    lengths: Stack[int] = Stack(["a", "bb"]).map(len)
    chained: Stack[bool] = ints.map(str).map(len).map(lambda n: n > 1)
    inferred = Stack(["x", "y"])
    shout: str = inferred.pop().upper()
    nested: Stack[list[int]] = Stack([[1], [2, 3]])
    inner: list[int] = nested.peek()
    from_generator: Stack[str] = Stack(c for c in "abc")
    walk: Iterator[int] = iter(ints)
    total: int = sum(ints)
    joined: str = "".join(strs)
    readable: Peekable[object] = ints
    numbers: Peekable[float] = Stack([1, 2])
    firsts: list[int] = tops([Stack([1]), Stack([2, 3])])
    words: list[str] = tops([strs])


    class FixedTop:
        def peek(self) -> str:
            return "top"

        def __len__(self) -> int:
            return 1


    structural: list[str] = tops([FixedTop(), FixedTop()])


    def describe(source: Peekable[object]) -> str:
        return f"{source.peek()!r} of {len(source)}"


    described: str = describe(Stack([1.5]))
"""

# Every line marked "# E: <codes>" must get an error with one of those mypy error codes (so that
# an error for another reason, such as an untyped function, does not count), and no other line
# may get an error.
BAD_CLIENTS = {
    "bad_push_wrong_type": """
        from solution import Stack

        ints: Stack[int] = Stack()
        ints.push("three")  # E: arg-type
    """,
    "bad_popped_value_used_as_str": """
        from solution import Stack

        stack = Stack([1, 2])
        word: str = stack.pop()  # E: assignment
    """,
    "bad_peeked_value_method": """
        from solution import Stack

        Stack([1]).peek().upper()  # E: attr-defined
    """,
    "bad_constructor_mixed_items": """
        from solution import Stack

        ints: Stack[int] = Stack([1, "two"])  # E: list-item|arg-type|assignment
    """,
    "bad_map_result_type": """
        from solution import Stack

        lengths = Stack(["a", "bb"]).map(len)
        lengths.push("ccc")  # E: arg-type
        as_strs: Stack[str] = Stack([1]).map(float)  # E: arg-type|assignment
    """,
    "bad_map_function_argument": """
        from solution import Stack

        Stack([1, 2]).map(str.upper)  # E: arg-type
    """,
    "bad_stack_is_invariant": """
        from solution import Stack


        def fill(target: Stack[object]) -> None:
            target.push("anything")


        ints: Stack[int] = Stack([1])
        fill(ints)  # E: arg-type
    """,
    "bad_iterated_item_type": """
        from solution import Stack

        for item in Stack(["a", "b"]):
            print(item + 1)  # E: operator
    """,
    "bad_tops_result_type": """
        from solution import Stack, tops

        first: int = tops([Stack(["a"])])[0]  # E: assignment
    """,
    "bad_tops_needs_peekable": """
        from solution import tops

        tops([[1, 2]])  # E: arg-type
    """,
    "bad_peekable_protocol_type": """
        from solution import Peekable, Stack

        ints = Stack([1])
        readable: Peekable[str] = ints  # E: assignment
    """,
}

MYPY_FLAGS = [
    "--strict",
    "--no-incremental",  # no cache: nothing is read from or written to .mypy_cache
    "--cache-dir=/dev/null",
    "--config-file=",  # no mypy.ini / pyproject.toml / setup.cfg is read
    "--python-version=3.11",
    "--no-error-summary",
    "--no-pretty",
    "--no-color-output",
    "--hide-error-context",
    "--show-error-codes",
]
ERROR_LINE = re.compile(r"^(?P<file>[\w.]+\.py):(?P<line>\d+): error: (?P<message>.*)$")
ERROR_CODE = re.compile(r"\[(?P<code>[a-z-]+)\]$")
MARKER = re.compile(r"# E: (?P<codes>[a-z|-]+)$")


class MypyRun:
    def __init__(self, errors: dict[str, dict[int, list[str]]], output: str) -> None:
        self.errors = errors  # file name -> line -> messages
        self.output = output

    def lines_with_errors(self, file_name: str) -> set[int]:
        return set(self.errors.get(file_name, {}))

    def describe(self, file_name: str) -> str:
        found = self.errors.get(file_name, {})
        return "\n".join(f"{file_name}:{n}: {m}" for n in sorted(found) for m in found[n]) or (
            "(no errors)"
        )


@pytest.fixture(scope="module")
def mypy_run(tmp_path_factory: pytest.TempPathFactory) -> MypyRun:
    """One mypy process over the solution and every client program."""
    work = tmp_path_factory.mktemp("mypy_clients")
    (work / "solution.py").write_text(Path(solution.__file__).read_text(encoding="utf-8"))
    files = ["solution.py", "good_client.py"]
    (work / "good_client.py").write_text(textwrap.dedent(GOOD_CLIENT).lstrip())
    for name, source in BAD_CLIENTS.items():
        (work / f"{name}.py").write_text(textwrap.dedent(source).lstrip())
        files.append(f"{name}.py")
    env = {key: value for key, value in os.environ.items() if not key.startswith("MYPY")}
    completed = subprocess.run(
        [sys.executable, "-m", "mypy", *MYPY_FLAGS, *files],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
    )
    output = completed.stdout + completed.stderr
    if completed.returncode not in (0, 1):
        pytest.fail(f"mypy could not check the files (exit {completed.returncode}):\n{output}")
    errors: dict[str, dict[int, list[str]]] = {}
    for line in completed.stdout.splitlines():
        match = ERROR_LINE.match(line)
        if match:
            by_line = errors.setdefault(match["file"], {})
            by_line.setdefault(int(match["line"]), []).append(match["message"])
    return MypyRun(errors, output)


def marked_lines(source: str) -> dict[int, set[str]]:
    """Line number -> the error codes accepted on that line."""
    lines = textwrap.dedent(source).lstrip().splitlines()
    marked = {}
    for number, line in enumerate(lines, start=1):
        match = MARKER.search(line)
        if match:
            marked[number] = set(match["codes"].split("|"))
    return marked


@pytest.mark.clause("C11")
@pytest.mark.weight(2)
def test_solution_passes_mypy_strict(mypy_run: MypyRun) -> None:
    assert mypy_run.lines_with_errors("solution.py") == set(), mypy_run.describe("solution.py")


@pytest.mark.clause("C12")
def test_solution_has_no_type_ignore_comments() -> None:
    source = Path(solution.__file__).read_text(encoding="utf-8")
    assert not re.search(r"#\s*type:\s*ignore", source), "the solution silences mypy"


@pytest.mark.clause("C13")
@pytest.mark.weight(2)
def test_correct_client_code_type_checks(mypy_run: MypyRun) -> None:
    assert mypy_run.lines_with_errors("good_client.py") == set(), mypy_run.describe(
        "good_client.py"
    )


@pytest.mark.clause("C14")
@pytest.mark.parametrize("name", sorted(BAD_CLIENTS))
def test_wrong_client_code_is_rejected_on_the_expected_lines(mypy_run: MypyRun, name: str) -> None:
    source = BAD_CLIENTS[name]
    expected = marked_lines(source)
    found = mypy_run.errors.get(f"{name}.py", {})
    numbered = "\n".join(
        f"{n:3} {line}"
        for n, line in enumerate(textwrap.dedent(source).lstrip().splitlines(), start=1)
    )
    report = f"mypy said:\n{mypy_run.describe(f'{name}.py')}\nabout:\n{numbered}"
    assert set(found) == set(expected), (
        f"expected mypy errors on lines {sorted(expected)} only; {report}"
    )
    for number, codes in expected.items():
        got = {m["code"] for message in found[number] if (m := ERROR_CODE.search(message))}
        assert got & codes, f"line {number}: expected an error of kind {sorted(codes)}; {report}"

"""Hidden suite for the memory-profiling exercise.

Behaviour is checked in the test process against an oracle copy of the original code. Memory is
measured from outside the candidate's code: each workload runs in a fresh interpreter started by
a small trusted launcher, which reads the worker's peak resident memory from the kernel
(``os.wait4``'s ``ru_maxrss``). The launcher is needed because a process started by the big
pytest process inherits that process's peak in its own ``ru_maxrss`` (Linux carries the old
address space's high-water mark over ``exec``); started from the small launcher, the worker's
figure is its own.
"""

from __future__ import annotations

import dataclasses
import gc
import importlib.util
import inspect
import json
import os
import subprocess
import sys
import tracemalloc
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import alloc_helpers
import pytest
import solution
from exact import same
from hypothesis import given, settings
from hypothesis import strategies as st

# --------------------------------------------------------------------------- oracle

Fields = tuple[str, str, str, int, int]


def oracle_parse(line: str) -> Fields:
    client, method, path, status, size = line.split()
    return client, method, path, int(status), int(size)


def oracle_hits(path: Path) -> list[Fields]:
    """The original read_hits; raises ValueError like it."""
    with open(path, encoding="utf-8") as file:
        return [oracle_parse(line) for line in file if line.strip()]


def oracle_summary(hits: list[Fields]) -> tuple[int, int, int, dict[int, int]]:
    statuses: dict[int, int] = {}
    for hit in hits:
        statuses[hit[3]] = statuses.get(hit[3], 0) + 1
    errors = sum(1 for hit in hits if hit[3] >= 500)
    return len(hits), sum(hit[4] for hit in hits), errors, statuses


def fields(hit: Any) -> tuple[bool, str, str, str, int, int]:
    """A Hit as plain values, with whether it is exactly a solution.Hit."""
    return (
        type(hit) is solution.Hit,
        hit.client,
        hit.method,
        hit.path,
        hit.status,
        hit.size,
    )


def expected_fields(hit: Fields) -> tuple[bool, str, str, str, int, int]:
    return (True, *hit)


def summary_of(summary: Any) -> tuple[bool, int, int, int, dict[int, int]]:
    return (
        type(summary) is solution.Summary,
        summary.requests,
        summary.bytes_sent,
        summary.errors,
        summary.statuses,
    )


def write_log(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def log_lines(prefix: str, count: int, status_of: Any = None) -> list[str]:
    """Distinct, well-formed lines; statuses cycle through a 5xx-rich list."""
    statuses = [200, 503, 404, 500, 201, 302]
    return [
        f"10.{prefix}.0.{i} GET /{prefix}/item/{i} "
        f"{statuses[i % len(statuses)] if status_of is None else status_of(i)} {i * 10}"
        for i in range(count)
    ]


# --------------------------------------------------------------------------- the API


@pytest.mark.clause("C1")
def test_names_fields_and_parameters_are_kept() -> None:
    assert same(solution.RECENT_LIMIT, 100)
    assert same(
        [f.name for f in dataclasses.fields(solution.Hit)],
        ["client", "method", "path", "status", "size"],
    )
    assert same(
        [f.name for f in dataclasses.fields(solution.Summary)],
        ["requests", "bytes_sent", "errors", "statuses"],
    )
    assert same(summary_of(solution.Summary()), (True, 0, 0, 0, {}))
    with pytest.raises(dataclasses.FrozenInstanceError):
        solution.Hit("a", "GET", "/", 200, 1).status = 500  # type: ignore[misc]
    expected = {
        "parse_line": [("line", inspect.Parameter.empty)],
        "read_hits": [("path", inspect.Parameter.empty)],
        "summarise": [("path", inspect.Parameter.empty)],
        "recent": [("n", 10)],
        "top_allocations": [("func", inspect.Parameter.empty), ("limit", 10)],
    }
    for name, parameters in expected.items():
        signature = inspect.signature(getattr(solution, name))
        found = [(p.name, p.default) for p in signature.parameters.values()]
        assert same(
            [(p_name, default is inspect.Parameter.empty or default) for p_name, default in found],
            [
                (p_name, default is inspect.Parameter.empty or default)
                for p_name, default in parameters
            ],
        ), f"{name}{signature}"
    assert same(solution.ErrorCounter().errors, 0)


# --------------------------------------------------------------------------- parse_line


@pytest.mark.clause("C2")
@pytest.mark.parametrize(
    "line",
    [
        "10.0.0.7 GET /api/v1/customers/42/orders 200 5120",
        "10.0.0.7 GET /home 200 5120\n",
        "  10.0.0.7\tGET   /home 503 0  \r\n",
        "a b c 200 -7",
        "a b c +500 1_000",
        "a b c \u0665\u0660\u0663 \u0662",
        "a\x0cb\u2028c 200\x1f1",
    ],
)
def test_parse_line_same_hit_as_the_original(line: str) -> None:
    assert same(fields(solution.parse_line(line)), expected_fields(oracle_parse(line)))


@pytest.mark.clause("C2")
@pytest.mark.parametrize(
    "line",
    [
        "",
        "\n",
        "10.0.0.7 GET /home 200",
        "10.0.0.7 GET /home 200 5120 extra",
        "10.0.0.7 GET /home OK 5120",
        "10.0.0.7 GET /home 200 5.5",
        "10.0.0.7 GET /home 200 -",
    ],
)
def test_parse_line_raises_value_error_like_the_original(line: str) -> None:
    with pytest.raises(ValueError):
        solution.parse_line(line)


@pytest.mark.clause("C2")
def test_parse_line_same_line_twice_gives_equal_hits() -> None:
    line = "10.9.9.9 DELETE /twice 404 12\n"
    first = fields(solution.parse_line(line))
    assert same(fields(solution.parse_line(line)), first)
    assert same(first, (True, "10.9.9.9", "DELETE", "/twice", 404, 12))


TOKENS = st.sampled_from(["10.0.0.1", "GET", "/a", "POST", "x", "-"])
NUMBERS = st.sampled_from(["200", "503", "0", "+5", "-1", "1_0", "\u0665", "5OO", "2.0", "99"])
SEPARATORS = st.sampled_from([" ", "  ", "\t", "\x0c", "\u2028", "\x1f", "\u00a0"])


@st.composite
def raw_lines(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.one_of(TOKENS, NUMBERS, st.text(max_size=3)), min_size=0, max_size=7))
    if draw(st.booleans()) and len(parts) >= 5:
        parts[-2:] = [draw(NUMBERS), draw(NUMBERS)]
    line = ""
    for part in parts:
        line += draw(SEPARATORS) + part
    return line


@settings(max_examples=200)
@given(line=raw_lines())
@pytest.mark.clause("C2")
def test_property_parse_line_like_the_original(line: str) -> None:
    try:
        expected = oracle_parse(line)
    except ValueError:
        with pytest.raises(ValueError):
            solution.parse_line(line)
        return
    assert same(fields(solution.parse_line(line)), expected_fields(expected))


# --------------------------------------------------------------------------- read_hits


def property_log() -> Path:
    return Path.cwd() / "property.log"


@st.composite
def log_files(draw: st.DrawFn) -> str:
    """File contents: good, blank and sometimes malformed lines, with any line ending."""
    good = st.builds(
        "{} {} {} {} {}".format,
        st.sampled_from(["10.0.0.1", "10.0.0.2", "h\u2028x"]),
        st.sampled_from(["GET", "POST"]),
        st.sampled_from(["/a", "/b\x0c/c", "/\u00e9t\u00e9"]),
        st.sampled_from(["200", "503", "500", "404", "\u0665\u0660\u0660", "+200"]),
        st.sampled_from(["0", "10", "1_000", "-3", "70000"]),
    )
    blank = st.sampled_from(["", " ", "\t", "  \x0c ", "\u2028"])
    bad = st.sampled_from(["only four fields here", "a b c d e f", "a b c OK 1", "a b c 200 x"])
    lines = draw(
        st.lists(
            st.one_of(good, good, good, blank, bad if draw(st.booleans()) else good), max_size=12
        )
    )
    endings = st.sampled_from(["\n", "\r\n", "\r"])
    text = "".join(line + draw(endings) for line in lines)
    if lines and draw(st.booleans()):
        text = text.rstrip("\r\n")  # no newline at the end of the file
    return text


def write_raw(text: str) -> Path:
    path = property_log()
    with open(path, "w", encoding="utf-8", newline="") as file:
        file.write(text)
    return path


@settings(max_examples=150)
@given(text=log_files())
@pytest.mark.clause("C3")
def test_property_read_hits_like_the_original(text: str) -> None:
    path = write_raw(text)
    try:
        expected = oracle_hits(path)
    except ValueError:
        with pytest.raises(ValueError):
            list(solution.read_hits(path))
        return
    assert same(
        [fields(hit) for hit in solution.read_hits(path)], list(map(expected_fields, expected))
    )


@pytest.mark.clause("C3")
def test_read_hits_in_file_order_skipping_blank_lines(tmp_path: Path) -> None:
    lines = ["10.0.0.2 GET /b 200 2", "", "   ", "\t", "10.0.0.1 POST /a 503 1", "x y z 404 3"]
    path = write_log(tmp_path / "a.log", lines)
    expected = [
        (True, "10.0.0.2", "GET", "/b", 200, 2),
        (True, "10.0.0.1", "POST", "/a", 503, 1),
        (True, "x", "y", "z", 404, 3),
    ]
    assert same([fields(hit) for hit in solution.read_hits(path)], expected)
    assert same([fields(hit) for hit in solution.read_hits(str(path))], expected)


@pytest.mark.clause("C3")
def test_read_hits_lines_are_those_of_text_mode_iteration() -> None:
    """\\r and \\r\\n end lines (universal newlines); \\x0c and \\u2028 do not."""
    path = write_raw("a b c 200 1\rd e f 500 2\r\ng\x0ch\u2028i 404 3\n")
    assert same(
        [fields(hit) for hit in solution.read_hits(path)],
        [
            (True, "a", "b", "c", 200, 1),
            (True, "d", "e", "f", 500, 2),
            (True, "g", "h", "i", 404, 3),
        ],
    )


@pytest.mark.clause("C3")
def test_read_hits_malformed_line_raises_value_error(tmp_path: Path) -> None:
    path = write_log(tmp_path / "bad.log", ["a b c 200 1", "a b c 200", "d e f 500 2"])
    with pytest.raises(ValueError):
        list(solution.read_hits(path))


@pytest.mark.clause("C3")
def test_read_hits_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.log"
    path.write_text("", encoding="utf-8")
    assert same(list(solution.read_hits(path)), [])


# --------------------------------------------------------------------------- summarise


@pytest.mark.clause("C4")
def test_readme_example(tmp_path: Path) -> None:
    path = tmp_path / "access.log"
    path.write_text(
        "10.0.0.7 GET /home 200 5120\n\n10.0.0.9 POST /pay 503 0\n10.0.0.7 GET /home 200 5120\n",
        encoding="utf-8",
    )
    counter = solution.ErrorCounter()
    assert same(summary_of(solution.summarise(path)), (True, 3, 10240, 1, {200: 2, 503: 1}))
    assert same(counter.errors, 1)
    assert same(
        [fields(hit) for hit in solution.recent(2)],
        [(True, "10.0.0.9", "POST", "/pay", 503, 0), (True, "10.0.0.7", "GET", "/home", 200, 5120)],
    )


@pytest.mark.clause("C4")
def test_summarise_counts_errors_from_500_and_hits_per_status(tmp_path: Path) -> None:
    lines = [
        "a GET / 499 1",
        "a GET / 500 2",
        "a GET / 599 3",
        "a GET / 600 4",
        "a GET / 200 5",
        "a GET / 500 6",
    ]
    path = write_log(tmp_path / "s.log", lines)
    assert same(
        summary_of(solution.summarise(str(path))),
        (True, 6, 21, 4, {499: 1, 500: 2, 599: 1, 600: 1, 200: 1}),
    )


@pytest.mark.clause("C4")
def test_summarise_empty_and_blank_files(tmp_path: Path) -> None:
    path = tmp_path / "blank.log"
    path.write_text("\n  \n\t\n", encoding="utf-8")
    assert same(summary_of(solution.summarise(path)), (True, 0, 0, 0, {}))
    path.write_text("", encoding="utf-8")
    assert same(summary_of(solution.summarise(path)), (True, 0, 0, 0, {}))


@pytest.mark.clause("C4")
def test_summarise_a_fresh_summary_per_call(tmp_path: Path) -> None:
    path = write_log(tmp_path / "twice.log", log_lines("7", 12))
    expected = (True, *oracle_summary(oracle_hits(path)))
    assert same(summary_of(solution.summarise(path)), expected)
    assert same(summary_of(solution.summarise(path)), expected)


@pytest.mark.clause("C4")
def test_summarise_malformed_line_raises_value_error(tmp_path: Path) -> None:
    path = write_log(tmp_path / "bad.log", ["a b c 200 1", "a b c 5OO 1", "a b c 200 1"])
    with pytest.raises(ValueError):
        solution.summarise(path)


@settings(max_examples=150)
@given(text=log_files())
@pytest.mark.clause("C4")
def test_property_summarise_like_the_original(text: str) -> None:
    path = write_raw(text)
    try:
        expected = oracle_summary(oracle_hits(path))
    except ValueError:
        with pytest.raises(ValueError):
            solution.summarise(path)
        return
    assert same(summary_of(solution.summarise(path)), (True, *expected))


# --------------------------------------------------------------------------- recent


@pytest.mark.clause("C5")
def test_recent_last_hits_oldest_first_over_calls(tmp_path: Path) -> None:
    first = write_log(tmp_path / "first.log", log_lines("1", 150))
    second = write_log(tmp_path / "second.log", log_lines("2", 3))
    solution.summarise(first)
    solution.summarise(second)
    processed = [expected_fields(hit) for hit in oracle_hits(first) + oracle_hits(second)]
    assert same([fields(hit) for hit in solution.recent(100)], processed[-100:])
    assert same([fields(hit) for hit in solution.recent(3)], processed[-3:])
    assert same([fields(hit) for hit in solution.recent(5)], processed[-5:])
    assert same([fields(hit) for hit in solution.recent()], processed[-10:])
    assert same([fields(hit) for hit in solution.recent(1)], processed[-1:])
    assert same(type(solution.recent(4)), list)


@pytest.mark.clause("C5")
def test_recent_zero_is_empty(tmp_path: Path) -> None:
    solution.summarise(write_log(tmp_path / "z.log", log_lines("3", 5)))
    assert same(solution.recent(0), [])


@pytest.mark.clause("C5")
def test_recent_is_fed_only_by_summarise(tmp_path: Path) -> None:
    fed = write_log(tmp_path / "fed.log", log_lines("4", 4))
    other = write_log(tmp_path / "other.log", log_lines("5", 20))
    solution.summarise(fed)
    list(solution.read_hits(other))
    for line in log_lines("6", 20):
        solution.parse_line(line)
    expected = [expected_fields(hit) for hit in oracle_hits(fed)]
    assert same([fields(hit) for hit in solution.recent(4)], expected)


@pytest.mark.clause("C6")
@pytest.mark.parametrize("n", [101, -1, 1000])
def test_recent_out_of_range_raises_value_error(n: int) -> None:
    with pytest.raises(ValueError):
        solution.recent(n)


@pytest.mark.clause("C6")
def test_recent_accepts_both_bounds(tmp_path: Path) -> None:
    solution.summarise(write_log(tmp_path / "bounds.log", log_lines("8", 120)))
    assert same(len(solution.recent(100)), 100)
    assert same(solution.recent(0), [])


FRESH = r"""
import json, sys
import solution
before = [len(solution.recent(n)) for n in (0, 10, 100)]
solution.summarise(sys.argv[1])
hits = [[h.client, h.method, h.path, h.status, h.size] for h in solution.recent(10)]
print(json.dumps([before, hits, len(solution.recent(100)), solution.recent(0)]))
"""


def solution_folder() -> str:
    spec = importlib.util.find_spec("solution")
    assert spec is not None and spec.origin, "no module named solution found"
    return str(Path(spec.origin).parent)


def worker_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": solution_folder()}


@pytest.mark.clause("C5")
def test_recent_in_a_fresh_process_fewer_hits_than_asked(tmp_path: Path) -> None:
    path = write_log(tmp_path / "three.log", log_lines("9", 3))
    done = subprocess.run(
        [sys.executable, "-c", FRESH, str(path)],
        cwd=tmp_path,
        env=worker_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert same(done.returncode, 0), done.stderr[-2000:]
    expected = [list(hit) for hit in oracle_hits(path)]
    assert same(json.loads(done.stdout.splitlines()[-1]), [[0, 0, 0], expected, 3, []])


# --------------------------------------------------------------------------- ErrorCounter


@pytest.mark.clause("C7")
def test_error_counters_count_every_summarise_while_they_exist(tmp_path: Path) -> None:
    two = write_log(tmp_path / "two.log", ["a b c 500 1", "a b c 200 1", "a b c 503 1"])
    three = write_log(tmp_path / "three.log", ["a b c 599 1", "a b c 502 1", "a b c 500 1"])
    early = solution.ErrorCounter()
    solution.summarise(two)
    late = solution.ErrorCounter()
    solution.summarise(three)
    solution.summarise(two)
    assert same(early.errors, 7)
    assert same(late.errors, 5)


@pytest.mark.clause("C7")
def test_error_counter_not_fed_by_read_hits_or_parse_line(tmp_path: Path) -> None:
    path = write_log(tmp_path / "e.log", ["a b c 500 1", "a b c 503 1"])
    counter = solution.ErrorCounter()
    list(solution.read_hits(path))
    solution.parse_line("a b c 500 1")
    assert same(counter.errors, 0)
    solution.summarise(path)
    assert same(counter.errors, 2)


@pytest.mark.clause("C7", "C12")
def test_error_counter_survives_a_garbage_collection_while_referenced(tmp_path: Path) -> None:
    path = write_log(tmp_path / "gc.log", ["a b c 500 1"])
    counter = solution.ErrorCounter()
    gc.collect()
    solution.summarise(path)
    gc.collect()
    solution.summarise(path)
    assert same(counter.errors, 2)


@pytest.mark.clause("C12")
def test_error_counter_freed_once_unreferenced(tmp_path: Path) -> None:
    path = write_log(tmp_path / "free.log", ["a b c 500 1"])
    counter = solution.ErrorCounter()
    solution.summarise(path)
    alive = weakref.ref(counter)
    del counter
    gc.collect()
    assert alive() is None, "the module still holds the ErrorCounter"
    kept = solution.ErrorCounter()
    assert same(summary_of(solution.summarise(path)), (True, 1, 1, 1, {500: 1}))
    assert same(kept.errors, 1)


# --------------------------------------------------------------------------- after an error


@pytest.mark.clause("C8")
def test_calls_after_a_malformed_file_work_as_usual(tmp_path: Path) -> None:
    bad = write_log(tmp_path / "bad.log", ["a b c 500 1", "a b c 503 1", "broken"])
    good = write_log(tmp_path / "good.log", ["x y z 500 4", "x y z 200 5"])
    counter = solution.ErrorCounter()
    with pytest.raises(ValueError):
        solution.summarise(bad)
    before = counter.errors
    assert same(summary_of(solution.summarise(good)), (True, 2, 9, 1, {500: 1, 200: 1}))
    assert same(counter.errors - before, 1)
    assert same(
        [fields(hit) for hit in solution.recent(2)],
        [(True, "x", "y", "z", 500, 4), (True, "x", "y", "z", 200, 5)],
    )


# --------------------------------------------------------------------------- top_allocations


def site(function: Any, offset: int) -> str:
    code = function.__code__
    return f"{code.co_filename}:{code.co_firstlineno + offset}"


def check_pairs(result: Any, expected: list[tuple[str, int, int]]) -> None:
    """``result`` is exactly a list of (str, int) tuples: these sites, sizes within bounds."""
    assert same(type(result), list)
    assert same(len(result), len(expected)), result
    for pair, (where, low, high) in zip(result, expected, strict=True):
        assert same(type(pair), tuple) and same(len(pair), 2), pair
        assert same(pair[0], where), result
        assert same(type(pair[1]), int) and low <= pair[1] <= high, result


SLACK = 4096


@pytest.mark.clause("C13")
def test_top_allocations_largest_sites_first_limited() -> None:
    allocate = alloc_helpers.allocate
    big = (site(allocate, 1), alloc_helpers.BIG, alloc_helpers.BIG + SLACK)
    medium = (site(allocate, 2), alloc_helpers.MEDIUM, alloc_helpers.MEDIUM + SLACK)
    small = (site(allocate, 3), alloc_helpers.SMALL, alloc_helpers.SMALL + SLACK)
    check_pairs(solution.top_allocations(allocate, limit=2), [big, medium])
    check_pairs(solution.top_allocations(allocate, 3), [big, medium, small])
    check_pairs(solution.top_allocations(allocate, limit=1), [big])


@pytest.mark.clause("C13")
def test_top_allocations_default_limit_is_ten() -> None:
    allocate = alloc_helpers.allocate
    result = solution.top_allocations(allocate)
    assert same(type(result), list)
    assert 3 <= len(result) <= 10, result
    check_pairs(
        result[:3],
        [
            (site(allocate, 1), alloc_helpers.BIG, alloc_helpers.BIG + SLACK),
            (site(allocate, 2), alloc_helpers.MEDIUM, alloc_helpers.MEDIUM + SLACK),
            (site(allocate, 3), alloc_helpers.SMALL, alloc_helpers.SMALL + SLACK),
        ],
    )
    sizes = [pair[1] for pair in result]
    assert sizes == sorted(sizes, reverse=True), result


@pytest.mark.clause("C13")
def test_top_allocations_counts_what_is_held_not_what_was_freed() -> None:
    function = alloc_helpers.allocate_and_free
    result = solution.top_allocations(function, limit=1)
    check_pairs(result, [(site(function, 2), alloc_helpers.SMALL, alloc_helpers.SMALL + SLACK)])
    everything = solution.top_allocations(function)
    assert all(pair[1] < alloc_helpers.TEMPORARY for pair in everything), everything


@pytest.mark.clause("C13")
def test_top_allocations_one_pair_per_line() -> None:
    function = alloc_helpers.allocate_in_a_loop
    result = solution.top_allocations(function, limit=1)
    check_pairs(result, [(site(function, 1), 2000 * 1000, 2000 * 1100 + SLACK)])


@pytest.mark.clause("C14")
def test_top_allocations_stops_tracing() -> None:
    assert not tracemalloc.is_tracing()
    solution.top_allocations(alloc_helpers.allocate, limit=1)
    assert not tracemalloc.is_tracing()


@pytest.mark.clause("C14")
def test_top_allocations_stops_tracing_when_func_raises() -> None:
    with pytest.raises(alloc_helpers.Boom, match=r"\Afrom func\Z"):
        solution.top_allocations(alloc_helpers.allocate_and_raise, limit=3)
    tracing = tracemalloc.is_tracing()
    tracemalloc.stop()
    assert not tracing, "tracemalloc is still tracing after func raised"


# --------------------------------------------------------------------------- memory

BIG_LINES = 400_000
BUDGET_KB = 10 * 1024
COUNTERS = 300_000

LAUNCHER = r"""
import json, os, subprocess, sys

spec = json.loads(sys.argv[1])
with open(spec["out"], "wb") as out, open(spec["err"], "wb") as err:
    worker = subprocess.Popen(
        spec["argv"], stdin=subprocess.DEVNULL, stdout=out, stderr=err,
        env=spec["env"], cwd=spec["cwd"],
    )
    _, status, usage = os.wait4(worker.pid, 0)
    worker.returncode = os.waitstatus_to_exitcode(status)
print(json.dumps({"exit": worker.returncode, "maxrss_kb": usage.ru_maxrss}))
"""

WORKER = r"""
import gc, json, sys

import solution

mode, path = sys.argv[1], sys.argv[2]
if mode == "summarise":
    summary = solution.summarise(path)
    out = [summary.requests, summary.bytes_sent, summary.errors, sorted(summary.statuses.items())]
elif mode == "read_hits":
    count = total = 0
    for hit in solution.read_hits(path):
        count += 1
        total += hit.size
    out = [count, total]
elif mode == "parse_line":
    count = total = 0
    with open(path, encoding="utf-8") as file:
        for line in file:
            count += 1
            total += solution.parse_line(line).size
    out = [count, total]
elif mode == "counters":
    for _ in range(int(sys.argv[3])):
        solution.ErrorCounter()
    gc.collect()
    kept = solution.ErrorCounter()
    summary = solution.summarise(path)
    out = [summary.requests, summary.errors, kept.errors]
else:
    raise SystemExit(f"unknown mode {mode}")
print(json.dumps(out))
"""


def peak_rss_kb(folder: Path, *args: str) -> tuple[int, Any]:
    """Run the worker on ``args`` in a fresh interpreter; its peak RSS (KiB) and its output."""
    out, err = folder / "worker.out", folder / "worker.err"
    spec = {
        "argv": [sys.executable, "-c", WORKER, *args],
        "env": worker_env(),
        "cwd": str(folder),
        "out": str(out),
        "err": str(err),
    }
    launched = subprocess.run(
        [sys.executable, "-I", "-c", LAUNCHER, json.dumps(spec)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert same(launched.returncode, 0), launched.stderr[-2000:]
    report = json.loads(launched.stdout.splitlines()[-1])
    errors = err.read_text(encoding="utf-8", errors="replace")
    assert same(report["exit"], 0), f"the worker failed ({args[0]}):\n{errors[-2000:]}"
    output = json.loads(out.read_text(encoding="utf-8").splitlines()[-1])
    return report["maxrss_kb"], output


def big_line(i: int) -> str:
    methods = ("GET", "POST", "PUT", "DELETE")
    statuses = (200, 200, 201, 301, 404, 500, 503, 200)
    return (
        f"10.{i % 251}.{i % 241}.{i % 239} {methods[i % 4]} "
        f"/api/v1/customers/{i}/orders/{i * 7919 % 1000003}/items?page={i % 7}&sort=created "
        f"{statuses[i % 8]} {i * 7919 % 100000}\n"
    )


class Logs:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.small = folder / "small.log"
        self.big = folder / "big.log"
        self.expected: dict[Path, tuple[int, int, int, dict[int, int]]] = {}
        for path, count in ((self.small, 10), (self.big, BIG_LINES)):
            statuses: dict[int, int] = {}
            total = errors = 0
            with open(path, "w", encoding="utf-8") as file:
                for i in range(count):
                    line = big_line(i)
                    file.write(line)
                    status, size = (int(field) for field in line.split()[3:])
                    statuses[status] = statuses.get(status, 0) + 1
                    total += size
                    errors += status >= 500
            self.expected[path] = (count, total, errors, statuses)


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Logs]:
    yield Logs(tmp_path_factory.mktemp("logs"))


def within_budget(small_kb: int, big_kb: int, what: str) -> None:
    grown = big_kb - small_kb
    assert grown <= BUDGET_KB, (
        f"{what}: peak RSS {big_kb / 1024:.1f} MB on {BIG_LINES:,} lines against "
        f"{small_kb / 1024:.1f} MB on 10 lines, {grown / 1024:.1f} MB more "
        f"(the budget is {BUDGET_KB / 1024:.0f} MB)"
    )


@pytest.mark.clause("C9")
@pytest.mark.weight(3)
def test_memory_summarise_flat_whatever_the_file_size(logs: Logs) -> None:
    small_kb, small = peak_rss_kb(logs.folder, "summarise", str(logs.small))
    big_kb, big = peak_rss_kb(logs.folder, "summarise", str(logs.big))
    for output, path in ((small, logs.small), (big, logs.big)):
        count, total, errors, statuses = logs.expected[path]
        assert same(output, [count, total, errors, [list(kv) for kv in sorted(statuses.items())]])
    within_budget(small_kb, big_kb, "summarise")


@pytest.mark.clause("C10")
@pytest.mark.weight(2)
def test_memory_read_hits_flat_when_iterated(logs: Logs) -> None:
    small_kb, small = peak_rss_kb(logs.folder, "read_hits", str(logs.small))
    big_kb, big = peak_rss_kb(logs.folder, "read_hits", str(logs.big))
    for output, path in ((small, logs.small), (big, logs.big)):
        count, total, _, _ = logs.expected[path]
        assert same(output, [count, total])
    within_budget(small_kb, big_kb, "iterating over read_hits")


@pytest.mark.clause("C11")
@pytest.mark.weight(2)
def test_memory_parse_line_cache_bounded(logs: Logs) -> None:
    small_kb, small = peak_rss_kb(logs.folder, "parse_line", str(logs.small))
    big_kb, big = peak_rss_kb(logs.folder, "parse_line", str(logs.big))
    for output, path in ((small, logs.small), (big, logs.big)):
        count, total, _, _ = logs.expected[path]
        assert same(output, [count, total])
    within_budget(small_kb, big_kb, "parse_line on every line")


@pytest.mark.clause("C12")
@pytest.mark.weight(2)
def test_memory_dropped_error_counters_leave_nothing_behind(logs: Logs) -> None:
    alone_kb, alone = peak_rss_kb(logs.folder, "counters", str(logs.small), "0")
    many_kb, many = peak_rss_kb(logs.folder, "counters", str(logs.small), str(COUNTERS))
    count, _, errors, _ = logs.expected[logs.small]
    assert same(alone, [count, errors, errors])
    assert same(many, [count, errors, errors])
    grown = many_kb - alone_kb
    assert grown <= BUDGET_KB, (
        f"{COUNTERS:,} dropped ErrorCounters: peak RSS {grown / 1024:.1f} MB above the same "
        f"process without them (the budget is {BUDGET_KB / 1024:.0f} MB)"
    )

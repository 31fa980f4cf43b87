"""Example tests for the memory-profiling exercise (the graded suite is more thorough, and
measures memory in fresh processes: see the README)."""

import gc
import tracemalloc
import weakref
from pathlib import Path

import solution


def write(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_readme_example(tmp_path: Path) -> None:
    log = write(
        tmp_path / "access.log",
        "10.0.0.7 GET /home 200 5120",
        "",
        "10.0.0.9 POST /pay 503 0",
        "10.0.0.7 GET /home 200 5120",
    )
    counter = solution.ErrorCounter()
    summary = solution.summarise(log)
    assert summary == solution.Summary(
        requests=3, bytes_sent=10240, errors=1, statuses={200: 2, 503: 1}
    )
    assert counter.errors == 1
    assert solution.recent(2) == [
        solution.Hit("10.0.0.9", "POST", "/pay", 503, 0),
        solution.Hit("10.0.0.7", "GET", "/home", 200, 5120),
    ]


def test_read_hits_in_file_order(tmp_path: Path) -> None:
    log = write(tmp_path / "a.log", "b GET /b 200 2", "  ", "a GET /a 404 1")
    assert list(solution.read_hits(log)) == [
        solution.Hit("b", "GET", "/b", 200, 2),
        solution.Hit("a", "GET", "/a", 404, 1),
    ]


def test_an_unreferenced_error_counter_is_freed() -> None:
    counter = solution.ErrorCounter()
    alive = weakref.ref(counter)
    del counter
    gc.collect()
    assert alive() is None


def build() -> list[bytearray]:
    big = bytearray(3_000_000)
    small = bytearray(1_000_000)
    return [big, small]


def test_top_allocations_finds_the_biggest_line() -> None:
    [(where, size)] = solution.top_allocations(build, limit=1)
    assert where == f"{__file__}:{build.__code__.co_firstlineno + 1}"
    assert 3_000_000 <= size < 3_010_000
    assert not tracemalloc.is_tracing()

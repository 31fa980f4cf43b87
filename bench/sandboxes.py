"""How much the sandboxes cost: grade the same solutions through each, side by side, in one run.

    python bench/sandboxes.py [--repeats 5] [--mutants] [--jobs N] [--catalog | EXERCISE ...]

Rows (median wall seconds over the repeats, each row's runs interleaved with the others'):
- floor: a bare `pytest` of every hidden suite in ONE process (no isolation at all);
- local: the local sandbox, one runner that forks a test process per exercise;
- local, runner per exercise: what a fresh interpreter per exercise would cost;
- docker: the Docker sandbox, one container for the whole submission;
- local / docker, --jobs N: the submission's exercises spread over N sandbox runs at once.
Ratios are to the floor. Then what the suites themselves cost: each exercise's floor time and
the most expensive tests of the catalog (from the floor's own run). Prints Markdown for the README.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from grader.catalog import Catalog, Exercise  # noqa: E402
from grader.grading import grade_exercises  # noqa: E402
from grader.report import Status  # noqa: E402
from grader.sandboxes import Sandbox  # noqa: E402
from grader.sandboxes.choice import choose_sandbox  # noqa: E402
from grader.sandboxes.local import LocalSandbox  # noqa: E402

ISSUE_TWO = ["closures", "context_manager", "decorators", "deep_copy", "fastapi_jwt", "generators"]

# Runs in a fresh interpreter: every suite in one process, the floor no sandbox can beat.
# With $BENCH_COSTS set, it also writes each suite's wall time and each test's duration there.
FLOOR = """
import json, os, sys, time, pytest
from hypothesis import settings
settings.register_profile("b", derandomize=True, database=None, deadline=None)
settings.load_profile("b")

class Durations:
    def __init__(self):
        self.tests = {}
    def pytest_runtest_logreport(self, report):
        self.tests[report.nodeid] = self.tests.get(report.nodeid, 0.0) + report.duration

costs = {"suites": {}, "tests": {}}
sys.path.insert(0, os.environ["BENCH_SANDBOX"])  # the suites' helpers (exact.py), as in the sandbox
for solution_dir, tests_dir in zip(sys.argv[1::2], sys.argv[2::2]):
    sys.path.insert(0, solution_dir)
    for name in [m for m in sys.modules if m == "solution" or m.startswith("solution.")]:
        del sys.modules[name]
    durations = Durations()
    started = time.perf_counter()
    pytest.main(
        [tests_dir, "-q", "-p", "no:cacheprovider", "--noconftest", "-o", "addopts="],
        plugins=[durations],
    )
    exercise = os.path.basename(solution_dir)
    costs["suites"][exercise] = time.perf_counter() - started
    for nodeid, seconds in durations.tests.items():
        costs["tests"][exercise + ": " + nodeid.split("::", 1)[-1]] = seconds
    sys.path.remove(solution_dir)
if os.environ.get("BENCH_COSTS"):
    with open(os.environ["BENCH_COSTS"], "w") as file:
        json.dump(costs, file)
"""

Answers = list[tuple[Exercise, dict[str, bytes]]]


def answers_of(exercises: list[Exercise], source: Callable[[Exercise], Path]) -> Answers:
    return [
        (e, {name: path.read_bytes() for name, path in e.solution_files(source(e)).items()})
        for e in exercises
    ]


def floor(answers: Answers, costs: Path | None = None) -> None:
    env = {**os.environ, "BENCH_SANDBOX": str(REPO / "sandbox")}
    if costs:
        env["BENCH_COSTS"] = str(costs)
    with tempfile.TemporaryDirectory() as tmp:
        args = []
        for exercise, files in answers:
            folder = Path(tmp) / exercise.id
            for name, content in files.items():
                (folder / name).parent.mkdir(parents=True, exist_ok=True)
                (folder / name).write_bytes(content)
            args += [str(folder), str(exercise.hidden_tests)]
        subprocess.run(
            [sys.executable, "-c", FLOOR, *args],
            cwd=tmp,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
            env=env,
        )


def graded(
    sandbox: Sandbox, per_exercise: bool = False, parallel: int = 1
) -> Callable[[Answers], None]:
    def run(answers: Answers) -> None:
        batches = [[a] for a in answers] if per_exercise else [answers]
        for batch in batches:
            results = grade_exercises(batch, sandbox, parallel=parallel)
            broken = [r.id for r in results if r.status in {Status.ERROR, Status.TIMEOUT}]
            if broken:
                raise SystemExit(f"{sandbox.name}: {broken} did not run cleanly")

    return run


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("exercises", nargs="*", help=f"default: {' '.join(ISSUE_TWO)}")
    parser.add_argument("--catalog", action="store_true", help="every code exercise")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--jobs", type=int, default=len(os.sched_getaffinity(0)), help="for the parallel rows"
    )
    parser.add_argument("--top", type=int, default=5, help="the most expensive tests shown")
    parser.add_argument(
        "--mutants", action="store_true", help="grade each exercise's first mutant too"
    )
    args = parser.parse_args()

    catalog = Catalog.load()
    if args.catalog:
        exercises = [e for e in catalog if not e.is_quiz]
    else:
        exercises = [catalog[i] for i in (args.exercises or ISSUE_TWO)]
    subjects = {"references": answers_of(exercises, lambda e: e.reference_dir)}
    if args.mutants:
        subjects["first mutants"] = answers_of(exercises, lambda e: next(iter(e.mutants.values())))

    docker = choose_sandbox("docker", log=lambda line: print(line, file=sys.stderr)).sandbox
    rows: dict[str, Callable[[Answers], None]] = {
        "floor: bare pytest, one process": floor,
        "local sandbox": graded(LocalSandbox()),
        "local, a runner per exercise": graded(LocalSandbox(), per_exercise=True),
        "docker sandbox": graded(docker),
        f"local sandbox, --jobs {args.jobs}": graded(LocalSandbox(), parallel=args.jobs),
        f"docker sandbox, --jobs {args.jobs}": graded(docker, parallel=args.jobs),
    }
    print(f"{len(exercises)} exercises, {args.repeats} repeats, interleaved; median wall seconds\n")
    for subject, answers in subjects.items():
        times: dict[str, list[float]] = {name: [] for name in rows}
        for run in rows.values():  # warm-up: page cache, image layers
            run(answers)
        for _ in range(args.repeats):
            for name, run in rows.items():
                started = time.perf_counter()
                run(answers)
                times[name].append(time.perf_counter() - started)
        base = statistics.median(times["floor: bare pytest, one process"])
        print(f"| {subject} | median s | x floor |\n| --- | ---: | ---: |")
        for name, samples in times.items():
            median = statistics.median(samples)
            print(f"| {name} | {median:.2f} | {median / base:.2f} |")
        print()
    suite_costs(subjects["references"], args.top)


def suite_costs(answers: Answers, top: int) -> None:
    """Each exercise's floor time and the catalog's most expensive tests, from one floor run."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "costs.json"
        floor(answers, costs=path)
        costs = json.loads(path.read_text())
    suites = sorted(costs["suites"].items(), key=lambda item: -item[1])
    print("| exercise (reference, bare pytest) | floor s |\n| --- | ---: |")
    for exercise, seconds in suites:
        print(f"| {exercise} | {seconds:.2f} |")
    print(f"| all | {sum(costs['suites'].values()):.2f} |\n")
    tests = sorted(costs["tests"].items(), key=lambda item: -item[1])[:top]
    print(f"| the {top} most expensive tests | s |\n| --- | ---: |")
    for name, seconds in tests:
        print(f"| {name} | {seconds:.2f} |")
    print()


if __name__ == "__main__":
    main()

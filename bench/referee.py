"""What the referee costs: the same reference solutions through the runner, with and without it.

    python bench/referee.py [--repeats 3] [EXERCISE ...]

Each run is a fresh interpreter that loads the runner (its preloads included, as in a sandbox)
and runs every given exercise's hidden suite on its reference through `runner.run_exercise`: the
trusted collection and the real run, forked test processes, events, deadlines. "without" replaces
the referee's installation (and the candidate-first import that goes with it) by nothing, which is
what grading did before the referee. The two are interleaved, A B A B, so that a drift of the
machine's speed hits both; the ratio is taken pair by pair. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from grader.catalog import Catalog  # noqa: E402

RUN = """
import os, sys, json
sys.path.insert(0, {runner!r})
sys.path.insert(0, os.path.dirname(__file__))  # this script is trusted code, as the runner is
os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
import runner
if sys.argv[1] == "without":
    runner.install_referee = lambda spec: None
    runner.import_candidate = lambda modules: None
runner.preload()
runner.configure_hypothesis()
failed = []
for spec in json.loads(sys.argv[2]):
    result = runner.run_exercise(spec)
    if result["violation"] or any(t["outcome"] != "passed" for t in result["tests"]):
        failed.append([spec["id"], result["violation"]])
print(json.dumps(failed))
"""


def workspace(root: Path, exercise_ids: list[str]) -> list[dict[str, object]]:
    catalog = Catalog.load(REPO / "exercises")
    specs = []
    for exercise_id in exercise_ids:
        exercise = catalog[exercise_id]
        folder = root / exercise_id
        shutil.copytree(exercise.hidden_tests, folder / "tests")
        shutil.copytree(exercise.reference_dir, folder / "solution")
        limits = exercise.manifest.limits
        specs.append(
            {
                "id": exercise_id,
                "tests_dir": str(folder / "tests"),
                "solution_dir": str(folder / "solution"),
                "scratch_dir": str(folder / "scratch"),
                "test_timeout_s": limits.test_timeout_s,
                "wall_timeout_s": limits.wall_timeout_s,
                "memory_mb": limits.memory_mb,
                "process_limit": None,
                "fail_fast": False,
            }
        )
    return specs


def timed(mode: str, script: Path, specs_json: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-I", "-B", str(script), mode, specs_json],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0 or done.stdout.strip().splitlines()[-1:] != ["[]"]:
        raise SystemExit(f"{mode}: the references did not all pass:\n{done.stdout}{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("exercises", nargs="*")
    options = parser.parse_args()
    ids = options.exercises or [e.id for e in Catalog.load(REPO / "exercises") if not e.is_quiz]
    with tempfile.TemporaryDirectory(prefix="bench-referee-") as tmp:
        root = Path(tmp)
        import json

        specs_json = json.dumps(workspace(root / "work", ids))
        script = root / "bench" / "run.py"
        script.parent.mkdir()
        script.write_text(RUN.format(runner=str(REPO / "sandbox")))
        with_referee: list[float] = []
        without: list[float] = []
        for _ in range(options.repeats):
            without.append(timed("without", script, specs_json))
            with_referee.append(timed("with", script, specs_json))
    ratios = [a / b for a, b in zip(with_referee, without, strict=True)]
    print(f"{len(ids)} exercises, reference solutions, {options.repeats} pairs (A B interleaved)\n")
    print("| run | median wall s | min | max |")
    print("| --- | ---: | ---: | ---: |")
    for name, times in (("without the referee", without), ("with the referee", with_referee)):
        print(f"| {name} | {statistics.median(times):.2f} | {min(times):.2f} | {max(times):.2f} |")
    print(
        f"\nratio with/without, pair by pair: median {statistics.median(ratios):.3f} "
        f"(min {min(ratios):.3f}, max {max(ratios):.3f})"
    )


if __name__ == "__main__":
    main()

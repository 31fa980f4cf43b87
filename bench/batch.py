"""Batch throughput: submissions graded per minute, per sandbox and number of workers.

    python bench/batch.py [--count 10] [--jobs 1 2] [--sandbox local docker] [--real]

Grades `--count` generated submissions (each distinct, so nothing is served from a cache; the
batch runs without one): by default on the small fixture catalog (tests/fixtures/exercises:
correct, partly wrong and missing answers), with --real on the bundled catalog's references.
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from grader.batch import grade_batch  # noqa: E402
from grader.batch_summary import RowStatus  # noqa: E402
from grader.catalog import Catalog, Exercise  # noqa: E402
from grader.sandboxes import Sandbox  # noqa: E402
from grader.sandboxes.choice import choose_sandbox  # noqa: E402
from grader.sandboxes.local import LocalSandbox  # noqa: E402

FIXTURES = REPO / "tests" / "fixtures" / "exercises"
VARIANTS: dict[
    str, list[str | None]
] = {  # fixture answers, cycled: a realistic mix of right, wrong and missing
    "adder": [
        "def add(a, b):\n    return a + b\n",
        "def add(a, b):\n    return a + b + (1 if a > 100 else 0)\n",
        None,
    ],
    "greeter": [
        'def greet(name):\n    return f"Hello, {name}!"\n',
        'def greet(name):\n    return f"Hello {name}!"\n',
    ],
}


def generate(root: Path, exercises: list[Exercise], count: int, real: bool) -> list[Path]:
    """`count` distinct submissions: a comment with the number makes each one's content unique."""
    subs = []
    for n in range(count):
        sub = root / f"candidate-{n:02}"
        for exercise in exercises:
            if real and exercise.is_quiz:  # the right answers, from the manifest
                answers = [
                    f"{q.id} = {json.dumps(q.answer if q.multiple else q.answer[0])}"
                    for q in exercise.manifest.questions
                ]
                files = {exercise.manifest.files[0]: "\n".join(answers).encode() + b"\n"}
            elif real:
                files = {
                    name: path.read_bytes()
                    for name, path in exercise.solution_files(exercise.reference_dir).items()
                }
            else:
                options = VARIANTS[exercise.id]
                source = options[n % len(options)]
                if source is None:
                    continue
                files = {"solution.py": source.encode()}
            for name, content in files.items():
                target = sub / exercise.id / name
                target.parent.mkdir(parents=True, exist_ok=True)
                unique = f"# candidate {n}\n".encode() if name.endswith(".py") else b""
                target.write_bytes(unique + content)
        sub.mkdir(exist_ok=True)
        subs.append(sub)
    return subs


def sandbox_for(name: str) -> Sandbox:
    if name == "local":
        return LocalSandbox()
    return choose_sandbox("docker", log=lambda line: print(line, file=sys.stderr)).sandbox


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--sandbox", nargs="+", default=["local", "docker"])
    parser.add_argument("--real", action="store_true", help="the bundled catalog's references")
    args = parser.parse_args()

    catalog = Catalog.load(None if args.real else FIXTURES)
    exercises = list(catalog)
    print(
        f"{args.count} submissions x {len(exercises)} exercises"
        f" ({'bundled references' if args.real else 'fixture catalog'}), no cache\n"
    )
    print("| sandbox | jobs | wall s | s per submission | submissions/min |")
    print("| --- | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory(prefix="grader-bench-") as tmp:
        subs = generate(Path(tmp) / "subs", exercises, args.count, args.real)
        for name in args.sandbox:
            sandbox = sandbox_for(name)
            factory = functools.partial(lambda box: box, sandbox)  # one sandbox, shared
            grade_batch(  # warm-up: page cache, image layers
                subs[:1], exercises, factory, output_dir=Path(tmp) / "warm", jobs=1
            )
            for jobs in args.jobs:
                out = Path(tmp) / f"out-{name}-{jobs}"
                summary = grade_batch(subs, exercises, factory, output_dir=out, jobs=jobs).summary
                broken = [r.candidate for r in summary.rows if r.status == RowStatus.ERROR]
                if broken:
                    raise SystemExit(f"{name}: {broken} did not grade")
                wall = summary.total_s
                print(
                    f"| {sandbox.name} | {jobs} | {wall:.1f} | {wall / len(subs):.2f}"
                    f" | {60 * len(subs) / wall:.1f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()

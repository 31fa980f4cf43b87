"""The candidate kit: questions, stubs and public tests, never anything that gives answers away."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from grader.assessment import Assessment
from grader.catalog import Exercise
from grader.errors import BadInputError
from grader.paths import SANDBOX_REQUIREMENTS
from grader.quiz import ANSWERS_FILE, blank_answers

REQUIREMENTS = "requirements.txt"

SELFCHECK = '''\
"""Run the public example tests of every exercise in this kit: python selfcheck.py [EXERCISE ...]"""

import subprocess
import sys
from pathlib import Path

here = Path(__file__).resolve().parent
exercises = sorted(p for p in here.iterdir() if (p / "tests").is_dir())
wanted = sys.argv[1:]
unknown = sorted(set(wanted) - {p.name for p in exercises})
if unknown:
    sys.exit(f"unknown exercise(s): {', '.join(unknown)}; known: {', '.join(p.name for p in exercises)}")
failed = []
for folder in exercises:
    if wanted and folder.name not in wanted:
        continue
    print(f"== {folder.name}", flush=True)
    code = subprocess.call(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=folder,
        env={**__import__("os").environ, "PYTHONPATH": str(folder)},
    )
    if code:
        failed.append(folder.name)
print("\\nAll public tests pass." if not failed else "\\nNot passing yet: " + ", ".join(failed))
sys.exit(1 if failed else 0)
'''


def _minutes(exercise: Exercise) -> str:
    return "" if exercise.manifest.minutes is None else str(exercise.manifest.minutes)


def readme(exercises: Sequence[Exercise], assessment: Assessment | None) -> str:
    rows = "\n".join(
        f"| `{e.id}/` | {e.manifest.title} | {e.section.label} | {e.manifest.points:g}"
        f" | {_minutes(e)} |"
        for e in exercises
    )
    estimated = sum(e.manifest.minutes or 0 for e in exercises)
    heading = "Python backend take-home"
    timing = f"The exercises take a well-prepared candidate about {estimated} minutes in all."
    if assessment is not None:
        heading = f"{assessment.title}\n\n{assessment.description}"
        timing = (
            f"**Time limit: {assessment.time_limit_minutes} minutes.** The exercises take a"
            f" well-prepared candidate about {estimated} minutes; the rest is your margin."
        )
    return f"""# {heading}

{timing}

Each folder is one exercise. Read its `README.md`, then fill in the file(s) it names
(`solution.py`, or `{ANSWERS_FILE}` for a quiz). Keep the names and signatures as they are.
Each README states its contract as numbered clauses ([C1], [C2], ...): the hidden tests check
every one of them.

| Folder | Exercise | Section | Points | Minutes |
| --- | --- | --- | --- | --- |
{rows}

## Check your work

You need Python 3.11+ and the packages your code is graded with, at the same versions:
`pip install -r {REQUIREMENTS}` (in a virtualenv). Then, from this folder:

    python selfcheck.py              # every exercise's public example tests
    python selfcheck.py generators   # one exercise

The public tests are examples only: your code is graded by a larger hidden suite that checks the
whole contract stated in each README, with time and memory limits and without network access.

## Hand in

Send back this folder (or a .zip / .tar.gz of it). Only the solution files are read; everything
else, including any test or configuration file you add, is ignored.
"""


def _requirements() -> str:
    """The sandbox image's pins, so that selfcheck.py runs against what grading runs."""
    pins = [
        line.strip()
        for line in SANDBOX_REQUIREMENTS.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    header = (
        "# The packages (and versions) your code is graded with: pip install -r requirements.txt\n"
    )
    return header + "\n".join(pins) + "\n"


def _quiz_readme(exercise: Exercise) -> str:
    lines = [exercise.question.read_text(encoding="utf-8").rstrip(), "", "## Questions", ""]
    for number, question in enumerate(exercise.manifest.questions, 1):
        several = " (several answers)" if question.multiple else ""
        lines += [f"### {number}. `{question.id}`{several}", "", question.prompt.strip(), ""]
        lines += [f"- **{choice.key}**: {choice.text}" for choice in question.choices]
        lines.append("")
    return "\n".join(lines)


def _write_exercise(exercise: Exercise, folder: Path) -> None:
    folder.mkdir(parents=True)
    if exercise.is_quiz:
        (folder / "README.md").write_text(_quiz_readme(exercise), encoding="utf-8")
        (folder / ANSWERS_FILE).write_text(blank_answers(exercise), encoding="utf-8")
        return
    shutil.copyfile(exercise.question, folder / "README.md")
    for name, source in exercise.solution_files(exercise.stub_dir).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, folder / name)
    shutil.copytree(
        exercise.public_tests,
        folder / "tests",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )


def build_kit(
    exercises: Sequence[Exercise], out: Path, assessment: Assessment | None = None
) -> Path:
    """Write the kit to `out`: a folder, or a .zip when the name ends so. Refuses to overwrite."""
    if out.exists() and (out.is_file() or any(out.iterdir())):
        raise BadInputError(f"{out} already exists and is not empty: choose another place")
    with tempfile.TemporaryDirectory(prefix="grader-kit-") as tmp:
        kit = Path(tmp) / (out.stem if out.suffix == ".zip" else out.name)
        kit.mkdir()
        (kit / "README.md").write_text(readme(exercises, assessment), encoding="utf-8")
        (kit / "selfcheck.py").write_text(SELFCHECK, encoding="utf-8")
        (kit / REQUIREMENTS).write_text(_requirements(), encoding="utf-8")
        for exercise in exercises:
            _write_exercise(exercise, kit / exercise.id)
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix == ".zip":
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in sorted(kit.rglob("*")):
                    archive.write(path, path.relative_to(kit.parent))
        else:
            shutil.copytree(kit, out, dirs_exist_ok=True)
    return out

"""Mutation testing: cosmic-ray's mutants of each reference, graded by its hidden suite in a sandbox.

cosmic-ray (not mutmut) because it separates the two halves we need: it enumerates and applies
mutations (its operators, over parso's syntax tree, each with a stable operator name and
position), and it lets the tests be run by anyone. mutmut 3 runs pytest itself, in-process, on a
copy of the project laid out its way; here every mutant must be graded exactly as a candidate's
submission is, by the runner in the sandbox. Each mutant is a submission: it is killed when the
grader would not give it full marks (a failing test, an error, a timeout).

A surviving mutant that is equivalent under the exercise's contract is listed, with a reason, in
`exercises/<id>/equivalent_mutants.toml`; it counts neither way. The score is
killed / (mutants - equivalent). cosmic-ray's session is kept in `<session_dir>/<id>.sqlite`, with
every mutant's outcome and diff, for `cr-report` and `cr-html`.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated

from cosmic_ray.commands.init import init as cosmic_ray_init
from cosmic_ray.mutating import mutate_code
from cosmic_ray.plugins import get_operator
from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import TestOutcome, WorkerOutcome, WorkResult
from pydantic import BaseModel, ConfigDict, Field

from grader import pyast
from grader.catalog import Exercise
from grader.errors import BadInputError
from grader.grading import grade_exercises
from grader.report import Status
from grader.sandboxes import Sandbox
from grader.tomlfile import load_model

EQUIVALENTS_FILE = "equivalent_mutants.toml"
REQUIRED_SCORE = 95.0
RUN_SIZE = 12  # mutants per sandbox run: the runner's start is paid once for them


class Equivalent(BaseModel):
    """A mutant that no test can kill because the contract cannot observe the change."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str = "solution.py"
    line: Annotated[int, Field(ge=1)]
    column: Annotated[int, Field(ge=0)]
    operator: str
    reason: Annotated[str, Field(min_length=1)]

    @property
    def key(self) -> tuple[str, int, int, str]:
        return (self.file, self.line, self.column, self.operator)


class Equivalents(BaseModel):
    """An exercise's `equivalent_mutants.toml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Why every mutant inside a type annotation is equivalent, when it is: the module has
    # `from __future__ import annotations` and nothing evaluates its hints (as pydantic and
    # FastAPI would). Empty: annotation mutants are judged one by one like any other.
    annotations: str = ""
    mutant: list[Equivalent] = []


def load_equivalents(exercise: Exercise) -> Equivalents:
    path = exercise.path / EQUIVALENTS_FILE
    if not path.is_file():
        return Equivalents()
    return load_model(path, Equivalents)


@dataclass(frozen=True)
class Mutation:
    """One cosmic-ray mutant of one reference file, as the files a submission would hold."""

    exercise: Exercise
    job_id: str  # cosmic-ray's id for it, in the exercise's session
    file: str
    line: int
    column: int
    operator: str
    before: str  # the line as the reference has it
    after: str  # the line as the mutant has it (empty when the mutant removes it)
    files: dict[str, bytes]
    in_annotation: bool  # the mutated position lies inside a type annotation

    @property
    def key(self) -> tuple[str, int, int, str]:
        return (self.file, self.line, self.column, self.operator)

    def equivalent_entry(self) -> str:
        """The TOML entry that declares this mutant equivalent, for the reason to be filled in."""
        return (
            f'[[mutant]]\nfile = "{self.file}"\nline = {self.line}\ncolumn = {self.column}\n'
            f'operator = "{self.operator}"\nreason = "…"'
        )


def _changed_line(original: str, mutated: str, line: int) -> tuple[str, str]:
    old = original.splitlines()
    new = mutated.splitlines()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new).get_opcodes():
        if tag != "equal":
            return " ".join(old[i1:i2]).strip(), " ".join(new[j1:j2]).strip()
    return old[line - 1].strip() if line <= len(old) else "", ""


def annotation_spans(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Where the type annotations of a module are: (line, column) from, to (exclusive)."""
    spans = []
    for node in ast.walk(pyast.parse(source)):
        found: list[ast.expr | None] = []
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.append(node.returns)
        elif isinstance(node, ast.arg | ast.AnnAssign):
            found.append(node.annotation)
        spans += [
            ((a.lineno, a.col_offset), (a.end_lineno or a.lineno, a.end_col_offset or 0))
            for a in found
            if a is not None
        ]
    return spans


def make_mutations(exercise: Exercise, session: Path) -> list[Mutation]:
    """Every mutant cosmic-ray makes of the exercise's reference, recorded in a fresh session."""
    reference = exercise.read_solution(exercise.reference_dir)
    sources = {
        name: text.decode("utf-8") for name, text in reference.items() if name.endswith(".py")
    }
    session.parent.mkdir(parents=True, exist_ok=True)
    session.unlink(missing_ok=True)
    annotations = {name: annotation_spans(text) for name, text in sources.items()}
    paths = {name: exercise.reference_dir / name for name in sources}
    by_path = {str(path): name for name, path in paths.items()}
    mutations = []
    with use_db(session, WorkDB.Mode.create) as db:
        cosmic_ray_init(list(paths.values()), db, {})
        for item in db.work_items:
            (spec,) = item.mutations
            name = by_path[str(spec.module_path)]
            operator = get_operator(spec.operator_name)(**(spec.operator_args or {}))
            mutated = mutate_code(sources[name], operator, spec.occurrence)
            if mutated is None:  # cosmic-ray found the position but could not mutate there
                db.set_result(item.job_id, WorkResult(worker_outcome=WorkerOutcome.SKIPPED))
                continue
            line, column = spec.start_pos
            before, after = _changed_line(sources[name], mutated, line)
            mutations.append(
                Mutation(
                    exercise=exercise,
                    job_id=item.job_id,
                    file=name,
                    line=line,
                    column=column,
                    operator=spec.operator_name,
                    before=before,
                    after=after,
                    files={**reference, name: mutated.encode("utf-8")},
                    in_annotation=any(a <= (line, column) < b for a, b in annotations[name]),
                )
            )
    return sorted(mutations, key=lambda m: m.key)


@dataclass(frozen=True)
class Outcome:
    mutation: Mutation
    killed: bool
    status: Status
    first_failing: str  # the test that killed it, when one did


@dataclass(frozen=True)
class ExerciseScore:
    """One exercise's mutation testing, as the table shows it."""

    exercise: str
    mutants: int
    killed: int
    equivalent: int
    survivors: list[Mutation]
    stale: list[Equivalent]  # listed as equivalent, but a test kills it or no such mutant exists

    @property
    def survived(self) -> int:
        return len(self.survivors)

    @property
    def score(self) -> float:
        judged = self.mutants - self.equivalent
        return 100.0 if judged == 0 else 100.0 * self.killed / judged

    @property
    def ok(self) -> bool:
        return self.score >= REQUIRED_SCORE and not self.stale


def _grade(batch: Sequence[Mutation], sandbox: Sandbox) -> list[Outcome]:
    """Grade a run's worth of mutants at once; each gets its own id so they can share a run."""
    answers = [
        (replace(m.exercise, id=f"{m.exercise.id}-mutant-{index}"), m.files)
        for index, m in enumerate(batch)
    ]
    outcomes = []
    for mutation, result in zip(
        batch, grade_exercises(answers, sandbox, fail_fast=True), strict=True
    ):
        failing = next((t.name for t in result.tests if t.outcome != "passed"), "")
        outcomes.append(Outcome(mutation, result.status != Status.PASSED, result.status, failing))
    return outcomes


def run_mutation(
    exercises: Sequence[Exercise],
    sandbox: Sandbox,
    session_dir: Path,
    *,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> list[ExerciseScore]:
    """Make, grade and score every exercise's mutants; record each outcome in its session."""
    code = [e for e in exercises if not e.is_quiz]
    _require_passing_references(code, sandbox)
    equivalents = {e.id: load_equivalents(e) for e in code}
    mutations = {e.id: make_mutations(e, session_dir / f"{e.id}.sqlite") for e in code}
    everything = [m for e in code for m in mutations[e.id]]
    batches = [everything[i : i + RUN_SIZE] for i in range(0, len(everything), RUN_SIZE)]
    outcomes: list[Outcome] = []
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for graded in pool.map(lambda batch: _grade(batch, sandbox), batches):
            outcomes += graded
            if progress is not None:
                progress(len(outcomes), len(everything))
    scores = []
    for exercise in code:
        mine = [o for o in outcomes if o.mutation.exercise.id == exercise.id]
        _record(session_dir / f"{exercise.id}.sqlite", mine)
        scores.append(score_outcomes(exercise.id, mine, equivalents[exercise.id]))
    return scores


def score_outcomes(
    exercise: str, outcomes: Sequence[Outcome], declared: Equivalents
) -> ExerciseScore:
    """Killed, equivalent or surviving, per mutant. A mutant declared equivalent that only timed
    out counts as equivalent: a loaded machine's deadline is not a test that tells it apart. One
    that a test killed makes its entry stale, unless another mutant at the same place (cosmic-ray
    nudges a number both up and down there) is the one the entry means."""
    listed = {e.key for e in declared.mutant}
    killed = equivalent = 0
    survivors: list[Mutation] = []
    confirmed: set[tuple[str, int, int, str]] = set()
    for outcome in outcomes:
        m = outcome.mutation
        is_declared = m.key in listed or (bool(declared.annotations) and m.in_annotation)
        if is_declared and (not outcome.killed or outcome.status == Status.TIMEOUT):
            equivalent += 1
            confirmed.add(m.key)
        elif outcome.killed:
            killed += 1
        else:
            survivors.append(m)
    return ExerciseScore(
        exercise=exercise,
        mutants=len(outcomes),
        killed=killed,
        equivalent=equivalent,
        survivors=survivors,
        stale=[e for e in declared.mutant if e.key not in confirmed],
    )


def _require_passing_references(exercises: Sequence[Exercise], sandbox: Sandbox) -> None:
    """The baseline: a mutant is killed when its suite fails, which means nothing unless the
    unmutated reference passes the same run."""
    answers = [(e, e.read_solution(e.reference_dir)) for e in exercises]
    failing = [
        f"{result.id} ({result.status.value})"
        for result in grade_exercises(answers, sandbox, fail_fast=True)
        if result.status != Status.PASSED
    ]
    if failing:
        raise BadInputError(f"the reference fails its hidden suite: {', '.join(failing)}")


def _record(session: Path, outcomes: Sequence[Outcome]) -> None:
    """Write the outcomes into cosmic-ray's session, so that its own reports can be read."""
    with use_db(session, WorkDB.Mode.open) as db:
        for outcome in outcomes:
            m = outcome.mutation
            db.set_result(
                m.job_id,
                WorkResult(
                    worker_outcome=WorkerOutcome.NORMAL,
                    test_outcome=TestOutcome.KILLED if outcome.killed else TestOutcome.SURVIVED,
                    output=f"{outcome.status.value} {outcome.first_failing}".strip(),
                    diff=f"--- {m.file}:{m.line}\n-{m.before}\n+{m.after}\n",
                ),
            )

"""The mutation-testing table (`grader mutation`), for the terminal and for exercises/README.md."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table

from grader.mutation import REQUIRED_SCORE, ExerciseScore

COLUMNS = ("Exercise", "Mutants", "Killed", "Equivalent", "Survived", "Score")


def _total(scores: Sequence[ExerciseScore]) -> ExerciseScore:
    return ExerciseScore(
        exercise="total",
        mutants=sum(s.mutants for s in scores),
        killed=sum(s.killed for s in scores),
        equivalent=sum(s.equivalent for s in scores),
        survivors=[m for s in scores for m in s.survivors],
        stale=[e for s in scores for e in s.stale],
    )


def _rows(scores: Sequence[ExerciseScore]) -> list[tuple[str, ...]]:
    """One row per exercise, then the totals, scored the same way."""
    return [
        (
            s.exercise,
            str(s.mutants),
            str(s.killed),
            str(s.equivalent),
            str(s.survived),
            f"{s.score:.1f}%",
        )
        for s in [*scores, _total(scores)]
    ]


def mutation_table(scores: Sequence[ExerciseScore]) -> Table:
    table = Table(title=f"Mutation testing (at least {REQUIRED_SCORE:g}% killed per exercise)")
    for column in COLUMNS:
        table.add_column(column, justify="left" if column == "Exercise" else "right")
    rows = _rows(scores)
    for row, score in zip(rows, [*scores, None], strict=True):
        style = None if score is None or score.ok else "bold red"
        table.add_row(*row, style=style)
    return table


def mutation_markdown(scores: Sequence[ExerciseScore]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "| --- |" + " ---: |" * (len(COLUMNS) - 1)]
    lines += ["| " + " | ".join(row) + " |" for row in _rows(scores)]
    return "\n".join(lines)

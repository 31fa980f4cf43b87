"""The mutation-testing table (`grader mutation`), for the terminal and for exercises/README.md."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table

from grader.mutation import REQUIRED_SCORE, ExerciseScore

COLUMNS = ("Exercise", "Mutants", "Killed", "Equivalent", "Survived", "Score")


def _rows(scores: Sequence[ExerciseScore]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [
        (
            s.exercise,
            str(s.mutants),
            str(s.killed),
            str(s.equivalent),
            str(s.survived),
            f"{s.score:.1f}%",
        )
        for s in scores
    ]
    mutants = sum(s.mutants for s in scores)
    killed = sum(s.killed for s in scores)
    equivalent = sum(s.equivalent for s in scores)
    judged = mutants - equivalent
    total = 100.0 if judged == 0 else 100.0 * killed / judged
    survived = sum(s.survived for s in scores)
    rows.append(
        ("total", str(mutants), str(killed), str(equivalent), str(survived), f"{total:.1f}%")
    )
    return rows


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

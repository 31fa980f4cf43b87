"""A batch's ranking as a terminal table, printed when a batch ends."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from rich.text import Text

from grader.batch_summary import BatchSummary
from grader.text import candidate_text

_RIGHT_ALIGNED = {"#", "Percent", "Time s"}


def ranking_table(summary: BatchSummary, out: Path) -> Table:
    """Candidate names, errors and paths are the candidates' text: cells are `Text`, not markup."""
    table = Table(
        title=Text(
            candidate_text(
                f"Ranking ({len(summary.rows)} submissions, {summary.total_s:.0f} s): {out}"
            )
        )
    )
    for column in ("#", "Candidate", "Status", "Percent", "Score", "Time s", "Similar to"):
        table.add_column(column, justify="right" if column in _RIGHT_ALIGNED else "left")
    for rank, row in enumerate(summary.ranking(), 1):
        table.add_row(
            str(rank),
            Text(candidate_text(row.candidate)),
            Text(candidate_text(row.status.value + (f": {row.error}" if row.error else ""))),
            f"{row.percent:.1f}",
            f"{row.score:g}/{row.max_score:g}",
            f"{row.time_s:.1f}",
            Text(candidate_text(", ".join(row.similar_to))),
        )
    return table

"""Progress while one submission grades: each exercise as it starts and finishes.

`grade_submission(..., on_progress=...)` calls back with a :class:`ProgressEvent` per step, from
the sandbox runs' threads (a submission's exercises run in several at once). A "finished" event
is what the exercise's own result says as it arrives; the report is built only once every run's
whole result is in and believed, so when a run fails after an exercise finished (the runner
killed at the deadline, say), a "revised" event gives the final status and score. Progress never
changes a score.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, TextIO

from rich.console import Console
from rich.text import Text

from grader.report import Status
from grader.reports.terminal import STATUS_STYLE


@dataclass(frozen=True)
class ProgressEvent:
    """An exercise started (its run began), finished, or was revised (its run's whole result
    was not believed after all); `status` and `score` are set except for "started"."""

    exercise: str
    kind: Literal["started", "finished", "revised"]
    status: Status | None = None
    score: float | None = None
    max_score: float | None = None


ProgressCallback = Callable[[ProgressEvent], None]


class ProgressPrinter:
    """One line per event on a console (standard error for `grade`): `adder … started`, then
    `adder  passed 10/10`. Callable from several threads at once: lines never interleave."""

    def __init__(self, console: Console, width: int = 0) -> None:
        self.console = console
        self.width = width  # the longest exercise id, so that statuses line up
        self._lock = threading.Lock()

    def __call__(self, event: ProgressEvent) -> None:
        name = event.exercise.ljust(self.width)
        if event.kind == "started" or event.status is None:
            line = Text.assemble(name, (" … started", "dim"))
        else:
            score = f"{event.score or 0:g}/{event.max_score or 0:g}"
            line = Text.assemble(
                name, "  ", (event.status.value, STATUS_STYLE[event.status]), " ", score
            )
            if event.kind == "revised":
                line.append(" (revised: the run's whole result was not believed)", style="dim")
        with self._lock:
            self.console.print(line, highlight=False, soft_wrap=True)


def terminal_progress(
    exercise_ids: Sequence[str], stream: TextIO | None = None
) -> ProgressCallback | None:
    """A printer on `stream` (standard error) when it is a terminal, else None: piped or
    redirected, standard error gets no progress, and standard output never does."""
    stream = stream if stream is not None else sys.stderr
    if not stream.isatty():
        return None
    width = max((len(exercise_id) for exercise_id in exercise_ids), default=0)
    return ProgressPrinter(Console(file=stream), width)

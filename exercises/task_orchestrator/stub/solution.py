"""A tiny task orchestrator: dependencies, retries with exponential backoff, failure propagation.

Keep the data types and exceptions below as they are; implement the two functions.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

State = Literal["success", "failed", "upstream_failed"]


@dataclass(frozen=True)
class Task:
    """One unit of work: ``action`` is called with no arguments; its return value is ignored."""

    name: str
    action: Callable[[], object]
    depends_on: tuple[str, ...] = ()
    retries: int = 0


@dataclass(frozen=True)
class TaskResult:
    """What happened to one task: its final state, how many times it ran, its last error."""

    state: State
    attempts: int
    error: Exception | None = None


class PipelineError(ValueError):
    """The pipeline definition is invalid; raised before any task runs."""


class UnknownDependencyError(PipelineError):
    """A task depends on a name that is not a task of the pipeline."""

    def __init__(self, task: str, dependency: str) -> None:
        super().__init__(f"task {task!r} depends on unknown task {dependency!r}")
        self.task = task
        self.dependency = dependency


class CycleError(PipelineError):
    """The dependencies form a cycle; ``cycle`` lists it, first name repeated at the end."""

    def __init__(self, cycle: list[str]) -> None:
        super().__init__("dependency cycle: " + " -> ".join(cycle))
        self.cycle = cycle


def execution_order(tasks: Sequence[Task]) -> list[str]:
    """Validate the pipeline and return the task names in the order they will run.

    Each task comes after its dependencies; among the ready tasks, the one listed first in
    ``tasks`` goes next. Raises PipelineError (duplicate name, negative retries),
    UnknownDependencyError or CycleError.
    """
    raise NotImplementedError


def run_pipeline(
    tasks: Sequence[Task],
    *,
    sleep: Callable[[float], None] = time.sleep,
    base_delay: float = 1.0,
    backoff: float = 2.0,
    max_delay: float = 60.0,
) -> dict[str, TaskResult]:
    """Validate, then run each task (in execution order) whose dependencies all succeeded.

    A failing action is retried up to ``task.retries`` times, sleeping
    ``min(base_delay * backoff ** (k - 1), max_delay)`` before the k-th retry. Tasks
    downstream of a failure are ``upstream_failed`` and never run. Returns every task's
    result, inserted in execution order.
    """
    raise NotImplementedError

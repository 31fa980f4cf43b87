"""A tiny task orchestrator: dependencies, retries with exponential backoff, failure propagation.

The whole graph is validated before any task runs, so a bad definition never leaves a
half-executed pipeline behind. Tasks then run one at a time in a deterministic topological
order; a task whose dependencies did not all succeed is skipped as ``upstream_failed``.
"""

from __future__ import annotations

import heapq
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
    """Validate the graph and return the task names in the order they will run.

    Kahn's algorithm with a heap of input positions: among the tasks whose dependencies are
    all placed, the one listed first goes next, so the order is deterministic and stable
    (a pipeline already listed in a valid order runs exactly as listed).
    """
    position = _validate(tasks)
    waiting_on = {task.name: set(task.depends_on) for task in tasks}
    dependents: dict[str, list[str]] = {task.name: [] for task in tasks}
    for task in tasks:
        for dependency in waiting_on[task.name]:
            dependents[dependency].append(task.name)

    ready = [position[name] for name, deps in waiting_on.items() if not deps]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        name = tasks[heapq.heappop(ready)].name
        order.append(name)
        for child in dependents[name]:
            waiting_on[child].discard(name)
            if not waiting_on[child]:
                heapq.heappush(ready, position[child])
    if len(order) < len(tasks):  # some tasks never became ready: they sit on a cycle or behind one
        raise CycleError(_find_cycle(tasks, set(order)))
    return order


def run_pipeline(
    tasks: Sequence[Task],
    *,
    sleep: Callable[[float], None] = time.sleep,
    base_delay: float = 1.0,
    backoff: float = 2.0,
    max_delay: float = 60.0,
) -> dict[str, TaskResult]:
    """Run every task once its dependencies succeeded; return each task's result in run order."""
    by_name = {task.name: task for task in tasks}
    results: dict[str, TaskResult] = {}
    for name in execution_order(tasks):  # validates everything before the first action runs
        task = by_name[name]
        if any(results[dep].state != "success" for dep in task.depends_on):
            # Checking for "success" (not for "failed") also skips the grandchildren of a
            # failure, whose parents are upstream_failed.
            results[name] = TaskResult("upstream_failed", 0)
        else:
            results[name] = _attempt(task, sleep, base_delay, backoff, max_delay)
    return results


def _attempt(
    task: Task,
    sleep: Callable[[float], None],
    base_delay: float,
    backoff: float,
    max_delay: float,
) -> TaskResult:
    """Call the task up to ``retries + 1`` times, sleeping only *between* attempts."""
    attempts = task.retries + 1
    for attempt in range(1, attempts + 1):
        try:
            task.action()
        except Exception as error:  # BaseException (KeyboardInterrupt...) must stop the run
            if attempt == attempts:
                return TaskResult("failed", attempt, error)
            sleep(_delay(attempt, base_delay, backoff, max_delay))
        else:
            return TaskResult("success", attempt)
    raise AssertionError("unreachable: the last attempt always returns")


def _delay(retry: int, base_delay: float, backoff: float, max_delay: float) -> float:
    """``min(base_delay * backoff ** (retry - 1), max_delay)``, also for a retry in the thousands.

    A float power past about 1e308 raises OverflowError rather than giving infinity; the true
    product is then far beyond any cap (or exactly 0 when ``base_delay`` is 0).
    """
    try:
        return min(base_delay * backoff ** (retry - 1), max_delay)
    except OverflowError:
        return 0.0 if base_delay == 0 else max_delay


def _validate(tasks: Sequence[Task]) -> dict[str, int]:
    """Check names, retries and dependency names; return each name's position in ``tasks``."""
    position: dict[str, int] = {}
    for index, task in enumerate(tasks):
        if task.name in position:
            raise PipelineError(f"duplicate task name {task.name!r}")
        if task.retries < 0:
            raise PipelineError(f"task {task.name!r}: retries must be >= 0, got {task.retries}")
        position[task.name] = index
    for task in tasks:
        for dependency in task.depends_on:
            if dependency not in position:
                raise UnknownDependencyError(task.name, dependency)
    return position


def _find_cycle(tasks: Sequence[Task], placed: set[str]) -> list[str]:
    """Walk dependencies among the unplaced tasks until a name repeats: that loop is a cycle.

    Every unplaced task has at least one unplaced dependency (otherwise Kahn would have placed
    it), so the walk never gets stuck and must revisit a name within ``len(tasks)`` steps.
    """
    deps = {task.name: task.depends_on for task in tasks}
    current = next(task.name for task in tasks if task.name not in placed)
    path: list[str] = []
    seen: dict[str, int] = {}
    while current not in seen:
        seen[current] = len(path)
        path.append(current)
        current = next(dep for dep in deps[current] if dep not in placed)
    return [*path[seen[current] :], current]

"""Split one submission's exercises over several sandbox runs, so that it uses every core.

Each shard is a whole sandbox run (its own runner, container or process tree, limits and
deadlines), so an exercise's CPU time and peak memory never count a neighbour's work. Shards are
balanced by a cost estimate, longest first onto the least loaded shard (LPT): two shards for two
cores, with one container start each, rather than one container per exercise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from grader.protocol import RecordSink
from grader.sandboxes import Job, Sandbox, SandboxOutcome


def suite_bytes(job: Job) -> int:
    """A cheap stand-in for a suite's running time: the size of its test files."""
    return sum(path.stat().st_size for path in Path(job.tests_dir).rglob("*.py"))


def shard(
    jobs: Sequence[Job], count: int, cost: Callable[[Job], float] = suite_bytes
) -> list[list[Job]]:
    """At most `count` non-empty shards of `jobs`, their estimated costs as even as LPT makes them;
    jobs keep their given order within a shard."""
    count = max(1, min(count, len(jobs)))
    if count == 1:
        return [list(jobs)] if jobs else []
    order = {job.id: index for index, job in enumerate(jobs)}
    loads = [0.0] * count
    shards: list[list[Job]] = [[] for _ in range(count)]
    for job in sorted(jobs, key=cost, reverse=True):
        lightest = loads.index(min(loads))
        shards[lightest].append(job)
        loads[lightest] += cost(job)
    return [sorted(group, key=lambda job: order[job.id]) for group in shards]


def run_sharded(
    sandbox: Sandbox, jobs: Sequence[Job], parallel: int, on_record: RecordSink | None = None
) -> dict[str, SandboxOutcome]:
    """Each job's outcome, from `parallel` sandbox runs at once (one run when `parallel` is 1).

    `on_record` hears every run's records as they come, from each run's thread at once: it must
    be thread-safe."""

    def run(group: list[Job]) -> SandboxOutcome:
        # Only asked for when wanted, so that a sandbox without progress (a test's) still serves.
        return sandbox.run(group) if on_record is None else sandbox.run(group, on_record)

    groups = shard(jobs, parallel)
    if len(groups) <= 1:
        outcome = run(list(jobs))
        return {job.id: outcome for job in jobs}
    with ThreadPoolExecutor(max_workers=len(groups), thread_name_prefix="grader-shard") as pool:
        outcomes = list(pool.map(run, groups))
    return {
        job.id: outcome for group, outcome in zip(groups, outcomes, strict=True) for job in group
    }

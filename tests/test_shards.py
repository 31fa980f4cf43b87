"""Spreading one submission's exercises over several sandbox runs."""

from __future__ import annotations

import threading
from pathlib import Path

from grader.catalog import Catalog
from grader.grading import grade_exercises
from grader.manifest import Limits
from grader.sandboxes import Job, SandboxOutcome
from grader.sandboxes.local import LocalSandbox
from grader.shards import shard

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "exercises"


def job(name: str) -> Job:
    return Job(name, {}, Path("."), Limits())


def test_shards_balance_the_estimated_cost_longest_first() -> None:
    costs = {"a": 8.0, "b": 7.0, "c": 3.0, "d": 2.0, "e": 2.0}
    jobs = [job(name) for name in costs]
    groups = shard(jobs, 2, cost=lambda j: costs[j.id])
    # a: 8, b: 7, c onto b (10), d onto a (10), e onto the first of the two lightest (a)
    assert [[j.id for j in group] for group in groups] == [["a", "d", "e"], ["b", "c"]]
    # every job exactly once, in the given order within its shard
    assert sorted(j.id for group in groups for j in group) == sorted(costs)
    for group in groups:
        ids = [j.id for j in group]
        assert ids == sorted(ids)


def test_never_more_shards_than_jobs_and_none_empty() -> None:
    jobs = [job("a"), job("b")]
    assert [len(group) for group in shard(jobs, 8, cost=lambda _: 1.0)] == [1, 1]
    assert shard(jobs, 1, cost=lambda _: 1.0) == [jobs]
    assert shard([], 4) == []


class CountingSandbox:
    """The local sandbox, counting runs and how many overlapped."""

    name = "local"

    def __init__(self) -> None:
        self.inner = LocalSandbox()
        self.runs: list[list[str]] = []
        self.active = 0
        self.most_at_once = 0
        self.lock = threading.Lock()

    def run(self, jobs: list[Job]) -> SandboxOutcome:
        with self.lock:
            self.runs.append([j.id for j in jobs])
            self.active += 1
            self.most_at_once = max(self.most_at_once, self.active)
        try:
            return self.inner.run(jobs)
        finally:
            with self.lock:
                self.active -= 1


def test_a_submission_graded_in_two_runs_gets_the_same_verdicts_and_its_own_metrics() -> None:
    catalog = list(Catalog.load(FIXTURES))
    answers = [(e, e.read_solution(e.reference_dir)) for e in catalog]
    one = CountingSandbox()
    two = CountingSandbox()
    serial = grade_exercises(answers, one)
    sharded = grade_exercises(answers, two, parallel=2)
    assert len(one.runs) == 1
    assert sorted(map(sorted, two.runs)) == [[e.id] for e in sorted(catalog, key=lambda e: e.id)]
    assert [(r.id, r.status, r.score) for r in sharded] == [
        (r.id, r.status, r.score) for r in serial
    ]
    assert all(r.score == r.max_score for r in sharded)
    for result in sharded:
        assert result.metrics is not None and result.metrics.cpu_s > 0

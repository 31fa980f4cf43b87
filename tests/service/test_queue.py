"""Grading across machines (grader/service/queue.py), proven against real faults: `grader worker`
processes take jobs from a real RabbitMQ and write to a real PostgreSQL, both this module's own
(servers.py), and the tests kill, restart and starve them. What must hold every time: each
submission ends with exactly one report, its attempts counted, none lost.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import pytest
from kombu import Connection
from prometheus_client.parser import text_string_to_metric_families
from servers import PASSWORD, Host, Postgres, RabbitMQ, WorkerProcess, require_servers
from service_harness import (
    DEADLINE_S,
    EXERCISES,
    Accounts,
    Api,
    RunningServer,
    data_dir_of,
    reset_postgres,
    slow,
    submission_zip,
)
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from grader.service.models import Attempt, Submission
from grader.service.queue import QUEUE
from grader.service.settings import BROKER_ENV
from grader.service.worker import JOB_LABEL

pytestmark = pytest.mark.slow
POISON_WORKER = Path(__file__).with_name("poison_worker.py")


@pytest.fixture(scope="module")
def broker() -> Iterator[RabbitMQ]:
    require_servers()
    node = RabbitMQ()
    node.start()
    yield node
    node.remove()


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    require_servers()
    cluster = Postgres()
    cluster.create()
    yield cluster
    cluster.remove()


@pytest.fixture
def database_url(postgres: Postgres, broker: RabbitMQ) -> str:
    """This module's own PostgreSQL (overriding conftest's), emptied, with the broker up and
    its queue gone: nothing of an earlier test is delivered to this one."""
    if broker.process is None:
        broker.start()
    with Connection(broker.url()) as connection:
        connection.default_channel.queue_delete(QUEUE)
    reset_postgres(postgres.url())
    return postgres.url()


@dataclass
class Grid:
    """The service (in this process, publishing to the broker) and the workers a test starts."""

    server: RunningServer
    api: Api
    headers: dict[str, str]
    env: dict[str, str]
    engine: Engine
    tmp_path: Path
    workers: list[WorkerProcess] = field(default_factory=list)

    def worker(
        self,
        name: str,
        *,
        sandbox: str = "local",
        exercises: Path = EXERCISES,
        concurrency: int = 1,
        command: tuple[str, ...] = (),
        prefix: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ) -> WorkerProcess:
        started = WorkerProcess.start(
            name,
            env or self.env,
            "--sandbox",
            sandbox,
            "--exercises-dir",
            str(exercises),
            "--concurrency",
            str(concurrency),
            command=command,
            prefix=prefix,
        )
        self.workers.append(started)
        return started

    def invite(self, exercises: tuple[str, ...] = ("adder",), candidate: str = "Ann") -> str:
        assignment = self.api.assignment(self.headers, exercises=list(exercises))
        token: str = self.api.invite(self.headers, assignment["id"], candidate)["token"]
        return token

    def upload(self, name: str = "answer.zip", **solutions: str | bytes) -> str:
        """A new candidate's submission (each its own invite, so none supersedes another)."""
        archive = submission_zip(self.tmp_path / name, **(solutions or {"adder": "reference"}))
        token = self.invite(tuple(solutions or ("adder",)), candidate=name)
        submission_id: str = self.api.submitted(token, archive)["id"]
        return submission_id

    def wait(
        self, submission_id: str, timeout: float = DEADLINE_S, **fields: Any
    ) -> dict[str, Any]:
        """The submission once final (or once it has `fields`), as an interviewer sees it."""

        def reached(found: dict[str, Any]) -> bool:
            if fields:
                return all(found.get(key) == value for key, value in fields.items())
            return found["status"] in {"graded", "failed", "superseded"}

        try:
            return self.api.wait(submission_id, self.headers, until=reached, timeout=timeout)
        except pytest.fail.Exception as exc:  # say what the workers were doing
            logs = "\n".join(f"--- {w.name}:\n{w.log()[-4000:]}" for w in self.workers)
            pytest.fail(f"{exc}\n{logs}", pytrace=False)

    def attempts(self, submission_id: str) -> list[tuple[int, str | None]]:
        with Session(self.engine) as session:
            rows = session.scalars(
                select(Attempt)
                .where(Attempt.submission_id == submission_id)
                .order_by(Attempt.number)
            )
            return [(row.number, row.outcome) for row in rows]

    def stored(self, submission_id: str) -> Submission:
        with Session(self.engine) as session:
            return session.get_one(Submission, submission_id)


@pytest.fixture
def grid(
    serve: Callable[..., RunningServer],
    api_for: Callable[[RunningServer], Api],
    accounts: Accounts,
    database: Engine,
    broker: RabbitMQ,
    database_url: str,
    tmp_path: Path,
) -> Iterator[Grid]:
    server = serve(broker_url=broker.url(), sweep_seconds=0.5)
    api = api_for(server)
    env = os.environ | {
        BROKER_ENV: broker.url(),
        "GRADER_DATABASE_URL": database_url,
        "GRADER_DATA": str(data_dir_of(tmp_path) / "worker"),
    }
    made = Grid(server, api, api.login(accounts.interviewer), env, database, tmp_path)
    yield made
    for worker in made.workers:
        worker.kill()


def graded_once(grid: Grid, submission_id: str, attempts: int = 1) -> dict[str, Any]:
    """The submission is graded, with one report, `attempts` attempts and one of them graded."""
    found = grid.wait(submission_id)
    assert found["status"] == "graded", found
    assert found["attempts"] == attempts, found
    outcomes = [outcome for _, outcome in grid.attempts(submission_id)]
    assert len(outcomes) == attempts and outcomes.count("graded") == 1, outcomes
    assert found["report"] is not None
    return found


def test_a_worker_grades_what_the_service_publishes_and_says_who_it_was(grid: Grid) -> None:
    grid.worker("w1@test")
    good, wrong = grid.upload("good.zip"), grid.upload("wrong.zip", adder="off_by_one")
    assert graded_once(grid, good)["percent"] == 100
    graded = graded_once(grid, wrong)
    assert graded["percent"] < 100
    assert graded["worker"] == "w1@test"
    assert graded["published_at"] is not None
    assert graded["queued_at"] <= graded["published_at"] <= graded["started_at"]


def test_sigkill_of_a_worker_mid_grading_delivers_the_job_again_and_its_container_goes(
    grid: Grid, docker_client: docker.DockerClient
) -> None:
    worker = grid.worker("w1@test", sandbox="docker")
    submission = grid.upload("slow.zip", adder=slow("adder", 8))
    grid.wait(submission, status="running")

    def containers() -> list[Any]:
        found: list[Any] = docker_client.containers.list(
            all=True, filters={"label": f"{JOB_LABEL}={submission}"}
        )
        return found

    assert _eventually(lambda: len(containers()) == 1), "no container ran the job"
    [orphan] = containers()
    worker.kill()  # the machine died: nothing cleaned up, the job not acknowledged
    assert docker_client.containers.get(orphan.id).status == "running"

    grid.worker("w1@test", sandbox="docker")  # the same worker, restarted
    graded = graded_once(grid, submission, attempts=2)
    assert graded["percent"] == 100
    assert grid.attempts(submission) == [(1, "lost"), (2, "graded")]
    with pytest.raises(docker.errors.NotFound):
        docker_client.containers.get(orphan.id)  # the restarted worker removed its leftover


def test_a_job_that_kills_its_worker_every_time_fails_after_three_attempts(grid: Grid) -> None:
    grid.worker("poisoned@test", concurrency=2, command=(sys.executable, str(POISON_WORKER)))
    poison = grid.upload("poison.zip")
    others = [grid.upload(f"other{n}.zip") for n in range(3)]
    failed = grid.wait(poison)
    assert failed["status"] == "failed", failed
    assert failed["attempts"] == 3
    assert "died 3 times" in failed["failure"]
    assert [outcome for _, outcome in grid.attempts(poison)] == ["lost"] * 3
    assert failed["counts"] is False  # never held against the candidate
    for other in others:
        graded_once(grid, other)


def test_restarting_the_broker_loses_no_queued_job(grid: Grid, broker: RabbitMQ) -> None:
    queued = [grid.upload(f"q{n}.zip") for n in range(3)]
    assert _eventually(lambda: all(grid.stored(s).published_at for s in queued))
    broker.restart()  # no worker yet: the jobs exist only in the broker's queue and the database
    grid.worker("w1@test")
    for submission in queued:
        graded_once(grid, submission)


def test_an_upload_while_the_broker_is_down_is_published_by_the_sweeper(
    grid: Grid, broker: RabbitMQ
) -> None:
    grid.worker("w1@test")
    broker.stop()
    submission = grid.upload("while-down.zip")  # still 202: the database has it
    assert grid.stored(submission).published_at is None
    broker.start()
    graded = graded_once(grid, submission)
    assert graded["published_at"] is not None


def test_restarting_postgresql_while_workers_grade_loses_and_doubles_no_report(
    grid: Grid, postgres: Postgres
) -> None:
    grid.worker("w1@test")
    grid.worker("w2@test")
    submissions = [grid.upload(f"s{n}.zip", adder=slow("adder", 1)) for n in range(6)]
    grid.wait(submissions[0], status="running")
    postgres.restart()
    for submission in submissions:
        found = grid.wait(submission, timeout=DEADLINE_S * 2)
        assert found["status"] == "graded", found
        outcomes = [outcome for _, outcome in grid.attempts(submission)]
        assert outcomes.count("graded") == 1, outcomes


def test_a_hung_submission_times_out_and_the_worker_takes_the_next_job(grid: Grid) -> None:
    grid.worker("w1@test")
    hung = grid.upload("hung.zip", adder=b"while True:\n    pass\n")
    after = grid.upload("after.zip")
    report = graded_once(grid, hung)["report"]
    [exercise] = report["exercises"]
    assert exercise["status"] == "timeout", exercise["status"]
    assert graded_once(grid, after)["percent"] == 100


def test_a_worker_with_another_catalog_refuses_the_job_and_a_matching_one_grades_it(
    grid: Grid, tmp_path: Path
) -> None:
    other = tmp_path / "other-catalog"
    shutil.copytree(EXERCISES, other)
    hidden = next((other / "adder" / "tests" / "hidden").glob("test_*.py"))
    hidden.write_text(hidden.read_text() + "\n\ndef test_added_later():\n    assert True\n")
    stale = grid.worker("stale@test", exercises=other)
    submission = grid.upload()
    assert stale.wait_for(f"refusing submission {submission}: the catalog is", DEADLINE_S)
    assert grid.stored(submission).status == "queued"
    assert grid.attempts(submission) == []

    grid.worker("current@test")
    graded = graded_once(grid, submission)
    assert graded["worker"] == "current@test"


def test_after_an_upgrade_jobs_are_published_again_and_the_old_ones_dropped(
    grid: Grid,
    serve: Callable[..., RunningServer],
    api_for: Callable[[RunningServer], Api],
    broker: RabbitMQ,
    tmp_path: Path,
) -> None:
    old = grid.upload("before-upgrade.zip")  # published for the old catalog; no worker yet
    assert _eventually(lambda: grid.stored(old).published_at is not None)
    grid.server.stop()
    new_catalog = tmp_path / "new-catalog"
    shutil.copytree(EXERCISES, new_catalog)
    hidden = next((new_catalog / "adder" / "tests" / "hidden").glob("test_*.py"))
    hidden.write_text(hidden.read_text() + "\n\ndef test_added_later():\n    assert True\n")
    grid.server = serve(broker_url=broker.url(), sweep_seconds=0.5, exercises_dir=new_catalog)
    worker = grid.worker("upgraded@test", exercises=new_catalog)
    grid.api = api_for(grid.server)
    graded = graded_once(grid, old)  # by the new catalog's tests, once
    assert "test_added_later" in json.dumps(graded["report"])
    assert worker.wait_for(f"dropping a job for {old}", DEADLINE_S)  # the old job, not refused


def test_two_workers_grade_fifty_submissions_each_exactly_once(grid: Grid) -> None:
    grid.worker("w1@test")
    grid.worker("w2@test")
    tokens = [grid.invite(candidate=f"c{n}") for n in range(50)]
    archive = submission_zip(grid.tmp_path / "same.zip", adder="reference")
    ids: list[str] = []
    lock = threading.Lock()

    def upload(token: str) -> None:
        accepted = grid.api.submitted(token, archive)
        with lock:
            ids.append(accepted["id"])

    threads = [threading.Thread(target=upload, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids)) == 50
    workers = set()
    for submission in ids:
        workers.add(graded_once(grid, submission, attempts=1)["worker"])
    assert workers == {"w1@test", "w2@test"}  # both took part


def test_sigterm_lets_a_worker_finish_its_job_before_it_exits(grid: Grid) -> None:
    worker = grid.worker("w1@test")
    submission = grid.upload("slow.zip", adder=slow("adder", 3))
    grid.wait(submission, status="running")
    assert worker.terminate() == 0
    assert grid.stored(submission).status == "graded"
    graded_once(grid, submission)


def test_a_fresh_submission_goes_ahead_of_regrades(grid: Grid) -> None:
    regrades = [grid.upload(f"r{n}.zip") for n in range(3)]
    with Session(grid.engine) as session:  # as if the grader had failed them
        for submission in regrades:
            stored = session.get_one(Submission, submission)
            stored.status, stored.failure = "failed", "the engine was down"
        session.commit()
    assert _eventually(lambda: all(grid.stored(s).published_at for s in regrades))
    with Connection(grid.env[BROKER_ENV]) as connection:  # their first jobs, already delivered
        connection.default_channel.queue_purge(QUEUE)
    for submission in regrades:
        response = grid.api.client.post(
            f"/api/v1/submissions/{submission}/regrade", headers=grid.headers
        )
        assert response.status_code == 202, response.text
    assert _eventually(lambda: all(grid.stored(s).published_at for s in regrades))
    fresh = grid.upload("fresh.zip")
    assert _eventually(lambda: grid.stored(fresh).published_at is not None)
    grid.worker("w1@test")
    started = {s: grid.wait(s, status="graded")["started_at"] for s in [fresh, *regrades]}
    assert min(started, key=lambda s: started[s]) == fresh, (fresh, started, grid.workers[0].log())


def test_no_broker_or_database_credential_reaches_the_sandbox(grid: Grid) -> None:
    grid.worker("w1@test")
    snoop = b"""import os


def add(a, b):
    seen = dict(os.environ)
    for path in ("/proc/1/environ", f"/proc/{os.getppid()}/environ"):
        try:
            seen[path] = open(path, "rb").read().decode("latin-1")
        except OSError as exc:
            seen[path] = repr(exc)
    raise AssertionError(repr(seen))
"""
    graded = graded_once(grid, grid.upload("snoop.zip", adder=snoop))
    text = json.dumps(graded["report"])
    assert "AssertionError" in text  # the snooping ran and its output is in the report
    assert PASSWORD not in text
    assert "amqp://" not in text and "postgresql" not in text


def test_metrics_count_submissions_by_state_in_prometheus_format(grid: Grid) -> None:
    grid.worker("w1@test")
    graded = [grid.upload(f"m{n}.zip") for n in range(2)]
    for submission in graded:
        graded_once(grid, submission)
    response = grid.api.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }
    assert samples[("grader_submissions", (("state", "graded"),))] == 2
    assert samples[("grader_queue_length", ())] == 0
    assert samples[("grader_grading_seconds_count", ())] == 2
    assert samples[("grader_grading_seconds_bucket", (("le", "+Inf"),))] == 2
    assert samples[("grader_attempts_lost_total", ())] == 0


def _eventually(check: Callable[[], bool], timeout: float = DEADLINE_S) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def hosts() -> Iterator[list[Host]]:
    """Two worker hosts, each its own network namespace with its own address."""
    made = [Host(f"grader-test-{os.getpid()}-{n}", n) for n in (1, 2)]
    try:
        for host in made:
            host.create()
        yield made
    finally:
        for host in made:
            host.remove()


def test_workers_on_separate_hosts_reach_the_servers_only_over_the_network(
    grid: Grid, hosts: list[Host], broker: RabbitMQ, postgres: Postgres
) -> None:
    for host in hosts:
        assert host.reaches(host.gateway, broker.port) and host.reaches(host.gateway, postgres.port)
        # Its loopback is its own: what it reaches, it reaches over the veth pair.
        assert not host.reaches("127.0.0.1", broker.port)
        assert not host.reaches("127.0.0.1", postgres.port)
        env = grid.env | {
            BROKER_ENV: broker.url(host.gateway),
            "GRADER_DATABASE_URL": postgres.url(host.gateway),
        }
        grid.worker(f"worker@{host.address}", prefix=host.prefix, env=env, concurrency=1)
    submissions = [grid.upload(f"h{n}.zip", adder=slow("adder", 1)) for n in range(6)]
    graders = {graded_once(grid, submission)["worker"] for submission in submissions}
    assert graders == {f"worker@{host.address}" for host in hosts}
    with grid.engine.connect() as connection:  # the workers' sessions come from their addresses
        peers = connection.execute(
            text(
                "SELECT DISTINCT host(client_addr) FROM pg_stat_activity WHERE client_addr IS NOT NULL"
            )
        ).scalars()
        assert {host.address for host in hosts} <= set(peers)

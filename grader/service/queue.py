"""Grading across machines: the service hands each job to RabbitMQ through Celery, and `grader
worker`s on any number of machines take them.

The broker only delivers; the database decides. A job is acknowledged late (after grading), so
RabbitMQ delivers it again when its worker dies; the delivery says so (`redelivered`) and
`jobs.claim` then presumes the earlier attempt dead and fences it off, so a job delivered twice
is recorded once. Results go to the database, never to a Celery result backend. A job names the
catalog and the sandbox it was accepted for: a worker that has others refuses it, visibly,
instead of grading with the wrong tests.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import docker
from celery import Celery, Task, bootsteps
from celery.exceptions import Reject
from kombu import Exchange, Queue
from sqlalchemy.orm import Session, sessionmaker

from grader.batch_cache import exercise_version
from grader.catalog import Catalog
from grader.errors import BadInputError, InfrastructureError
from grader.sandboxes import docker as docker_sandbox
from grader.sandboxes.choice import choose_sandbox
from grader.sandboxes.docker import DockerSandbox
from grader.sandboxes.image import recipe_digest
from grader.scope import load_catalog
from grader.service import db, jobs
from grader.service.jobs import Priority
from grader.service.settings import BROKER_ENV, Settings
from grader.service.webhooks import Notifier
from grader.service.worker import WORKER_LABEL, Worker

log = logging.getLogger("grader.service")
QUEUE = "grading"
TASK = "grader.grade"
MAX_PRIORITY = int(max(Priority))
REFUSE_PAUSE_S = 2.0  # a refusing worker waits this long before handing the job back


def catalog_version(catalog: Catalog) -> str:
    """A hash of every exercise's manifest and hidden suite: what decides the verdicts."""
    digest = hashlib.sha256()
    for exercise in catalog.select(None):
        digest.update(f"{exercise.id}\0{exercise_version(exercise)}\0".encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Versions:
    """What a job was accepted for: the catalog, and the sandbox (image recipe and runner)."""

    catalog: str
    sandbox: str

    @classmethod
    def of(cls, catalog: Catalog) -> Versions:
        return cls(catalog_version(catalog), recipe_digest()[:16])

    @property
    def key(self) -> str:
        """Both in one string, as the database keeps them (`Submission.published_for`)."""
        return f"{self.catalog}:{self.sandbox}"

    def differences(self, theirs: Versions) -> str:
        """Why a worker with `self` must not grade a job made for `theirs` ("" when it may)."""
        problems = [
            f"the {what} is {mine}, the job's is {its}"
            for what, mine, its in (
                ("catalog", self.catalog, theirs.catalog),
                ("sandbox", self.sandbox, theirs.sandbox),
            )
            if mine != its
        ]
        return "; ".join(problems)


def make_celery(settings: Settings) -> Celery:
    """The Celery app both sides share: the service publishes with it, `grader worker` runs it."""
    app = Celery("grader", broker=settings.broker, set_as_current=False)
    exchange = Exchange(QUEUE, type="direct")
    app.conf.update(
        # A job is acknowledged once graded; one its worker died on is delivered again.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,  # each process holds one job: the rest stay for others
        task_time_limit=settings.job_time_limit,
        task_ignore_result=True,  # results go to the database
        task_queues=[
            Queue(
                QUEUE,
                exchange,
                routing_key=QUEUE,
                queue_arguments={"x-max-priority": MAX_PRIORITY},
            )
        ],
        task_default_queue=QUEUE,
        task_default_exchange=QUEUE,
        task_default_routing_key=QUEUE,
        task_default_priority=int(Priority.FRESH),
        task_queue_max_priority=MAX_PRIORITY,
        task_serializer="json",
        accept_content=["json"],
        # Events on, so that Flower (or `celery events`) pointed at the broker shows the workers.
        worker_send_task_events=True,
        task_send_sent_event=True,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=5,
        # A publish is confirmed by the broker; when it is down, the upload is still accepted
        # and the sweeper publishes it later, so the request does not wait long for it.
        broker_transport_options={"confirm_publish": True},
        task_publish_retry_policy={
            "max_retries": 2,
            "interval_start": 0,
            "interval_step": 0.5,
            "interval_max": 1,
        },
    )
    app.task(name=TASK, bind=True)(grade)
    return app


# The service's side.


class CeleryExecutor:
    """Publishes jobs to the broker from a thread of its own, so that a request never waits for
    a broker that is down; a job it could not publish stays queued in the database for the
    sweeper to publish later."""

    def __init__(self, app: Celery, versions: Versions, sessions: sessionmaker[Session]) -> None:
        self.app = app
        self.versions = versions
        self.sessions = sessions
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="publish")

    def submit(self, submission_id: str, priority: Priority = Priority.FRESH) -> None:
        self._pool.submit(self.publish, submission_id, priority)

    def publish(self, submission_id: str, priority: Priority = Priority.FRESH) -> bool:
        """Hand the job to the broker; False (and the database still says unpublished) when
        the broker or the database cannot be had: the sweeper tries again."""
        try:
            with self.sessions() as session:  # first: a worker may take the job at once
                jobs.publishing(session, submission_id, self.versions.key)
            with self.app.producer_or_acquire() as producer:
                # Declared on every publish: kombu remembers a declaration for the process's
                # lifetime, and a message for a queue the broker lost (deleted, or a node made
                # anew) would be confirmed and dropped.
                self.app.amqp.queues[QUEUE](producer.channel).declare()
                self.app.send_task(
                    TASK,
                    args=[submission_id, self.versions.catalog, self.versions.sandbox],
                    priority=int(priority),
                    producer=producer,
                    retry=True,
                )
            with self.sessions() as session:
                jobs.published(session, submission_id)
        except Exception as exc:  # kombu's, amqp's and the database's errors share no base
            log.warning("cannot publish %s (%s): the sweeper will try again", submission_id, exc)
            return False
        return True

    def stop(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)


# The worker's side.


@dataclass
class WorkerRuntime:
    """What `grader worker` loads once, before Celery forks its processes; each process opens
    its own database connections (a pool must not cross a fork)."""

    settings: Settings
    catalog: Catalog
    versions: Versions
    name: str
    _worker: tuple[int, Worker] | None = field(default=None, init=False)

    def worker(self) -> Worker:
        if self._worker is None or self._worker[0] != os.getpid():
            sessions = db.sessions(db.make_engine(self.settings.url))
            notifier = Notifier(self.settings, sessions)
            worker = Worker(
                self.settings, self.catalog, sessions, notifier.graded, self.name, hand_back=True
            )
            self._worker = (os.getpid(), worker)
        return self._worker[1]


_runtime: WorkerRuntime | None = None


def install(runtime: WorkerRuntime) -> None:
    """Make `runtime` the one this process's jobs run with (`grader worker` does, once)."""
    global _runtime
    _runtime = runtime


REAP_PERIOD_S = 60.0
REAP_GRACE_S = 60.0  # past a container's deadline before any worker on its engine removes it


def run_worker(settings: Settings, *, name: str, concurrency: int, queues: list[str]) -> None:
    """`grader worker`: check everything a job needs before taking one (the broker is named,
    the database is current, the catalog valid, the sandbox ready), remove what this worker
    left behind when it last died, then take jobs until SIGTERM (which lets the running jobs
    finish; SIGQUIT or SIGKILL hands them back to the broker).

    `--sandbox auto` is settled here, once: a worker whose engine answered grades in Docker or
    not at all, never falling back to the local sandbox because the engine blinked."""
    if not settings.broker:
        raise BadInputError(f"no broker: set ${BROKER_ENV} (such as amqp://user:pass@host//)")
    engine = db.make_engine(settings.url)
    try:
        db.require_current(engine)
    finally:
        engine.dispose()
    catalog = load_catalog(settings.exercises_dir)
    catalog.require_valid()
    chosen = choose_sandbox(settings.sandbox, runtime=settings.runtime, log=log.info)
    for warning in chosen.warnings:
        log.warning("%s", warning)
    if isinstance(chosen.sandbox, DockerSandbox):
        settings = replace(settings, sandbox="docker")
        client = chosen.sandbox.client
        left = docker_sandbox.remove_labelled(client, {WORKER_LABEL: name})
        if left:
            log.warning("removed %d container(s) this worker left when it last stopped", left)
        _Reaper.client = client
    versions = Versions.of(catalog)
    log.info("worker %s: catalog %s, sandbox %s", name, versions.catalog, versions.sandbox)
    # Each process grades one submission at a time: the processes are the parallelism.
    install(WorkerRuntime(replace(settings, workers=1), catalog, versions, name))
    app = make_celery(settings)
    app.steps["worker"].add(_Reaper)
    app.Worker(
        hostname=name,
        concurrency=concurrency,
        queues=queues,
        loglevel="INFO",
        pool="prefork",
        # Workers need not know each other: the database coordinates them. Events stay on.
        without_mingle=True,
        without_gossip=True,
    ).start()


class _Reaper(bootsteps.StartStopStep):
    """In the worker's main process, on Celery's timer: remove sandbox containers past their
    deadline on this engine (their host, a killed worker, cannot)."""

    requires = ("celery.worker.components:Timer",)
    client: docker.DockerClient | None = None

    def start(self, worker: Any) -> None:
        if self.client is not None:
            worker.timer.call_repeatedly(REAP_PERIOD_S, self.reap, priority=10)

    def reap(self) -> None:
        try:
            if self.client is not None and (gone := docker_sandbox.reap(self.client, REAP_GRACE_S)):
                log.warning("removed %d sandbox container(s) past their deadline", gone)
        except InfrastructureError as exc:
            log.warning("cannot reap sandbox containers: %s", exc)


def grade(task: Task[Any, Any], submission_id: str, catalog: str, sandbox: str) -> None:
    """The job: grade `submission_id`, made for the catalog and sandbox versions given."""
    if _runtime is None:
        raise Reject("this process is not a grader worker", requeue=True)
    job = Versions(catalog, sandbox)
    worker = _runtime.worker()
    if worker.transaction(lambda session: jobs.obsolete(session, submission_id, job.key)):
        log.info("dropping a job for %s: it was published again for another version", submission_id)
        return
    problem = _runtime.versions.differences(job)
    if problem:
        log.error("refusing submission %s: %s", submission_id, problem)
        time.sleep(REFUSE_PAUSE_S)  # leave it to a matching worker, not to this one at once
        raise Reject(problem, requeue=True)
    redelivered = bool((task.request.delivery_info or {}).get("redelivered"))
    if worker.run(submission_id, takeover=redelivered):
        time.sleep(REFUSE_PAUSE_S)  # this machine cannot grade now: let another try first
        raise Reject("handed back: this worker cannot grade now", requeue=True)

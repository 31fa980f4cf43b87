"""The running service's parts, wired once: database, catalog, tokens, workers and webhooks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from grader.catalog import Catalog
from grader.scope import load_catalog
from grader.service import db, jobs
from grader.service.auth import Tokens
from grader.service.settings import Settings
from grader.service.sweeper import Sweeper
from grader.service.webhooks import Notifier
from grader.service.worker import Worker

log = logging.getLogger("grader.service")
ExecutorFactory = Callable[[Worker], jobs.Executor]


def default_executor(worker: Worker) -> jobs.Executor:
    """Grading in this process's threads, unless a broker is configured: then the jobs are
    published to it for `grader worker`s (grader/service/queue.py)."""
    if worker.settings.broker:
        from grader.service.queue import CeleryExecutor, Versions, make_celery

        return CeleryExecutor(
            make_celery(worker.settings), Versions.of(worker.catalog), worker.sessions
        )
    return jobs.LocalExecutor(worker.run, worker.settings.workers)


@dataclass
class Service:
    settings: Settings
    engine: Engine
    catalog: Catalog
    make_executor: ExecutorFactory = default_executor
    sessions: sessionmaker[Session] = field(init=False)
    tokens: Tokens = field(init=False)
    notifier: Notifier = field(init=False)
    worker: Worker = field(init=False)
    executor: jobs.Executor | None = field(init=False, default=None)
    sweeper: Sweeper | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.sessions = db.sessions(self.engine)
        self.tokens = Tokens(
            self.settings.secret_key(), timedelta(minutes=self.settings.token_minutes)
        )
        self.notifier = Notifier(self.settings, self.sessions)
        self.worker = Worker(self.settings, self.catalog, self.sessions, self.notifier.graded)

    @classmethod
    def open(cls, settings: Settings, make_executor: ExecutorFactory = default_executor) -> Service:
        """Connect and load the catalog; refuses a database whose schema is not current."""
        engine = db.make_engine(settings.url)
        db.require_current(engine)
        catalog = load_catalog(settings.exercises_dir)
        catalog.require_valid()
        settings.uploads_dir.mkdir(parents=True, exist_ok=True)
        return cls(settings, engine, catalog, make_executor)

    def start(self) -> None:
        """Start the workers and take up what a stopped process left queued or running. With a
        broker, other machines may be grading right now: the sweeper decides what is lost."""
        self.executor = self.make_executor(self.worker)
        if self.settings.broker:
            from grader.service.queue import CeleryExecutor

            # The versions the executor publishes for, hashed once (every hidden suite's files).
            publisher = self.executor if isinstance(self.executor, CeleryExecutor) else None
            current = publisher.versions.key if publisher else None
            self.sweeper = Sweeper(self.settings, self.sessions, self.executor, current)
            self.sweeper.start()
            return
        recovered = jobs.start_recovered(self.sessions, self.executor)
        if recovered:
            log.info("queued %d submission(s) left by an earlier run", recovered)

    def enqueue(self, submission_id: str, priority: jobs.Priority = jobs.Priority.FRESH) -> None:
        if self.executor is None:
            raise RuntimeError("the service is not started")
        self.executor.submit(submission_id, priority)

    def stop(self) -> None:
        if self.sweeper is not None:
            self.sweeper.stop()
        if self.executor is not None:
            self.executor.stop()
        self.notifier.stop()
        self.engine.dispose()

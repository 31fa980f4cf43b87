"""The sweeper: when a broker grades, the service checks the database, the source of truth, every
`sweep_seconds`. It queues again what died silently (a worker gone without a trace, past its
deadline) and hands the executor what the broker never had (published while it was down) or
lost (waiting past `stale_queue_seconds`). See `jobs.sweep`."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from grader.service import jobs
from grader.service.settings import Settings

log = logging.getLogger("grader.service")
GRACE_S = 60.0  # past a job's hard time limit before its attempt is presumed lost


class Sweeper:
    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        executor: jobs.Executor,
        current: str | None = None,
    ) -> None:
        """`current`: the versions this service publishes for (`queue.Versions.key`); a job
        published for others is published again."""
        self.settings = settings
        self.current = current
        self.sessions = sessions
        self.executor = executor
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sweeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def sweep(self) -> list[str]:
        """One pass; returns the submissions it handed to the executor."""
        with self.sessions() as session:
            due = jobs.sweep(
                session,
                running_deadline=timedelta(seconds=self.settings.job_time_limit + GRACE_S),
                stale_queue=timedelta(seconds=self.settings.stale_queue_seconds),
                current=self.current,
            )
        for submission_id in due:
            self.executor.submit(submission_id)
        return due

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                due = self.sweep()
                if due:
                    log.info("sweeper: handed %d waiting submission(s) to the broker", len(due))
            except Exception:  # the database may be down: the next pass tries again
                log.exception("sweeper: this pass failed")
            self._stop.wait(self.settings.sweep_seconds)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

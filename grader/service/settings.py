"""Where the service keeps its state and how much it accepts: one object, read once at start."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from grader.batch import default_jobs
from grader.sandboxes.choice import SandboxChoice

DEFAULT_DATA_DIR = Path("grader-data")
DEFAULT_UPLOAD_LIMIT = 20 << 20  # bytes: a take-home's code is kilobytes; 20 MiB leaves room
DEFAULT_QUEUE_LIMIT = 1000  # submissions waiting at once before new ones get 503
DEFAULT_TOKEN_MINUTES = 60
BROKER_ENV = "GRADER_BROKER_URL"


def default_data_dir() -> Path:
    return Path(os.environ.get("GRADER_DATA") or DEFAULT_DATA_DIR)


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=default_data_dir)
    database_url: str | None = None  # None: $GRADER_DATABASE_URL, else SQLite under data_dir
    workers: int = field(default_factory=default_jobs)  # one per usable core, as `grade --jobs`
    sandbox: SandboxChoice = "auto"
    runtime: str | None = None  # a container runtime for the Docker sandbox, such as runsc
    exercises_dir: Path | None = None  # None: the bundled catalog
    upload_limit: int = DEFAULT_UPLOAD_LIMIT
    queue_limit: int = DEFAULT_QUEUE_LIMIT
    token_minutes: int = DEFAULT_TOKEN_MINUTES
    public_url: str = ""  # how invite links start; "" means relative to the request's host
    webhook_backoff: float = 1.0  # seconds before the first retry, doubled at each next one
    webhook_attempts: int = 5
    # Grading across machines (`grader worker`): None means $GRADER_BROKER_URL, "" none at all.
    broker_url: str | None = None
    # One job's hard limit, above the sandbox's own deadline (the whole catalog's worst case is
    # about 55 minutes: every exercise's wall timeout plus slack); the broker's consumer
    # timeout must be above this one (deploy/rabbitmq/rabbitmq.conf: two hours).
    job_time_limit: float = 5400.0
    sweep_seconds: float = 30.0  # the sweeper's period
    stale_queue_seconds: float = 3600.0  # queued this long after its publish: publish again
    db_retry_s: float = 600.0  # how long a worker keeps trying an unreachable database

    @property
    def broker(self) -> str:
        """The broker's URL, or "" when grading stays in this process."""
        if self.broker_url is not None:
            return self.broker_url
        return os.environ.get(BROKER_ENV, "")

    @property
    def url(self) -> str:
        """The database's URL: the explicit one, $GRADER_DATABASE_URL, or SQLite in the data folder."""
        return (
            self.database_url
            or os.environ.get("GRADER_DATABASE_URL")
            or f"sqlite:///{(self.data_dir / 'grader.sqlite3').resolve()}"
        )

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    def secret_key(self) -> str:
        """The key that signs tokens and cookies: $GRADER_SECRET_KEY, or one made once and kept
        (mode 0600) in the data folder so that tokens survive a restart."""
        if key := os.environ.get("GRADER_SECRET_KEY"):
            return key
        path = self.data_dir / "secret.key"
        try:
            return path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            pass
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return path.read_text(encoding="ascii").strip()
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(key)
        return key

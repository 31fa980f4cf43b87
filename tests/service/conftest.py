"""Fixtures for the submission service's tests, shared by every module of this folder (the API,
jobs, restarts, webhooks, commands and pages); the helpers they use are in service_harness.py.

Nothing is mocked: each test gets a real database (SQLite, and PostgreSQL when
$GRADER_TEST_DATABASE_URL names one), the real application from `create_app` in a real uvicorn
server on a loopback socket, and speaks HTTP to it with httpx. Grading uses the small fixture
catalog (tests/fixtures/exercises: `adder`, `greeter`) in the local sandbox.

The chain, each fixture building on the one before:

- `database_url`: an empty database, parametrized over `sqlite` and `postgresql` (a test that
  does not depend on the database may narrow it with
  `@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)`);
- `accounts`: that database migrated (`grader db upgrade`) with an interviewer, a second
  interviewer and an admin, each an `Account` with its password;
- `settings`: the test server's `Settings` (its data folder, that database, the fixture
  catalog, the local sandbox, two workers, fast webhook retries);
- `serve`: starts servers with those settings: `serve(queue_limit=0, ...)` overrides fields,
  `serve(make_executor=HoldingExecutor)` replaces the local workers; `server` is `serve()`;
- `api`: an `Api` client of `server`; `api_for(server)` makes one for any other server.

Besides: `database`, an engine of the test's own on its database (to check what was stored);
`receiver(answers=[500, 200])`, a webhook receiver on loopback. Test modules import the
helpers (`Api`, `HoldingExecutor`, `submission_zip`, ...) from service_harness.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from service_harness import (
    EXERCISES,
    POSTGRES_ENV,
    REQUIRE_POSTGRES_ENV,
    Account,
    Accounts,
    Api,
    Receiver,
    RunningServer,
    data_dir_of,
    reset_postgres,
    start_server,
    wait_for_job_threads,
)
from sqlalchemy import Engine

from grader.service import db
from grader.service.auth import hash_password
from grader.service.models import Role, User
from grader.service.service import ExecutorFactory, default_executor
from grader.service.settings import Settings


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database: SQLite in the test's data folder (where `grader serve`
    would put it), or the PostgreSQL database $GRADER_TEST_DATABASE_URL names, its `public`
    schema dropped and made again.

    Without that variable the PostgreSQL case skips, unless GRADER_REQUIRE_POSTGRES=1 makes it
    a failure (for CI, where a silently skipped database would hide a broken setup).
    """
    if request.param == "sqlite":
        return f"sqlite:///{data_dir_of(tmp_path) / 'grader.sqlite3'}"
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        reason = f"${POSTGRES_ENV} names no PostgreSQL database"
        if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
            pytest.fail(f"{REQUIRE_POSTGRES_ENV}=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    reset_postgres(url)
    return url


@pytest.fixture
def database(database_url: str) -> Iterator[Engine]:
    """An engine of the test's own on its database, to check what the service stored."""
    engine = db.make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def accounts(database_url: str) -> Accounts:
    """The database upgraded to the newest schema (as `grader db upgrade` does) with three
    accounts: `interviewer`, `other` (an interviewer too) and `admin`. Their argon2 hashes are
    made once per session: hashing is slow on purpose (tests/service/test_commands.py covers
    `grader users add`)."""
    engine = db.make_engine(database_url)
    try:
        db.upgrade(engine)
        with db.sessions(engine)() as session:
            roles = {"ivy": Role.INTERVIEWER, "oscar": Role.INTERVIEWER, "ada": Role.ADMIN}
            users = [
                User(name=name, role=role, password_hash=password_hash(f"{name}-password-42"))
                for name, role in roles.items()
            ]
            session.add_all(users)
            session.commit()
            made = [Account(u.name, f"{u.name}-password-42", u.role, u.id) for u in users]
    finally:
        engine.dispose()
    return Accounts(*made)


@functools.cache
def password_hash(password: str) -> str:
    return hash_password(password)


@pytest.fixture
def settings(tmp_path: Path, database_url: str, accounts: Accounts) -> Settings:
    """The test server's settings: its own data folder and (migrated) database, the fixture
    catalog, the local sandbox, two workers, and webhook retries milliseconds apart."""
    return Settings(
        data_dir=data_dir_of(tmp_path),
        database_url=database_url,
        workers=2,
        sandbox="local",
        exercises_dir=EXERCISES,
        webhook_backoff=0.05,
        webhook_attempts=3,
    )


@pytest.fixture
def serve(settings: Settings) -> Iterator[Callable[..., RunningServer]]:
    """Starts servers: `serve(make_executor=..., **overrides)`, each override a `Settings`
    field. Several may run in turn on the same data folder and database (a restart); all are
    stopped when the test ends."""
    started: list[RunningServer] = []

    def start(make_executor: ExecutorFactory = default_executor, **overrides: Any) -> RunningServer:
        running = start_server(replace(settings, **overrides), make_executor)
        started.append(running)
        return running

    yield start
    for running in reversed(started):
        running.stop()
    wait_for_job_threads()


@pytest.fixture
def server(serve: Callable[..., RunningServer]) -> RunningServer:
    """A server with the test settings and the real local workers."""
    return serve()


@pytest.fixture
def api_for() -> Iterator[Callable[[RunningServer], Api]]:
    """Makes an `Api` client of a server; all are closed when the test ends."""
    clients: list[Api] = []

    def connect(running: RunningServer) -> Api:
        clients.append(Api(running.url))
        return clients[-1]

    yield connect
    for client in clients:
        client.close()


@pytest.fixture
def api(server: RunningServer, api_for: Callable[[RunningServer], Api]) -> Api:
    """A client of `server`."""
    return api_for(server)


@pytest.fixture
def receiver() -> Iterator[Callable[..., Receiver]]:
    """Starts webhook receivers: `receiver(answers=[500, 200])`; stopped when the test ends."""
    started: list[Receiver] = []

    def start(answers: list[int] | None = None) -> Receiver:
        started.append(Receiver(answers or [200]))
        return started[-1]

    yield start
    for running in started:
        running.stop()

"""What the submission service's tests share besides fixtures (those are in conftest.py): a
server in a thread, an API client, executors that hold or track jobs, candidate archives and a
webhook receiver. Test modules import it by name (`from service_harness import Api`), as pytest
puts this folder on sys.path.
"""

from __future__ import annotations

import ast
import json
import os
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from grader.mutants import mutants_in
from grader.service import db
from grader.service.app import create_app
from grader.service.jobs import Priority
from grader.service.models import Base, Role, Submission
from grader.service.service import ExecutorFactory, Service, default_executor
from grader.service.settings import Settings
from grader.service.worker import Worker

EXERCISES = Path(__file__).resolve().parents[1] / "fixtures" / "exercises"
POSTGRES_ENV = "GRADER_TEST_DATABASE_URL"
REQUIRE_POSTGRES_ENV = "GRADER_REQUIRE_POSTGRES"
FINAL = frozenset({"graded", "failed", "superseded"})
DEADLINE_S = 60.0  # how long a submission may take to become final: generous, never asserted
STARTUP_S = 60.0  # a server or a command may be slow to start on a loaded machine
POLL_S = 0.05
# The names of the threads the service's pools run jobs and webhooks on (and TrackedExecutor's).
JOB_THREADS = ("grading", "webhooks", "tracked")


# The database.


def data_dir_of(tmp_path: Path) -> Path:
    """The service's data folder (SQLite database, uploads, secret key) in a test's tmp_path."""
    return tmp_path / "data"


def reset_postgres(url: str) -> None:
    """Drop every table (and Alembic's version) by making the `public` schema again; a lock
    held elsewhere fails the test after a while instead of hanging it."""
    engine = db.make_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SET lock_timeout = '30s'"))
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
            connection.commit()
    finally:
        engine.dispose()


def count_rows(engine: Engine, model: type[Base] = Submission) -> int:
    """How many rows `model`'s table holds (by default: submissions)."""
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def stored_uploads(settings: Settings) -> list[str]:
    """The files in the service's uploads folder."""
    folder = settings.uploads_dir
    return sorted(path.name for path in folder.iterdir()) if folder.is_dir() else []


@dataclass(frozen=True)
class Account:
    name: str
    password: str
    role: Role
    id: int


@dataclass(frozen=True)
class Accounts:
    interviewer: Account
    other: Account  # a second interviewer, who must not see the first one's assignments
    admin: Account


# The server.


@dataclass
class RunningServer:
    """One `create_app` application served by uvicorn on a loopback socket in a thread."""

    url: str
    settings: Settings
    app: FastAPI
    _server: uvicorn.Server
    _thread: threading.Thread

    @property
    def service(self) -> Service:
        service: Service = self.app.state.service
        return service

    @property
    def executor(self) -> Any:
        """What `make_executor` made when the server started (a `HoldingExecutor`, ...)."""
        return self.service.executor

    def stop(self) -> None:
        """Stop as uvicorn does on SIGTERM: connections closed, then the service's shutdown
        (which lets a job already running end on its own). Does nothing the second time."""
        self._server.should_exit = True
        self._thread.join(STARTUP_S)
        if self._thread.is_alive():
            raise RuntimeError(f"the server at {self.url} did not stop")


def wait_for_job_threads(timeout: float = DEADLINE_S) -> None:
    """Wait until the jobs and webhook deliveries of stopped services have ended, so that none
    outlives its test (and, say, holds a lock on the next test's database)."""
    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        if thread.name.startswith(JOB_THREADS):
            thread.join(max(0.0, deadline - time.monotonic()))


def start_server(
    settings: Settings, make_executor: ExecutorFactory = default_executor
) -> RunningServer:
    """Serve `create_app(settings)` on a socket bound before the server starts (no port to
    race for), returning once it accepts requests."""
    app = create_app(settings, make_executor=make_executor)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    host, port = sock.getsockname()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn-{port}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + STARTUP_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(STARTUP_S)
            sock.close()
            raise RuntimeError("the server did not start (see the captured log)")
        time.sleep(0.01)
    return RunningServer(f"http://{host}:{port}", settings, app, server, thread)


class HoldingExecutor:
    """Takes jobs and never runs them, so that submissions stay `queued` (a full queue, a
    service stopped before grading, tests that need no grading). Pass the class itself as
    `make_executor`."""

    def __init__(self, worker: Worker) -> None:
        self.held: list[str] = []

    def submit(self, submission_id: str, priority: Priority = Priority.FRESH) -> None:
        self.held.append(submission_id)

    def stop(self) -> None:
        pass


class TrackedExecutor:
    """The local executor's work (the real `Worker.run` on a thread pool) that also says when
    each job returned, for tests about what a finished job wrote or left alone. Pass the class
    itself as `make_executor`."""

    def __init__(self, worker: Worker) -> None:
        self._run = worker.run
        self._pool = ThreadPoolExecutor(worker.settings.workers, thread_name_prefix="tracked")
        self._lock = threading.Lock()
        self._done: dict[str, threading.Event] = {}

    def done(self, submission_id: str) -> threading.Event:
        """Set once the job of `submission_id` has returned."""
        with self._lock:
            return self._done.setdefault(submission_id, threading.Event())

    def submit(self, submission_id: str, priority: Priority = Priority.FRESH) -> None:
        self._pool.submit(self._run_then_mark, submission_id)

    def _run_then_mark(self, submission_id: str) -> None:
        try:
            self._run(submission_id)
        finally:
            self.done(submission_id).set()

    def stop(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


# `grader serve` as a process of its own.


def grader_command() -> list[str]:
    """The installed `grader` script of this interpreter's environment."""
    script = Path(sys.executable).with_name("grader")
    return [str(script)] if script.exists() else [sys.executable, "-m", "grader.cli"]


def service_env(data_dir: Path, database_url: str) -> dict[str, str]:
    """The environment `grader` reads its data folder and database from."""
    return os.environ | {"GRADER_DATA": str(data_dir), "GRADER_DATABASE_URL": database_url}


@dataclass
class ServeProcess:
    """`grader serve --port 0` in a process of its own; `url` once uvicorn says where it is."""

    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    url: str = ""
    _ready: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def start(cls, env: Mapping[str, str], *options: str) -> ServeProcess:
        process = subprocess.Popen(
            [*grader_command(), "serve", "--port", "0", *options],
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group: SIGKILL reaches its sandboxes too
        )
        started = cls(process)
        threading.Thread(target=started._read, daemon=True).start()
        if not started._ready.wait(STARTUP_S) or not started.url:
            started.kill()
            pytest.fail("grader serve did not start:\n" + "".join(started.lines))
        return started

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)
            if "Uvicorn running on " in line and not self.url:
                self.url = line.split("Uvicorn running on ", 1)[1].split()[0]
                self._ready.set()
        self._ready.set()  # it ended

    def kill(self) -> None:
        """SIGKILL the process group: a machine that died, nothing cleaned up."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, 9)
        self.process.wait(STARTUP_S)

    def stop(self) -> None:
        """SIGTERM, as a service manager stops it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STARTUP_S)
            except subprocess.TimeoutExpired:
                self.kill()


# Archives.


def solution(exercise: str, variant: str = "reference") -> bytes:
    """A fixture exercise's solution.py: its `reference`, its `stub`, or the reference with
    the mistake of the mutant named `variant` made in it."""
    folder = EXERCISES / exercise
    if variant in ("reference", "stub"):
        return (folder / variant / "solution.py").read_bytes()
    reference = {"solution.py": (folder / "reference" / "solution.py").read_bytes()}
    return mutants_in(folder / "mutants")[variant].apply(reference)["solution.py"]


def slow(exercise: str, seconds: float) -> bytes:
    """The reference, which sleeps `seconds` when imported: grading that stays `running`."""
    return f"import time\n\ntime.sleep({seconds})\n\n".encode() + solution(exercise)


def zip_files(path: Path, files: Mapping[str, bytes]) -> Path:
    """A zip holding `files` (member name -> content)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return path


def submission_zip(path: Path, **solutions: str | bytes) -> Path:
    """A candidate's zip: `<exercise>/solution.py` for each keyword, whose value is a variant
    for `solution` ("reference", "stub", a mutant's name) or the source itself, as bytes."""
    return zip_files(
        path,
        {
            f"{exercise}/solution.py": code if isinstance(code, bytes) else solution(exercise, code)
            for exercise, code in solutions.items()
        },
    )


def hidden_test_names() -> set[str]:
    """Every name a hidden test of the fixture exercises is known by (modules, functions)."""
    return _test_names("hidden")


def public_test_names() -> set[str]:
    """The same for the public tests, which share some names with hidden ones (test_small)."""
    return _test_names("public")


def _test_names(kind: str) -> set[str]:
    names: set[str] = set()
    for path in EXERCISES.glob(f"*/tests/{kind}/*.py"):
        names.add(path.stem)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names.update(
            node.name
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test")
        )
    return names


# The API's client.


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def invite_header(token: str) -> dict[str, str]:
    """How the holder of an invite authenticates to GET /api/v1/submissions/{id}."""
    return {"X-Invite-Token": token}


def in_days(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


class Api:
    """An httpx client of one server, with the steps most tests take; every helper asserts
    the status a success answers with, so that a test fails where the API did."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = httpx.Client(base_url=url, timeout=30.0)

    def close(self) -> None:
        self.client.close()

    def token(self, account: Account) -> str:
        """A bearer token from the OAuth2 password flow (POST /api/v1/token, a form)."""
        response = self.client.post(
            "/api/v1/token", data={"username": account.name, "password": account.password}
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    def login(self, account: Account) -> dict[str, str]:
        """The `Authorization` header of `account`."""
        return bearer(self.token(account))

    def assignment(self, headers: Mapping[str, str], **fields: Any) -> dict[str, Any]:
        """A new assignment (201): `adder` only, a deadline in a week and candidate feedback,
        unless `fields` say otherwise."""
        body = {
            "title": "Take-home",
            "exercises": ["adder"],
            "deadline": in_days(7),
            "feedback": "candidate",
        } | fields
        response = self.client.post("/api/v1/assignments", json=body, headers=dict(headers))
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def invite(
        self, headers: Mapping[str, str], assignment_id: int, candidate: str = "Ann"
    ) -> dict[str, Any]:
        """A new invite (201), whose `token` is the candidate's only credential."""
        response = self.client.post(
            f"/api/v1/assignments/{assignment_id}/invites",
            json={"candidate": candidate},
            headers=dict(headers),
        )
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def submit(
        self, invite_token: str, archive: Path, *, key: str | None = None, name: str | None = None
    ) -> httpx.Response:
        """POST the archive as the invite's holder would (multipart field `file`)."""
        headers = {"Idempotency-Key": key} if key else {}
        with archive.open("rb") as file:
            return self.client.post(
                f"/api/v1/invites/{invite_token}/submissions",
                files={"file": (name or archive.name, file, "application/octet-stream")},
                headers=headers,
            )

    def submitted(self, invite_token: str, archive: Path, **options: Any) -> dict[str, Any]:
        """`submit`, which must be accepted: 202, `queued`."""
        response = self.submit(invite_token, archive, **options)
        assert response.status_code == 202, response.text
        accepted: dict[str, Any] = response.json()
        assert accepted["status"] == "queued", accepted
        return accepted

    def submission(self, submission_id: str, headers: Mapping[str, str]) -> dict[str, Any]:
        response = self.client.get(f"/api/v1/submissions/{submission_id}", headers=dict(headers))
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found

    def wait(
        self,
        submission_id: str,
        headers: Mapping[str, str],
        until: Callable[[dict[str, Any]], bool] = lambda found: found["status"] in FINAL,
        timeout: float = DEADLINE_S,
    ) -> dict[str, Any]:
        """Poll the submission until `until` holds (by default: a final status)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.submission(submission_id, headers)
            if until(found):
                return found
            if time.monotonic() > deadline:
                pytest.fail(f"submission {submission_id} still {found['status']} after {timeout}s")
            time.sleep(POLL_S)


# A webhook's receiver.


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """An HTTP server on loopback that records every POST and answers with the statuses of
    `answers` in turn (the last one from then on)."""

    def __init__(self, answers: Sequence[int] = (200,)) -> None:
        self.answers = list(answers)
        self.received: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    receiver.received.append(Received(self.path, dict(self.headers), body))
                    index = min(len(receiver.received), len(receiver.answers)) - 1
                    status = receiver.answers[index]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def wait_for(self, count: int, timeout: float = DEADLINE_S) -> list[Received]:
        """The requests, once at least `count` have arrived."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            if time.monotonic() > deadline:
                pytest.fail(
                    f"{len(self.received)} webhook request(s) after {timeout}s, not {count}"
                )
            time.sleep(POLL_S)
        with self._lock:
            return list(self.received)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @staticmethod
    def json(request: Received) -> Any:
        return json.loads(request.body)

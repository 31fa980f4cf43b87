"""The Docker sandbox: the security boundary, and the default wherever an engine answers.

One container per submission runs the same runner as the local sandbox. The container has no
network, a read-only root, the workspace mounted read-only, a size-capped tmpfs for scratch, no
capabilities, no new privileges, a non-root user, pids/memory/CPU limits, ulimits, an init
process and a label. The host enforces the whole run's deadline and always removes the
container, also when the grader is interrupted. Trouble on the engine's side is an
InfrastructureError, never the candidate's `error` or `timeout`.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import docker
import requests
from docker.models.containers import Container
from docker.types import LogConfig, Ulimit

from grader.errors import InfrastructureError
from grader.protocol import RESULT_LIMIT, ExerciseDone, ExerciseStart, RecordSink, RecordStream
from grader.sandboxes import Job, SandboxOutcome
from grader.sandboxes.workspace import (
    REQUEST_NAME,
    minimal_environment,
    parse_result,
    run_deadline,
    write_workspace,
)

# On every container this sandbox makes; `grader sandbox prune` uses it.
CONTAINER_LABEL = "grader.sandbox.run"
DEADLINE_LABEL = "grader.sandbox.deadline"  # epoch seconds after which the host has given up
WORK = PurePosixPath("/work")  # the workspace, mounted read-only
SCRATCH = PurePosixPath("/scratch")  # the only writable place: a size-capped tmpfs
RUNNER_COMMAND = [
    "/opt/venv/bin/python",
    "-I",
    "-B",
    "/opt/grader/runner.py",
    str(WORK / REQUEST_NAME),
]
IMAGE_PATH = "/opt/venv/bin:/usr/local/bin:/usr/bin:/bin"
SANDBOX_UID = 10001
ENGINE_TIMEOUT_S = 60.0
STDERR_KEPT = 8192
POLL_S = 0.1
FOLLOW_JOIN_S = 5.0  # how long the end of a run waits for the live reading of its logs to stop
MAX_CONTAINER_AGE_S = (
    6 * 3600.0
)  # longer than any grading's deadline: a running one this old is lost

_ENGINE_ERRORS = (docker.errors.DockerException, requests.RequestException)


@dataclass(frozen=True)
class ContainerLimits:
    """Limits of the whole container; each exercise has its own, tighter ones inside it."""

    memory_mb: int = 2048
    cpus: float = 1.0
    pids: int = 256
    scratch_mb: int = 256
    open_files: int = 256
    file_size_mb: int = 64
    log_mb: int = 40


def connect(timeout: float = ENGINE_TIMEOUT_S) -> docker.DockerClient:
    """A client for the engine the environment names, checked with a ping."""
    try:
        client = docker.from_env(timeout=int(timeout))
        client.ping()
    except _ENGINE_ERRORS as exc:
        raise InfrastructureError(f"no Docker engine answers ({exc})") from exc
    return client


class DockerSandbox:
    name = "docker"

    def __init__(
        self,
        client: docker.DockerClient,
        image: str,
        *,
        runtime: str | None = None,
        limits: ContainerLimits | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        self.client = client
        self.image = image
        self.runtime = runtime
        self.limits = limits or ContainerLimits()
        self.labels = dict(labels or {})  # who made the container: a service's job and worker

    def run(self, jobs: list[Job], on_record: RecordSink | None = None) -> SandboxOutcome:
        with tempfile.TemporaryDirectory(prefix="grader-docker-") as tmp:
            root = Path(tmp)
            root.chmod(0o755)
            write_workspace(jobs, root, WORK, scratch=SCRATCH)
            deadline = run_deadline(jobs)
            relay = _Relay(on_record)
            try:
                with self._container(root, deadline) as container:
                    return self._run(container, deadline, [job.id for job in jobs], relay)
            finally:
                relay.close()

    def _run(
        self, container: Container, deadline: float, ids: list[str], relay: _Relay
    ) -> SandboxOutcome:
        try:
            container.start()
        except _ENGINE_ERRORS as exc:
            raise InfrastructureError(f"docker: the container would not start ({exc})") from exc
        follower = None
        if relay.on_record is not None:
            follower = _LogFollower(container, RecordStream(relay.reading(), expected=ids))
        code = None
        try:
            code = self._wait(container, deadline)
        finally:
            if follower is not None:
                follower.stop(exited=code is not None)
        if code is None:
            return SandboxOutcome(None, "the whole run exceeded its deadline", timed_out=True)
        try:
            out = container.logs(stdout=True, stderr=False)
            err = container.logs(stdout=False, stderr=True, tail=200)
        except _ENGINE_ERRORS as exc:
            raise InfrastructureError(
                f"docker: cannot read the container's output ({exc})"
            ) from exc
        stderr = err[-STDERR_KEPT:].decode("utf-8", "replace")
        if code != 0:
            problem = f"the runner exited with code {code}"
            if code == 137:
                problem += " (killed: the container ran out of memory?)"
            return SandboxOutcome(None, problem, stderr=stderr)
        # The result comes from the whole log, read after the exit, never from the live reading.
        return parse_result(
            out[: RESULT_LIMIT + 1], stderr, expected=ids, on_record=relay.reading()
        )

    @staticmethod
    def _wait(container: Container, deadline: float) -> int | None:
        """The container's exit code, or None when it outlived `deadline` (seconds from now).

        Polled rather than one long `wait`, so that every call to the engine has a short timeout.
        """
        end = time.monotonic() + deadline
        while True:
            try:
                container.reload()
            except _ENGINE_ERRORS as exc:
                raise InfrastructureError(f"docker: lost the container ({exc})") from exc
            state = container.attrs.get("State", {})
            if state.get("Status") in {"exited", "dead"}:
                return int(state.get("ExitCode", -1))
            if time.monotonic() > end:
                return None
            time.sleep(POLL_S)

    @contextlib.contextmanager
    def _container(self, root: Path, deadline: float) -> Iterator[Container]:
        options = self.container_options(root)
        # When the host gives up on it: a container found running later was orphaned.
        options["labels"][DEADLINE_LABEL] = str(int(time.time() + deadline) + 1)
        try:
            container = self.client.containers.create(self.image, **options)
        except docker.errors.ImageNotFound as exc:
            raise InfrastructureError(
                f"docker: image {self.image} is missing; run `grader sandbox build`"
            ) from exc
        except _ENGINE_ERRORS as exc:
            raise InfrastructureError(f"docker: cannot create the container ({exc})") from exc
        try:
            yield container
        finally:  # always, also on Ctrl-C: no container outlives its grading
            remove(container)

    def container_options(self, root: Path) -> dict[str, Any]:
        """Every setting of the container; all on by default (see the module's docstring)."""
        limits = self.limits
        env = minimal_environment(str(SCRATCH))
        env["PATH"] = IMAGE_PATH
        options: dict[str, Any] = {
            "command": RUNNER_COMMAND,
            "user": f"{SANDBOX_UID}:{SANDBOX_UID}",
            "working_dir": str(WORK),  # not SCRATCH: a working dir on a tmpfs loses its mode
            "environment": env,
            "network_mode": "none",
            "read_only": True,
            "volumes": {str(root): {"bind": str(WORK), "mode": "ro"}},
            "tmpfs": {
                str(SCRATCH): f"size={limits.scratch_mb}m,mode=1777",
                "/tmp": "size=16m,mode=1777",
            },
            "cap_drop": ["ALL"],
            "security_opt": ["no-new-privileges"],
            "pids_limit": limits.pids,
            "mem_limit": f"{limits.memory_mb}m",
            "memswap_limit": f"{limits.memory_mb}m",
            "nano_cpus": int(limits.cpus * 1e9),
            "ulimits": [
                Ulimit(name="core", soft=0, hard=0),
                Ulimit(name="nofile", soft=limits.open_files, hard=limits.open_files),
                # RLIMIT_NPROC counts the user's processes across every container (all run as
                # uid 10001), so it is a backstop sized for parallel gradings; the per-container
                # limit is pids_limit.
                Ulimit(name="nproc", soft=limits.pids * 16, hard=limits.pids * 16),
                Ulimit(
                    name="fsize", soft=limits.file_size_mb << 20, hard=limits.file_size_mb << 20
                ),
            ],
            "init": True,
            "labels": {**self.labels, CONTAINER_LABEL: uuid.uuid4().hex},
            "log_config": LogConfig(
                type="json-file", config={"max-size": f"{limits.log_mb}m", "max-file": "1"}
            ),
            "stdin_open": False,
            "detach": True,
        }
        if self.runtime:
            options["runtime"] = self.runtime
        return options


class _Relay:
    """Hands each record to `on_record` once, from whichever of two readings of the same stream
    reaches it first (the live one, or the one after the exit), and nothing once the run is over.

    Both readings see the same records in the same order, so a record is known by its place."""

    def __init__(self, on_record: RecordSink | None) -> None:
        self.on_record = on_record
        self.lock = threading.Lock()
        self.delivered = 0
        self.closed = False

    def reading(self) -> RecordSink:
        """The sink of one reading of the stream (used from one thread)."""
        seen = 0

        def deliver(record: ExerciseStart | ExerciseDone) -> None:
            nonlocal seen
            seen += 1
            with self.lock:
                if self.closed or seen != self.delivered + 1:
                    return
                self.delivered = seen
                if self.on_record is not None:
                    self.on_record(record)

        return deliver

    def close(self) -> None:
        with self.lock:
            self.closed = True


class _LogFollower:
    """Reads the container's standard output while it runs, on a thread: for progress only.

    Best effort: any trouble ends this reading quietly, and the reading after the exit delivers
    what it missed. Its thread ends when the followed log does: at the container's exit, or at
    its removal when the run is given up."""

    def __init__(self, container: Container, stream: RecordStream) -> None:
        self.stream = stream
        self.stopped = threading.Event()
        self.thread = threading.Thread(
            target=self._read, args=(container,), name="grader-docker-logs", daemon=True
        )
        self.thread.start()

    def _read(self, container: Container) -> None:
        try:
            logs = container.logs(stdout=True, stderr=False, stream=True, follow=True)
            for chunk in logs:
                if self.stopped.is_set() or not self.stream.room:
                    return
                self.stream.feed(chunk)
        except Exception:  # progress is best effort; the result is read after the exit
            return

    def stop(self, *, exited: bool) -> None:
        self.stopped.set()
        if exited:  # the followed log is ending: let the thread finish rather than pile up
            self.thread.join(FOLLOW_JOIN_S)


def remove(container: Container) -> None:
    """Kill and remove; a failure here is reported by `grader sandbox prune`, not raised."""
    with contextlib.suppress(*_ENGINE_ERRORS):
        container.remove(force=True)


def prune(client: docker.DockerClient, *, max_age_s: float = MAX_CONTAINER_AGE_S) -> int:
    """Remove the containers a crashed grader left behind; returns how many.

    A grading that is running right now keeps its container: only stopped ones, and running ones
    older than any grading's deadline could make them, are left behind.
    """
    now = datetime.now(UTC)
    return _remove_where(client, {}, lambda c: _left_behind(c, now, max_age_s))


def remove_labelled(client: docker.DockerClient, labels: Mapping[str, str]) -> int:
    """Remove every sandbox container carrying `labels`, whatever its state: a restarted worker's
    own leftovers (no grading of its can still be running)."""
    return _remove_where(client, labels, lambda _: True)


def reap(client: docker.DockerClient, grace_s: float) -> int:
    """Remove every sandbox container `grace_s` past the deadline its host gave it: the host
    died (a killed worker) or it would have removed it itself."""
    limit = time.time() - grace_s
    return _remove_where(client, {}, lambda c: _deadline(c) < limit)


def _remove_where(
    client: docker.DockerClient, labels: Mapping[str, str], chosen: Callable[[Container], bool]
) -> int:
    selectors = [CONTAINER_LABEL, *(f"{key}={value}" for key, value in labels.items())]
    try:
        containers = client.containers.list(all=True, filters={"label": selectors})
    except _ENGINE_ERRORS as exc:
        raise InfrastructureError(f"docker: cannot list containers ({exc})") from exc
    removed = 0
    for container in containers:
        if chosen(container):
            remove(container)
            removed += 1
    return removed


def _deadline(container: Container) -> float:
    value = (container.labels or {}).get(DEADLINE_LABEL, "")
    return float(value) if value.isdigit() else float("inf")


def _left_behind(container: Container, now: datetime, max_age_s: float) -> bool:
    if container.status != "running":
        return True
    created = str(container.attrs.get("Created", ""))[:19]  # e.g. 2026-11-26T03:08:43
    started = datetime.fromisoformat(created).replace(tzinfo=UTC) if created else now
    return (now - started).total_seconds() > max_age_s

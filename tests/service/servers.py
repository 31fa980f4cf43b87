"""Real servers of the tests' own, for grading across machines: a RabbitMQ node and a PostgreSQL
cluster from Debian's packages (`make rabbitmq`, `make postgres` install them), each in a
folder of its own on ports of its own, so that a test may stop, restart or cut them off without
touching anything else; and `grader worker` processes. No mock anywhere: a fault is a real
process killed, a real server restarted.

Servers run as their own system users (`rabbitmq`, `postgres`), which needs root; without root
or the packages the tests that need them skip, unless GRADER_REQUIRE_POSTGRES=1 (CI).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from service_harness import REQUIRE_POSTGRES_ENV, STARTUP_S, grader_command

RABBITMQ_SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
POSTGRES_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
USER, PASSWORD = "grader", "grader-secret-pw"  # a password the sandbox must never see


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def require_servers() -> None:
    """Skip (or, on CI, fail) where RabbitMQ and PostgreSQL cannot be run here."""
    problems = []
    if os.geteuid() != 0:
        problems.append("not root (the servers run as their own users)")
    if not RABBITMQ_SERVER.exists():
        problems.append("RabbitMQ is not installed (make rabbitmq)")
    if not POSTGRES_BIN:
        problems.append("PostgreSQL is not installed (make postgres)")
    if problems:
        reason = "cannot run the brokers' tests: " + "; ".join(problems)
        if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


def _owned_dir(owner: str, prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    shutil.chown(path, owner, owner)
    return path


def wait_for_port(host: str, port: int, timeout: float = STARTUP_S) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


@dataclass
class RabbitMQ:
    """One RabbitMQ node in a folder of its own, listening on every address of this host."""

    port: int = field(default_factory=free_port)
    home: Path = field(default_factory=lambda: _owned_dir("rabbitmq", "grader-rabbitmq-"))
    process: subprocess.Popen[bytes] | None = None

    def url(self, host: str = "127.0.0.1") -> str:
        return f"amqp://{USER}:{PASSWORD}@{host}:{self.port}//"

    def start(self) -> None:
        config = self.home / "rabbitmq.conf"
        config.write_text(
            f"listeners.tcp.default = {self.port}\n"
            "loopback_users = none\n"  # workers in other network namespaces log in too
            f"default_user = {USER}\ndefault_pass = {PASSWORD}\n"
            "consumer_timeout = 7200000\n"  # above any job's hard limit (deploy/rabbitmq/rabbitmq.conf)
        )
        shutil.chown(config, "rabbitmq", "rabbitmq")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "RABBITMQ_NODENAME": f"grader{self.port}@localhost",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(
                self.port + 20000 if self.port < 45000 else self.port - 20000
            ),
            "RABBITMQ_MNESIA_BASE": str(self.home / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.home / "log"),
            "RABBITMQ_CONFIG_FILE": str(config),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.home / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(self.home / "pid"),
            # Erlang's schedulers spin while idle by default: on a 2-core machine that is CPU
            # the graders would use (RabbitMQ's own advice for shared hosts).
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "+sbwt none +sbwtdcpu none +sbwtdio none",
        }
        log = (self.home / "server.out").open("ab")
        self.process = subprocess.Popen(
            [
                "runuser",
                "-u",
                "rabbitmq",
                "--",
                "env",
                *(f"{k}={v}" for k, v in env.items()),
                str(RABBITMQ_SERVER),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if not wait_for_port("127.0.0.1", self.port):
            self.stop()
            pytest.fail("RabbitMQ did not start:\n" + (self.home / "server.out").read_text())

    def stop(self) -> None:
        """Stop the node (its queues and persistent messages stay on disk)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(STARTUP_S)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(STARTUP_S)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.home, ignore_errors=True)


@dataclass
class Postgres:
    """One PostgreSQL cluster in a folder of its own, listening on every address of this host."""

    port: int = field(default_factory=free_port)
    home: Path = field(default_factory=lambda: _owned_dir("postgres", "grader-postgres-"))

    def url(self, host: str = "127.0.0.1") -> str:
        return f"postgresql+psycopg://{USER}:{PASSWORD}@{host}:{self.port}/grader"

    def _run(self, *command: str) -> None:
        done = subprocess.run(
            ["runuser", "-u", "postgres", "--", *command],
            cwd="/",
            capture_output=True,
            text=True,
            timeout=STARTUP_S,
        )
        if done.returncode != 0:
            pytest.fail(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")

    def create(self) -> None:
        bin_dir = POSTGRES_BIN[-1]
        data = self.home / "data"
        password_file = self.home / "password"
        password_file.write_text(PASSWORD)
        shutil.chown(password_file, "postgres", "postgres")
        self._run(
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            USER,
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            f"--pwfile={password_file}",
            "--no-sync",
        )
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {self.port}\nlisten_addresses = '*'\n"
                f"unix_socket_directories = '{self.home}'\nfsync = off\n"
            )
        with (data / "pg_hba.conf").open("a") as hba:
            hba.write("host all all 0.0.0.0/0 scram-sha-256\n")
        self.start()
        self._run(
            str(bin_dir / "createdb"),
            "-h",
            str(self.home),
            "-p",
            str(self.port),
            "-U",
            USER,
            "grader",
        )

    def _ctl(self, action: str) -> None:
        self._run(
            str(POSTGRES_BIN[-1] / "pg_ctl"),
            "-D",
            str(self.home / "data"),
            "-w",
            "-m",
            "fast",
            "-l",
            str(self.home / "server.log"),
            action,
        )

    def start(self) -> None:
        self._ctl("start")

    def stop(self) -> None:
        self._ctl("stop")

    def restart(self) -> None:
        self._ctl("restart")

    def remove(self) -> None:
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(POSTGRES_BIN[-1] / "pg_ctl"),
                "-D",
                str(self.home / "data"),
                "-m",
                "immediate",
                "stop",
            ],
            cwd="/",
            capture_output=True,
            timeout=STARTUP_S,
        )
        shutil.rmtree(self.home, ignore_errors=True)


@dataclass
class WorkerProcess:
    """`grader worker` in a process group of its own, its log kept; `prefix` runs it elsewhere
    (`ip netns exec HOST`)."""

    name: str
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    @classmethod
    def start(
        cls,
        name: str,
        env: Mapping[str, str],
        *options: str,
        prefix: tuple[str, ...] = (),
        command: tuple[str, ...] = (),
    ) -> WorkerProcess:
        process = subprocess.Popen(
            [*prefix, *(command or grader_command()), "worker", "--name", name, *options],
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        started = cls(name, process)
        threading.Thread(target=started._read, daemon=True).start()
        if not started.wait_for(" ready.", STARTUP_S * 2):
            started.kill()
            pytest.fail(f"grader worker {name} did not start:\n" + started.log())
        return started

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()

    def log(self) -> str:
        return "".join(self.lines)

    def wait_for(self, text: str, timeout: float) -> bool:
        """Whether `text` appears in the log within `timeout` seconds."""
        with self._changed:
            return self._changed.wait_for(lambda: text in self.log(), timeout)

    def children(self) -> list[int]:
        """The pool's processes (each grades one job)."""
        found = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        )
        return [int(pid) for pid in found.stdout.split()]

    def kill(self) -> None:
        """SIGKILL the whole process group: a machine that died, nothing cleaned up."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(STARTUP_S)

    def terminate(self, timeout: float = STARTUP_S) -> int:
        """SIGTERM, as a service manager stops it; its exit code."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return -9


@dataclass
class Host:
    """A separate host on this machine: a network namespace of its own, joined to this one by
    a veth pair, `address` on its side and `gateway` (this machine, where the servers listen)
    on the other. Nothing else is reachable from it: its 127.0.0.1 is its own."""

    name: str
    index: int
    made: bool = False

    @property
    def gateway(self) -> str:
        return f"10.213.{self.index}.1"

    @property
    def address(self) -> str:
        return f"10.213.{self.index}.2"

    @property
    def prefix(self) -> tuple[str, ...]:
        """Runs a command on this host."""
        return ("ip", "netns", "exec", self.name)

    def create(self) -> None:
        outside, inside = f"gv{os.getpid() % 10000}h{self.index}", "eth0"
        steps = [
            ["ip", "netns", "add", self.name],
            ["ip", "link", "add", outside, "type", "veth", "peer", "name", f"{outside}p"],
            ["ip", "link", "set", f"{outside}p", "netns", self.name],
            [*self.prefix, "ip", "link", "set", f"{outside}p", "name", inside],
            ["ip", "addr", "add", f"{self.gateway}/24", "dev", outside],
            ["ip", "link", "set", outside, "up"],
            [*self.prefix, "ip", "addr", "add", f"{self.address}/24", "dev", inside],
            [*self.prefix, "ip", "link", "set", inside, "up"],
            [*self.prefix, "ip", "link", "set", "lo", "up"],
        ]
        self.made = True
        for step in steps:
            done = subprocess.run(step, capture_output=True, text=True, timeout=30)
            if done.returncode != 0:
                self.remove()
                pytest.fail(f"{' '.join(step)}: {done.stderr}")

    def reaches(self, host: str, port: int) -> bool:
        """Whether a TCP connection from this host to host:port is accepted."""
        probe = (
            "import socket, sys\n"
            "try:\n"
            f"    socket.create_connection(({host!r}, {port}), timeout=3).close()\n"
            "except OSError:\n"
            "    sys.exit(1)\n"
        )
        done = subprocess.run(
            [*self.prefix, sys.executable, "-c", probe], capture_output=True, timeout=30
        )
        return done.returncode == 0

    def remove(self) -> None:
        """Deleting the namespace deletes its end of the pair, and so the pair."""
        if self.made:
            subprocess.run(["ip", "netns", "del", self.name], capture_output=True, timeout=30)
            self.made = False

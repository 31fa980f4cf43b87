"""The submission service under load and against `grade`: the real server, side by side, in one run.

    python bench/service.py [--sandbox docker] [--rounds 5] [--duration 10s]
                            [--postgres-url URL] [EXERCISE ...]

Starts `grader serve` as a user would (`grader db upgrade`, `grader users add`), creates an
assignment and an invite over the API and uploads the example submission (examples/submission,
restricted to EXERCISE ...), then measures:
- reads: requests per second and p50/p99 latency of `GET /api/v1/submissions/{id}` with the
  interviewer's bearer token, under a loopback load from `wrk`, against SQLite and PostgreSQL
  (the URL from --postgres-url or $GRADER_TEST_DATABASE_URL; its schema is dropped first;
  skipped with a note when none answers);
- grading: the time from the upload's POST until a poll (every 50 ms) sees `graded`, against
  `grade` run directly on the same archive in the same sandbox, rounds alternated; the target is
  at most 1.2 x plus one second.
Prints Markdown tables for the README. Servers are stopped and their data removed, also on failure.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "submission"
BIN = Path(sys.executable).parent
EXERCISES = ["closures", "context_manager", "decorators", "generators"]
PASSWORD = "bench-password-not-secret"
POLL_S = 0.05
TARGET_RATIO, TARGET_SLACK_S = 1.2, 1.0


def tool(name: str) -> str:
    """The virtualenv's console script when this runs from it, else the one on PATH."""
    local = BIN / name
    return str(local) if local.exists() else shutil.which(name) or name


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def example_zip(path: Path, exercises: list[str]) -> Path:
    """The example submission's folders for `exercises` only, as a candidate would zip them."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for exercise in exercises:
            folder = EXAMPLE / exercise
            if not folder.is_dir():
                raise SystemExit(f"examples/submission has no answer to {exercise}")
            for file in sorted(folder.rglob("*")):
                if file.is_file() and "__pycache__" not in file.parts:
                    archive.write(file, file.relative_to(EXAMPLE).as_posix())
    return path


def postgres_answers(url: str) -> str | None:
    """None when `url` answers and its schema was reset; else why not."""
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    except (SQLAlchemyError, ModuleNotFoundError) as exc:
        return f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}"
    return None


@dataclass
class Server:
    """A running `grader serve` with one interviewer, one assignment and one invite."""

    base: str
    client: httpx.Client
    token: str
    invite: str

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def upload(self, archive: Path) -> str:
        with archive.open("rb") as file:
            answer = self.client.post(
                f"/api/v1/invites/{self.invite}/submissions",
                files={"file": (archive.name, file, "application/zip")},
            )
        answer.raise_for_status()
        submission: str = answer.json()["id"]
        return submission

    def wait_graded(self, submission: str, timeout: float = 600) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            answer = self.client.get(f"/api/v1/submissions/{submission}", headers=self.auth())
            answer.raise_for_status()
            body: dict[str, object] = answer.json()
            if body["status"] == "graded":
                return body
            if body["status"] in {"failed", "superseded"}:
                raise SystemExit(f"submission {submission} ended {body['status']}: {body}")
            time.sleep(POLL_S)
        raise SystemExit(f"submission {submission} not graded within {timeout:.0f} s")


def run(command: list[str], env: dict[str, str], stdin: str | None = None) -> None:
    done = subprocess.run(command, env=env, input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:3])} failed:\n{done.stdout}{done.stderr}")


@contextlib.contextmanager
def serving(
    database_url: str | None, sandbox: str, exercises: list[str], submissions: int
) -> Iterator[Server]:
    """A fresh service in a temporary folder (SQLite there, or `database_url`); stopped and
    removed on the way out, whatever happened."""
    env = {k: v for k, v in os.environ.items() if k not in {"GRADER_DATABASE_URL", "GRADER_DATA"}}
    if database_url:
        env["GRADER_DATABASE_URL"] = database_url
    with contextlib.ExitStack() as stack:
        data = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="grader-bench-")))
        data_args = ["--data", str(data / "data")]
        run([tool("grader"), "db", "upgrade", *data_args], env)
        run(
            [tool("grader"), "users", "add", "bench", "--password-stdin", *data_args],
            env,
            PASSWORD + "\n",
        )
        port = free_port()
        log = stack.enter_context((data / "serve.log").open("w"))
        process = subprocess.Popen(
            [
                tool("grader"),
                "serve",
                "--port",
                str(port),
                "--sandbox",
                sandbox,
                *data_args,
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        stack.callback(stop, process)
        base = f"http://127.0.0.1:{port}"
        client = stack.enter_context(httpx.Client(base_url=base, timeout=60))
        try:
            wait_ready(client, process)
            token = client.post(
                "/api/v1/token", data={"username": "bench", "password": PASSWORD}
            ).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            assignment = client.post(
                "/api/v1/assignments",
                headers=auth,
                json={
                    "title": "bench",
                    "exercises": exercises,
                    "deadline": "2099-01-01T00:00:00Z",
                    "max_submissions": submissions,
                    "feedback": "candidate",
                },
            )
            assignment.raise_for_status()
            invite = client.post(
                f"/api/v1/assignments/{assignment.json()['id']}/invites",
                headers=auth,
                json={"candidate": "Bench"},
            )
            invite.raise_for_status()
            yield Server(base, client, token, invite.json()["token"])
        except (Exception, SystemExit):
            log.flush()
            lines = (data / "serve.log").read_text(errors="replace").splitlines()
            tail = [line for line in lines if "HTTP/1.1" not in line][-30:]  # no access log
            print("grader serve's last lines:\n" + "\n".join(tail), file=sys.stderr)
            raise


def wait_ready(client: httpx.Client, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"grader serve exited with {process.returncode}")
        with contextlib.suppress(httpx.TransportError):
            if client.get("/openapi.json").status_code == 200:
                return
        time.sleep(0.1)
    raise SystemExit(f"grader serve did not answer within {timeout:.0f} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM first (uvicorn then stops the workers cleanly), a kill if that does not do."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def milliseconds(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if match is None:
        raise SystemExit(f"cannot read wrk's latency {value!r}")
    return float(match[1]) * UNITS[match[2]]


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: str


def wrk(server: Server, submission: str, args: argparse.Namespace, duration: str) -> Load:
    command = [
        "wrk",
        "--latency",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{duration}",
        "-H",
        f"Authorization: Bearer {server.token}",
        f"{server.base}/api/v1/submissions/{submission}",
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE)
    if not (rps and p50 and p99):
        raise SystemExit(f"cannot read wrk's output:\n{out}")
    problems = [
        line.strip() for line in out.splitlines() if "Non-2xx" in line or "Socket errors" in line
    ]
    return Load(float(rps[1]), milliseconds(p50[1]), milliseconds(p99[1]), "; ".join(problems))


def grade_directly(archive: Path, exercises: list[str], sandbox: str, out: Path) -> float:
    """Seconds for `grade` on the archive, as an interviewer would run it; the report in `out`."""
    command = [tool("grade"), str(archive), "--sandbox", sandbox, "--format", "json", "-o"]
    command += [str(out), *(arg for e in exercises for arg in ("-e", e))]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"grade exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return elapsed


def through_service(server: Server, archive: Path) -> tuple[float, dict[str, object]]:
    started = time.perf_counter()
    graded = server.wait_graded(server.upload(archive))
    return time.perf_counter() - started, graded


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("exercises", nargs="*", help=f"default: {' '.join(EXERCISES)}")
    parser.add_argument("--sandbox", choices=["auto", "docker", "local"], default="docker")
    parser.add_argument("--rounds", type=int, default=5, help="upload-to-graded pairs")
    parser.add_argument("--duration", default="10s", help="wrk's -d, per database")
    parser.add_argument("--threads", type=int, default=2, help="wrk's -t")
    parser.add_argument("--connections", type=int, default=32, help="wrk's -c")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("GRADER_TEST_DATABASE_URL"),
        help="a PostgreSQL database to drop and use (default: $GRADER_TEST_DATABASE_URL)",
    )
    args = parser.parse_args()
    # A SIGTERM unwinds like Ctrl-C, so that the servers stop and their folders go.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    if not shutil.which("wrk"):
        raise SystemExit("bench/service.py needs wrk: `make wrk` or `apt-get install wrk`")
    exercises = args.exercises or EXERCISES

    databases: dict[str, str | None] = {"SQLite": None}
    if not args.postgres_url:
        print("PostgreSQL skipped: no --postgres-url and no $GRADER_TEST_DATABASE_URL\n")
    elif why := postgres_answers(args.postgres_url):
        print(f"PostgreSQL skipped: {why}\n")
    else:
        databases["PostgreSQL"] = args.postgres_url

    with tempfile.TemporaryDirectory(prefix="grader-bench-") as tmp:
        archive = example_zip(Path(tmp) / "submission.zip", exercises)
        print(
            f"`GET /api/v1/submissions/{{id}}` (the interviewer's view of a graded submission,"
            f" {', '.join(exercises)}), wrk -t{args.threads} -c{args.connections}"
            f" -d{args.duration} on loopback, `grader serve` with one uvicorn process\n"
        )
        print("| database | requests/s | p50 ms | p99 ms | body bytes |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name, url in databases.items():
            with serving(url, args.sandbox, exercises, args.rounds + 2) as server:
                submission = server.upload(archive)
                server.wait_graded(submission)
                size = len(
                    server.client.get(
                        f"/api/v1/submissions/{submission}", headers=server.auth()
                    ).content
                )
                wrk(server, submission, args, "2s")  # warm-up: connections, caches
                load = wrk(server, submission, args, args.duration)
                note = f" ({load.errors})" if load.errors else ""
                print(
                    f"| {name}{note} | {load.rps:.0f} | {load.p50_ms:.1f} | {load.p99_ms:.1f}"
                    f" | {size} |",
                    flush=True,
                )

        print(
            f"\nUpload to `graded` (polled every {POLL_S * 1000:.0f} ms, SQLite) against `grade`"
            f" on the same archive, {args.sandbox} sandbox, {args.rounds} rounds alternated\n"
        )
        times: dict[str, list[float]] = {"grade": [], "service": []}
        with serving(None, args.sandbox, exercises, args.rounds + 2) as server:
            report = Path(tmp) / "report.json"
            grade_directly(archive, exercises, args.sandbox, report)  # warm-ups
            through_service(server, archive)
            for _ in range(args.rounds):
                times["grade"].append(grade_directly(archive, exercises, args.sandbox, report))
                elapsed, graded = through_service(server, archive)
                times["service"].append(elapsed)
            direct = json.loads(report.read_text())
            if (graded["score"], graded["max_score"]) != (direct["score"], direct["max_score"]):
                raise SystemExit(
                    f"the service scored {graded['score']}/{graded['max_score']},"
                    f" grade {direct['score']}/{direct['max_score']}"
                )
        print("| path | min s | median s |")
        print("| --- | ---: | ---: |")
        labels = {"grade": "`grade` directly", "service": "service: POST to `graded`"}
        for key, samples in times.items():
            print(f"| {labels[key]} | {min(samples):.2f} | {statistics.median(samples):.2f} |")
        base, service = statistics.median(times["grade"]), statistics.median(times["service"])
        limit = TARGET_RATIO * base + TARGET_SLACK_S
        verdict = "holds" if service <= limit else "MISSED"
        print(
            f"\nMedian ratio {service / base:.2f}; the target (at most {TARGET_RATIO} x"
            f" + {TARGET_SLACK_S:.0f} s = {limit:.2f} s) {verdict}."
        )


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)

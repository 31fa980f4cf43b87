"""Grading across machines, measured: the service with 1, 2 and 4 `grader worker` processes on a
real RabbitMQ and PostgreSQL, against `grade --batch` on the same submissions at the same
parallelism, side by side in one run.

    python bench/workers.py [--count 200] [--workers 1 2 4] [--sandbox local|docker]

For each worker count: a fresh database and queue, `grader serve` publishing to the broker, the
workers started and ready, then `--count` distinct submissions of the fixture catalog (a mix of
right, wrong and missing answers, bench/batch.py's) uploaded through the API by eight clients at
once. Measured from the first upload to the last `graded`: throughput, and from the database
each submission's wait in the queue (queued to started, p50 and p95). Then `grade --batch` on
the same submissions as folders, with `--jobs` equal to the worker count: the queue's and the
database's overhead per job is the difference, divided by the count.

Targets (issue "Grading across machines"): 2 workers at least 1.6x one worker on a 2-core
machine; the service within 10% of `grade --batch` at the same parallelism. Needs root, and
RabbitMQ and PostgreSQL installed (`make rabbitmq postgres`): it starts nodes of its own
(tests/service/servers.py) and removes them after. Prints Markdown tables for the README.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "service"))

import httpx  # noqa: E402
from batch import FIXTURES, generate  # noqa: E402
from kombu import Connection  # noqa: E402
from servers import Postgres, RabbitMQ, WorkerProcess  # noqa: E402
from service_harness import ServeProcess, grader_command, reset_postgres  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from grader.catalog import Catalog  # noqa: E402
from grader.service import db  # noqa: E402
from grader.service.models import Submission  # noqa: E402
from grader.service.queue import QUEUE  # noqa: E402

PASSWORD = "bench-password-not-secret"
TARGET_SCALING, TARGET_OVERHEAD = 1.6, 1.10
CLIENTS = 8


def zipped(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                archive.write(file, file.relative_to(folder).as_posix())
    return buffer.getvalue()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def through_service(
    broker: RabbitMQ,
    postgres: Postgres,
    archives: list[bytes],
    workers: int,
    sandbox: str,
    tmp: Path,
) -> tuple[float, list[float]]:
    """Wall seconds from the first upload to the last `graded`, and every queue wait."""
    url = postgres.url()
    reset_postgres(url)
    engine = db.make_engine(url)
    db.upgrade(engine)
    with Connection(broker.url()) as connection:
        connection.default_channel.queue_delete(QUEUE)
    env = os.environ | {
        "GRADER_DATABASE_URL": url,
        "GRADER_BROKER_URL": broker.url(),
        "GRADER_DATA": str(tmp / f"data-{workers}"),
    }
    subprocess.run(
        [*grader_command(), "users", "add", "bench", "--password-stdin"],
        input=PASSWORD,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    options = ["--sandbox", sandbox, "--exercises-dir", str(FIXTURES)]
    server = ServeProcess.start(env, *options)
    started = [
        WorkerProcess.start(f"bench{n}@local", env, *options, "--concurrency", "1")
        for n in range(workers)
    ]
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            token = client.post(
                "/api/v1/token", data={"username": "bench", "password": PASSWORD}
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            assignment = client.post(
                "/api/v1/assignments",
                json={
                    "title": "bench",
                    "exercises": ["adder", "greeter"],
                    "deadline": "2099-01-01T00:00:00Z",
                },
                headers=headers,
            ).json()
            tokens = [
                client.post(
                    f"/api/v1/assignments/{assignment['id']}/invites",
                    json={"candidate": f"c{n}"},
                    headers=headers,
                ).json()["token"]
                for n in range(len(archives))
            ]

            def upload(pair: tuple[str, bytes]) -> str:
                invite, archive = pair
                response = client.post(
                    f"/api/v1/invites/{invite}/submissions",
                    files={"file": ("answer.zip", archive, "application/zip")},
                )
                if response.status_code != 202:
                    raise SystemExit(f"upload refused: {response.status_code} {response.text}")
                submission_id: str = response.json()["id"]
                return submission_id

            begin = time.monotonic()
            with ThreadPoolExecutor(CLIENTS) as pool:
                ids = list(pool.map(upload, zip(tokens, archives, strict=True)))
            with Session(engine) as session:
                while True:
                    rows = session.scalars(select(Submission).where(Submission.id.in_(ids))).all()
                    if all(row.status in {"graded", "failed"} for row in rows):
                        break
                    session.expire_all()
                    time.sleep(0.05)
            wall = time.monotonic() - begin
            failed = [row.id for row in rows if row.status != "graded" or row.attempts != 1]
            if failed:
                raise SystemExit(f"{len(failed)} submission(s) not graded exactly once: {failed}")
            waits = [
                (row.started_at - row.queued_at).total_seconds()
                for row in rows
                if row.started_at and row.queued_at
            ]
            return wall, waits
    finally:
        for worker in started:
            worker.terminate()
        server.stop()
        engine.dispose()


def through_batch(folder: Path, jobs: int, sandbox: str, out: Path) -> float:
    command = [
        str(Path(sys.executable).with_name("grade")),
        "--batch",
        str(folder),
        "--jobs",
        str(jobs),
        "--sandbox",
        sandbox,
        "--exercises-dir",
        str(FIXTURES),
        "--force",
        "--format",
        "json",
        "-o",
        str(out),
    ]
    begin = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.monotonic() - begin
    if done.returncode not in (0, 1):  # 1: some candidate failed a test, as expected
        raise SystemExit(f"grade --batch failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--sandbox", default="local", choices=["local", "docker"])
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit(
            "bench/workers.py starts RabbitMQ and PostgreSQL as their users: run as root"
        )

    exercises = list(Catalog.load(FIXTURES))
    broker, postgres = RabbitMQ(), Postgres()
    with tempfile.TemporaryDirectory(prefix="grader-bench-queue-") as tmp_name:
        tmp = Path(tmp_name)
        subs = generate(tmp / "subs", exercises, args.count, real=False)
        archives = [zipped(sub) for sub in subs]
        try:
            broker.start()
            postgres.create()
            print(
                f"{args.count} submissions of the fixture catalog ({len(exercises)} exercises),"
                f" {args.sandbox} sandbox, {os.cpu_count()} cores\n"
            )
            print(
                "| worker processes | service s | submissions/min | vs 1 worker"
                " | queue wait p50 s | p95 s | `grade --batch --jobs N` s"
                " | overhead per job ms | service / batch |"
            )
            print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
            first: float | None = None
            for workers in args.workers:
                wall, waits = through_service(
                    broker, postgres, archives, workers, args.sandbox, tmp
                )
                batch = through_batch(tmp / "subs", workers, args.sandbox, tmp / f"out-{workers}")
                rate = 60 * args.count / wall
                first = first or rate
                overhead_ms = 1000 * (wall - batch) / args.count
                print(
                    f"| {workers} | {wall:.1f} | {rate:.1f} | {rate / first:.2f}x"
                    f" | {statistics.median(waits):.1f} | {percentile(waits, 0.95):.1f}"
                    f" | {batch:.1f} | {overhead_ms:.0f} | {wall / batch:.2f} |",
                    flush=True,
                )
        finally:
            broker.remove()
            postgres.remove()
    print(
        f"\nTargets: 2 workers >= {TARGET_SCALING}x one worker;"
        f" service / batch <= {TARGET_OVERHEAD:.2f}."
    )


if __name__ == "__main__":
    main()

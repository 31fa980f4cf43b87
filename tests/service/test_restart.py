"""Restarting loses nothing: the database is the source of truth, so a submission accepted
before a stop is graded after the restart, exactly once, and one left `running` by a killed
process is graded again. And `grader serve` will not start on a schema that needs migrating."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from service_harness import (
    EXERCISES,
    STARTUP_S,
    Accounts,
    Api,
    HoldingExecutor,
    Receiver,
    RunningServer,
    ServeProcess,
    data_dir_of,
    grader_command,
    service_env,
    slow,
    submission_zip,
    wait_for_job_threads,
)
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.service.models import Submission, now

SECRET = "a-webhook-secret-of-some-length"


def test_a_submission_accepted_before_a_stop_is_graded_once_after_the_restart(
    serve: Callable[..., RunningServer],
    api_for: Callable[[RunningServer], Api],
    accounts: Accounts,
    receiver: Callable[..., Receiver],
    tmp_path: Path,
) -> None:
    hook = receiver([200])
    before = serve(make_executor=HoldingExecutor)  # accepts, stops before grading anything
    api = api_for(before)
    headers = api.login(accounts.interviewer)
    assignment = api.assignment(
        headers, exercises=["greeter"], webhook_url=hook.url, webhook_secret=SECRET
    )
    invite = api.invite(headers, assignment["id"])
    archive = submission_zip(tmp_path / "a.zip", greeter="reference")
    accepted = api.submitted(invite["token"], archive)
    before.stop()
    restarted = now()

    after = serve()
    api = api_for(after)
    graded = api.wait(accepted["id"], headers)
    assert graded["status"] == "graded", graded
    assert graded["attempts"] == 1 and graded["percent"] == 100
    assert datetime.fromisoformat(graded["started_at"]) >= restarted
    assert datetime.fromisoformat(graded["queued_at"]) < restarted  # queued once, and kept
    [delivery] = hook.wait_for(1)
    assert Receiver.json(delivery)["submission"] == accepted["id"]

    # Stopped and started once more, it finds nothing left to do.
    after.stop()
    api = api_for(serve())
    assert api.submission(accepted["id"], headers)["attempts"] == 1
    wait_for_job_threads()
    assert len(hook.received) == 1, "graded more than once"


@pytest.mark.slow
def test_a_submission_left_running_by_a_killed_service_is_graded_again(
    database_url: str, accounts: Accounts, database: Engine, tmp_path: Path
) -> None:
    env = service_env(data_dir_of(tmp_path), database_url)
    options = ["--sandbox", "local", "--exercises-dir", str(EXERCISES), "--workers", "1"]
    first = ServeProcess.start(env, *options)
    api = Api(first.url)
    try:
        headers = api.login(accounts.interviewer)
        invite = api.invite(headers, api.assignment(headers, exercises=["greeter"])["id"])
        archive = submission_zip(tmp_path / "slow.zip", greeter=slow("greeter", 2))
        accepted = api.submitted(invite["token"], archive)
        api.wait(accepted["id"], headers, until=lambda found: found["status"] == "running")
    finally:
        first.kill()  # mid-grading, as a crash or an OOM kill would
        api.close()
    with Session(database) as session:
        left = session.get_one(Submission, accepted["id"])
        assert (left.status, left.attempts, left.report) == ("running", 1, None)

    second = ServeProcess.start(env, *options)
    api = Api(second.url)
    try:
        graded = api.wait(accepted["id"], api.login(accounts.interviewer))
    finally:
        api.close()
        second.stop()
    assert graded["status"] == "graded", graded
    assert graded["attempts"] == 2 and graded["percent"] == 100
    assert any("Application shutdown complete" in line for line in second.lines), second.lines


def test_serve_refuses_a_database_that_needs_migrating(database_url: str, tmp_path: Path) -> None:
    env = service_env(data_dir_of(tmp_path), database_url)
    done = subprocess.run(
        [*grader_command(), "serve", "--port", "0", "--exercises-dir", str(EXERCISES)],
        env=env,
        capture_output=True,
        text=True,
        timeout=STARTUP_S,
    )
    assert done.returncode == 3, done.stderr
    assert "grader db upgrade" in " ".join(done.stderr.split())  # as wrapped to the terminal
    assert "Traceback" not in done.stderr + done.stdout
    assert "Uvicorn running" not in done.stderr

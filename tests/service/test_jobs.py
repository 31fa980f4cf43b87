"""The job model seen through the API: a newer submission supersedes an unfinished one (whose
late result is dropped), and one the grader failed on is `failed`, costs the candidate nothing
and can be regraded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from service_harness import (
    DEADLINE_S,
    Accounts,
    Api,
    HoldingExecutor,
    RunningServer,
    TrackedExecutor,
    invite_header,
    slow,
    submission_zip,
)
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from grader.service.models import Submission


def test_a_new_submission_supersedes_a_queued_one(
    serve: Callable[..., RunningServer],
    api_for: Callable[[RunningServer], Api],
    accounts: Accounts,
    tmp_path: Path,
) -> None:
    server = serve(make_executor=HoldingExecutor)
    api = api_for(server)
    headers = api.login(accounts.interviewer)
    invite = api.invite(headers, api.assignment(headers)["id"])
    archive = submission_zip(tmp_path / "a.zip", adder="reference")
    first = api.submitted(invite["token"], archive)
    second = api.submitted(invite["token"], archive)
    old = api.submission(first["id"], invite_header(invite["token"]))
    assert old["status"] == "superseded"
    assert old["finished_at"] is not None and old["started_at"] is None
    assert api.submission(second["id"], headers)["status"] == "queued"
    assert server.executor.held == [first["id"], second["id"]]


def test_a_running_submission_is_superseded_and_its_result_ignored(
    serve: Callable[..., RunningServer],
    api_for: Callable[[RunningServer], Api],
    accounts: Accounts,
    database: Engine,
    tmp_path: Path,
) -> None:
    server = serve(make_executor=TrackedExecutor)
    api = api_for(server)
    headers = api.login(accounts.interviewer)
    invite = api.invite(headers, api.assignment(headers)["id"])
    first = api.submitted(
        invite["token"], submission_zip(tmp_path / "slow.zip", adder=slow("adder", 2))
    )
    api.wait(first["id"], headers, until=lambda found: found["status"] != "queued")
    second = api.submitted(invite["token"], submission_zip(tmp_path / "a.zip", adder="stub"))
    assert api.submission(first["id"], headers)["status"] == "superseded"

    assert api.wait(second["id"], headers)["status"] == "graded"
    assert server.executor.done(first["id"]).wait(DEADLINE_S), "the first job never returned"
    dropped = api.submission(first["id"], headers)
    assert dropped["status"] == "superseded"
    assert dropped["attempts"] == 1  # it did run...
    assert dropped["report"] is dropped["score"] is dropped["failure"] is None  # ...for nothing
    with Session(database) as session:
        row = session.get_one(Submission, first["id"])
        assert row.report is None and row.percent is None
    rows = api.client.get(
        f"/api/v1/assignments/{invite['assignment']}/submissions", headers=headers
    ).json()
    assert rows[0]["latest"] == second["id"] and rows[0]["percent"] == 0


def test_a_grader_failure_is_failed_for_interviewers_free_for_the_candidate_and_regradable(
    serve: Callable[..., RunningServer],
    api_for: Callable[[RunningServer], Api],
    accounts: Accounts,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The Docker sandbox with no engine to talk to: the grader's fault, not the candidate's.
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    broken = serve(sandbox="docker")
    api = api_for(broken)
    headers = api.login(accounts.interviewer)
    assignment = api.assignment(headers, max_submissions=1)
    invite = api.invite(headers, assignment["id"])
    candidate = invite_header(invite["token"])
    archive = submission_zip(tmp_path / "a.zip", adder="reference")
    failed = api.wait(api.submitted(invite["token"], archive)["id"], headers)

    assert failed["status"] == "failed", failed
    assert "Docker" in failed["failure"], failed["failure"]
    assert failed["counts"] is False and failed["report"] is None
    response = api.client.get(f"/api/v1/submissions/{failed['id']}", headers=candidate)
    assert response.json()["status"] == "failed"
    assert response.json()["failure"] is None
    assert failed["failure"] not in response.text
    assert failed["failure"] not in api.client.get(f"/api/v1/invites/{invite['token']}").text
    view = api.client.get(f"/api/v1/invites/{invite['token']}").json()
    assert view["submissions_left"] == 1  # the failure cost the candidate nothing...
    retried = api.wait(api.submitted(invite["token"], archive)["id"], headers)  # ...not even 429
    assert retried["status"] == "failed"
    assert (
        api.client.get(f"/api/v1/submissions/{failed['id']}", headers=headers).json()["status"]
        == "failed"
    )  # a finished submission is not superseded

    # The engine comes back (here: a server with a sandbox that works); an interviewer regrades.
    broken.stop()
    api = api_for(serve())
    regrade = f"/api/v1/submissions/{failed['id']}/regrade"
    assert api.client.post(regrade, headers=candidate).status_code == 401
    assert api.client.post(regrade, headers=api.login(accounts.other)).status_code == 404
    response = api.client.post(regrade, headers=headers)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "queued" and response.json()["failure"] is None
    graded = api.wait(failed["id"], headers)
    assert graded["status"] == "graded", graded
    assert graded["attempts"] == 2 and graded["percent"] == 100 and graded["failure"] is None
    again = api.client.post(regrade, headers=headers)
    assert again.status_code == 409, again.text
    assert "graded" in again.json()["detail"]

    # Graded, it counts now: the one submission allowed is used.
    assert api.submit(invite["token"], archive).status_code == 429
    assert api.client.get(f"/api/v1/invites/{invite['token']}").json()["submissions_left"] == 0

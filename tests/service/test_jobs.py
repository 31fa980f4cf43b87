"""The job model seen through the API: a newer submission supersedes an unfinished one (whose
late result is dropped), and one the grader failed on is `failed`, costs the candidate nothing
and can be regraded."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
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
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from grader.service import jobs
from grader.service.models import (
    Assignment,
    Attempt,
    Invite,
    Submission,
    SubmissionStatus,
    now,
)


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


# The fencing rules themselves, on the database alone (grader/service/jobs.py).


def queued(engine: Engine, accounts: Accounts, **values: object) -> str:
    """A queued submission, made straight in the database."""
    with Session(engine) as session:
        assignment = Assignment(
            owner_id=accounts.interviewer.id,
            title="t",
            assessment=None,
            exercise_ids=["adder"],
            deadline=now() + timedelta(days=1),
            max_submissions=5,
            feedback="none",
        )
        invite = Invite(assignment=assignment, token=uuid.uuid4().hex, candidate="Ann")
        submission = Submission(
            invite=invite,
            status=SubmissionStatus.QUEUED,
            filename="a.zip",
            upload="a.zip",
            sha256="0" * 64,
            **({"queued_at": now()} | values),
        )
        session.add(submission)
        session.commit()
        return submission.id


def outcomes(engine: Engine, submission_id: str) -> list[tuple[int, str | None, str]]:
    with Session(engine) as session:
        rows = session.scalars(
            select(Attempt).where(Attempt.submission_id == submission_id).order_by(Attempt.number)
        )
        return [(row.number, row.outcome, row.worker) for row in rows]


def test_a_redelivered_job_fences_off_the_attempt_it_replaces(
    database: Engine, accounts: Accounts
) -> None:
    submission = queued(database, accounts)
    with Session(database) as session:
        assert jobs.claim(session, submission, "a") == 1
        assert jobs.claim(session, submission, "b") is None  # running: not a second time
        assert jobs.claim(session, submission, "b", takeover=True) == 2  # a's worker died
        # The presumed-dead attempt finishes after all: its result is refused.
        assert not jobs.finish(session, submission, 1, SubmissionStatus.GRADED, score=1.0)
        assert jobs.finish(session, submission, 2, SubmissionStatus.GRADED, score=2.0)
        stored = session.get_one(Submission, submission)
        session.refresh(stored)
        assert (stored.status, stored.score, stored.attempts, stored.lost) == ("graded", 2.0, 2, 1)
        assert stored.worker == "b"
    assert outcomes(database, submission) == [(1, "lost", "a"), (2, "graded", "b")]


def test_a_submission_whose_attempts_die_three_times_is_failed(
    database: Engine, accounts: Accounts
) -> None:
    submission = queued(database, accounts)
    with Session(database) as session:
        assert jobs.claim(session, submission, "w") == 1
        assert jobs.claim(session, submission, "w", takeover=True) == 2
        assert jobs.claim(session, submission, "w", takeover=True) == 3
        assert jobs.claim(session, submission, "w", takeover=True) is None
        stored = session.get_one(Submission, submission)
        session.refresh(stored)
        assert stored.status == "failed" and "died 3 times" in (stored.failure or "")
        assert not stored.counts
        # A regrade starts the count again; the attempt numbers go on (they are the fence).
        assert jobs.requeue(session, submission)
        assert jobs.claim(session, submission, "w") == 4
    assert [outcome for _, outcome, _ in outcomes(database, submission)] == [
        "lost",
        "lost",
        "lost",
        None,
    ]


def test_the_sweeper_finds_the_unpublished_the_stale_and_the_silently_dead(
    database: Engine, accounts: Accounts
) -> None:
    long_ago = now() - timedelta(hours=3)
    unpublished = queued(database, accounts, queued_at=long_ago)
    just_queued = queued(database, accounts)  # its publish is under way: not raced
    published = queued(database, accounts, published_at=now())
    stale = queued(database, accounts, queued_at=long_ago, published_at=long_ago)
    silent = queued(database, accounts)
    alive = queued(database, accounts)
    for_old = queued(database, accounts, published_at=now(), published_for="old:old")
    for_now = queued(database, accounts, published_at=now(), published_for="new:new")
    with Session(database) as session:
        assert jobs.claim(session, silent, "gone") == 1
        assert jobs.claim(session, alive, "busy") == 1
        session.execute(
            update(Submission).where(Submission.id == silent).values(started_at=long_ago)
        )
        session.commit()
        due = jobs.sweep(
            session,
            running_deadline=timedelta(hours=1),
            stale_queue=timedelta(hours=1),
            current="new:new",
        )
        assert jobs.obsolete(session, for_old, "old:old") is False  # the latest publish's own
        jobs.publishing(session, for_old, "new:new")
        assert jobs.obsolete(session, for_old, "old:old") is True
    assert set(due) == {unpublished, stale, silent, for_old}
    assert just_queued not in due and published not in due and alive not in due
    assert for_now not in due
    assert outcomes(database, silent) == [(1, "lost", "gone")]


def test_a_machine_that_cannot_grade_hands_the_job_back_three_times_at_most(
    database: Engine, accounts: Accounts
) -> None:
    submission = queued(database, accounts)
    with Session(database) as session:
        for attempt in (1, 2, 3):
            assert jobs.claim(session, submission, f"broken{attempt}") == attempt
            assert jobs.release(session, submission, attempt, "docker: the engine is down")
        assert not jobs.release(session, submission, 3, "again")  # fenced: nothing runs
        stored = session.get_one(Submission, submission)
        session.refresh(stored)
        assert stored.status == "failed"
        assert "died 3 times (the last one: docker: the engine is down)" in (stored.failure or "")
    assert [outcome for _, outcome, _ in outcomes(database, submission)] == ["failed"] * 3

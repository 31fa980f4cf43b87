"""Webhooks: a signed POST to a real receiver on loopback when a submission is graded, retried
on 5xx and errors (not on 4xx), every attempt recorded in the database."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from service_harness import (
    DEADLINE_S,
    POLL_S,
    Accounts,
    Api,
    Receiver,
    RunningServer,
    submission_zip,
    wait_for_job_threads,
)
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from grader.service.models import WebhookDelivery

SECRET = "a-webhook-secret-of-some-length"


def deliveries(database: Engine, submission_id: str, count: int) -> list[WebhookDelivery]:
    """The submission's delivery rows, once `count` are written (each after its answer)."""
    deadline = time.monotonic() + DEADLINE_S
    while True:
        with Session(database) as session:
            rows = list(
                session.scalars(
                    select(WebhookDelivery)
                    .where(WebhookDelivery.submission_id == submission_id)
                    .order_by(WebhookDelivery.attempt)
                )
            )
        if len(rows) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(POLL_S)


def test_a_graded_submission_is_posted_signed_and_retried_after_a_5xx(
    api: Api,
    server: RunningServer,
    accounts: Accounts,
    database: Engine,
    receiver: Callable[..., Receiver],
    tmp_path: Path,
) -> None:
    hook = receiver([500, 200])
    headers = api.login(accounts.interviewer)
    assignment = api.assignment(headers, webhook_url=hook.url, webhook_secret=SECRET)
    invite = api.invite(headers, assignment["id"], "Ann")
    submitted = api.submitted(
        invite["token"], submission_zip(tmp_path / "a.zip", adder="reference")
    )
    graded = api.wait(submitted["id"], headers)
    assert graded["status"] == "graded"

    first, second = hook.wait_for(2)
    for request in (first, second):
        assert request.path == "/hook"
        assert request.headers["Content-Type"] == "application/json"
        expected = "sha256=" + hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(request.headers["X-Grader-Signature"], expected)
        wrong = hmac.new(b"another secret", request.body, hashlib.sha256).hexdigest()
        assert request.headers["X-Grader-Signature"] != f"sha256={wrong}"
    assert first.body == second.body  # a retry sends the same, signed, body
    summary = json.loads(first.body)
    assert summary["event"] == "submission.graded"
    assert summary["submission"] == submitted["id"]
    assert summary["assignment"] == assignment["id"]
    assert summary["candidate"] == "Ann"
    assert summary["status"] == "graded"
    assert summary["score"] == graded["score"] and summary["percent"] == graded["percent"] == 100
    assert "report" not in summary

    rows = deliveries(database, submitted["id"], 2)
    assert [(r.attempt, r.status_code, r.delivered) for r in rows] == [
        (1, 500, False),
        (2, 200, True),
    ]
    assert {r.url for r in rows} == {hook.url}
    assert rows[0].at <= rows[1].at
    server.stop()
    wait_for_job_threads()
    assert len(hook.received) == 2  # delivered: never sent again


# Which attempts are made is the notifier's logic: the rows it writes are checked on both
# databases above.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_retries_stop_at_the_limit_and_a_4xx_is_not_retried(
    api: Api,
    server: RunningServer,
    accounts: Accounts,
    database: Engine,
    receiver: Callable[..., Receiver],
    tmp_path: Path,
) -> None:
    failing, refusing = receiver([503]), receiver([404])
    with socket.socket() as closed:  # a port nothing listens on: connection refused
        closed.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{closed.getsockname()[1]}/hook"
    headers = api.login(accounts.interviewer)
    archive = submission_zip(tmp_path / "a.zip", adder="reference")
    submitted = {}
    for name, url in [("failing", failing.url), ("refusing", refusing.url), ("nowhere", nowhere)]:
        assignment = api.assignment(headers, webhook_url=url, webhook_secret=SECRET)
        invite = api.invite(headers, assignment["id"], name)
        submitted[name] = api.submitted(invite["token"], archive)["id"]
    for submission_id in submitted.values():
        assert api.wait(submission_id, headers)["status"] == "graded"

    attempts = server.settings.webhook_attempts
    rows = deliveries(database, submitted["failing"], attempts)
    assert [(r.attempt, r.status_code, r.delivered) for r in rows] == [
        (n, 503, False) for n in range(1, attempts + 1)
    ]
    rows = deliveries(database, submitted["nowhere"], attempts)
    assert [r.attempt for r in rows] == list(range(1, attempts + 1))
    assert all(r.status_code is None and r.error and not r.delivered for r in rows)
    rows = deliveries(database, submitted["refusing"], 1)
    assert [(r.attempt, r.status_code, r.delivered) for r in rows] == [(1, 404, False)]
    server.stop()
    wait_for_job_threads()
    assert len(failing.received) == attempts
    assert len(refusing.received) == 1

"""Tell the assignment's webhook that a submission is graded: a signed POST, retried with
backoff on errors and 5xx answers, every attempt recorded."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from grader.service.models import Submission, WebhookDelivery
from grader.service.settings import Settings

log = logging.getLogger("grader.service")
SIGNATURE_HEADER = "X-Grader-Signature"
TIMEOUT = 10.0


def sign(body: bytes, secret: str) -> str:
    """`sha256=<hex>`: HMAC-SHA256 of the exact body under the assignment's secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def summary(submission: Submission) -> dict[str, Any]:
    """What a webhook receives: enough to act on, no report (fetch it with a token)."""
    invite = submission.invite
    return {
        "event": "submission.graded",
        "submission": submission.id,
        "assignment": invite.assignment_id,
        "candidate": invite.candidate,
        "status": submission.status,
        "score": submission.score,
        "max_score": submission.max_score,
        "percent": submission.percent,
        "finished_at": submission.finished_at.isoformat() if submission.finished_at else None,
    }


class Notifier:
    """Delivers on its own threads, so that a slow receiver never holds up grading."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self._settings = settings
        self._sessions = sessions
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="webhooks")

    def graded(self, submission_id: str) -> None:
        self._pool.submit(self._deliver_logged, submission_id)

    def stop(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _deliver_logged(self, submission_id: str) -> None:
        try:
            self.deliver(submission_id)
        except Exception:
            log.exception("webhook for %s failed", submission_id)

    def deliver(self, submission_id: str) -> bool:
        """Deliver now, retrying; True once the receiver answered 2xx."""
        with self._sessions() as session:
            submission = session.get_one(Submission, submission_id)
            assignment = submission.invite.assignment
            if not assignment.webhook_url:
                return False
            url, secret = assignment.webhook_url, assignment.webhook_secret or ""
            body = json.dumps(summary(submission), sort_keys=True).encode()
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, secret)}
        delay = self._settings.webhook_backoff
        for attempt in range(1, self._settings.webhook_attempts + 1):
            status: int | None = None
            error: str | None = None
            try:
                status = httpx.post(url, content=body, headers=headers, timeout=TIMEOUT).status_code
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            delivered = status is not None and 200 <= status < 300
            with self._sessions() as session:
                session.add(
                    WebhookDelivery(
                        submission_id=submission_id,
                        url=url,
                        attempt=attempt,
                        status_code=status,
                        error=error,
                        delivered=delivered,
                    )
                )
                session.commit()
            if delivered or (status is not None and status < 500):
                return delivered  # a 4xx will not change by asking again
            time.sleep(delay)
            delay *= 2
        return False

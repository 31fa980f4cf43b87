"""`GET /metrics` in Prometheus's text format. Every figure is read from the database at scrape
time, so it is the same whichever replica answers and counts the work of every worker machine.
It holds counts and durations only: no candidate, no score, no id."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from grader.service.models import Attempt, AttemptOutcome, Submission, SubmissionStatus

BUCKETS = (1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
router = APIRouter()


def histogram(name: str, documentation: str, spans: Sequence[tuple[datetime, datetime]]) -> Metric:
    seconds = [(end - start).total_seconds() for start, end in spans]
    buckets = [(str(bound), sum(1 for s in seconds if s <= bound)) for bound in BUCKETS]
    buckets.append(("+Inf", len(seconds)))
    return HistogramMetricFamily(name, documentation, buckets=buckets, sum_value=sum(seconds))


class DatabaseCollector(Collector):
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[Metric]:
        with self.sessions() as session:
            by_state: dict[str, int] = {
                state: count
                for state, count in session.execute(
                    select(Submission.status, func.count()).group_by(Submission.status)
                )
            }
            graded = session.execute(
                select(Submission.started_at, Submission.finished_at).where(
                    Submission.status == SubmissionStatus.GRADED,
                    Submission.started_at.is_not(None),
                    Submission.finished_at.is_not(None),
                )
            )
            grading = [(start, end) for start, end in graded if start and end]
            waited = session.execute(
                select(Submission.queued_at, Submission.started_at).where(
                    Submission.queued_at.is_not(None), Submission.started_at.is_not(None)
                )
            )
            waits = [(start, end) for start, end in waited if start and end]
            lost = session.scalar(
                select(func.count())
                .select_from(Attempt)
                .where(Attempt.outcome == AttemptOutcome.LOST)
            )
        states = GaugeMetricFamily("grader_submissions", "Submissions by state.", labels=["state"])
        for state in SubmissionStatus:
            states.add_metric([state.value], by_state.get(state, 0))
        yield states
        yield GaugeMetricFamily(
            "grader_queue_length",
            "Submissions waiting for a worker.",
            value=by_state.get(SubmissionStatus.QUEUED, 0),
        )
        yield histogram(
            "grader_grading_seconds", "From an attempt's start to its graded report.", grading
        )
        yield histogram(
            "grader_queue_wait_seconds", "From queued to the latest attempt's start.", waits
        )
        yield CounterMetricFamily(
            "grader_attempts_lost",
            "Grading attempts presumed dead with their worker.",
            value=lost or 0,
        )


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(request.app.state.service.sessions))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

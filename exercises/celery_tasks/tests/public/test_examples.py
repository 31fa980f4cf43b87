"""Example tests for the celery_tasks exercise (the graded suite is more thorough).

The task runs eagerly with ``apply()``: no broker, no worker, and a retry runs again at once. To
see the countdown each retry asks for, these tests wrap Celery's ``Task.retry`` and record the
``when`` of each ``Retry`` it raises.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery.app.task import Task
from celery.exceptions import Retry
from solution import PermanentGatewayError, TransientGatewayError, make_app


class ScriptedGateway:
    """Each call takes the next step: a charge id to return or an exception to raise."""

    def __init__(self, *steps: object) -> None:
        self.steps = list(steps)
        self.calls: list[tuple[str, int, str]] = []

    def charge(self, account: str, amount_cents: int, *, idempotency_key: str) -> str:
        self.calls.append((account, amount_cents, idempotency_key))
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        return str(step)


@contextmanager
def countdowns() -> Iterator[list[object]]:
    """The countdown of every retry that Celery granted while the block ran."""
    original, granted = Task.retry, []

    def retry(task: Task, *args: Any, **kwargs: Any) -> Any:
        try:
            return original(task, *args, **kwargs)
        except Retry as requested:
            granted.append(requested.when)
            raise

    Task.retry = retry  # type: ignore[method-assign]
    try:
        yield granted
    finally:
        Task.retry = original  # type: ignore[method-assign]


def run(app: Any, *args: object) -> Any:
    app.conf.task_eager_propagates = False  # an eager retry must report, not raise, its failure
    return app.tasks["payments.charge"].apply(args=args, throw=False)


def test_transient_failures_are_retried_with_exponential_backoff() -> None:
    gateway, store = (
        ScriptedGateway(TransientGatewayError("timeout"), TransientGatewayError("503"), "ch_3"),
        {},
    )
    with countdowns() as granted:
        result = run(make_app(gateway, store), "order-17", "acct_ada", 2_500)
    assert (result.state, result.result) == ("SUCCESS", "ch_3")
    assert granted == [1, 2]
    assert gateway.calls == [("acct_ada", 2_500, "order-17")] * 3
    assert store == {"order-17": "ch_3"}


def test_a_replay_does_not_charge_twice() -> None:
    gateway, store = ScriptedGateway("ch_1", "ch_2"), {}
    app = make_app(gateway, store)
    assert run(app, "order-1", "acct", 500).result == "ch_1"
    assert run(app, "order-1", "acct", 500).result == "ch_1"
    assert len(gateway.calls) == 1


def test_a_declined_card_is_not_retried() -> None:
    declined = PermanentGatewayError("card declined")
    gateway = ScriptedGateway(declined, "never reached")
    with countdowns() as granted:
        result = run(make_app(gateway, {}), "order-1", "acct", 500)
    assert result.state == "FAILURE" and result.result is declined
    assert granted == [] and len(gateway.calls) == 1


def test_the_task_gives_up_after_max_retries() -> None:
    errors = [TransientGatewayError(f"timeout #{n}") for n in range(1, 4)]
    gateway = ScriptedGateway(*errors, "never reached")
    with countdowns() as granted:
        result = run(make_app(gateway, {}, max_retries=2, retry_backoff=5), "order-1", "acct", 500)
    assert result.state == "FAILURE" and result.result is errors[-1]
    assert granted == [5, 10] and len(gateway.calls) == 3

"""Fakes handed to the candidate's task, kept apart from the test module's globals."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

from celery.app.task import Task
from celery.exceptions import Retry


class Gateway:
    """A payment gateway that plays a script: each call takes the next step.

    A step is a charge id to return, an exception to raise, or a ``Step`` to run first. Every
    call is logged as ``(account, amount_cents, idempotency_key)``.
    """

    def __init__(self, *steps: object) -> None:
        self.steps = list(steps)
        self.calls: list[tuple[Any, Any, Any]] = []

    def charge(self, account: str, amount_cents: int, *, idempotency_key: str) -> str:
        self.calls.append((account, amount_cents, idempotency_key))
        if not self.steps:
            raise AssertionError(f"gateway call {len(self.calls)} was not expected")
        step = self.steps.pop(0)
        if isinstance(step, CompletedMeanwhile):
            step = step.happen()
        if isinstance(step, BaseException):
            raise step
        return step  # type: ignore[return-value]


class CompletedMeanwhile:
    """A gateway step: a duplicate delivery completes the charge, then this call fails."""

    def __init__(
        self, store: MutableMapping[str, str], key: str, charge_id: str, error: Exception
    ) -> None:
        self.store, self.key, self.charge_id, self.error = store, key, charge_id, error

    def happen(self) -> Exception:
        self.store[self.key] = self.charge_id
        return self.error


@contextmanager
def retries_requested() -> Iterator[list[object]]:
    """Record the countdown (``Retry.when``) of every retry Celery's ``Task.retry`` grants.

    A call that raises anything but ``Retry`` (the retries are used up) is not a retry.
    """
    original = Task.retry
    granted: list[object] = []

    def retry(task: Task, *args: Any, **kwargs: Any) -> Any:
        try:
            outcome = original(task, *args, **kwargs)
        except Retry as requested:
            granted.append(requested.when)
            raise
        if isinstance(outcome, Retry):  # retry(throw=False)
            granted.append(outcome.when)
        return outcome

    Task.retry = retry  # type: ignore[method-assign]
    try:
        yield granted
    finally:
        Task.retry = original  # type: ignore[method-assign]


def subclass(base: type[Exception], name: str) -> type[Exception]:
    """A new subclass of ``base`` that pickles by reference, as ``fakes.<name>``.

    Celery replaces a task's exception that does not pickle (a class defined inside a test
    function) with an instance of its nearest picklable base class.
    """
    made = type(name, (base,), {"__module__": __name__, "__qualname__": name})
    globals()[name] = made
    return made

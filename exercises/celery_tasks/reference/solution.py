"""A Celery task that charges a card: retried on transient failures, idempotent per key.

Celery delivers a message *at least once* (a worker that dies before acknowledging it gets it
redelivered, and a caller may send it twice), so the side effect is guarded by an idempotency
key: the charge id of every completed charge is kept in ``store`` under its key, and each attempt
looks the key up before touching the gateway. Timeouts and rate limits are retried with capped
exponential backoff through Celery's own retry machinery; a declined card is final.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Protocol

from celery import Celery, Task

TASK_NAME = "payments.charge"


class GatewayError(Exception):
    """Any failure reported by the payment gateway."""


class TransientGatewayError(GatewayError):
    """A failure that may go away by itself (timeout, rate limit, 503): worth retrying."""


class PermanentGatewayError(GatewayError):
    """A final answer (card declined, unknown account): retrying cannot change it."""


class Gateway(Protocol):
    """The payment provider's client, injected so that tests can fake it."""

    def charge(self, account: str, amount_cents: int, *, idempotency_key: str) -> str:
        """Charge ``amount_cents`` to ``account``; return the provider's charge id."""
        ...


def make_app(
    gateway: Gateway,
    store: MutableMapping[str, str],
    *,
    max_retries: int = 3,
    retry_backoff: int = 1,
    retry_backoff_max: int = 60,
) -> Celery:
    """A new Celery app whose ``payments.charge`` task charges through ``gateway``.

    The task closes over its own gateway and store, so it is registered with ``shared=False``:
    a shared task would also be registered in every app finalized later, where it could shadow
    that app's own task under the same name.
    """
    app = Celery("payments")

    @app.task(bind=True, name=TASK_NAME, max_retries=max_retries, shared=False)
    def charge(self: Task, idempotency_key: str, account: str, amount_cents: int) -> str:
        """Charge once per ``idempotency_key``; return the charge id (the stored one on a replay)."""
        if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
            raise ValueError(f"amount_cents must be a positive int, got {amount_cents!r}")
        # Looked up on every attempt, retries included: a duplicate delivery of this message
        # may have completed the charge while this one was waiting for its retry.
        if idempotency_key in store:
            return store[idempotency_key]
        try:
            # The provider gets the key too: a timeout may hide a charge that went through,
            # and the provider then answers the retry with that same charge.
            charge_id = gateway.charge(account, amount_cents, idempotency_key=idempotency_key)
        except TransientGatewayError as error:
            countdown = _countdown(self.request.retries, retry_backoff, retry_backoff_max)
            # Once max_retries retries are used up, Celery raises ``error`` itself instead.
            raise self.retry(exc=error, countdown=countdown) from error
        store[idempotency_key] = charge_id
        return charge_id

    return app


def _countdown(retries: int, backoff: int, backoff_max: int) -> int:
    """Seconds before the next attempt, once ``retries`` retries have been made.

    Doubling the wait eases the load on a struggling provider; the cap keeps a task from
    vanishing into hour-long waits after many failures.
    """
    return min(backoff * 2**retries, backoff_max)

"""A Celery task that charges a card: retried on transient failures, idempotent per key.

Keep the exceptions and the Gateway protocol as they are; implement ``make_app``.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Protocol

from celery import Celery


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
    """A new Celery app with the task ``payments.charge(idempotency_key, account, amount_cents)``.

    The task charges through ``gateway`` at most once per idempotency key (``store`` maps the
    key of each completed charge to its charge id), retries a TransientGatewayError up to
    ``max_retries`` times with countdown ``min(retry_backoff * 2 ** k, retry_backoff_max)``
    before retry ``k + 1``, and never retries anything else. See the README for the contract.
    """
    raise NotImplementedError

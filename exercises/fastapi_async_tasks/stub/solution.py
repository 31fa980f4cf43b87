"""Async order endpoints with a post-response notification, two API versions and CORS."""

from collections.abc import Awaitable, Callable, Sequence

from fastapi import FastAPI


def create_app(
    *,
    reserve: Callable[[str, int], Awaitable[bool]],
    notify: Callable[[int, str], Awaitable[None]],
    allowed_origins: Sequence[str],
) -> FastAPI:
    """Build the app.

    ``POST /v1/orders`` and ``POST /v2/orders`` await ``reserve(sku, quantity)`` (409 if it
    returns False), store the order (one id sequence for both versions), schedule
    ``notify(order_id, email)`` as a background task and answer 201 in their version's
    shape. ``GET /v1/orders/{id}`` and ``GET /v2/orders/{id}`` read an order. CORS admits
    exactly ``allowed_origins``.
    """
    raise NotImplementedError

"""Async order endpoints with a post-response notification, two API versions and CORS."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, FastAPI, HTTPException, status
from fastapi.middleware.cors import CORSMiddleware
from pydantic import BaseModel, Field

Reserve = Callable[[str, int], Awaitable[bool]]
Notify = Callable[[int, str], Awaitable[None]]


class OrderIn(BaseModel):
    """The body of ``POST /v1/orders`` and ``POST /v2/orders``."""

    sku: Annotated[str, Field(min_length=1, max_length=32)]
    quantity: Annotated[int, Field(ge=1, le=1000)]
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")]


@dataclass(frozen=True)
class Order:
    """A stored order, independent of how any API version shows it."""

    id: int
    sku: str
    quantity: int
    email: str


class OrderBook:
    """The orders of one app, shared by every API version: one id sequence for all."""

    def __init__(self) -> None:
        self._orders: dict[int, Order] = {}

    def add(self, body: OrderIn) -> Order:
        order = Order(len(self._orders) + 1, body.sku, body.quantity, body.email)
        self._orders[order.id] = order
        return order

    def get(self, order_id: int) -> Order:
        if order_id not in self._orders:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "order not found")
        return self._orders[order_id]


def _v1(order: Order) -> dict[str, Any]:
    return {
        "order_id": order.id,
        "sku": order.sku,
        "quantity": order.quantity,
        "email": order.email,
    }


def _v2(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "item": {"sku": order.sku, "quantity": order.quantity},
        "customer": {"email": order.email},
    }


def _router(
    prefix: str,
    book: OrderBook,
    reserve: Reserve,
    notify: Notify,
    render: Callable[[Order], dict[str, Any]],
) -> APIRouter:
    """One API version: the same behaviour, rendered by ``render``."""
    router = APIRouter(prefix=prefix)

    @router.post("/orders", status_code=status.HTTP_201_CREATED)
    async def place_order(body: OrderIn, tasks: BackgroundTasks) -> dict[str, Any]:
        # Awaiting (not calling) the coroutine function: a bare call returns a coroutine
        # object, which is always truthy and never runs.
        if not await reserve(body.sku, body.quantity):
            raise HTTPException(status.HTTP_409_CONFLICT, "out of stock")
        order = book.add(body)
        # Runs after the response has been sent, so the client never waits for e-mail.
        tasks.add_task(notify, order.id, order.email)
        return render(order)

    @router.get("/orders/{order_id}")
    async def read_order(order_id: int) -> dict[str, Any]:
        return render(book.get(order_id))

    return router


def create_app(*, reserve: Reserve, notify: Notify, allowed_origins: Sequence[str]) -> FastAPI:
    """Build the app.

    ``reserve(sku, quantity)`` is awaited before an order is stored; ``notify(order_id,
    email)`` runs as a background task after the response. Only ``allowed_origins`` (exact
    matches) may call the API from a browser.
    """
    app = FastAPI()
    book = OrderBook()
    app.include_router(_router("/v1", book, reserve, notify, _v1))
    app.include_router(_router("/v2", book, reserve, notify, _v2))
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(allowed_origins),  # never "*": that admits every site
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type"],
    )
    return app

"""Example tests for the fastapi_async_tasks exercise (the graded suite is more thorough)."""

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice about httpx, irrelevant here
    from fastapi.testclient import TestClient

from solution import create_app

SHOP = "https://shop.example.com"
ORDER = {"sku": "MUG-01", "quantity": 2, "email": "ada@example.com"}


def make_client(sent: list[tuple[int, str]]) -> TestClient:
    async def reserve(sku: str, quantity: int) -> bool:
        return sku != "SOLD-OUT"

    async def notify(order_id: int, email: str) -> None:
        sent.append((order_id, email))

    return TestClient(create_app(reserve=reserve, notify=notify, allowed_origins=[SHOP]))


def test_an_order_is_stored_notified_and_readable_in_both_versions() -> None:
    sent: list[tuple[int, str]] = []
    client = make_client(sent)
    response = client.post("/v1/orders", json=ORDER)
    assert response.status_code == 201
    assert response.json() == {"order_id": 1, **ORDER}
    assert sent == [(1, "ada@example.com")]
    assert client.get("/v2/orders/1").json() == {
        "id": 1,
        "item": {"sku": "MUG-01", "quantity": 2},
        "customer": {"email": "ada@example.com"},
    }


def test_out_of_stock_is_409_without_a_notification() -> None:
    sent: list[tuple[int, str]] = []
    client = make_client(sent)
    assert client.post("/v2/orders", json={**ORDER, "sku": "SOLD-OUT"}).status_code == 409
    assert sent == []


def test_cors_admits_only_the_shop() -> None:
    client = make_client([])
    headers = {"Access-Control-Request-Method": "POST"}
    allowed = client.options("/v1/orders", headers={**headers, "Origin": SHOP})
    assert allowed.headers["access-control-allow-origin"] == SHOP
    refused = client.options("/v1/orders", headers={**headers, "Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in refused.headers

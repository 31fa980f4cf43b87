"""Example tests for the fastapi_validation exercise (the graded suite is more thorough)."""

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice about httpx, irrelevant here
    from fastapi.testclient import TestClient

from solution import create_app

VALID = {
    "source_account": "de89 3704 0044 0532 0130 00",
    "destination_account": "GB29NWBK60161331926819",
    "amount": "12.5",
    "currency": "eur",
}


def test_a_valid_transaction_is_stored_normalised() -> None:
    client = TestClient(create_app())
    response = client.post("/transactions", json=VALID)
    assert response.status_code == 201
    assert response.json() == {
        "id": 1,
        "source_account": "DE89370400440532013000",
        "destination_account": "GB29NWBK60161331926819",
        "amount": "12.50",
        "currency": "EUR",
        "reference": None,
    }
    assert client.get("/transactions/1").json() == response.json()


def test_a_negative_amount_is_422_on_the_amount_field() -> None:
    client = TestClient(create_app())
    response = client.post("/transactions", json={**VALID, "amount": "-5"})
    assert response.status_code == 422
    assert {tuple(error["loc"][:2]) for error in response.json()["detail"]} == {("body", "amount")}


def test_a_transfer_to_the_same_account_is_422_on_the_destination() -> None:
    client = TestClient(create_app())
    body = {**VALID, "destination_account": "DE89370400440532013000"}
    response = client.post("/transactions", json=body)
    assert response.status_code == 422
    named = {tuple(error["loc"][:2]) for error in response.json()["detail"]}
    assert named == {("body", "destination_account")}

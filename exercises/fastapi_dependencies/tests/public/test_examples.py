"""Example tests for the fastapi_dependencies exercise (the graded suite is more thorough)."""

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice about httpx, irrelevant here
    from fastapi.testclient import TestClient

from solution import User, create_app, get_current_user

ALICE = {"X-API-Key": "key-a"}
BOB = {"X-API-Key": "key-b"}


def test_items_belong_to_the_user_who_created_them() -> None:
    client = TestClient(create_app({"key-a": "alice", "key-b": "bob"}))
    created = client.post("/items", json={"name": "pen"}, headers=ALICE)
    assert created.status_code == 201
    assert created.json() == {"id": 1, "owner": "alice", "name": "pen"}
    assert client.get("/items", headers=ALICE).json() == [created.json()]
    assert client.get("/items", headers=BOB).json() == []
    assert client.get("/items/1", headers=BOB).status_code == 404


def test_no_api_key_is_401() -> None:
    client = TestClient(create_app({"key-a": "alice"}))
    assert client.get("/items").status_code == 401
    assert client.get("/items", headers={"X-API-Key": "wrong"}).status_code == 401


def test_the_current_user_can_be_overridden() -> None:
    app = create_app({})
    app.dependency_overrides[get_current_user] = lambda: User("carol")
    client = TestClient(app)
    assert client.post("/items", json={"name": "mug"}).json()["owner"] == "carol"

"""Example tests for the fastapi_jwt exercise (the hidden suite is much stricter)."""

import warnings

import jwt

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

import solution

SECRET = "public-example-secret-" + "0123456789" * 3


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_login_then_me() -> None:
    client = TestClient(solution.create_app(SECRET, {"ada": "lovelace"}, clock=FakeClock(1e9)))
    response = client.post("/token", data={"username": "ada", "password": "lovelace"})
    assert response.status_code == 200
    token = response.json()["access_token"]
    assert response.json()["token_type"] == "bearer"
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert claims == {"sub": "ada", "iat": 1_000_000_000, "exp": 1_000_000_900}
    me = client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json() == {"username": "ada"}


def test_wrong_password_is_401() -> None:
    client = TestClient(solution.create_app(SECRET, {"ada": "lovelace"}, clock=FakeClock(1e9)))
    response = client.post("/token", data={"username": "ada", "password": "nope"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_token_expires_at_exp() -> None:
    clock = FakeClock(1e9)
    client = TestClient(
        solution.create_app(SECRET, {"ada": "lovelace"}, ttl_seconds=60, clock=clock)
    )
    token = client.post("/token", data={"username": "ada", "password": "lovelace"}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    clock.now += 59
    assert client.get("/me", headers=headers).status_code == 200
    clock.now += 1
    assert client.get("/me", headers=headers).status_code == 401

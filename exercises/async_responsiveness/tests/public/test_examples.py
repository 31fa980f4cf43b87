"""Example tests for the async_responsiveness exercise (the graded suite is more thorough)."""

import os
import threading
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice about httpx, irrelevant here
    from fastapi.testclient import TestClient

from solution import create_app


def total(amounts: list[int]) -> int:  # top-level, so that it pickles for the worker processes
    return sum(amounts)


def worker_pid(amounts: list[int]) -> int:
    return os.getpid()


def test_the_three_endpoints() -> None:
    app = create_app(fetch_rate=lambda currency: 1.0842, score=total, cpu_workers=2)
    with TestClient(app) as client:  # `with` runs the lifespan
        assert client.get("/health").json() == {"status": "ok"}
        assert client.get("/rates/USD").json() == {"currency": "USD", "rate": 1.0842}
        assert client.get("/rates/usd").status_code == 422
        assert client.post("/risk", json={"amounts": [5, -2, 10]}).json() == {"score": 13}
        assert client.post("/risk", json={"amounts": []}).status_code == 422


def test_health_is_served_while_fetch_rate_blocks() -> None:
    entered, release = threading.Event(), threading.Event()
    gave_up: list[str] = []

    def fetch_rate(currency: str) -> float:
        entered.set()
        if not release.wait(5):  # set below, once /health has been answered
            gave_up.append(currency)
        return 1.0842

    app = create_app(fetch_rate=fetch_rate, score=total, cpu_workers=1)
    with TestClient(app) as client:
        slow = threading.Thread(target=client.get, args=("/rates/USD",))
        slow.start()
        try:
            assert entered.wait(5)
            assert client.get("/health").status_code == 200  # answered while fetch_rate blocks
        finally:
            release.set()
            slow.join()
    assert gave_up == [], "nothing else was served while fetch_rate blocked"


def test_score_runs_in_a_worker_process() -> None:
    app = create_app(fetch_rate=lambda currency: 1.0, score=worker_pid, cpu_workers=1)
    with TestClient(app) as client:
        assert client.post("/risk", json={"amounts": [1]}).json()["score"] != os.getpid()

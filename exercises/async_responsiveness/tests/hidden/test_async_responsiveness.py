"""Hidden suite for the async_responsiveness exercise.

Responsiveness is proved by construction, never by timing: a fake `fetch_rate` (a threading
event) or `score` (a gate file, see process_helpers) returns only once the test has seen other
requests answered. An app that blocks its event loop cannot answer them, so the fake gives up
after a few seconds and the test fails deterministically.
"""

from __future__ import annotations

import asyncio
import functools
import os
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import process_helpers
import psutil
import pytest
import solution
from exact import same
from process_helpers import OPEN, STUCK_S

Scenario = Callable[[httpx.AsyncClient], Awaitable[Any]]


# ---------------------------------------------------------------- running the app like a server


@asynccontextmanager
async def serving(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan around a client, as a server does.

    Lifespan state reaches every request's scope as a shallow copy, as uvicorn does it (httpx's
    ASGITransport alone knows nothing of lifespans).
    """
    state: dict[str, Any] = {}
    to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": state}
    lifespan = asyncio.create_task(app(scope, to_app.get, from_app.put))

    async def with_state(scope: Any, receive: Any, send: Any) -> None:
        await app({**scope, "state": dict(state)}, receive, send)

    await to_app.put({"type": "lifespan.startup"})
    started = await asyncio.wait_for(from_app.get(), STUCK_S)
    assert started["type"] == "lifespan.startup.complete", started
    try:
        transport = httpx.ASGITransport(app=with_state)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
    finally:
        await to_app.put({"type": "lifespan.shutdown"})
        stopped = await asyncio.wait_for(from_app.get(), 4 * STUCK_S)
        await asyncio.wait_for(lifespan, STUCK_S)
    assert stopped["type"] == "lifespan.shutdown.complete", stopped


def run(app: Any, scenario: Scenario) -> Any:
    """Start the app, run `scenario(client)` on one event loop, shut the app down."""

    async def main() -> Any:
        async with serving(app) as client:
            return await scenario(client)

    return asyncio.run(main())


async def until(condition: Callable[[], bool], timeout: float = STUCK_S) -> bool:
    """Wait for `condition` without blocking the event loop; False if it never came true."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(process_helpers.POLL_S)
    return True


class Rates:
    """A fake blocking rates client that records its calls (from whichever thread)."""

    def __init__(self, rates: dict[str, float], missing: type[Exception] = KeyError) -> None:
        self.rates = rates
        self.missing = missing
        self.calls: list[str] = []
        self.threads: set[int] = set()

    def fetch_rate(self, currency: str) -> float:
        self.calls.append(currency)
        self.threads.add(threading.get_ident())
        if currency not in self.rates:
            raise self.missing(currency)
        return self.rates[currency]


def make_app(fetch_rate: Callable[[str], float] | None = None, score: Any = None, **kw: Any) -> Any:
    if fetch_rate is None:
        fetch_rate = Rates({"USD": 1.0842}).fetch_rate
    kw.setdefault("cpu_workers", 2)
    return solution.create_app(
        fetch_rate=fetch_rate, score=process_helpers.total if score is None else score, **kw
    )


def gate(folder: Path) -> Callable[[list[int]], int]:
    return functools.partial(process_helpers.gated, str(folder))


# ---------------------------------------------------------------- /health


@pytest.mark.clause("C1")
def test_health_answers_ok() -> None:
    async def scenario(client: httpx.AsyncClient) -> httpx.Response:
        return await client.get("/health")

    response = run(make_app(), scenario)
    assert response.status_code == 200
    assert same(response.json(), {"status": "ok"})


# ---------------------------------------------------------------- /rates


@pytest.mark.clause("C3")
def test_rates_answers_what_fetch_rate_returned() -> None:
    rates = Rates({"USD": 1.0842, "JPY": 151.25, "ZAR": 0.5})

    async def scenario(client: httpx.AsyncClient) -> list[httpx.Response]:
        return [await client.get(f"/rates/{c}") for c in ("USD", "JPY", "ZAR")]

    responses = run(make_app(rates.fetch_rate), scenario)
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert same(responses[0].json(), {"currency": "USD", "rate": 1.0842})
    assert same(responses[1].json(), {"currency": "JPY", "rate": 151.25})
    assert same(responses[2].json(), {"currency": "ZAR", "rate": 0.5})
    assert same(rates.calls, ["USD", "JPY", "ZAR"])


@pytest.mark.clause("C2", "C3")
@pytest.mark.parametrize("currency", ["AAA", "ZZZ", "AZA"])
def test_rates_accepts_every_capital_letter(currency: str) -> None:
    rates = Rates({currency: 2.5})

    async def scenario(client: httpx.AsyncClient) -> httpx.Response:
        return await client.get(f"/rates/{currency}")

    response = run(make_app(rates.fetch_rate), scenario)
    assert response.status_code == 200
    assert same(response.json(), {"currency": currency, "rate": 2.5})


@pytest.mark.clause("C2")
@pytest.mark.parametrize(
    "path",
    [
        pytest.param("usd", id="lower-case"),
        pytest.param("Usd", id="mixed-case"),
        pytest.param("US", id="two-letters"),
        pytest.param("USDT", id="four-letters"),
        pytest.param("US1", id="digit"),
        pytest.param("U-D", id="dash"),
        pytest.param("%C3%89UR", id="accented-capital"),
        pytest.param("%CE%91%CE%92%CE%93", id="greek-capitals"),
        pytest.param("%EF%BC%B5%EF%BC%B3%EF%BC%A4", id="fullwidth-capitals"),
        pytest.param("USD%0A", id="trailing-newline"),
        pytest.param("%0AUSD", id="leading-newline"),
        pytest.param("USD%20", id="trailing-space"),
        pytest.param("%20USD", id="leading-space"),
    ],
)
def test_rates_refuses_a_malformed_currency_without_calling_fetch_rate(path: str) -> None:
    rates = Rates({"USD": 1.0842})

    async def scenario(client: httpx.AsyncClient) -> httpx.Response:
        return await client.get(f"/rates/{path}")

    response = run(make_app(rates.fetch_rate), scenario)
    assert response.status_code == 422
    assert same(rates.calls, [])


@pytest.mark.clause("C4")
@pytest.mark.parametrize("missing", [KeyError, LookupError, IndexError])
def test_rates_answers_404_when_fetch_rate_raises_lookup_error(missing: type[Exception]) -> None:
    rates = Rates({"USD": 1.0842}, missing=missing)

    async def scenario(client: httpx.AsyncClient) -> list[httpx.Response]:
        return [await client.get("/rates/XYZ"), await client.get("/rates/USD")]

    unknown, known = run(make_app(rates.fetch_rate), scenario)
    assert unknown.status_code == 404
    assert known.status_code == 200
    assert same(rates.calls, ["XYZ", "USD"])


# ---------------------------------------------------------------- /risk


@pytest.mark.clause("C6")
def test_risk_answers_what_score_returned() -> None:
    async def scenario(client: httpx.AsyncClient) -> list[httpx.Response]:
        return [
            await client.post("/risk", json={"amounts": [5, -2, 10]}),
            await client.post("/risk", json={"amounts": [0]}),
            await client.post("/risk", json={"amounts": [7], "currency": "USD"}),
        ]

    responses = run(make_app(), scenario)
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert same([r.json() for r in responses], [{"score": 13}, {"score": 0}, {"score": 7}])


@pytest.mark.clause("C6")
def test_risk_calls_score_once_per_request(tmp_path: Path) -> None:
    async def scenario(client: httpx.AsyncClient) -> list[httpx.Response]:
        return [await client.post("/risk", json={"amounts": [1, 2]}) for _ in range(3)]

    (tmp_path / OPEN).touch()
    responses = run(make_app(score=gate(tmp_path)), scenario)
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert process_helpers.started(str(tmp_path)) == 3


@pytest.mark.clause("C5", "C6")
@pytest.mark.parametrize("size", [1, 2, 999, 1000])
def test_risk_accepts_1_to_1000_amounts(size: int) -> None:
    amounts = [(-1) ** i * i for i in range(size)]

    async def scenario(client: httpx.AsyncClient) -> httpx.Response:
        return await client.post("/risk", json={"amounts": amounts})

    response = run(make_app(), scenario)
    assert response.status_code == 200
    assert same(response.json(), {"score": sum(amounts)})


@pytest.mark.clause("C5")
@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b'{"amounts": []}', id="empty-list"),
        pytest.param(b'{"amounts": [' + b", ".join([b"1"] * 1001) + b"]}", id="1001-amounts"),
        pytest.param(b'{"amounts": [1.0]}', id="float-with-zero-fraction"),
        pytest.param(b'{"amounts": [1.5]}', id="float"),
        pytest.param(b'{"amounts": [1e3]}', id="exponent"),
        pytest.param(b'{"amounts": ["1"]}', id="numeric-string"),
        pytest.param(b'{"amounts": [true]}', id="boolean"),
        pytest.param(b'{"amounts": [1, null]}', id="null-amount"),
        pytest.param(b'{"amounts": [[1]]}', id="nested-list"),
        pytest.param(b'{"amounts": null}', id="null-amounts"),
        pytest.param(b'{"amounts": 1}', id="not-a-list"),
        pytest.param(b'{"amounts": "12"}', id="string-amounts"),
        pytest.param(b'{"values": [1]}', id="missing-amounts"),
        pytest.param(b"[1, 2]", id="array-body"),
        pytest.param(b"nope", id="not-json"),
    ],
)
def test_risk_refuses_a_malformed_body_without_calling_score(content: bytes) -> None:
    async def scenario(client: httpx.AsyncClient) -> httpx.Response:
        headers = {"content-type": "application/json"}
        return await client.post("/risk", content=content, headers=headers)

    response = run(make_app(score=process_helpers.must_not_run), scenario)
    assert response.status_code == 422


@pytest.mark.clause("C7")
def test_risk_answers_422_with_the_message_when_score_raises_value_error() -> None:
    async def scenario(client: httpx.AsyncClient) -> list[httpx.Response]:
        return [
            await client.post("/risk", json={"amounts": [3, -5, 1]}),
            await client.post("/risk", json={"amounts": [3, 5, 1]}),
        ]

    refused, accepted = run(make_app(score=process_helpers.reject_negative), scenario)
    assert refused.status_code == 422
    assert same(refused.json(), {"detail": "negative amount: -5"})
    assert accepted.status_code == 200
    assert same(accepted.json(), {"score": 3})


# ---------------------------------------------------------------- responsiveness: blocking calls


@pytest.mark.clause("C8", "C1")
@pytest.mark.weight(5)  # responsiveness and the pool: what the exercise is about
def test_other_requests_are_served_while_fetch_rate_blocks() -> None:
    entered, release = threading.Event(), threading.Event()
    gave_up: list[str] = []
    rates = Rates({"EUR": 0.9})

    def fetch_rate(currency: str) -> float:
        if currency != "USD":
            return rates.fetch_rate(currency)
        entered.set()
        if not release.wait(STUCK_S):
            gave_up.append(currency)
        return 1.0842

    async def scenario(client: httpx.AsyncClient) -> tuple[bool, list[httpx.Response]]:
        slow = asyncio.create_task(client.get("/rates/USD"))
        try:
            reached = await until(entered.is_set)
            others = [
                await client.get("/health"),
                await client.get("/rates/EUR"),
                await client.post("/risk", json={"amounts": [4, 5]}),
            ]
        finally:
            release.set()
        return reached, [*others, await slow]

    reached, (health, eur, risk, usd) = run(make_app(fetch_rate), scenario)
    assert reached, "fetch_rate('USD') was never called"
    assert not gave_up, "the app served nothing else while fetch_rate blocked"
    assert same(health.json(), {"status": "ok"})
    assert same(eur.json(), {"currency": "EUR", "rate": 0.9})
    assert same(risk.json(), {"score": 9})
    assert same(usd.json(), {"currency": "USD", "rate": 1.0842})


@pytest.mark.clause("C8")
@pytest.mark.weight(5)
def test_fetch_rate_does_not_run_on_the_event_loops_thread() -> None:
    rates = Rates({"USD": 1.0842})

    async def scenario(client: httpx.AsyncClient) -> int:
        await client.get("/rates/USD")
        return threading.get_ident()

    loop_thread = run(make_app(rates.fetch_rate), scenario)
    assert rates.threads and loop_thread not in rates.threads


@pytest.mark.clause("C9")
@pytest.mark.weight(5)
def test_four_fetch_rate_calls_are_in_progress_at_once() -> None:
    together = threading.Barrier(4, timeout=STUCK_S)  # opens only for four calls at once
    broken: list[str] = []

    def fetch_rate(currency: str) -> float:
        try:
            together.wait()
        except threading.BrokenBarrierError:
            broken.append(currency)
        return 2.0

    async def scenario(client: httpx.AsyncClient) -> list[httpx.Response]:
        paths = ["/rates/USD", "/rates/EUR", "/rates/GBP", "/rates/CHF"]
        return await asyncio.gather(*(client.get(path) for path in paths))

    responses = run(make_app(fetch_rate), scenario)
    assert not broken, "the calls to fetch_rate queued up instead of running together"
    assert [r.status_code for r in responses] == [200, 200, 200, 200]


# ---------------------------------------------------------------- responsiveness: CPU work


@pytest.mark.clause("C10")
@pytest.mark.weight(5)
@pytest.mark.parametrize("cpu_workers", [1, 2])
def test_score_runs_in_another_process(cpu_workers: int) -> None:
    async def scenario(client: httpx.AsyncClient) -> list[httpx.Response]:
        return [await client.post("/risk", json={"amounts": [1]}) for _ in range(3)]

    app = make_app(score=process_helpers.worker_pid, cpu_workers=cpu_workers)
    responses = run(app, scenario)
    assert [r.status_code for r in responses] == [200, 200, 200]
    pids = [r.json()["score"] for r in responses]
    assert os.getpid() not in pids, "score ran in the app's own process"


@pytest.mark.clause("C11", "C1")
@pytest.mark.weight(5)
def test_other_requests_are_served_while_score_runs(tmp_path: Path) -> None:
    folder = str(tmp_path)

    async def scenario(client: httpx.AsyncClient) -> tuple[bool, list[httpx.Response]]:
        slow = asyncio.create_task(client.post("/risk", json={"amounts": [1]}))
        try:
            reached = await until(lambda: process_helpers.started(folder) == 1)
            others = [await client.get("/health"), await client.get("/rates/USD")]
        finally:
            (tmp_path / OPEN).touch()
        return reached, [*others, await slow]

    reached, (health, usd, risk) = run(make_app(score=gate(tmp_path)), scenario)
    assert reached, "score was never called"
    assert same(health.json(), {"status": "ok"})
    assert same(usd.json(), {"currency": "USD", "rate": 1.0842})
    assert risk.status_code == 200
    assert risk.json()["score"] != -1, "the app served nothing else while score ran"


@pytest.mark.clause("C12")
@pytest.mark.weight(5)
@pytest.mark.parametrize("cpu_workers", [2, 3])
def test_cpu_workers_calls_to_score_run_at_once(tmp_path: Path, cpu_workers: int) -> None:
    folder = str(tmp_path)

    async def scenario(client: httpx.AsyncClient) -> tuple[bool, list[httpx.Response]]:
        calls = [
            asyncio.create_task(client.post("/risk", json={"amounts": [i]}))
            for i in range(cpu_workers)
        ]
        try:
            together = await until(lambda: process_helpers.started(folder) == cpu_workers)
        finally:
            (tmp_path / OPEN).touch()
        return together, list(await asyncio.gather(*calls))

    together, responses = run(make_app(score=gate(tmp_path), cpu_workers=cpu_workers), scenario)
    assert together, f"{cpu_workers} calls to score never ran at the same time"
    assert [r.status_code for r in responses] == [200] * cpu_workers
    assert len({r.json()["score"] for r in responses}) == cpu_workers


# ---------------------------------------------------------------- the pool


@pytest.mark.clause("C13", "C15")
@pytest.mark.weight(5)
@pytest.mark.parametrize("cpu_workers", [1, 2])
def test_one_pool_serves_every_request(cpu_workers: int) -> None:
    async def scenario(client: httpx.AsyncClient) -> list[httpx.Response]:
        sequential = [await client.post("/risk", json={"amounts": [1]}) for _ in range(4)]
        concurrent = await asyncio.gather(
            *(client.post("/risk", json={"amounts": [1]}) for _ in range(4))
        )
        return [*sequential, *concurrent]

    app = make_app(score=process_helpers.worker_pid, cpu_workers=cpu_workers)
    responses = run(app, scenario)
    assert [r.status_code for r in responses] == [200] * 8
    pids = {r.json()["score"] for r in responses}
    assert len(pids) <= cpu_workers, f"score ran in {len(pids)} processes"


def running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.clause("C14")
@pytest.mark.weight(5)
@pytest.mark.parametrize("cpu_workers", [1, 2])
def test_no_worker_process_outlives_the_app(cpu_workers: int) -> None:
    async def scenario(client: httpx.AsyncClient) -> list[httpx.Response]:
        return list(
            await asyncio.gather(*(client.post("/risk", json={"amounts": [1]}) for _ in range(4)))
        )

    app = make_app(score=process_helpers.worker_pid, cpu_workers=cpu_workers)
    responses = run(app, scenario)
    pids = {r.json()["score"] for r in responses}
    assert os.getpid() not in pids
    assert [pid for pid in pids if running(pid)] == [], "worker processes are still running"


@pytest.mark.clause("C15")
@pytest.mark.parametrize("cpu_workers", [0, -1])
def test_create_app_refuses_fewer_than_one_worker(cpu_workers: int) -> None:
    with pytest.raises(ValueError):
        make_app(cpu_workers=cpu_workers)

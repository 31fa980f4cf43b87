"""Async endpoints that stay responsive: blocking calls on threads, CPU-bound work in processes."""

import asyncio
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import FastAPI, HTTPException, Path, Request, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, StrictInt

FetchRate = Callable[[str], float]
Score = Callable[[list[int]], int]


class RiskIn(BaseModel):
    """The body of ``POST /risk``: strict ints, so ``1.0``, ``"1"`` and ``true`` are refused."""

    amounts: Annotated[list[StrictInt], Field(min_length=1, max_length=1000)]


class RateOut(BaseModel):
    currency: str
    rate: float


class RiskOut(BaseModel):
    score: int


def create_app(*, fetch_rate: FetchRate, score: Score, cpu_workers: int) -> FastAPI:
    """Build the app.

    ``fetch_rate`` blocks, so it runs on a thread of the app's thread pool; ``score`` is
    CPU-bound, so it runs in a pool of ``cpu_workers`` processes that lives as long as the app.
    Either way the event loop only awaits, and keeps serving other requests meanwhile.
    """
    if cpu_workers < 1:
        raise ValueError(f"cpu_workers must be at least 1, not {cpu_workers}")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One pool for the app's whole life: starting processes costs far more than a request.
        # Leaving the `with` waits for the workers to exit, so none outlives the app.
        with ProcessPoolExecutor(max_workers=cpu_workers) as pool:
            app.state.cpu_pool = pool
            yield

    app = FastAPI(lifespan=lifespan)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/rates/{currency}")
    async def rate(currency: Annotated[str, Path(pattern=r"^[A-Z]{3}$")]) -> RateOut:
        try:
            # A blocked thread releases the GIL: the loop keeps running while the client waits.
            value = await run_in_threadpool(fetch_rate, currency)
        except LookupError as error:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no rate for {currency}") from error
        return RateOut(currency=currency, rate=value)

    @app.post("/risk")
    async def risk(body: RiskIn, request: Request) -> RiskOut:
        pool: ProcessPoolExecutor = request.app.state.cpu_pool
        try:
            # In a thread, CPU-bound Python would hold the GIL and starve the loop's thread.
            value = await asyncio.get_running_loop().run_in_executor(pool, score, body.amounts)
        except ValueError as error:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from error
        return RiskOut(score=value)

    return app

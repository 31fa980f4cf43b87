"""The ASGI application: `create_app(settings)` for uvicorn, tests and benchmarks alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from grader import __version__
from grader.service import api
from grader.service.service import ExecutorFactory, Service, local_executor
from grader.service.settings import Settings
from grader.service.uploads import UploadLimit


def create_app(
    settings: Settings | None = None, *, make_executor: ExecutorFactory = local_executor
) -> FastAPI:
    """The service; it opens the database when created (refusing one that needs a migration)
    and starts its workers when the server starts."""
    service = Service.open(settings or Settings(), make_executor)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        service.start()
        try:
            yield
        finally:
            service.stop()

    app = FastAPI(
        title="grader",
        version=__version__,
        summary="Take-home submissions in, graded reports out.",
        lifespan=lifespan,
    )
    app.state.service = service
    app.include_router(api.router)
    app.add_middleware(UploadLimit, limit=service.settings.upload_limit)
    return app

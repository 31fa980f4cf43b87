"""The ASGI application: `create_app(settings)` for uvicorn, tests and benchmarks alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from grader import __version__
from grader.service import api, pages
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
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(packages=[("grader.service", "static")]), name="static")
    app.add_exception_handler(StarletteHTTPException, pages.page_errors)
    app.add_exception_handler(pages.LoginRequired, pages.to_login)
    app.add_middleware(UploadLimit, limit=service.settings.upload_limit)
    app.add_middleware(pages.SecurityHeaders)  # outermost: on the 413s too
    return app

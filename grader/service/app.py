"""The ASGI application: `create_app(settings)` for uvicorn, tests and benchmarks alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from swagger_ui_bundle import swagger_ui_path

from grader import __version__
from grader.service import api, metrics, pages
from grader.service.service import ExecutorFactory, Service, default_executor
from grader.service.settings import Settings
from grader.service.uploads import UploadLimit


def create_app(
    settings: Settings | None = None, *, make_executor: ExecutorFactory = default_executor
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
        docs_url=None,  # FastAPI's own loads Swagger UI from a CDN: served from here instead
        redoc_url=None,
    )
    app.state.service = service
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(metrics.router)
    app.mount("/static", StaticFiles(packages=[("grader.service", "static")]), name="static")
    app.mount("/docs/assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        """The OpenAPI document in Swagger UI, from the service itself: no outside resource."""
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="grader API",
            swagger_js_url="/docs/assets/swagger-ui-bundle.js",
            swagger_css_url="/docs/assets/swagger-ui.css",
            swagger_favicon_url="/docs/assets/favicon-32x32.png",
        )

    app.add_exception_handler(StarletteHTTPException, pages.page_errors)
    app.add_exception_handler(pages.LoginRequired, pages.to_login)
    app.add_middleware(UploadLimit, limit=service.settings.upload_limit)
    app.add_middleware(pages.SecurityHeaders)  # outermost: on the 413s too
    return app

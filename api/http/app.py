"""The HTTP API: :func:`create_app` builds a FastAPI app from settings (no I/O at import or creation).

Collaborators (records database, graph, answerer, scoring) are built lazily on first use by
:class:`api.http.deps.Services`, or injected (tests). Routers are mounted from :mod:`api.http.routes`, errors
are mapped to problem+json by :mod:`api.http.errors`, and bodies over ``settings.max_upload_mb`` are
refused with 413. The app keeps no state between requests beyond the services' connection pools, so
several workers can serve one database and graph.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.container import Container
from api.http.errors import BodySizeLimit, install_error_handlers
from api.http.routes import ROUTERS
from api.settings import Settings

__all__ = ["app_from_environment", "create_app"]

_DESCRIPTION = """
安全环保履职知识图谱 API — regulations, processes, risks, obligations and indicators of the knowledge
graph; Q&A with article-level citations; inspection records and offline sync; scores, reports and
Excel exports; the SM3-chained audit trail.

Authenticate with `POST /auth/token` (OAuth2 password flow) and send `Authorization: Bearer <token>`.
Errors are RFC 7807 `application/problem+json`. Lists take `limit` (1–200) and `offset`.
"""


def create_app(settings: Settings, *, container: Container | None = None) -> FastAPI:
    """The API app.

    Args:
        settings: the configuration (read once by the caller).
        container: the services to use instead of building them from ``settings`` (tests).
    """
    svc = container or Container(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if container is None:  # an injected container belongs to the caller
            svc.close()

    app = FastAPI(
        title="hsekg",
        version="0.1.0",
        description=_DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.container = svc
    for router in ROUTERS:
        app.include_router(router)
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_upload_mb * 2**20)
    return app


def app_from_environment() -> FastAPI:
    """The app factory uvicorn workers call (settings read once per worker)."""
    return create_app(Settings.load())

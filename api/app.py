"""The FastAPI application: the JSON API under ``/api/v1``, its offline docs, and the pages.

``create_app(store, settings, keys)`` builds an app over one store; ``from_environment()`` builds
it from ``BIOKG_*`` settings, for ``biokg serve --workers N`` (each worker opens the store itself).
Every page is self-contained (no CDN) and served with a Content-Security-Policy that forbids loading
anything from elsewhere; text from data is only ever inserted as text.
"""

from __future__ import annotations

import os
from dataclasses import asdict
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import Response

from api import errors
from api.auth import ANONYMOUS, KeyRing
from api.deps import Context
from api.limits import BodyLimit
from api.models import ErrorOut, HealthOut, ReadyOut
from api.settings import Settings
from graph import EmbeddedStore, Store
from ontology import NotFound, StoreUnavailable, Unauthorized

STATIC = resources.files("api") / "static"
_STATIC_TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html"}
_SWAGGER = ("swagger-ui-bundle.js", "swagger-ui.css")
_ERRORS = {400: "Invalid parameters", 401: "No valid API key", 403: "The key may not do this",
           404: "Not found", 413: "Body too large", 503: "The store is unavailable"}


def _swagger_dir() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


def create_app(store: Store, settings: Settings | None = None, keys: KeyRing | None = None) -> FastAPI:
    from api import (
        routes_assessment,
        routes_dossier,
        routes_graph,
        routes_queries,
        routes_questions,
        routes_views,
        routes_writes,
    )

    settings = settings or Settings()
    # FastAPI's own /docs page runs an inline script from a CDN: biokg serves its own, offline
    app = FastAPI(title="biokg", version="1.0.0", docs_url=None, redoc_url=None,
                  description="The biokg knowledge graph: search, entities, coverage, matchmaking, records, "
                              "loads. Send an API key as `Authorization: Bearer bkg_…`.",
                  responses={code: {"model": ErrorOut, "description": text} for code, text in _ERRORS.items()})
    ctx = app.state.biokg = Context.of(store, settings, keys)
    errors.install(app)
    plain_openapi = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = _anonymous_documented(errors.without_default_422(plain_openapi()), settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        head = request.method == "HEAD"
        if head:  # HEAD is GET without the body (RFC 9110), on every GET route
            request.scope["method"] = "GET"
        response = await call_next(request)
        response.headers.update(errors.SECURITY_HEADERS)
        if head:
            return Response(status_code=response.status_code, headers=dict(response.headers))
        return response

    app.add_middleware(BodyLimit, uploads=int(settings.max_body_mb * (1 << 20)), keys=ctx.keys)
    # a page's view is a megabyte of JSON (a fifteenth of it gzipped), vis-network half of that
    app.add_middleware(GZipMiddleware, minimum_size=4096)

    from api import routes_pages

    app.include_router(routes_pages.router)

    @app.get("/docs", include_in_schema=False)
    def docs() -> Response:
        return _static("docs.html")

    @app.get("/static/swagger/{name}", include_in_schema=False)
    def swagger(name: str) -> Response:
        if name not in _SWAGGER:
            raise NotFound(f"no page {name!r}")
        media = _STATIC_TYPES["." + name.rsplit(".", 1)[-1]]
        return Response((_swagger_dir() / name).read_bytes(), media_type=f"{media}; charset=utf-8",
                        headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str, request: Request) -> Response:
        from viz.page import asset, asset_tag

        if name in ("docs.html", "docs.js"):
            return _static(name)
        try:
            body = asset(name)
        except FileNotFoundError:
            raise NotFound(f"no page {name!r}") from None
        suffix = "." + name.rsplit(".", 1)[-1]
        if suffix not in _STATIC_TYPES:
            raise NotFound(f"no page {name!r}")
        # revalidated on every page (a new biokg serves new scripts at once), downloaded only when changed
        tag = asset_tag(name)
        headers = {"Cache-Control": "no-cache", "ETag": tag}
        if tag in (request.headers.get("if-none-match") or "").split(", "):
            return Response(status_code=304, headers=headers)
        return Response(body, media_type=f"{_STATIC_TYPES[suffix]}; charset=utf-8", headers=headers)

    @app.get("/healthz", response_model=HealthOut, tags=["service"])
    def healthz() -> dict:
        """The process is up (says nothing of the store)."""
        return {"status": "ok"}

    @app.get("/readyz", response_model=ReadyOut, response_model_exclude_none=True, tags=["service"])
    def readyz(request: Request) -> dict:
        """The store answers a read now; 503 and why when it does not.  With an admin's key, also the
        store, this server process and its catch-up counters (``--workers``: each answers for itself)."""
        try:
            ctx.store.ping()
        except StoreUnavailable as exc:
            raise StoreUnavailable(f"not ready: {exc}") from exc
        try:
            admin = ctx.keys.principal(request.headers.get("authorization"), True).may("audit")
        except Unauthorized:
            admin = False
        if not admin:
            return {"status": "ready"}
        stats = ctx.store.sync_stats if isinstance(ctx.store, EmbeddedStore) else None
        return {"status": "ready", "store": str(ctx.store.path), "process": os.getpid(),
                "sync": asdict(stats) if stats else None}

    app.include_router(routes_graph.router)
    app.include_router(routes_queries.router)
    app.include_router(routes_writes.router)
    app.include_router(routes_questions.router)
    app.include_router(routes_dossier.router)
    app.include_router(routes_assessment.router)
    app.include_router(routes_views.router)
    return app


def _anonymous_documented(schema: dict, settings: Settings) -> dict:
    """Where a caller without a key may read, the schema says the key is optional there."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            right = operation.get("x-biokg-right")
            if right and operation.get("security") and settings.anonymous and ANONYMOUS.may(right):
                operation["security"] = [*operation["security"], {}]
    return schema


def from_environment() -> FastAPI:
    """The app over the configured store (``biokg serve --workers N`` starts one per worker)."""
    from api.cli_common import open_configured

    settings = Settings()
    return create_app(open_configured(settings, None), settings)


def _static(name: str) -> Response:
    entry = STATIC / name
    suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
    if "/" in name or suffix not in _STATIC_TYPES or not entry.is_file():
        raise NotFound(f"no page {name!r}")
    return Response(entry.read_bytes(), media_type=f"{_STATIC_TYPES[suffix]}; charset=utf-8")

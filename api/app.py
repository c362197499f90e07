"""The FastAPI application: a search page and JSON endpoints over one store.

Every page is self-contained (no CDN) and served with a Content-Security-Policy that forbids
loading anything from elsewhere; text from data is only ever inserted as text.
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response

from api import output
from api.models import ErrorOut, NodeDetail, SearchOut, StatsOut
from graph import Store
from ontology import SCHEMA, BiokgError, NotFound
from ontology.describe import describe

CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'"
STATIC = resources.files("api") / "static"
_STATIC_TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html"}


def create_app(store: Store) -> FastAPI:
    # FastAPI's /docs pulls Swagger UI from a CDN, which pages here must never do; it stays off
    # until the assets are served locally.  The schema itself is at /openapi.json.
    app = FastAPI(title="biokg", version="0.1.0", docs_url=None, redoc_url=None,
                  responses={404: {"model": ErrorOut}, 400: {"model": ErrorOut}})

    @app.exception_handler(BiokgError)
    async def biokg_error(_: Request, exc: BiokgError) -> JSONResponse:
        return JSONResponse({"error": {"code": exc.code, "message": str(exc)}}, status_code=exc.http_status)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @app.get("/", include_in_schema=False)
    def index() -> Response:
        return _static("index.html")

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        return _static(name)

    @app.get("/api/ontology")
    def ontology() -> dict:
        return describe()

    @app.get("/api/stats", response_model=StatsOut)
    def stats() -> dict:
        return output.counts_json(store.counts())

    @app.get("/api/search", response_model=SearchOut)
    def search(q: str = Query(..., min_length=1, max_length=200), kind: list[str] | None = Query(None),
               limit: int = Query(20, ge=1, le=200)) -> dict:
        for k in kind or ():
            SCHEMA.node_kind(k)
        return {"query": q, "hits": [output.hit_json(h) for h in store.search(q, kinds=kind or None, limit=limit)]}

    @app.get("/api/nodes/{node_id:path}", response_model=NodeDetail)
    def node(node_id: str, limit: int = Query(200, ge=0, le=10_000, description="edges to return")) -> dict:
        found = store.get(node_id)
        if found is None:
            raise NotFound(f"no node {node_id!r}")
        around = store.neighbours(node_id)
        return {**output.node_json(found), "edges_total": len(around),
                "edges": [output.neighbour_json(n) for n in around[:limit]]}

    return app


def _static(name: str) -> Response:
    entry = STATIC / name
    suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
    if "/" in name or suffix not in _STATIC_TYPES or not entry.is_file():
        raise NotFound(f"no page {name!r}")
    return Response(entry.read_bytes(), media_type=f"{_STATIC_TYPES[suffix]}; charset=utf-8")

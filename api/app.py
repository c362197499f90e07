"""The FastAPI application: a search page and JSON endpoints over one store.

Every page is self-contained (no CDN) and served with a Content-Security-Policy that forbids
loading anything from elsewhere; text from data is only ever inserted as text.
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI, Query, Request
from fastapi.responses import Response

from api import errors, output
from api.models import CoverageOut, ErrorOut, NodeDetail, NodeKindName, SearchOut, StatsOut
from api.output_coverage import coverage_json
from graph import Store
from ontology import NotFound
from ontology.dates import SPELLINGS, parse_day
from ontology.describe import describe
from queries.coverage import coverage as coverage_of
from queries.coverage import suggest_sites

STATIC = resources.files("api") / "static"
_STATIC_TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html"}


def create_app(store: Store) -> FastAPI:
    # FastAPI's /docs pulls Swagger UI from a CDN, which pages here must never do; it stays off
    # until the assets are served locally.  The schema itself is at /openapi.json.
    app = FastAPI(title="biokg", version="0.1.0", docs_url=None, redoc_url=None,
                  responses={400: {"model": ErrorOut, "description": "Invalid parameters"},
                             404: {"model": ErrorOut, "description": "Not found"},
                             503: {"model": ErrorOut, "description": "The store is unavailable"}})
    errors.install(app)
    plain_openapi = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = errors.without_default_422(plain_openapi())
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
    def search(q: str = Query(..., min_length=1, max_length=200), kind: list[NodeKindName] | None = Query(None),
               limit: int = Query(20, ge=1, le=200)) -> dict:
        kinds = [k.value for k in kind] if kind else None
        return {"query": q, "hits": [output.hit_json(h) for h in store.search(q, kinds=kinds, limit=limit)]}

    @app.get("/api/nodes/{node_id:path}", response_model=NodeDetail)
    def node(node_id: str, limit: int = Query(200, ge=0, le=10_000, description="edges to return")) -> dict:
        found = store.get(node_id)
        if found is None:
            raise NotFound(f"no node {node_id!r}")
        around = store.neighbours(node_id)
        return {**output.node_json(found), "edges_total": len(around),
                "edges": [output.neighbour_json(n) for n in around[:limit]]}

    @app.get("/api/coverage", response_model=CoverageOut, response_model_exclude_unset=True)
    def coverage(district: str | None = Query(None, max_length=100, description="id, code or name"),
                 as_of: str | None = Query(None, max_length=40,
                                           description=f"the window's last day ({SPELLINGS}); default today"),
                 window_days: int = Query(180, ge=0, le=36_500), radius_km: float = Query(0.0, ge=0, le=1_000),
                 suggest: int | None = Query(None, ge=0, le=1_000, description="propose up to K new sites")) -> dict:
        """Station-network coverage per district, the station scorecard and, with ``suggest``, new sites."""
        report = coverage_of(store, district, parse_day("as_of", as_of), window_days, radius_km)
        picks = None if suggest is None else suggest_sites(store, suggest, district, report.as_of, window_days,
                                                           radius_km)
        return coverage_json(report, picks)

    return app


def _static(name: str) -> Response:
    entry = STATIC / name
    suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
    if "/" in name or suffix not in _STATIC_TYPES or not entry.is_file():
        raise NotFound(f"no page {name!r}")
    return Response(entry.read_bytes(), media_type=f"{_STATIC_TYPES[suffix]}; charset=utf-8")

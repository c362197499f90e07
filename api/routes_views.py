"""The pages' data: each view is the API's report (the same JSON, scoped the same way, by calling the
report's own route) with the network drawn from it (``viz.views``) and what the page heads itself with.

``GET /api/v1/views/coverage?district=`` · ``/views/match/{org}`` · ``/views/broker`` ·
``/views/patents`` · ``/views/dossier/{enterprise}``: ``{"meta", "report", "graph"}``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query

from api import routes_dossier, routes_queries
from api.auth import Principal
from api.deps import Context, caller, context, needs
from api.models import ViewOut
from api.routes_queries import AS_OF, FIELD, TOP, WEIGHT, reads
from viz.views import coverage_network, dossier_network, evidence_network, view_meta

router = APIRouter(prefix="/api/v1/views", tags=["views"])
ORG = Path(..., min_length=1, max_length=200, description="an enterprise or institution: id or name")


def _view(ctx: Context, title: str, report: dict[str, Any], graph: dict[str, Any]) -> dict[str, Any]:
    return {"meta": view_meta(ctx.store, title, report.get("as_of")), "report": report, "graph": graph}


@router.get("/coverage", response_model=ViewOut, openapi_extra=needs("read"))
def coverage_view(district: str = Query(..., min_length=1, max_length=100, description="id, code or name"),
                  as_of: str | None = AS_OF, window_days: int = Query(180, ge=0, le=36_500),
                  radius_km: float = Query(0.0, ge=0, le=1_000),
                  suggest: int = Query(3, ge=0, le=100, description="propose up to K new sites"),
                  who: Principal = Depends(reads), ctx: Context = Depends(context)) -> dict:
    """A district's coverage report and its map-like network (sites by their coordinates)."""
    report = routes_queries.coverage(district, as_of, window_days, radius_km, suggest, who, ctx)
    [d] = report["districts"]
    return _view(ctx, f"{d['name']} 覆盖", report, coverage_network(ctx.store, report))


@router.get("/match/{org}", response_model=ViewOut, openapi_extra=needs("read"))
def match_view(org: str = ORG, segment: str | None = Query(None, max_length=100), field: str | None = FIELD,
               top: int = TOP, as_of: str | None = AS_OF, weight: list[str] | None = WEIGHT,
               who: Principal = Depends(reads), ctx: Context = Depends(context)) -> dict:
    """Matching for ``org`` with each candidate's evidence paths as a network."""
    report = routes_queries.match(org, segment, field, top, as_of, weight, who, ctx)
    graph = evidence_network(ctx.store, report["org"], report["results"])
    return _view(ctx, f"{report['org']['name']} 产业链匹配", report, graph)


@router.get("/broker", response_model=ViewOut, openapi_extra=needs("read"))
def broker_view(org: str | None = Query(None, max_length=200), field: str | None = FIELD, top: int = TOP,
                as_of: str | None = AS_OF, weight: list[str] | None = WEIGHT,
                who: Principal = Depends(reads), ctx: Context = Depends(context)) -> dict:
    """产学研用 brokering with each candidate's evidence paths as a network."""
    report = routes_queries.broker(org, field, top, as_of, weight, who, ctx)
    graph = evidence_network(ctx.store, report.get("org"), report["results"])
    return _view(ctx, _about(report, "产学研用撮合"), report, graph)


@router.get("/patents", response_model=ViewOut, openapi_extra=needs("read"))
def patents_view(org: str | None = Query(None, max_length=200), field: str | None = FIELD,
                 top: int = Query(20, ge=1, le=100), as_of: str | None = AS_OF, weight: list[str] | None = WEIGHT,
                 who: Principal = Depends(reads), ctx: Context = Depends(context)) -> dict:
    """Patent supply and demand with each patent's evidence paths as a network."""
    report = routes_queries.patents(org, field, top, as_of, weight, who, ctx)
    graph = evidence_network(ctx.store, report.get("org"), report["results"])
    return _view(ctx, _about(report, "专利供需"), report, graph)


@router.get("/dossier/{enterprise}", response_model=ViewOut, openapi_extra=needs("read"))
def dossier_view(enterprise: str = Path(..., min_length=1, max_length=200, description="the enterprise: id or name"),
                 as_of: str | None = AS_OF, who: Principal = Depends(caller), ctx: Context = Depends(context)) -> dict:
    """The enterprise's service file with its network (as ``/dossier/{enterprise}`` shows it to the caller)."""
    report = routes_dossier.get_dossier(enterprise, as_of, who, ctx)
    return _view(ctx, f"{report['enterprise']['name']} 服务档案", report, dossier_network(ctx.store, report))


def _about(report: dict[str, Any], what: str) -> str:
    from ontology.fields import FIELD_BY_ID

    org = report.get("org")
    if org:
        return f"{org['name']} {what}"
    names = [FIELD_BY_ID[f].zh if f in FIELD_BY_ID else f for f in report.get("fields") or []]
    return f"{'、'.join(names)} {what}".strip()

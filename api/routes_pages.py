"""The pages (HTML): each is a shell naming its script, which draws the page from the API with the
caller's key (kept in the tab).  Nothing of the data is in the shell but the page's own arguments,
escaped, so a page needs no right of its own: its data asks for the rights.

``/`` and ``/?focus=ID`` explorer · ``/coverage``, ``/coverage/{district}`` · ``/match/{org}`` ·
``/broker?org=|field=`` · ``/patents?org=|field=`` · ``/dossier/{enterprise}`` · ``/station/{station}``.
"""

from __future__ import annotations

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from viz.page import render
from viz.views import store_label

router = APIRouter(include_in_schema=False)


def _text(length: int = 200):
    return Query(None, max_length=length)  # one per parameter: FastAPI keeps a parameter's name in it


def _page(request: Request, page: str, title: str, **args: str | None) -> HTMLResponse:
    store = store_label(request.app.state.biokg.store.path)
    return HTMLResponse(render(page, title, {k: v for k, v in args.items() if v}, store=store),
                        headers={"Cache-Control": "no-cache"})


@router.get("/")
def explorer(request: Request, focus: str | None = Query(None, max_length=300)) -> HTMLResponse:
    return _page(request, "explorer", "图谱浏览", focus=focus)


@router.get("/coverage")
def coverage_overview(request: Request) -> HTMLResponse:
    return _page(request, "coverage", "工作站覆盖")


@router.get("/coverage/{district}")
def coverage_district(request: Request, district: str = Path(..., min_length=1, max_length=200)) -> HTMLResponse:
    return _page(request, "coverage", f"{district} 覆盖", district=district)


@router.get("/match/{org}")
def match(request: Request, org: str = Path(..., min_length=1, max_length=200), segment: str | None = _text(100),
          field: str | None = _text(100)) -> HTMLResponse:
    return _page(request, "match", "产业链匹配", org=org, segment=segment, field=field)


@router.get("/broker")
def broker(request: Request, org: str | None = _text(), field: str | None = _text(100)) -> HTMLResponse:
    return _page(request, "broker", "产学研用撮合", org=org, field=field)


@router.get("/patents")
def patents(request: Request, org: str | None = _text(), field: str | None = _text(100)) -> HTMLResponse:
    return _page(request, "patents", "专利供需", org=org, field=field)


@router.get("/dossier/{enterprise}")
def dossier(request: Request, enterprise: str = Path(..., min_length=1, max_length=200)) -> HTMLResponse:
    return _page(request, "dossier", "企业服务档案", enterprise=enterprise)


@router.get("/station/{station}")
def station(request: Request, station: str = Path(..., min_length=1, max_length=200)) -> HTMLResponse:
    return _page(request, "station", "工作站工作台", station=station)

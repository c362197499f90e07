"""Reading the graph over HTTP: stats, the ontology, search, entities, neighbours, subgraphs, exports."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import StreamingResponse

from api import output
from api.auth import Principal
from api.deps import MAX_LIMIT, Context, allowed, context, decode_cursor, needs, page, records_visible
from api.models import EdgeKindName, EntityOut, NeighbourPage, NodeKindName, SearchPage, StatsOut, SubgraphOut
from graph.interface import DIRECTIONS
from ontology import InvalidInput, NotFound
from ontology.describe import describe
from queries.terms import existing_node

ID = Path(..., min_length=1, max_length=300, description="a node id, e.g. ent:a or district:310112")
LIMIT = Query(20, ge=1, le=MAX_LIMIT, description=f"items per page (at most {MAX_LIMIT})")
CURSOR = Query(None, max_length=2000, description="the `next` of the previous page")
reads = allowed("read")
MAX_STARTS = 50


def _kinds(kinds: list | None) -> list[str] | None:
    return [k.value for k in kinds] if kinds else None


router = APIRouter(prefix="/api/v1", tags=["graph"])


@router.get("/stats", response_model=StatsOut, openapi_extra=needs("read"))
def stats(_=Depends(reads), ctx: Context = Depends(context)) -> dict:
    """Nodes and edges per kind (as `biokg stats --json`)."""
    return output.counts_json(ctx.store.counts())


@router.get("/ontology", openapi_extra=needs("read"))
def ontology(_=Depends(reads)) -> dict:
    """The ontology's declarations: kinds, properties, enumerations with their labels."""
    return describe()


@router.get("/search", response_model=SearchPage, openapi_extra=needs("read"))
def search(q: str = Query(..., min_length=1, max_length=200, description="a name or alias, or part of one"),
           kind: list[NodeKindName] | None = Query(None, description="node kinds (repeatable)"),
           limit: int = LIMIT, cursor: str | None = CURSOR, _=Depends(reads), ctx: Context = Depends(context)) -> dict:
    """Nodes by name or alias: exact > prefix > substring (width and brackets folded)."""
    kinds = _kinds(kind)
    query = ["search", q, kinds]
    offset = decode_cursor(cursor, query)
    hits = ctx.store.search(q, kinds=kinds, limit=offset + limit + 1)
    return page(hits, offset, limit, query, output.hit_json)


@router.get("/entities/{node_id:path}/neighbours", response_model=NeighbourPage, openapi_extra=needs("read"))
def neighbours(node_id: str = ID, edge_kind: list[EdgeKindName] | None = Query(None, description="edge kinds"),
               node_kind: list[NodeKindName] | None = Query(None, description="kinds of the node at the other end"),
               direction: str = Query("both", pattern="^(out|in|both)$", description=" | ".join(DIRECTIONS)),
               limit: int = LIMIT, cursor: str | None = CURSOR, who: Principal = Depends(reads),
               ctx: Context = Depends(context)) -> dict:
    """The edges at a node, with the node at their other end and their provenance, page by page
    (service records only where the caller may see them)."""
    existing_node(ctx.store, node_id)
    edge_kinds, node_kinds = _kinds(edge_kind), _kinds(node_kind)
    query = ["neighbours", node_id, edge_kinds, node_kinds, direction]
    offset = decode_cursor(cursor, query)
    visible = records_visible(ctx.store, who)
    around = [n for n in ctx.store.neighbours(node_id, edge_kinds, node_kinds, direction)
              if n.edge.kind != "TRACKS" or visible(n.edge.src)]
    return {**page(around, offset, limit, query, output.neighbour_json), "total": len(around)}


@router.get("/entities/{node_id:path}", response_model=EntityOut, openapi_extra=needs("read"))
def entity(node_id: str = ID, _=Depends(reads), ctx: Context = Depends(context)) -> dict:
    """One node: its properties, provenance and the source records merged into it (its edges: `neighbours`)."""
    found = existing_node(ctx.store, node_id)
    return {**output.node_json(found), "merges": [output.xref_json(x) for x in ctx.store.xrefs(node=node_id)]}


@router.get("/subgraph", response_model=SubgraphOut, openapi_extra=needs("read"))
def subgraph(ids: list[str] = Query(..., min_length=1, max_length=MAX_STARTS,
                                    description=f"start nodes (repeatable, or comma-separated; at most {MAX_STARTS})"),
             depth: int = Query(1, ge=0, le=3), max_nodes: int = Query(200, ge=1, le=2000),
             edge_kind: list[EdgeKindName] | None = Query(None), node_kind: list[NodeKindName] | None = Query(None),
             who: Principal = Depends(reads), ctx: Context = Depends(context)) -> dict:
    """The nodes within ``depth`` hops of ``ids`` (breadth first, at most ``max_nodes``) and the edges among
    them (service records only where the caller may see them)."""
    starts = list(dict.fromkeys(i.strip() for part in ids for i in part.split(",") if i.strip()))
    if not 0 < len(starts) <= MAX_STARTS or any(len(i) > 300 for i in starts):
        raise InvalidInput(f"ids: give 1 to {MAX_STARTS} node ids of at most 300 characters each")
    missing = sorted(set(starts) - set(ctx.store.kinds(starts)))
    if missing:
        raise NotFound(f"no node {missing[0]!r}" + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))
    sub = ctx.store.subgraph(starts, depth, _kinds(edge_kind), _kinds(node_kind), max_nodes)
    visible = records_visible(ctx.store, who)
    return {"nodes": [output.node_json(n) for n in sub.nodes],
            "edges": [output.edge_json(e) for e in sub.edges if e.kind != "TRACKS" or visible(e.src)],
            "truncated": sub.truncated}


_BINARY = {"schema": {"type": "string", "format": "binary"}}
_EXPORT_DOC = {200: {"description": "the export, streamed", "content": {
    "text/turtle": _BINARY, "application/n-triples": _BINARY, "application/graphml+xml": _BINARY,
    "application/ld+json": {"schema": {"type": "object", "description": "a JSON-LD document"}},
    "application/zip": _BINARY, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _BINARY}}}


@router.get("/export", response_class=StreamingResponse, responses=_EXPORT_DOC, openapi_extra=needs("export"))
def export(format: str = Query(..., pattern="^(ttl|jsonld|nt|graphml|csv|xlsx)$",
                               description="ttl | jsonld | nt | graphml | csv (a zip of the interchange files) | xlsx"),
           _=Depends(allowed("export")), ctx: Context = Depends(context)) -> StreamingResponse:
    """The whole store, streamed (csv and xlsx load back with `biokg load`; spreadsheet cells that would
    start a formula are neutralised)."""
    from loaders.export_stream import EXPORT_FORMATS, stream_export

    media, filename = EXPORT_FORMATS[format]
    return StreamingResponse(stream_export(ctx.store, format), media_type=media,
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})

"""HTTP models (pydantic), separate from the store's records."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field

from graph.text import unsafe_character
from ontology import EDGE_KINDS, NODE_KINDS

# the node kinds of the ontology, as an enumeration of the schema (a query naming another kind is a 400)
NodeKindName = Enum("NodeKindName", {k: k for k in NODE_KINDS}, type=str)
EdgeKindName = Enum("EdgeKindName", {k: k for k in EDGE_KINDS}, type=str)


class ProvenanceOut(BaseModel):
    source: str
    row: int | None
    load_id: str
    loaded_at: str
    dataset: str | None = None  # loads through a mapping: the dataset, mapping and its version
    mapping: str | None = None
    mapping_version: str | None = None


class NodeOut(BaseModel):
    id: str
    kind: str
    name: str
    props: dict[str, Any]
    provenance: ProvenanceOut | None


class OtherEnd(BaseModel):
    id: str
    kind: str
    name: str


class NeighbourOut(BaseModel):
    kind: str
    direction: str
    other: OtherEnd
    props: dict[str, Any]
    provenance: ProvenanceOut | None


class SearchHitOut(BaseModel):
    id: str
    kind: str
    name: str
    rank: int
    matched: str


class StatsOut(BaseModel):
    nodes: dict[str, int]
    edges: dict[str, int]


class ErrorBody(BaseModel):
    code: str  # invalid_input, not_found, schema_error, load_error, store_unavailable, …
    message: str
    details: list[dict[str, Any]]  # per parameter ({field, message, value}) or per located problem


class ErrorOut(BaseModel):
    error: ErrorBody


class GapOut(BaseModel):
    kind: str  # no_station | scope
    station: str | None
    lacks: str | None  # drug | device
    products: int


class NamedOut(BaseModel):
    id: str
    name: str


class DistrictCoverageOut(BaseModel):
    id: str
    name: str
    stations: list[str]
    parks_total: int
    parks_covered: int
    parks_rate: float | None
    enterprises_total: int
    enterprises_covered: int
    enterprises_rate: float | None
    innovative_products_total: int
    innovative_products_tracked: int
    innovative_products_rate: float | None
    key_projects_total: int
    key_projects_tracked: int
    key_projects_rate: float | None
    uncovered_parks: list[NamedOut]
    uncovered_enterprises: list[NamedOut]
    untracked_products: list[NamedOut]
    untracked_projects: list[NamedOut]
    gaps: list[GapOut]


class ServiceLevelOut(BaseModel):
    """A station's enterprise questions in figures (no text): see docs/workflow.md."""

    station: str
    asked: int
    open: int
    escalated: int
    answered: int
    overdue: int
    decided: int
    within: int
    within_rate: float | None
    median_working_days: float | None


class StationScoreOut(BaseModel):
    id: str
    name: str
    type: str
    scope: str
    parent: str | None
    districts: list[str]
    parks_rate: float | None
    enterprises_rate: float | None
    innovative_products_rate: float | None
    key_projects_rate: float | None
    score: float | None
    records: int
    records_per_month: float
    targets: int
    points: int
    sites: int
    member_stations: int
    rank: int
    questions: ServiceLevelOut | None = None  # the questions asked in the window, where the ledger is at hand


class SuggestionOut(BaseModel):
    site: str
    name: str
    kind: str
    district: str | None
    gain: int
    enterprises: list[NamedOut]


class CoverageOut(BaseModel):
    as_of: str  # the window's last day (ISO)
    window_days: int
    radius_km: float
    district: str | None  # the district the lists are limited to
    districts: list[DistrictCoverageOut]
    stations: list[StationScoreOut]
    suggestions: list[SuggestionOut] | None = None  # only when asked for (suggest=K)
    # over HTTP, when the caller may not see scorecards (then ``stations`` is empty)
    scorecard_withheld: bool | None = None


# --------------------------------------------------------------------------- /api/v1

class Page(BaseModel):
    """A list answer: the items of this page, how many, and the cursor of the next page (None: last)."""

    count: int  # the number of items in ``data``
    next: str | None  # pass as ``cursor`` for the next page


class SearchPage(Page):
    data: list[SearchHitOut]


class NeighbourPage(Page):
    data: list[NeighbourOut]
    total: int  # edges at the node that pass the filters, on every page


class XrefOut(BaseModel):
    """An entity-resolution record: a source record and the node it became (merged into)."""

    id: str
    source: str
    key: str
    name: str
    kind: str
    node: str
    status: str
    rule: str
    score: float
    matched: list[str]
    candidates: list[str]
    filled: list[str]
    aliases: list[str]
    provenance: ProvenanceOut | None


class EntityOut(NodeOut):
    merges: list[XrefOut]  # the source records resolved to this node, with the rule that merged them


class EdgeOut(BaseModel):
    kind: str
    src: str
    dst: str
    props: dict[str, Any]
    provenance: ProvenanceOut | None


class SubgraphOut(BaseModel):
    nodes: list[NodeOut]
    edges: list[EdgeOut]
    truncated: bool  # max_nodes was reached before depth


class WriteResultOut(BaseModel):
    nodes_created: int
    nodes_updated: int
    nodes_unchanged: int
    nodes_deleted: int
    edges_created: int
    edges_updated: int
    edges_unchanged: int
    edges_deleted: int


class ProblemOut(BaseModel):
    file: str
    line: int | None
    column: int | None
    severity: str
    message: str


class TableRowsOut(BaseModel):
    source: str
    table: str
    rows: int


class LoadReportOut(BaseModel):
    check: bool
    load_id: str
    rows: int
    tables: list[TableRowsOut]
    result: WriteResultOut
    warnings: list[ProblemOut]
    skipped: list[ProblemOut]


class MappingReportOut(BaseModel):
    """A load through a mapping (as `biokg load --mapping … --json`)."""

    check: bool
    load_id: str
    mapping: str
    version: str
    dataset: str
    files: dict[str, list[str]]
    rows: dict[str, int]
    result: WriteResultOut
    merged: list[XrefOut]
    ambiguous: list[XrefOut]
    disappeared: list[XrefOut]
    warnings: list[ProblemOut]
    skipped: list[ProblemOut]


class UnloadOut(BaseModel):
    load_id: str
    nodes_deleted: int
    edges_deleted: int


def _no_controls(text: str | None) -> str | None:
    """Text from a form or a client: tabs and line breaks are text, other control characters are not."""
    if text is not None and (why := unsafe_character(text)):
        raise ValueError(why)
    return text


Text = Annotated[str, AfterValidator(_no_controls)]


class RecordIn(BaseModel):
    """A station's service record (工作记录). References by id or exact name, as in a loaded file."""

    model_config = {"extra": "forbid"}
    station: Text = Field(..., min_length=1, max_length=200, description="the station: id or name")
    target: Text = Field(..., min_length=1, max_length=200,
                        description="the enterprise, product, key project, institution or park: id or name")
    date: Text = Field(..., min_length=1, max_length=40, description="the day of the service (the date language)")
    type: Text = Field(..., min_length=1, max_length=40, description="tracking | visit | consultation | training "
                                                                    "(or a Chinese label: 跟踪服务, 走访, 咨询, 培训)")
    note: Text | None = Field(None, max_length=2000)
    id: Text | None = Field(None, min_length=1, max_length=100,
                           description="the record's id; default: derived from its content, so a repeat is no "
                                       "second record")


class RecordOut(BaseModel):
    id: str
    station: str
    target: str
    date: str
    type: str
    note: str | None
    created: bool  # False: the same record was already in the store (nothing written)
    load_id: str


class HealthOut(BaseModel):
    status: str


class ReadyOut(BaseModel):
    status: str
    # for an admin's key only: the store, this server process, and how it kept up with the others
    store: str | None = None
    process: int | None = None
    sync: dict[str, int] | None = None


class KeyIn(BaseModel):
    model_config = {"extra": "forbid"}
    role: str = Field(..., description="viewer | analyst | station | admin")
    station: Text | None = Field(None, max_length=200, description="for a station key: the station, id or name")
    expires: Text | None = Field(None, max_length=40, description="the last day the key works")


class KeyOut(BaseModel):
    id: str
    prefix: str
    role: str
    station: str | None
    expires: str | None
    revoked: bool
    created_at: str


class KeyCreatedOut(BaseModel):
    id: str
    key: str  # shown once: only its digest is kept
    role: str
    station: str | None
    expires: str | None


class KeyList(Page):
    data: list[KeyOut]


class AuditOut(BaseModel):
    seq: int
    at: str
    key_id: str | None
    role: str
    actor: str = Field(description="bkg_<id> for a key, local:<user> for the command line")
    action: str
    target: str
    status: int
    before: Any = Field(description="the values before the write (null: there was nothing)")
    after: Any = Field(description="the values after it (null: nothing is left, or the write was refused)")
    detail: dict[str, Any]
    prev: str = Field(description="the hash of the entry before (64 zeros for the first)")
    hash: str = Field(description="SHA-256 over this entry's fields and prev")


class AuditPage(Page):
    data: list[AuditOut]


class ViewMetaOut(BaseModel):
    title: str
    generated: str  # when the view was drawn (ISO, UTC)
    store: str  # which store it came from: the backend and its file or server
    as_of: str | None = None


class VisNetworkOut(BaseModel):
    nodes: list[dict[str, Any]]  # vis-network nodes: id, label, title (plain text), kind, mark, groups, x, y, …
    edges: list[dict[str, Any]]  # vis-network edges: id, from, to, kind, groups, …
    options: dict[str, Any]


class ViewOut(BaseModel):
    """A page's data: the report (the JSON of the report's own endpoint) and its network."""

    meta: ViewMetaOut
    report: dict[str, Any]
    graph: VisNetworkOut

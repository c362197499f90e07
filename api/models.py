"""HTTP models (pydantic), separate from the store's records."""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import BaseModel

from ontology import NODE_KINDS

# the node kinds of the ontology, as an enumeration of the schema (a query naming another kind is a 400)
NodeKindName = Enum("NodeKindName", {k: k for k in NODE_KINDS}, type=str)


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


class NodeDetail(NodeOut):
    edges_total: int
    edges: list[NeighbourOut]  # the first ``limit`` of them, in the store's neighbour order


class SearchHitOut(BaseModel):
    id: str
    kind: str
    name: str
    rank: int
    matched: str


class SearchOut(BaseModel):
    query: str
    hits: list[SearchHitOut]


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

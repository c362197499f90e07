"""HTTP models (pydantic), separate from the store's records."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


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
    code: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorBody

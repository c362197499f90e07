"""Records that go into and come out of a store. Plain frozen dataclasses, no behaviour."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ontology import EDGE_KINDS


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a node or edge came from: the file (or ``ontology``/``api``), its row, and the load."""

    source: str
    row: int | None
    load_id: str
    loaded_at: str  # ISO 8601 timestamp of the load


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    kind: str
    name: str
    props: Mapping[str, Any] = field(default_factory=dict)
    provenance: Provenance | None = None


@dataclass(frozen=True, slots=True)
class Edge:
    """A directed edge; ``key`` tells parallel edges of one kind between two nodes apart."""

    kind: str
    src: str
    dst: str
    props: Mapping[str, Any] = field(default_factory=dict)
    provenance: Provenance | None = None

    @property
    def key(self) -> str:
        return edge_key(self.kind, self.props)

    @property
    def ident(self) -> tuple[str, str, str, str]:
        return (self.kind, self.src, self.dst, self.key)


def edge_key(kind: str, props: Mapping[str, Any]) -> str:
    """The part of an edge's identity that comes from its key properties ('' for most kinds).

    >>> edge_key("TRACKS", {"id": "SR1", "date": "2024-01-01"})
    'SR1'
    """
    names = EDGE_KINDS[kind].key if kind in EDGE_KINDS else ()
    if not names:
        return ""
    return "|".join("" if props.get(n) is None else str(props.get(n)) for n in names)


def canonical(edge: Edge) -> Edge:
    """A symmetric edge with its endpoints in sorted order (stored once, found from both ends)."""
    kind = EDGE_KINDS.get(edge.kind)
    if kind is not None and kind.symmetric and edge.src > edge.dst:
        return Edge(edge.kind, edge.dst, edge.src, edge.props, edge.provenance)
    return edge


@dataclass(frozen=True, slots=True)
class Replace:
    """After this write, the ``direction`` edges of ``edge_kind`` at ``node`` are exactly those in the
    batch: a re-loaded row that no longer names a park loses its old LOCATED_IN edge."""

    node: str
    edge_kind: str
    direction: str = "out"  # out | in


@dataclass(frozen=True)
class WriteResult:
    nodes_created: int = 0
    nodes_updated: int = 0
    nodes_unchanged: int = 0
    nodes_deleted: int = 0
    edges_created: int = 0
    edges_updated: int = 0
    edges_unchanged: int = 0
    edges_deleted: int = 0

    def __add__(self, other: WriteResult) -> WriteResult:
        return WriteResult(*(a + b for a, b in zip(_values(self), _values(other), strict=True)))

    @property
    def changed(self) -> int:
        v = _values(self)
        return sum(v) - self.nodes_unchanged - self.edges_unchanged


def _values(r: WriteResult) -> tuple[int, ...]:
    return (
        r.nodes_created, r.nodes_updated, r.nodes_unchanged, r.nodes_deleted,
        r.edges_created, r.edges_updated, r.edges_unchanged, r.edges_deleted,
    )


@dataclass(frozen=True, slots=True)
class Neighbour:
    edge: Edge
    node: Node
    direction: str  # "out" when edge.src is the node asked about, else "in"


@dataclass(frozen=True, slots=True)
class SearchHit:
    node: Node
    rank: int  # 0 exact, 1 prefix, 2 substring
    matched: str  # the name or alias that matched


@dataclass(frozen=True)
class Subgraph:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    truncated: bool = False


@dataclass(frozen=True)
class Counts:
    nodes: dict[str, int]
    edges: dict[str, int]


@dataclass(frozen=True)
class LoadRecord:
    load_id: str
    loaded_at: str
    nodes: int
    edges: int

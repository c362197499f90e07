"""Records that go into and come out of a store. Plain frozen dataclasses, no behaviour."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ontology import EDGE_KINDS


def now_iso() -> str:
    """The time of a write, as provenance records it (UTC, seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class LoadMeta:
    """What a load was, kept once per load: for a load through a mapping, the dataset, the mapping's
    name and version, the mapping file, the input files and the parameters it was given."""

    dataset: str | None = None
    mapping: str | None = None
    version: str | None = None
    mapping_file: str | None = None
    inputs: tuple[str, ...] = ()
    params: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> str:
        """Compact JSON (the stores keep this text with the load's record).

        >>> LoadMeta("d", "m", "1").to_json()
        '{"dataset":"d","mapping":"m","version":"1"}'
        """
        data = {k: getattr(self, k) for k in self.__slots__ if getattr(self, k) not in (None, ())}
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | None) -> LoadMeta | None:
        if not text:
            return None
        data = json.loads(text)
        data["inputs"] = tuple(data.get("inputs", ()))
        data["params"] = tuple(tuple(p) for p in data.get("params", ()))
        return cls(**data)


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a node or edge came from: the file (or ``ontology``/``api``), its row, and the load
    (with what the load was, when it went through a mapping)."""

    source: str
    row: int | None
    load_id: str
    loaded_at: str  # ISO 8601 timestamp of the load
    meta: LoadMeta | None = None


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


def _key_function(kind: str) -> Callable[[dict[str, Any]], str]:
    """props -> the edge's key, specialised for the common shapes (no key, one key property)."""
    names = EDGE_KINDS[kind].key
    if not names:
        return lambda props: ""
    if len(names) == 1:
        name = names[0]

        def single(props: dict[str, Any]) -> str:
            value = props.get(name)
            return "" if value is None else value if isinstance(value, str) else str(value)

        return single
    return lambda props: edge_key(kind, props)


KEY_OF = {k: _key_function(k) for k in EDGE_KINDS}


def last_wins(nodes: Iterable[Node], edges: Iterable[Edge]) -> tuple[list[Node], list[tuple[Edge, str]]]:
    """One record per identity: a node or edge given twice in one write is written once, as last given.
    Edges come back canonical, with their keys (computed once here)."""
    unique_nodes = {n.id: n for n in nodes}
    unique_edges = {}
    for e in map(canonical, edges):
        key_of = KEY_OF.get(e.kind)
        key = key_of(e.props) if key_of else ""
        unique_edges[(e.kind, e.src, e.dst, key)] = (e, key)
    return list(unique_nodes.values()), list(unique_edges.values())


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
    meta: LoadMeta | None = None


XREF_STATUSES = ("new", "merged", "ambiguous", "rejected")


@dataclass(frozen=True)
class Xref:
    """Entity resolution's crosswalk: one record of a source (``key``, its id in the mapping) and the
    node it became.

    ``status``: ``new`` (it made its own node), ``merged`` (into another node, by ``rule`` with
    ``score``), ``ambiguous`` (several ``candidates`` matched, so it kept a node of its own) or
    ``rejected`` (a merge that was undone: it keeps its own node and never merges into
    ``candidates``).  ``matched`` is the pair of names the rule matched (the record's, the node's).
    ``filled`` and ``aliases`` are what it added to a node it was merged into, so that an unload or
    an undo can take them back.
    """

    source: str
    key: str
    node: str
    kind: str
    name: str
    rule: str
    score: float = 1.0
    status: str = "new"
    candidates: tuple[str, ...] = ()
    filled: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    provenance: Provenance | None = None
    matched: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """A short stable handle for the command line (``biokg resolve --undo ID``)."""
        return xref_id(self.source, self.key)


def xref_id(source: str, key: str) -> str:
    return hashlib.blake2b(f"{source}\0{key}".encode(), digest_size=5).hexdigest()

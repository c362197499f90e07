"""What a query pushed down to a backend is given to read: on the embedded store a ``GraphView`` of
its in-memory graph, on Neo4j a function that runs Cypher in one read transaction.

A ``PushedDown`` query has one implementation per backend and ``Store.evaluate(query)`` runs the
one that fits, where the data is; queries never see a backend's own structures.
"""

from __future__ import annotations

from collections.abc import Callable, ItemsView, Iterator, Mapping, MutableMapping
from types import MappingProxyType
from typing import Any, Protocol, TypeVar

from graph.cypher import Query
from graph.model import Provenance

T = TypeVar("T", covariant=True)
CypherRun = Callable[[Query], list[dict[str, Any]]]  # a statement's records, as dicts


class GraphView:
    """The embedded store's graph, read-only: nodes with their attributes (``kind``, ``name`` and
    the properties) and each node's edges with theirs (``kind`` and the properties).  Valid only
    inside ``Store.evaluate``; nothing may be changed through it."""

    __slots__ = ("_node", "_succ", "_pred", "_provenance", "_memo")

    def __init__(self, graph: Any, provenance: Callable[[Mapping[str, Any]], Provenance] | None = None,
                 memo: MutableMapping[Any, Any] | None = None) -> None:
        # networkx's own adjacency dicts: the views it offers cost a call per step, and a city-scale
        # query takes millions of steps
        self._node, self._succ, self._pred = graph._node, graph._succ, graph._pred
        self._provenance = provenance
        self._memo = {} if memo is None else memo

    def provenance(self, attrs: Mapping[str, Any]) -> Provenance | None:
        """Where the node or edge with these attributes came from."""
        return self._provenance(attrs) if self._provenance is not None else None

    def memo(self, key: Any, build: Callable[[], Any]) -> Any:
        """``build()``, computed once per state of the graph: the store forgets every memo when it
        changes.  For indexes a query derives from the whole graph (``key`` names the query and its
        parameters)."""
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]

    def nodes(self) -> ItemsView[str, Mapping[str, Any]]:
        """Every node id with its attributes."""
        return self._node.items()

    @property
    def attributes(self) -> Mapping[str, Mapping[str, Any]]:
        """Node id -> its attributes (a read-only mapping)."""
        return MappingProxyType(self._node)

    def out_edges(self, node: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """(the other end, the edge's attributes) of each edge leaving ``node``."""
        for other, keyed in self._succ[node].items():
            for attrs in keyed.values():
                yield other, attrs

    def out(self, node: str, kind: str) -> list[str]:
        """The nodes the ``kind`` edges leaving ``node`` point at."""
        return [v for v, keyed in self._succ[node].items() for a in keyed.values() if a["kind"] == kind]

    def in_edges(self, node: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """(the other end, the edge's attributes) of each edge entering ``node``."""
        for other, keyed in self._pred[node].items():
            for attrs in keyed.values():
                yield other, attrs

    def into(self, node: str, kind: str) -> list[tuple[str, Mapping[str, Any]]]:
        """(the other end, the edge's attributes) of each ``kind`` edge entering ``node``."""
        return [(u, a) for u, keyed in self._pred[node].items() for a in keyed.values() if a["kind"] == kind]


class PushedDown(Protocol[T]):
    """A query written once per backend."""

    def on_graph(self, view: GraphView) -> T:
        """The answer computed over the embedded store's graph."""

    def on_cypher(self, run: CypherRun) -> T:
        """The answer computed by Cypher inside Neo4j (``run`` returns each statement's records)."""

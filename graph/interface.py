"""The store interface every backend implements (embedded SQLite+networkx, Neo4j).

Ordering rules shared by all backends, so that results compare equal across them:
``neighbours`` sorts by (edge kind, other node id, edge key); ``search`` by (rank, name length,
name, id); ``nodes``/``edges`` iterate in (id) / (kind, src, dst, key) order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Protocol, TypeVar, runtime_checkable

from graph.model import Counts, Edge, LoadRecord, Neighbour, Node, Replace, SearchHit, Subgraph, WriteResult, Xref
from graph.view import PushedDown

T = TypeVar("T")

DIRECTIONS = ("out", "in", "both")


@runtime_checkable
class Store(Protocol):
    """A knowledge-graph store. All writes are validated against the ontology."""

    path: str  # the file, or the server's URI: what messages name

    def write(
        self, nodes: Iterable[Node] = (), edges: Iterable[Edge] = (), replace: Iterable[Replace] = ()
    ) -> WriteResult:
        """Upsert nodes and edges (all or nothing). Unchanged records keep their provenance."""

    def get(self, node_id: str) -> Node | None:
        """One node with its provenance, or None."""

    def kinds(self, ids: Iterable[str]) -> dict[str, str]:
        """The kind of each of ``ids`` that exists (for reference checks in bulk)."""

    def neighbours(
        self,
        node_id: str,
        edge_kinds: Iterable[str] | None = None,
        node_kinds: Iterable[str] | None = None,
        direction: str = "both",
    ) -> list[Neighbour]:
        """Edges at a node with the node at their other end, filtered by kinds and direction."""

    def search(self, text: str, kinds: Iterable[str] | None = None, limit: int = 20) -> list[SearchHit]:
        """Nodes whose name or an alias contains ``text`` (normalised), exact > prefix > substring."""

    def subgraph(
        self,
        ids: Iterable[str],
        depth: int = 1,
        edge_kinds: Iterable[str] | None = None,
        node_kinds: Iterable[str] | None = None,
        max_nodes: int = 500,
    ) -> Subgraph:
        """The nodes within ``depth`` hops of ``ids`` (breadth first, capped) and the edges among them."""

    def counts(self) -> Counts:
        """Number of nodes and edges per kind."""

    def nodes(self, kind: str | None = None) -> Iterator[Node]:
        """All nodes (of one kind), in id order, with provenance."""

    def edges(self, kind: str | None = None) -> Iterator[Edge]:
        """All edges (of one kind), in (kind, src, dst, key) order, with provenance."""

    def records_by_id(self, ids: Iterable[str]) -> dict[str, Edge]:
        """The service records (TRACKS edges) whose record id is one of ``ids``, by id (an id names
        one record in the whole store)."""

    def loads(self) -> list[LoadRecord]:
        """The loads that wrote what is in the store, oldest first."""

    def delete_load(self, load_id: str) -> WriteResult:
        """Remove every node, edge and crosswalk record last written by one load, and edges left dangling."""

    def xrefs(self, source: str | None = None, node: str | None = None) -> list[Xref]:
        """Entity-resolution records (of one source, and/or pointing at one node), in (source, key) order."""

    def write_xrefs(self, xrefs: Iterable[Xref] = (), delete: Iterable[tuple[str, str]] = ()) -> None:
        """Upsert crosswalk records by (source, key) and delete the (source, key) pairs in ``delete``."""

    def batch(self, bulk: bool = False) -> AbstractContextManager[None]:
        """Group writes into one transaction: all of them land, or none.

        ``bulk`` hints that the batch writes many records (a load): a backend may defer work it
        would otherwise do per write (the embedded store rebuilds its in-memory graph afterwards).
        """

    def evaluate(self, query: PushedDown[T]) -> T:
        """Run a query that walks much of the graph where the data is: ``query.on_graph`` over the
        embedded store's graph, ``query.on_cypher`` in one Neo4j read transaction."""

    def ping(self) -> None:
        """Check that the store can be read now (a round trip to the server); StoreUnavailable if not."""

    def init(self) -> list[str]:
        """Create what the store needs (tables, constraints, indexes) where missing; their names."""

    def close(self) -> None: ...

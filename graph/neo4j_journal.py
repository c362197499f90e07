"""Undo for bulk batches on Neo4j, which commit write by write: what each write created, and the
previous state of what it changed, so a failed load can be taken back."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graph import cypher as q
from graph.cypher import chunks

UNDO_CHUNK = 5_000  # records per undo transaction


@dataclass
class JournalEntries:
    """What one committed write did (filled only inside bulk batches)."""

    created_nodes: list[str] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)  # id -> kind of every node written
    edge_marks: list[int] = field(default_factory=list)  # hash((kind, _sk)) of every edge written
    created_edges: list[tuple[str, str]] = field(default_factory=list)  # (kind, _sk) between older nodes
    old_nodes: list[dict[str, Any]] = field(default_factory=list)  # property maps before an update
    old_edges: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)  # (kind, src, dst, props)


@dataclass
class Journal:
    """A bulk batch's undo log, and what lets its writes skip look-ups: the kinds of the nodes it
    wrote, marks of the edges it wrote, and whether the store held only ontology nodes before."""

    loads_before: frozenset[str]
    empty_at_start: bool = False
    kinds: dict[str, str] = field(default_factory=dict)
    edge_marks: set[int] = field(default_factory=set)
    created_nodes: set[str] = field(default_factory=set)
    created_edges: list[tuple[str, str]] = field(default_factory=list)
    old_nodes: list[dict[str, Any]] = field(default_factory=list)
    old_edges: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)

    def add(self, entries: JournalEntries) -> None:
        self.kinds.update(entries.kinds)
        self.edge_marks.update(entries.edge_marks)
        self.created_nodes.update(entries.created_nodes)
        self.created_edges += entries.created_edges
        self.old_nodes += entries.old_nodes
        self.old_edges += entries.old_edges

    def undo(self, run: Callable[[q.Query], None]) -> None:
        """Take the batch back, chunk by chunk; each ``run`` is its own transaction, and every step
        can run again (so an undo interrupted half-way can simply be repeated)."""
        by_kind: dict[str, list[str]] = defaultdict(list)
        for kind, sk in self.created_edges:
            by_kind[kind].append(sk)
        for kind, sks in by_kind.items():
            for chunk in chunks(sks, UNDO_CHUNK):
                run(q.delete_edges(kind, chunk))
        for chunk in chunks(sorted(self.created_nodes), UNDO_CHUNK):
            run(q.delete_nodes(chunk))
        # newest first, so a record changed twice ends in its state before the batch
        for kind, src, dst, props in reversed(self.old_edges):
            run(q.restore_edge(kind, src, dst, props))
        for chunk in chunks(list(reversed(self.old_nodes)), UNDO_CHUNK):
            run(q.update_nodes(list(chunk)))
        run(q.delete_loads_except(sorted(self.loads_before)))

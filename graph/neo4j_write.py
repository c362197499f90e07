"""One write to Neo4j: look up, validate and classify (``Write.plan``), then change (``Plan.apply``).

Planning touches nothing but the look-ups (the journal is only read), so a transaction that plans
and applies can be run again by the driver after a transient failure; what a write did comes back
as ``JournalEntries``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graph import cypher as q
from graph import neo4j_format as fmt
from graph.cypher import chunks, run
from graph.model import Edge, Node, Provenance, Replace, WriteResult
from graph.neo4j_journal import Journal, JournalEntries
from graph.validate import check_edge, check_node, clean_props
from ontology import EDGE_KINDS, FIELDS, SEGMENTS, SPECIALTIES, SchemaError
from ontology.model import a

TAXONOMY = {  # always in the store
    **{f.id: "Field" for f in FIELDS}, **{s.id: "Segment" for s in SEGMENTS},
    **{s.id: "Specialty" for s in SPECIALTIES},
}
_EMPTY_HASH = {k: fmt.content_hash(k, {}) for k in EDGE_KINDS}  # most edges have no properties


Reader = Callable[[q.Query], list]


@dataclass
class Plan:
    """What a write will change, decided before anything is sent."""

    result: WriteResult
    entries: JournalEntries
    loads: dict[str, tuple[str, str | None]]  # load id -> (loaded_at, meta as JSON)
    creates: dict[str, list[dict[str, Any]]]
    updates: list[dict[str, Any]]
    edge_creates: dict[str, list[dict[str, Any]]]
    edge_updates: dict[str, list[dict[str, Any]]]
    doomed: list[tuple[str, str]]

    @property
    def creates_nodes(self) -> bool:
        return bool(self.creates)

    @property
    def writes_edges(self) -> bool:
        return bool(self.edge_creates or self.edge_updates or self.doomed)

    def apply(self, tx: Any) -> None:
        """Send the changes (idempotent as a transaction: the driver may run it again)."""
        # loads are numbered in order of first appearance: register them in the order met
        for load_id, (at, meta) in self.loads.items():
            run(tx, q.register_load(load_id, at, meta))
        for kind, rows in self.creates.items():
            for chunk in chunks(rows):
                tx.run(*q.create_nodes(kind, list(chunk))).consume()
        for chunk in chunks(self.updates):
            tx.run(*q.update_nodes(list(chunk))).consume()
        for kind, rows in self.edge_creates.items():
            for chunk in chunks(rows):
                created = run(tx, q.create_edges(kind, list(chunk)))[0]["created"]
                if created != len(chunk):  # an endpoint vanished after it was looked up
                    raise SchemaError(f"{len(chunk) - created} of {len(chunk)} {kind} edges lost an endpoint "
                                      "while they were written (another process deleting?)")
        for kind, rows in self.edge_updates.items():
            for chunk in chunks(rows):
                tx.run(*q.update_edges(kind, list(chunk))).consume()
        by_kind = defaultdict(list)
        for k, sk in self.doomed:
            by_kind[k].append(sk)
        for kind, sks in by_kind.items():
            for chunk in chunks(sks):
                tx.run(*q.delete_edges(kind, chunk)).consume()


class Write:
    """Plans one write: ``read`` runs the look-ups (in the write's own transaction, or, in a bulk
    batch, in a read transaction after the previous write has landed)."""

    def __init__(self, read: Reader, default: Provenance, journal: Journal | None):
        self.read, self.default, self.journal = read, default, journal
        self.loads: dict[str, tuple[str, str | None]] = {}  # of the records this write changes

    # ------------------------------------------------------------------ look-ups

    def _existing(self, nodes: list[Node], keyed_edges: list[tuple[Edge, str]]) -> dict[str, tuple[str, str | None]]:
        """id -> (kind, content hash) of the nodes this write names that exist.  In a bulk batch,
        endpoints it has written know their kind already, and in a store that held only the
        ontology, nodes it has not written do not exist."""
        j = self.journal
        own = {n.id for n in nodes}
        ends = {x for e, _ in keyed_edges for x in (e.src, e.dst)} - own
        found: dict[str, tuple[str, str | None]] = {}
        if j is None:
            ask = own | ends
        else:
            for x in ends:
                kind = j.kinds.get(x) or TAXONOMY.get(x)
                if kind is not None:
                    found[x] = (kind, None)
            ends -= found.keys()
            if j.empty_at_start:  # only what this batch wrote, or the ontology's nodes, can exist
                ask = {i for i in own if i in j.kinds or i in TAXONOMY}
            else:
                ask = own | ends
        for chunk in chunks(sorted(ask)):
            for r in self.read(q.lookup_nodes(chunk)):
                found[r["id"]] = (r["kind"], r["h"])
        return found

    def _stored_edges(self, kind: str, items: list[tuple[Edge, str]]) -> dict[str, str]:
        """sk -> content hash of the stored edges among ``items``.  In a bulk batch an edge at a node
        the batch created cannot exist unless the batch wrote it: no look-up for those."""
        j = self.journal
        if j is not None:
            created = j.created_nodes
            items = [(e, sk) for e, sk in items
                     if not (e.src in created or e.dst in created) or hash((kind, sk)) in j.edge_marks]
        sks = [sk for _, sk in items]
        return {r["sk"]: r["h"] for chunk in chunks(sks) for r in self.read(q.lookup_edges(kind, chunk))}

    # ------------------------------------------------------------------ the write

    def plan(self, nodes: list[Node], keyed_edges: list[tuple[Edge, str]], replace: list[Replace]) -> Plan:
        journal = self.journal
        existing = self._existing(nodes, keyed_edges)
        batch_kinds: dict[str, str] = {}
        for node in nodes:
            check_node(node)
            old = existing.get(node.id)
            if old is not None and old[0] != node.kind:
                raise SchemaError(f"node {node.id!r} exists as {a(old[0])}; it cannot also be {a(node.kind)}")
            batch_kinds[node.id] = node.kind

        def kind_of(nid: str) -> str | None:
            kind = batch_kinds.get(nid)
            if kind is None and nid in existing:
                return existing[nid][0]
            return kind

        for edge, _ in keyed_edges:
            check_edge(edge, kind_of)

        entries = JournalEntries()
        creates: dict[str, list[dict[str, Any]]] = defaultdict(list)
        updates, unchanged_n = [], 0
        for node in nodes:
            props = clean_props(node.props)
            digest = fmt.content_hash(node.kind, node.name, props)
            old = existing.get(node.id)
            if old is not None and old[1] == digest:
                unchanged_n += 1
                continue
            row = fmt.node_props(node, props, digest, self._provenance(node.provenance))
            (updates if old is not None else creates[node.kind]).append(row)
        if journal is not None:
            entries.kinds = batch_kinds
            entries.created_nodes = [r["id"] for rows in creates.values() for r in rows]
            entries.old_nodes = [r["p"] for chunk in chunks([u["id"] for u in updates])
                                 for r in self.read(q.nodes_of(chunk))]

        edge_creates, edge_updates, keep, unchanged_e = self._classify_edges(keyed_edges)
        doomed = self._doomed(replace, keep)
        if journal is not None:
            self._journal_edges(entries, edge_creates, edge_updates, keep, doomed)

        result = WriteResult(
            nodes_created=sum(map(len, creates.values())), nodes_updated=len(updates), nodes_unchanged=unchanged_n,
            edges_created=sum(map(len, edge_creates.values())), edges_updated=sum(map(len, edge_updates.values())),
            edges_unchanged=unchanged_e, edges_deleted=len(doomed),
        )
        return Plan(result, entries, self.loads, creates, updates, edge_creates, edge_updates, doomed)

    def _journal_edges(self, entries: JournalEntries, edge_creates: dict, edge_updates: dict,
                       keep: set[tuple[str, str]], doomed: list[tuple[str, str]]) -> None:
        created = self.journal.created_nodes  # type: ignore[union-attr]
        new_here = set(entries.created_nodes)
        entries.edge_marks = [hash(k) for k in keep]
        # edges at nodes this batch created go with those nodes on undo; the others are listed
        entries.created_edges = [
            (k, r["p"]["_sk"]) for k, rows in edge_creates.items() for r in rows
            if not (r["s"] in created or r["d"] in created or r["s"] in new_here or r["d"] in new_here)]
        changed = defaultdict(list)
        for k, rows in edge_updates.items():
            changed[k] += [r["_sk"] for r in rows]
        for k, sk in doomed:
            changed[k].append(sk)
        entries.old_edges = [(k, r["s"], r["d"], r["p"]) for k, sks in changed.items()
                             for chunk in chunks(sks) for r in self.read(q.edges_of(k, chunk))]

    def _provenance(self, prov: Provenance | None) -> Provenance:
        prov = prov or self.default
        if prov.load_id not in self.loads:
            self.loads[prov.load_id] = (prov.loaded_at, prov.meta.to_json() if prov.meta else None)
        return prov

    def _classify_edges(self, keyed_edges: list[tuple[Edge, str]]) -> tuple[dict, dict, set, int]:
        by_kind: dict[str, list[tuple[Edge, str]]] = defaultdict(list)
        for edge, key in keyed_edges:
            by_kind[edge.kind].append((edge, fmt.edge_sk(edge.src, edge.dst, key)))
        creates: dict[str, list[dict[str, Any]]] = defaultdict(list)
        updates: dict[str, list[dict[str, Any]]] = defaultdict(list)
        keep, unchanged = set(), 0
        for kind, items in by_kind.items():
            stored = self._stored_edges(kind, items)
            empty_hash = _EMPTY_HASH[kind]
            for edge, sk in items:
                keep.add((kind, sk))
                props = clean_props(edge.props) if edge.props else {}
                digest = fmt.content_hash(kind, props) if props else empty_hash
                old = stored.get(sk)
                if old == digest:
                    unchanged += 1
                    continue
                row = fmt.edge_props(props, sk, digest, self._provenance(edge.provenance))
                if old is None:
                    creates[kind].append({"s": edge.src, "d": edge.dst, "p": row})
                else:
                    updates[kind].append(row)
        return creates, updates, keep, unchanged

    def _doomed(self, replace: list[Replace], keep: set[tuple[str, str]]) -> list[tuple[str, str]]:
        """Edges a ``Replace`` removes: those of its kind at its node that this write does not name."""
        groups: dict[tuple[str, str], set[str]] = defaultdict(set)
        for r in replace:
            if r.edge_kind in EDGE_KINDS:
                groups[(r.edge_kind, r.direction)].add(r.node)
        doomed = set()
        for (kind, direction), ids in sorted(groups.items()):
            for chunk in chunks(sorted(ids)):
                for r in self.read(q.edges_at(kind, direction, chunk)):
                    if (kind, r["sk"]) not in keep:
                        doomed.add((kind, r["sk"]))
        return sorted(doomed)

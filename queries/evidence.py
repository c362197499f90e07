"""Evidence for an answer: planned paths of node ids, filled with the stored edges (and their
provenance) in two reads of the store, whatever the number of results.

A ``Plan`` names each hop's edge kind; ``LINK`` is a hop on the collaboration graph, shown by the
COLLABORATES edges between the two (dated on or before ``as_of``) or, where there is none, by a
patent both applied for (the path then runs through the patent).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from graph.interface import Store
from graph.view import CypherRun, GraphView
from queries import org_facts_embedded
from queries.org_facts import CoPatentsQuery, EdgeFact, EdgesQuery
from queries.scoring import Evidence

LINK = "LINK"


@dataclass(frozen=True)
class Plan:
    path: tuple[str, ...]
    kinds: tuple[str, ...]  # one per hop: an edge kind (either direction) or LINK
    note: str | None = None


@dataclass(frozen=True)
class EvidenceQuery:
    """The edges along planned hops, in one read: each (kind, a, b) hop in either direction, and for
    each LINK the COLLABORATES edges of the pair and, through the first patent both applied for (dated
    on or before ``as_of``), its two APPLIED_BY edges.  (the co-applied patents, the edges found)."""

    hops: tuple[tuple[str, str, str], ...]
    links: tuple[tuple[str, str], ...]
    as_of: date

    def wanted(self, via: dict[tuple[str, str], str]) -> tuple[tuple[str, str, str], ...]:
        out = {x for k, a, b in self.hops for x in ((k, a, b), (k, b, a))}
        for a, b in self.links:
            out.add(("COLLABORATES", a, b))
            if (patent := via.get((a, b))) is not None:
                out |= {("APPLIED_BY", patent, a), ("APPLIED_BY", patent, b)}
        return tuple(sorted(out))

    def on_graph(self, view: GraphView) -> tuple[dict, tuple[EdgeFact, ...]]:
        via = org_facts_embedded.co_patents(view, self.links, self.as_of) if self.links else {}
        return via, EdgesQuery(self.wanted(via)).on_graph(view)

    def on_cypher(self, run: CypherRun) -> tuple[dict, tuple[EdgeFact, ...]]:
        via = CoPatentsQuery(self.links, self.as_of).on_cypher(run) if self.links else {}
        return via, EdgesQuery(self.wanted(via)).on_cypher(run)


def explain(store: Store, plans: Sequence[Sequence[Plan]], as_of: date) -> list[tuple[Evidence, ...]]:
    """For each result's plans, the evidence: each path with the edges found along it.  A path whose
    hops are not all found is dropped."""
    query = evidence_query(plans, as_of)
    return filled(plans, store.evaluate(query) if query else ({}, ()), as_of)


def evidence_query(plans: Sequence[Sequence[Plan]], as_of: date) -> EvidenceQuery | None:
    """The read the plans need (None when they need none); run it inside another query's read to
    save a transaction."""
    hops = {(k, a, b) for ps in plans for p in ps for a, b, k in _hops(p) if k != LINK}
    links = {_pair(a, b) for ps in plans for p in ps for a, b, k in _hops(p) if k == LINK}
    return EvidenceQuery(tuple(sorted(hops)), tuple(sorted(links)), as_of) if hops or links else None


def filled(plans: Sequence[Sequence[Plan]], read: tuple[dict, tuple[EdgeFact, ...]],
           as_of: date) -> list[tuple[Evidence, ...]]:
    """The plans filled with what ``evidence_query`` read."""
    day = as_of.isoformat()
    via, edges = read
    found: dict[tuple[str, str, str], list[EdgeFact]] = {}
    for e in edges:
        if e.kind == "COLLABORATES" and e.date is not None and e.date > day:
            continue
        found.setdefault((e.kind, e.src, e.dst), []).append(e)
    return [tuple(ev for p in ps if (ev := _fill(p, found, via)) is not None) for ps in plans]


def _fill(plan: Plan, found: dict, via: dict) -> Evidence | None:
    if not plan.kinds:  # rests on a node's property or a rule, stated in the note
        return Evidence(plan.path, (), plan.note)
    path: list[str] = [plan.path[0]]
    edges: list[EdgeFact] = []
    for a, b, k in _hops(plan):
        if k == LINK:
            direct = found.get(("COLLABORATES", *_pair(a, b)))
            patent = via.get(_pair(a, b))
            if direct:
                edges += direct
            elif patent is not None and found.get(("APPLIED_BY", patent, a)) and found.get(("APPLIED_BY", patent, b)):
                edges += found[("APPLIED_BY", patent, a)] + found[("APPLIED_BY", patent, b)]
                path.append(patent)
            else:
                return None
        else:
            hop = found.get((k, a, b), []) + found.get((k, b, a), [])
            if not hop:
                return None
            edges += hop
        path.append(b)
    return Evidence(tuple(path), tuple(edges), plan.note)


def _hops(plan: Plan) -> list[tuple[str, str, str]]:
    return [(plan.path[i], plan.path[i + 1], k) for i, k in enumerate(plan.kinds)]


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)

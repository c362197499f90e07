"""The ontology's own nodes — fields and chain segments — as records every store holds."""

from __future__ import annotations

from graph.model import Edge, Node, Provenance
from ontology import FIELDS, SEGMENTS

ONTOLOGY_LOAD = "ontology"


def taxonomy_records(loaded_at: str) -> tuple[list[Node], list[Edge]]:
    """Field and Segment nodes with SUBFIELD_OF edges, provenance ``ontology``."""
    prov = Provenance("ontology", None, ONTOLOGY_LOAD, loaded_at)
    nodes = [
        Node(f.id, "Field", f.zh,
             {"domain": f.domain, "ipc_patterns": list(f.ipc), "aliases": [f.en, *f.aliases]}, prov)
        for f in FIELDS
    ] + [
        Node(s.id, "Segment", s.zh,
             {"chain": s.chain, "position": s.position, "order": s.order, "aliases": [s.en, *s.aliases]}, prov)
        for s in SEGMENTS
    ]
    edges = [Edge("SUBFIELD_OF", f.id, f.parent, {}, prov) for f in FIELDS if f.parent]
    return nodes, edges

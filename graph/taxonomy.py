"""The ontology's own nodes — fields, chain segments and clinical specialties — as records every
store holds."""

from __future__ import annotations

from graph.model import Edge, Node, Provenance
from ontology import FIELDS, SEGMENTS, SPECIALTIES

ONTOLOGY_LOAD = "ontology"


def taxonomy_records(loaded_at: str) -> tuple[list[Node], list[Edge]]:
    """Field, Segment and Specialty nodes with their SUBFIELD_OF and IN_FIELD edges, provenance ``ontology``."""
    prov = Provenance("ontology", None, ONTOLOGY_LOAD, loaded_at)
    nodes = [
        Node(f.id, "Field", f.zh,
             {"domain": f.domain, "ipc_patterns": list(f.ipc), "aliases": [f.en, *f.aliases]}, prov)
        for f in FIELDS
    ] + [
        Node(s.id, "Segment", s.zh,
             {"chain": s.chain, "position": s.position, "order": s.order, "aliases": [s.en, *s.aliases]}, prov)
        for s in SEGMENTS
    ] + [Node(s.id, "Specialty", s.zh, {"aliases": [s.en, *s.aliases]}, prov) for s in SPECIALTIES]
    edges = [Edge("SUBFIELD_OF", f.id, f.parent, {}, prov) for f in FIELDS if f.parent]
    edges += [Edge("IN_FIELD", s.id, f, {}, prov) for s in SPECIALTIES for f in s.fields]
    return nodes, edges

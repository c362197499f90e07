"""Store contents as RDF that conforms to ``ontology/shapes.ttl``.  Pure: builds graphs, writes nothing.

A node becomes ``data:<id>`` typed by its class (and subtype class: biokg:Hospital …), with
``biokg:name``, ``rdfs:label @zh``, its properties as typed literals (a list as repeated triples)
and PROV provenance.  An edge becomes one triple; an edge kind with properties also becomes a
relation node carrying the properties and the edge's provenance (see ``ontology.rdf``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, XSD

from graph.model import Edge, Node, Provenance, canonical
from ontology import EDGE_KINDS, NODE_KINDS, InvalidInput, SchemaError
from ontology.model import Prop
from ontology.rdf import (
    BIOKG,
    class_iri,
    edge_property,
    load_iri,
    new_graph,
    node_iri,
    qualified_property,
    relation_class,
    relation_iri,
    source_iri,
    subtype_classes,
)

RDF_FORMATS = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld"}

# Text stays a plain literal (RDF 1.1: that is xsd:string), which is what sh:in lists hold.
_LITERALS: dict[str, Callable[[Any], Literal]] = {
    "str": lambda v: Literal(str(v)),
    "enum": lambda v: Literal(str(v)),
    "int": lambda v: Literal(int(v)),
    "float": lambda v: Literal(float(v)),  # float() so 31 and 31.0 serialise alike
    "bool": lambda v: Literal(bool(v)),
    "date": lambda v: Literal(str(v), datatype=XSD.date),
}
_ITEM_TYPE = {"str_list": "str", "enum_list": "enum"}


def literals(prop: Prop, value: Any) -> list[Literal]:
    """The literals of one property value (one per list item)."""
    if prop.type in _ITEM_TYPE:
        return [_LITERALS[_ITEM_TYPE[prop.type]](v) for v in value]
    return [_LITERALS[prop.type](value)]


def _props(g: Graph, subject: URIRef, owner: str, props: tuple[Prop, ...], values: dict[str, Any]) -> None:
    index = {p.name: p for p in props}
    for name, value in values.items():
        prop = index.get(name)
        if prop is None:
            raise SchemaError(f"{owner} has no property {name!r}")
        if value is None:
            continue
        for lit in literals(prop, value):
            g.add((subject, BIOKG[name], lit))


def _provenance(g: Graph, subject: URIRef, prov: Provenance | None) -> None:
    """The node was derived from its source file by its load (a prov:Activity shared by the load)."""
    if prov is None:
        return
    source, load = source_iri(prov.source), load_iri(prov.load_id)
    g.add((source, RDF.type, PROV.Entity))
    g.add((source, RDFS.label, Literal(prov.source)))
    g.add((load, RDF.type, PROV.Activity))
    g.add((load, BIOKG.loadId, Literal(prov.load_id)))
    g.add((load, PROV.used, source))
    g.add((subject, PROV.wasDerivedFrom, source))
    g.add((subject, PROV.wasGeneratedBy, load))
    g.add((subject, PROV.generatedAtTime, Literal(prov.loaded_at, datatype=XSD.dateTime)))
    if prov.row is not None:
        g.add((subject, BIOKG.sourceRow, Literal(prov.row)))


def add_node(g: Graph, node: Node) -> URIRef:
    kind = NODE_KINDS[node.kind]
    s = node_iri(node.id)
    g.add((s, RDF.type, class_iri(kind.name)))
    for cls in subtype_classes(kind.name, dict(node.props)):
        g.add((s, RDF.type, cls))
    g.add((s, BIOKG.name, Literal(node.name)))
    g.add((s, RDFS.label, Literal(node.name, lang="zh")))
    _props(g, s, f"node kind {kind.name}", kind.props, dict(node.props))
    _provenance(g, s, node.provenance)
    return s


def add_edge(g: Graph, edge: Edge) -> URIRef | None:
    """Add the edge triple; for kinds with properties also the relation node, which is returned."""
    edge = canonical(edge)  # a symmetric edge gets one relation IRI whichever way it was given
    kind = EDGE_KINDS[edge.kind]
    src, dst = node_iri(edge.src), node_iri(edge.dst)
    g.add((src, edge_property(kind), dst))
    if not kind.props:
        return None  # no relation node: such edges carry no provenance in RDF
    r = relation_iri(edge.ident)
    g.add((src, qualified_property(kind), r))
    g.add((r, RDF.type, relation_class(kind)))
    g.add((r, BIOKG.relationTarget, dst))
    _props(g, r, f"edge kind {kind.name}", kind.props, dict(edge.props))
    _provenance(g, r, edge.provenance)
    return r


def to_rdf(nodes: Iterable[Node], edges: Iterable[Edge]) -> Graph:
    """An RDF graph of ``nodes`` and ``edges`` (for example ``store.nodes()``, ``store.edges()``)."""
    g = new_graph()
    for node in nodes:
        add_node(g, node)
    for edge in edges:
        add_edge(g, edge)
    return g


def serialize(graph: Graph, fmt: str) -> bytes:
    """``graph`` as UTF-8 bytes in one of ``RDF_FORMATS`` (ttl, nt, jsonld)."""
    try:
        rdflib_format = RDF_FORMATS[fmt]
    except KeyError:
        raise InvalidInput(f"unknown RDF format {fmt!r}; known: {', '.join(RDF_FORMATS)}") from None
    return graph.serialize(format=rdflib_format, encoding="utf-8")

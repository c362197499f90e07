"""Store contents as RDF that conforms to ``ontology/shapes.ttl``.  Pure: builds graphs, writes nothing.

A node becomes ``data:<id>`` typed by its class (and subtype class: biokg:Hospital …), with
``biokg:name``, ``rdfs:label @zh``, its properties as typed literals (a list as repeated triples)
and PROV provenance.  An edge becomes one triple; an edge kind with properties also becomes a
relation node carrying the properties and the edge's provenance (see ``ontology.rdf``).

The rules are per record (``node_triples``, ``edge_triples``, ``provenance_resources``):
``to_rdf`` collects them into one graph, ``loaders.export_stream`` writes them batch by batch.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, XSD
from rdflib.plugins.serializers.turtle import TurtleSerializer

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


Triple = tuple[URIRef, URIRef, URIRef | Literal]


def _props(subject: URIRef, owner: str, props: tuple[Prop, ...], values: dict[str, Any]) -> list[Triple]:
    index = {p.name: p for p in props}
    out: list[Triple] = []
    for name, value in values.items():
        prop = index.get(name)
        if prop is None:
            raise SchemaError(f"{owner} has no property {name!r}")
        if value is None:
            continue
        out += [(subject, BIOKG[name], lit) for lit in literals(prop, value)]
    return out


def provenance_resources(prov: Provenance | None) -> list[Triple]:
    """The source file (a prov:Entity) and the load that used it (a prov:Activity): shared by every
    record of the load, so a streamed export writes them once per (source, load)."""
    if prov is None:
        return []
    source, load = source_iri(prov.source), load_iri(prov.load_id)
    return [
        (source, RDF.type, PROV.Entity),
        (source, RDFS.label, Literal(prov.source)),
        (load, RDF.type, PROV.Activity),
        (load, BIOKG.loadId, Literal(prov.load_id)),
        (load, PROV.used, source),
    ]


def _provenance(subject: URIRef, prov: Provenance | None) -> list[Triple]:
    """The record was derived from its source file by its load (see ``provenance_resources``)."""
    if prov is None:
        return []
    out: list[Triple] = [
        (subject, PROV.wasDerivedFrom, source_iri(prov.source)),
        (subject, PROV.wasGeneratedBy, load_iri(prov.load_id)),
        (subject, PROV.generatedAtTime, Literal(prov.loaded_at, datatype=XSD.dateTime)),
    ]
    if prov.row is not None:
        out.append((subject, BIOKG.sourceRow, Literal(prov.row)))
    return out


def node_triples(node: Node) -> list[Triple]:
    """The triples about one node (all with the node's IRI as subject), its provenance included but
    not the shared ``provenance_resources``."""
    kind = NODE_KINDS[node.kind]
    s = node_iri(node.id)
    out: list[Triple] = [(s, RDF.type, class_iri(kind.name))]
    out += [(s, RDF.type, cls) for cls in subtype_classes(kind.name, dict(node.props))]
    out += [(s, BIOKG.name, Literal(node.name)), (s, RDFS.label, Literal(node.name, lang="zh"))]
    out += _props(s, f"node kind {kind.name}", kind.props, dict(node.props))
    return out + _provenance(s, node.provenance)


def edge_triples(edge: Edge) -> list[Triple]:
    """The edge triple; for kinds with properties also the relation node's triples (with its
    provenance, not the shared ``provenance_resources``)."""
    edge = canonical(edge)  # a symmetric edge gets one relation IRI whichever way it was given
    kind = EDGE_KINDS[edge.kind]
    src, dst = node_iri(edge.src), node_iri(edge.dst)
    out: list[Triple] = [(src, edge_property(kind), dst)]
    if not kind.props:
        return out  # no relation node: such edges carry no provenance in RDF
    r = relation_iri(edge.ident)
    out += [(src, qualified_property(kind), r), (r, RDF.type, relation_class(kind)), (r, BIOKG.relationTarget, dst)]
    out += _props(r, f"edge kind {kind.name}", kind.props, dict(edge.props))
    return out + _provenance(r, edge.provenance)


def _add(g: Graph, triples: list[Triple]) -> None:
    for t in triples:
        g.add(t)


def add_node(g: Graph, node: Node) -> URIRef:
    _add(g, node_triples(node))
    _add(g, provenance_resources(node.provenance))
    return node_iri(node.id)


def add_edge(g: Graph, edge: Edge) -> URIRef | None:
    """Add the edge triple; for kinds with properties also the relation node, which is returned."""
    _add(g, edge_triples(edge))
    if not EDGE_KINDS[edge.kind].props:
        return None
    _add(g, provenance_resources(edge.provenance))
    return relation_iri(canonical(edge).ident)


def record_triples(nodes: Iterable[Node], edges: Iterable[Edge]) -> Iterator[list[Triple]]:
    """The triples of ``to_rdf``, one list per record (a node, then each edge), lazily: the shared
    provenance resources of a (source, load) come once, with the first record that names them."""
    seen: set[tuple[str, str]] = set()

    def shared(prov: Provenance | None) -> list[Triple]:
        if prov is None or (prov.source, prov.load_id) in seen:
            return []
        seen.add((prov.source, prov.load_id))
        return provenance_resources(prov)

    for node in nodes:
        yield node_triples(node) + shared(node.provenance)
    for edge in edges:
        triples = edge_triples(edge)
        yield triples + shared(edge.provenance) if EDGE_KINDS[edge.kind].props else triples


def to_rdf(nodes: Iterable[Node], edges: Iterable[Edge]) -> Graph:
    """An RDF graph of ``nodes`` and ``edges`` (for example ``store.nodes()``, ``store.edges()``);
    ``loaders.export_stream`` writes the same triples without building the graph."""
    g = new_graph()
    for triples in record_triples(nodes, edges):
        _add(g, triples)
    return g


_DOUBLE_LEXICAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


class _Turtle(TurtleSerializer):
    """rdflib's Turtle writer, except that an xsd:double keeps all its digits: rdflib's shorthand
    for doubles has six significant ones (121.93563 would come back as 121.9356)."""

    def label(self, node, position):  # type: ignore[no-untyped-def]
        if isinstance(node, Literal) and node.datatype == XSD.double and _DOUBLE_LEXICAL.fullmatch(str(node)):
            pname = getattr(self, "get_pname", None)  # rdflib 7.1+; the datatype's prefix is declared
            return f'"{node}"^^{(pname(XSD.double, False) if pname else None) or XSD.double.n3()}'
        return super().label(node, position)


def turtle(graph: Graph) -> str:
    """``graph`` as Turtle, with the prefixes bound in it (doubles exact, see ``_Turtle``)."""
    buf = io.BytesIO()
    _Turtle(graph).serialize(buf, encoding="utf-8")
    return buf.getvalue().decode("utf-8")


def serialize(graph: Graph, fmt: str) -> bytes:
    """``graph`` as UTF-8 bytes in one of ``RDF_FORMATS`` (ttl, nt, jsonld)."""
    try:
        rdflib_format = RDF_FORMATS[fmt]
    except KeyError:
        raise InvalidInput(f"unknown RDF format {fmt!r}; known: {', '.join(RDF_FORMATS)}") from None
    if fmt == "ttl":
        return turtle(graph).encode("utf-8")
    return graph.serialize(format=rdflib_format, encoding="utf-8")

"""SHACL shapes generated from the declarations (``python -m ontology.rdf --write`` writes shapes.ttl).

Cross-property rules (``ontology.rules``: a drug has no device class, only hospitals have a grade,
the registration number fits type and class) and checksums stay in Python.
"""

from __future__ import annotations

import re

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, SH, XSD

from ontology.fields import FIELD_BY_ID
from ontology.model import Prop
from ontology.rdf import (
    BIOKG,
    DATA,
    MULTI,
    QUALIFIED,
    SHAPES,
    SUBTYPES,
    XSD_TYPES,
    add_all,
    class_iri,
    edge_property,
    new_graph,
    qualified_property,
    rdf_list,
    relation_class,
)
from ontology.schema import EDGE_KINDS, ENUMS, NODE_KINDS

# SHACL regexes for the ``fmt`` checkers of ontology.identifiers, unanchored, in the subset that
# Python, XSD and Java regexes share (no (?:), no \u escapes).  Each accepts at least every value
# its checker accepts (a test proves it); checksums stay with the checkers.
_PROVINCES = "国京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
FORMAT_PATTERNS = {
    "uscc": r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}",
    "division_code": r"[1-9]\d{5}",
    "ipc": r"[A-H]\d{2}[A-Z](0|[1-9]\d{0,3})(/\d{1,6})?",
    "registration_no": (
        rf"(国药准字)?[HZSBTFJ][HSZCJ]?\d{{8}}|[{_PROVINCES}]械注[准进许]\d{{4}}[123]\d{{6}}"
        rf"|[{_PROVINCES}][\u4e00-\u9fff]{{0,3}}械备\d{{8}}号?"
    ),
    "patent_no": r"CN\d{7,9}[ABCUSY]\d?|[A-Z]{2}\d{5,12}[A-Z]\d?|(CN|ZL)?\d{12}\.[\dX]",
    "street_code": r"[1-9]\d{8}",
    "stock_code": r"\d{6}\.(SH|SZ|BJ)|\d{4,5}\.HK|[A-Z0-9]{1,6}\.(O|N|A|SG|T|L)",
}
FORMAT_VALUES = {"field_id": tuple(FIELD_BY_ID)}  # formats that are a closed list of ids


def anchored(pattern: str) -> str:
    return f"^({pattern})$"


def _value_shape(g: Graph, owner: str, prop: Prop) -> URIRef:
    """Property shape of a declared property: datatype, counts, enumeration, format, bounds."""
    ps = add_all(g, SHAPES[f"{owner}-{prop.name}"], (RDF.type, SH.PropertyShape), (SH.path, BIOKG[prop.name]),
              (SH.name, Literal(prop.en)), (SH.datatype, XSD_TYPES[prop.type]))
    if prop.required:
        g.add((ps, SH.minCount, Literal(1)))
    if prop.type not in MULTI:
        g.add((ps, SH.maxCount, Literal(1)))
    for codes in (ENUMS[prop.enum].codes if prop.enum else None, FORMAT_VALUES.get(prop.fmt)):
        if codes:
            g.add((ps, SH["in"], rdf_list(g, map(Literal, codes))))
    if prop.fmt in FORMAT_PATTERNS:
        g.add((ps, SH.pattern, Literal(anchored(FORMAT_PATTERNS[prop.fmt]))))
    for bound, pred in ((prop.minimum, SH.minInclusive), (prop.maximum, SH.maxInclusive)):
        if bound is not None:
            g.add((ps, pred, Literal(float(bound))))
    return ps


def _link_shape(g: Graph, name: str, path, classes: tuple[URIRef, ...], counts: tuple[int, int] | None = None):
    """Property shape of a link to nodes of one of ``classes`` (an sh:or of sh:class for several)."""
    ps = add_all(g, SHAPES[name], (RDF.type, SH.PropertyShape), (SH.path, path), (SH.nodeKind, SH.IRI))
    if len(classes) == 1:
        g.add((ps, SH["class"], classes[0]))
    else:
        g.add((ps, SH["or"], rdf_list(g, (add_all(g, BNode(), (SH["class"], c)) for c in classes))))
    for count, pred in zip(counts or (0, 0), (SH.minCount, SH.maxCount), strict=True):
        if count:
            g.add((ps, pred, Literal(count)))
    return ps


def _node_shape(g: Graph, name: str, target: URIRef, *props: URIRef) -> URIRef:
    return add_all(g, SHAPES[name], (RDF.type, SH.NodeShape), (SH.targetClass, target),
                *((SH.property, p) for p in props))


def _required_when(g: Graph, owner: str, prop: Prop) -> None:
    """``prop`` must be present when ``other`` has ``value`` (District.code when type=district)."""
    other, value = prop.required_when  # type: ignore[misc]
    shape = _node_shape(g, f"{owner}-{prop.name}-when-{other}", class_iri(owner))
    condition = add_all(g, BNode(), (SH.path, BIOKG[other]), (SH.hasValue, Literal(value)))
    absent = add_all(g, BNode(), (SH["not"], condition))
    present = add_all(g, BNode(), (SH.path, BIOKG[prop.name]), (SH.minCount, Literal(1)))
    add_all(g, shape, (SH["or"], rdf_list(g, (absent, present))),
         (SH.message, Literal(f"{prop.name} is required when {other} is {value!r}")))


def _provenance_shapes(g: Graph) -> None:
    """Provenance of any node or relation node: one load, at most one source file, time and row."""
    shape = add_all(g, SHAPES["Provenance"], (RDF.type, SH.NodeShape), (SH.targetSubjectsOf, PROV.wasGeneratedBy),
                 (SH.property, _link_shape(g, "Provenance-load", PROV.wasGeneratedBy, (PROV.Activity,), (1, 1))),
                 (SH.property, _link_shape(g, "Provenance-source", PROV.wasDerivedFrom, (PROV.Entity,), (0, 1))))
    optional = (("time", PROV.generatedAtTime, XSD.dateTime), ("row", BIOKG.sourceRow, XSD.integer))
    for local, path, datatype in optional:
        g.add((shape, SH.property, add_all(g, SHAPES[f"Provenance-{local}"], (RDF.type, SH.PropertyShape),
                                        (SH.path, path), (SH.datatype, datatype), (SH.maxCount, Literal(1)))))
    _node_shape(g, "Load", PROV.Activity, _value_shape(g, "Load", Prop("loadId", "str", "", "load id", required=True)))


def _kind_shape(g: Graph, kind) -> None:
    shape = _node_shape(g, kind.name, class_iri(kind.name))
    if kind.id_fmt in FORMAT_PATTERNS:  # on the node IRI: DATA + the id (patent numbers need no escaping)
        g.add((shape, SH.pattern, Literal(f"^{re.escape(str(DATA))}({FORMAT_PATTERNS[kind.id_fmt]})$")))
    name = Prop("name", "str", "名称", "name", required=True)
    for prop in (name, *kind.props):
        g.add((shape, SH.property, _value_shape(g, kind.name, prop)))
        if prop.required_when:
            _required_when(g, kind.name, prop)
    for edge in EDGE_KINDS.values():
        if kind.name not in edge.sources:
            continue
        targets = tuple(map(class_iri, edge.targets))
        g.add((shape, SH.property, _link_shape(g, f"{kind.name}-{edge.rdf_name}", edge_property(edge), targets)))
        if edge.props:
            q = qualified_property(edge)
            g.add((shape, SH.property, _link_shape(g, f"{kind.name}-{q.fragment}", q, (relation_class(edge),))))


def build_shapes() -> Graph:
    """The SHACL shapes: one node shape per node kind, subtype and relation class.

    Cross-property rules (``ontology.rules``: a drug has no device class, only hospitals have a
    grade, the registration number fits type and class) stay in Python.
    """
    g = new_graph()
    for kind in NODE_KINDS.values():
        _kind_shape(g, kind)
    for (_, prop), table in SUBTYPES.items():
        for code, sub in table.items():
            ps = add_all(g, SHAPES[f"{sub.cls}-{prop}"], (SH.path, BIOKG[prop]), (SH.hasValue, Literal(code)),
                      (SH.message, Literal(f"a biokg:{sub.cls} must have {prop} {code!r}")))
            _node_shape(g, sub.cls, BIOKG[sub.cls], ps)
    for edge in QUALIFIED:
        rel = relation_class(edge).fragment
        sources = add_all(g, BNode(), (SH.inversePath, qualified_property(edge)))
        _node_shape(
            g, rel, relation_class(edge),
            _link_shape(g, f"{rel}-target", BIOKG.relationTarget, tuple(map(class_iri, edge.targets)), (1, 1)),
            _link_shape(g, f"{rel}-source", sources, tuple(map(class_iri, edge.sources)), (1, 1)),
            *(_value_shape(g, rel, prop) for prop in edge.props),
        )
    _provenance_shapes(g)
    return g

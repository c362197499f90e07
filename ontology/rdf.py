"""OWL generated from the declarations in ``ontology.schema``, and the IRIs of the data (SHACL is in
``ontology.shacl``).

After changing a declaration run ``python -m ontology.rdf --write``: it rewrites the checked-in
``ontology/biokg.ttl`` (OWL) and ``ontology/shapes.ttl`` (SHACL); a test fails until you do.

IRIs: classes and properties ``biokg:<Name>``; a node ``DATA`` + its percent-encoded id; an
enumeration value ``biokg:<enum>/<code>`` in the scheme ``biokg:scheme/<enum>`` (not
``biokg:<enum>``: the enumeration ``chain`` shares its name with the property ``chain``).  An edge
kind with properties is also exported as a relation node (the W3C qualified-relation pattern of
PROV-O): ``src biokg:qualifiedTracks r . r biokg:relationTarget dst`` with the properties on ``r``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, PROV, RDF, RDFS, SH, SKOS, XSD

from ontology.errors import SchemaError
from ontology.fields import FIELDS
from ontology.model import EdgeKind, Prop
from ontology.schema import EDGE_KINDS, ENUMS, NODE_KINDS
from ontology.segments import SEGMENTS
from ontology.specialties import SPECIALTIES

BIOKG = Namespace("https://w3id.org/biokg/ont#")
DATA = Namespace("https://w3id.org/biokg/id/")
SHAPES = Namespace("https://w3id.org/biokg/shapes#")
SDO = Namespace("https://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
ONTOLOGY_IRI = URIRef("https://w3id.org/biokg/ont")
PREFIXES = {
    "biokg": BIOKG, "data": DATA, "biokgsh": SHAPES, "schema": SDO, "org": ORG, "skos": SKOS,
    "owl": OWL, "rdfs": RDFS, "xsd": XSD, "sh": SH, "prov": PROV,
}
OWL_PATH = Path(__file__).with_name("biokg.ttl")
SHAPES_PATH = Path(__file__).with_name("shapes.ttl")

XSD_TYPES = {
    "str": XSD.string, "int": XSD.integer, "float": XSD.double, "bool": XSD.boolean,
    "date": XSD.date, "enum": XSD.string, "str_list": XSD.string, "enum_list": XSD.string,
}
MULTI = frozenset({"str_list", "enum_list"})


@dataclass(frozen=True)
class Subtype:
    cls: str  # local name of the subclass
    supers: tuple[str, ...] = ()  # CURIEs of aligned classes


# An enum property that picks a subclass: an Institution of type hospital is also a biokg:Hospital.
SUBTYPES: dict[tuple[str, str], dict[str, Subtype]] = {
    ("Institution", "type"): {
        "hospital": Subtype("Hospital", ("schema:Hospital",)),
        "university": Subtype("University", ("schema:CollegeOrUniversity",)),
        "research_institute": Subtype("ResearchInstitute", ("schema:ResearchOrganization",)),
        "testing_lab": Subtype("TestingLab"),
        "agency": Subtype("Agency", ("schema:GovernmentOrganization",)),
        "association": Subtype("Association"),  # schema.org has no class for trade associations
    },
    ("Product", "type"): {
        "drug": Subtype("Drug", ("schema:Drug",)),
        "device": Subtype("Device", ("schema:MedicalDevice",)),
        "ivd": Subtype("IVD", ("schema:MedicalDevice",)),  # IVD reagents are registered as devices
    },
}

# ----------------------------------------------------------------------------- IRIs


def node_iri(node_id: str) -> URIRef:
    """IRI of a node: ``district:310112`` -> ``data:district%3A310112``."""
    return DATA[quote(node_id, safe="")]


def class_iri(kind: str) -> URIRef:
    return BIOKG[kind]


def subtype_classes(kind: str, props: dict) -> list[URIRef]:
    """The subclasses (biokg:Hospital …) a node of ``kind`` with ``props`` belongs to."""
    return [BIOKG[table[props[prop]].cls] for (owner, prop), table in SUBTYPES.items()
            if owner == kind and props.get(prop) in table]


def enum_iri(enum: str, code: str) -> URIRef:
    return BIOKG[f"{enum}/{quote(code, safe='')}"]


def scheme_iri(name: str) -> URIRef:
    return BIOKG[f"scheme/{name}"]


def source_iri(source: str) -> URIRef:
    return DATA[f"source/{quote(source, safe='')}"]


def load_iri(load_id: str) -> URIRef:
    return DATA[f"load/{quote(load_id, safe='')}"]


def relation_iri(ident: tuple[str, str, str, str]) -> URIRef:
    """Deterministic IRI of the relation node of an edge (kind, src, dst, key)."""
    digest = hashlib.sha1(json.dumps(list(ident), ensure_ascii=False).encode("utf-8")).hexdigest()
    return DATA[f"rel/{digest}"]


def edge_property(edge: EdgeKind) -> URIRef:
    return BIOKG[edge.rdf_name]


def _pascal(edge: EdgeKind) -> str:
    return edge.rdf_name[0].upper() + edge.rdf_name[1:]


def qualified_property(edge: EdgeKind) -> URIRef:
    return BIOKG[f"qualified{_pascal(edge)}"]


def relation_class(edge: EdgeKind) -> URIRef:
    return BIOKG[f"{_pascal(edge)}Relation"]


# Edge kinds that carry properties are exported as relation nodes too; the others as one triple.
QUALIFIED: tuple[EdgeKind, ...] = tuple(e for e in EDGE_KINDS.values() if e.props)


def curie(text: str) -> URIRef:
    prefix, _, local = text.partition(":")
    if prefix not in PREFIXES:
        raise SchemaError(f"unknown prefix in {text!r}; known: {', '.join(PREFIXES)}")
    return PREFIXES[prefix][local]


def new_graph() -> Graph:
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, replace=True)
    return g


def datatype_properties() -> dict[str, list[tuple[URIRef, Prop]]]:
    """Property name -> [(owning class, declaration)] over node kinds and relation classes.

    One RDF property serves every kind that declares the name, so their ranges must agree.
    """
    out: dict[str, list[tuple[URIRef, Prop]]] = {}
    owners = [(class_iri(k.name), k.props) for k in NODE_KINDS.values()]
    for owner, props in owners + [(relation_class(e), e.props) for e in QUALIFIED]:
        for p in props:
            out.setdefault(p.name, []).append((owner, p))
    for name, uses in out.items():
        ranges = {XSD_TYPES[p.type] for _, p in uses}
        if len(ranges) > 1:
            raise SchemaError(f"property {name!r} is declared with different types: {sorted(ranges)}")
    return out


def add_all(g: Graph, s, *pairs) -> URIRef | BNode:
    for p, o in pairs:
        g.add((s, p, o))
    return s


def rdf_list(g: Graph, items) -> BNode:
    return Collection(g, BNode(), list(items)).uri


# ----------------------------------------------------------------------------- OWL


def _labels(g: Graph, s: URIRef, zh: str, en: str, pred: URIRef = RDFS.label) -> None:
    add_all(g, s, (pred, Literal(zh, lang="zh")), (pred, Literal(en, lang="en")))


def _class_expr(g: Graph, kinds: tuple[str, ...]) -> URIRef | BNode:
    """The class of one kind, or an owl:unionOf of several."""
    if len(kinds) == 1:
        return class_iri(kinds[0])
    return add_all(g, BNode(), (RDF.type, OWL.Class), (OWL.unionOf, rdf_list(g, map(class_iri, kinds))))


def _declare(g: Graph, s: URIRef, rdf_type: URIRef, zh: str, en: str, comment: str = "") -> URIRef:
    add_all(g, s, (RDF.type, rdf_type), (RDFS.isDefinedBy, ONTOLOGY_IRI))
    _labels(g, s, zh, en)
    if comment:
        g.add((s, RDFS.comment, Literal(comment, lang="en")))
    return s


def _classes(g: Graph) -> None:
    for kind in NODE_KINDS.values():
        cls = _declare(g, class_iri(kind.name), OWL.Class, kind.zh, kind.en, kind.doc)
        add_all(g, cls, *((RDFS.subClassOf, curie(sup)) for sup in kind.rdf_super))
    for (kind, prop), table in SUBTYPES.items():
        enum = ENUMS[NODE_KINDS[kind].prop(prop).enum]
        for code, sub in table.items():
            cls = _declare(g, BIOKG[sub.cls], OWL.Class, enum.label(code, "zh"), enum.label(code, "en"),
                           f"{kind} with {prop} {code!r}.")
            supers = (class_iri(kind), *map(curie, sub.supers))
            add_all(g, cls, *((RDFS.subClassOf, sup) for sup in supers))


def _datatype_properties(g: Graph) -> None:
    # biokg:name is not a sub-property of rdfs:label: the export adds rdfs:label @zh itself.
    name = _declare(g, BIOKG.name, OWL.DatatypeProperty, "名称", "name", "The name, Chinese first.")
    add_all(g, name, (RDFS.subPropertyOf, SDO.name), (RDFS.range, XSD.string))
    for local, uses in datatype_properties().items():
        first = uses[0][1]
        p = _declare(g, BIOKG[local], OWL.DatatypeProperty, first.zh, first.en)
        g.add((p, RDFS.range, XSD_TYPES[first.type]))
        if len({owner for owner, _ in uses}) == 1:
            g.add((p, RDFS.domain, uses[0][0]))
    for local, zh, en, rng in (("sourceRow", "来源行", "source row", XSD.integer),
                               ("loadId", "导入批次", "load id", XSD.string)):
        g.add((_declare(g, BIOKG[local], OWL.DatatypeProperty, zh, en), RDFS.range, rng))


def _object_properties(g: Graph) -> None:
    _declare(g, BIOKG.QualifiedRelation, OWL.Class, "关系节点", "qualified relation",
             "An edge with properties, as a node (W3C qualified-relation pattern).")
    target = _declare(g, BIOKG.relationTarget, OWL.ObjectProperty, "关系目标", "relation target")
    g.add((target, RDFS.domain, BIOKG.QualifiedRelation))
    for edge in EDGE_KINDS.values():
        p = _declare(g, edge_property(edge), OWL.ObjectProperty, edge.zh, edge.en)
        add_all(g, p, (RDFS.domain, _class_expr(g, edge.sources)), (RDFS.range, _class_expr(g, edge.targets)),
             *((RDFS.subPropertyOf, curie(sup)) for sup in edge.rdf_super))
        if edge.symmetric:
            g.add((p, RDF.type, OWL.SymmetricProperty))
    for edge in QUALIFIED:
        rel = _declare(g, relation_class(edge), OWL.Class, f"{edge.zh}（关系）", f"{edge.en} (relation)")
        g.add((rel, RDFS.subClassOf, BIOKG.QualifiedRelation))
        q = _declare(g, qualified_property(edge), OWL.ObjectProperty, f"{edge.zh}（限定）", f"qualified {edge.en}")
        add_all(g, q, (RDFS.domain, _class_expr(g, edge.sources)), (RDFS.range, rel))


def _concept(g: Graph, s: URIRef, scheme: URIRef, zh: str, en: str, aliases: tuple[str, ...] = ()) -> URIRef:
    add_all(g, s, (RDF.type, SKOS.Concept), (SKOS.inScheme, scheme))
    _labels(g, s, zh, en, SKOS.prefLabel)
    return add_all(g, s, *((SKOS.altLabel, Literal(a)) for a in aliases if a))


def _scheme(g: Graph, name: str, zh: str, en: str) -> URIRef:
    s = add_all(g, scheme_iri(name), (RDF.type, SKOS.ConceptScheme))
    _labels(g, s, zh, en, SKOS.prefLabel)
    return s


def _vocabularies(g: Graph) -> None:
    for enum in ENUMS.values():
        scheme = _scheme(g, enum.name, enum.zh, enum.en)
        for v in enum.values:
            c = _concept(g, enum_iri(enum.name, v.value), scheme, v.zh, v.en, v.aliases)
            g.add((c, SKOS.notation, Literal(v.value)))
    for local, zh, en in (("ipcPattern", "IPC分类号", "IPC pattern"), ("inChain", "所属产业链", "in chain"),
                          ("chainPosition", "链上位置", "chain position"), ("chainOrder", "顺序", "order in chain")):
        _declare(g, BIOKG[local], OWL.AnnotationProperty, zh, en)
    fields = _scheme(g, "fields", "领域", "fields")
    for f in FIELDS:
        s = _concept(g, node_iri(f.id), fields, f.zh, f.en, f.aliases)
        g.add((s, SKOS.broader, node_iri(f.parent)) if f.parent else (s, SKOS.topConceptOf, fields))
        add_all(g, s, (BIOKG.inChain, enum_iri("chain", f.domain)), *((BIOKG.ipcPattern, Literal(p)) for p in f.ipc))
    specialties = _scheme(g, "specialties", "专科", "clinical specialties")
    for sp in SPECIALTIES:
        s = _concept(g, node_iri(sp.id), specialties, sp.zh, sp.en, sp.aliases)
        add_all(g, s, *((SKOS.related, node_iri(f)) for f in sp.fields))
    segments = _scheme(g, "segments", "产业链环节", "industry-chain segments")
    for seg in SEGMENTS:
        s = _concept(g, node_iri(seg.id), segments, seg.zh, seg.en, seg.aliases)
        add_all(g, s, (BIOKG.inChain, enum_iri("chain", seg.chain)),
             (BIOKG.chainPosition, enum_iri("chain_position", seg.position)), (BIOKG.chainOrder, Literal(seg.order)))


def build_ontology() -> Graph:
    """The OWL ontology: classes, properties, enumerations and the field/segment vocabularies."""
    g = new_graph()
    add_all(g, ONTOLOGY_IRI, (RDF.type, OWL.Ontology), (RDFS.comment, Literal(
        "Generated from ontology/schema.py by `python -m ontology.rdf --write`; do not edit.", lang="en")))
    _labels(g, ONTOLOGY_IRI, "上海生物医药产业生态知识图谱本体", "biokg ontology")
    _classes(g)
    _datatype_properties(g)
    _object_properties(g)
    _vocabularies(g)
    return g


# ----------------------------------------------------------------------------- files

_HEADER = "# Generated from ontology/schema.py by `python -m ontology.rdf --write`. Do not edit.\n"


def ontology_turtle() -> str:
    return _HEADER + build_ontology().serialize(format="turtle")


def shapes_turtle() -> str:
    from ontology.shacl import build_shapes  # shacl builds on the IRIs defined here

    return _HEADER + build_shapes().serialize(format="turtle")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ontology.rdf", description="OWL and SHACL of biokg.")
    parser.add_argument("--write", action="store_true", help=f"write {OWL_PATH.name} and {SHAPES_PATH.name}")
    if not parser.parse_args(argv).write:
        print(ontology_turtle(), end="")
        return 0
    for path, text in ((OWL_PATH, ontology_turtle()), (SHAPES_PATH, shapes_turtle())):
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

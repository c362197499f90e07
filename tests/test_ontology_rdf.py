"""OWL and SHACL generated from the declarations: checked-in files, labels, alignments, shapes."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

from ontology import EDGE_KINDS, ENUMS, FIELDS, NODE_KINDS, SEGMENTS, identifiers, schema
from ontology.identifiers import (
    check_division_code,
    check_ipc,
    check_patent_number,
    check_registration,
    check_stock_code,
    check_street_code,
    check_uscc,
    normalise_ipc,
    uscc_check_char,
)
from ontology.rdf import BIOKG, DATA, ORG, OWL_PATH, SDO, SHAPES, SHAPES_PATH, build_ontology, enum_iri, node_iri
from ontology.shacl import FORMAT_PATTERNS, anchored, build_shapes

XSD = "http://www.w3.org/2001/XMLSchema#"
REGENERATE = "run `python -m ontology.rdf --write` and commit ontology/biokg.ttl and ontology/shapes.ttl"


@pytest.fixture(scope="module")
def owl() -> Graph:
    return build_ontology()


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return build_shapes()


# ----------------------------------------------------------------------------- drift


@pytest.mark.parametrize("path, build", [(OWL_PATH, build_ontology), (SHAPES_PATH, build_shapes)])
def test_checked_in_file_matches_the_declarations(path, build):
    on_disk = Graph().parse(path, format="turtle")
    assert isomorphic(on_disk, build()), f"{path.name} is out of date with ontology/schema.py: {REGENERATE}"


def test_a_changed_declaration_is_drift(monkeypatch):
    park = NODE_KINDS["Park"]
    monkeypatch.setitem(schema.NODE_KINDS, "Park", dataclasses.replace(park, zh="产业园区"))
    assert not isomorphic(Graph().parse(OWL_PATH, format="turtle"), build_ontology())


# ----------------------------------------------------------------------------- labels


def _labels(g: Graph, s: URIRef, pred=RDFS.label) -> dict[str, str]:
    found = {o.language: str(o) for o in g.objects(s, pred) if isinstance(o, Literal)}
    assert set(found) >= {"zh", "en"}, f"{s} lacks a zh or en label"
    return found


def test_every_node_kind_is_a_class_with_zh_and_en_labels(owl):
    for kind in NODE_KINDS.values():
        s = BIOKG[kind.name]
        assert (s, RDF.type, OWL.Class) in owl
        assert _labels(owl, s) == {"zh": kind.zh, "en": kind.en}
        assert (s, RDFS.comment, Literal(kind.doc, lang="en")) in owl


def test_every_edge_kind_is_an_object_property_with_labels(owl):
    for edge in EDGE_KINDS.values():
        s = BIOKG[edge.rdf_name]
        assert (s, RDF.type, OWL.ObjectProperty) in owl
        assert _labels(owl, s) == {"zh": edge.zh, "en": edge.en}


def test_every_field_segment_and_enum_value_is_a_concept_with_labels(owl):
    for item in (*FIELDS, *SEGMENTS):
        s = node_iri(item.id)
        assert (s, RDF.type, SKOS.Concept) in owl
        assert _labels(owl, s, SKOS.prefLabel) == {"zh": item.zh, "en": item.en}
    for enum in ENUMS.values():
        for v in enum.values:
            assert _labels(owl, enum_iri(enum.name, v.value), SKOS.prefLabel) == {"zh": v.zh, "en": v.en}


def test_every_declared_property_is_a_datatype_property_with_labels(owl):
    owners = (*NODE_KINDS.values(), *EDGE_KINDS.values())
    for name in {p.name for k in owners for p in k.props} | {"name"}:
        assert (BIOKG[name], RDF.type, OWL.DatatypeProperty) in owl
        _labels(owl, BIOKG[name])


# ----------------------------------------------------------------------------- stated facts


def _union(g: Graph, node) -> set:
    return set(Collection(g, g.value(node, OWL.unionOf)))


@pytest.mark.parametrize("sub, sup", [
    (BIOKG.Enterprise, SDO.Organization),
    (BIOKG.Enterprise, ORG.FormalOrganization),
    (BIOKG.Institution, SDO.Organization),
    (BIOKG.District, SDO.AdministrativeArea),
    (BIOKG.Field, SKOS.Concept),
    (BIOKG.Hospital, SDO.Hospital),
    (BIOKG.Hospital, BIOKG.Institution),
    (BIOKG.University, SDO.CollegeOrUniversity),
    (BIOKG.ResearchInstitute, SDO.ResearchOrganization),
    (BIOKG.Agency, SDO.GovernmentOrganization),
    (BIOKG.TestingLab, BIOKG.Institution),
    (BIOKG.Drug, SDO.Drug),
    (BIOKG.Device, SDO.MedicalDevice),
    (BIOKG.IVD, SDO.MedicalDevice),
    (BIOKG.IVD, BIOKG.Product),
    (BIOKG.TracksRelation, BIOKG.QualifiedRelation),
])
def test_class_alignment(owl, sub, sup):
    assert (sub, RDFS.subClassOf, sup) in owl


def test_subtype_labels_come_from_the_enumeration(owl):
    assert _labels(owl, BIOKG.Hospital) == {"zh": "医院", "en": "hospital"}
    assert _labels(owl, BIOKG.IVD) == {"zh": "体外诊断试剂", "en": "IVD"}


def test_object_property_alignment_domain_and_range(owl):
    assert (BIOKG.subfieldOf, RDFS.subPropertyOf, SKOS.broader) in owl
    assert (BIOKG.inDistrict, RDFS.subPropertyOf, SDO.containedInPlace) in owl
    # a service point is an org:Site, not a sub-organisation, so PART_OF is not aligned with ORG
    assert (BIOKG.partOf, RDFS.subPropertyOf, ORG.subOrganizationOf) not in owl
    assert (BIOKG.inDistrict, RDFS.range, BIOKG.District) in owl
    assert _union(owl, owl.value(BIOKG.inDistrict, RDFS.domain)) == {BIOKG.Park, BIOKG.Enterprise, BIOKG.Institution,
                                                                      BIOKG.Subdistrict}
    assert (BIOKG.appliedBy, RDFS.domain, BIOKG.Patent) in owl
    assert _union(owl, owl.value(BIOKG.appliedBy, RDFS.range)) == {BIOKG.Enterprise, BIOKG.Institution}
    assert (BIOKG.collaborates, RDF.type, OWL.SymmetricProperty) in owl
    assert (BIOKG.tracks, RDF.type, OWL.SymmetricProperty) not in owl


def test_qualified_relations_for_edges_with_properties(owl):
    relations = set(owl.subjects(RDFS.subClassOf, BIOKG.QualifiedRelation))
    assert relations == {BIOKG.ProvidesRelation, BIOKG.NeedsRelation, BIOKG.CollaboratesRelation,
                         BIOKG.TrialSiteRelation, BIOKG.TracksRelation, BIOKG.RankedRelation}
    assert (BIOKG.qualifiedTracks, RDFS.domain, BIOKG.Station) in owl
    assert (BIOKG.qualifiedTracks, RDFS.range, BIOKG.TracksRelation) in owl
    assert (BIOKG.id, RDFS.domain, BIOKG.TracksRelation) in owl  # only service records have an id


@pytest.mark.parametrize("prop, rng, domain", [
    ("uscc", "string", BIOKG.Enterprise),
    ("order", "integer", BIOKG.Segment),
    ("lat", "double", None),  # parks and institutions
    ("listed", "boolean", BIOKG.Enterprise),
    ("application_date", "date", BIOKG.Patent),
    ("designations", "string", BIOKG.Product),
    ("date", "date", None),  # three relation classes
    ("type", "string", None),
])
def test_datatype_property_range_and_domain(owl, prop, rng, domain):
    assert owl.value(BIOKG[prop], RDFS.range) == URIRef(XSD + rng)
    assert owl.value(BIOKG[prop], RDFS.domain) == domain


def test_name_is_schema_name(owl):
    assert (BIOKG.name, RDFS.subPropertyOf, SDO.name) in owl


def test_field_and_segment_vocabularies(owl):
    antibody, biologic = DATA["field%3Aantibody"], DATA["field%3Abiologic"]
    assert (antibody, SKOS.broader, biologic) in owl
    assert set(owl.objects(antibody, BIOKG.ipcPattern)) == {Literal("C07K16"), Literal("A61K39/395")}
    assert (DATA["field%3Adrug"], SKOS.topConceptOf, BIOKG["scheme/fields"]) in owl
    clinical = DATA["segment%3Adrug.clinical"]
    assert (clinical, BIOKG.chainPosition, BIOKG["chain_position/midstream"]) in owl
    assert (clinical, BIOKG.inChain, BIOKG["chain/drug"]) in owl
    assert (clinical, BIOKG.chainOrder, Literal(6)) in owl
    assert (BIOKG["institution_type/hospital"], SKOS.inScheme, BIOKG["scheme/institution_type"]) in owl


# ----------------------------------------------------------------------------- shapes


def _prop_shape(g: Graph, kind: str, prop: str) -> URIRef:
    ps = SHAPES[f"{kind}-{prop}"]
    assert (SHAPES[kind], SH.property, ps) in g
    return ps


def test_every_node_kind_and_relation_has_a_shape(shapes):
    for kind in NODE_KINDS:
        assert (SHAPES[kind], SH.targetClass, BIOKG[kind]) in shapes
    for rel in ("TracksRelation", "CollaboratesRelation", "ProvidesRelation", "NeedsRelation", "TrialSiteRelation"):
        assert (SHAPES[rel], SH.targetClass, BIOKG[rel]) in shapes


def test_shapes_follow_the_declarations(shapes):
    uscc = _prop_shape(shapes, "Enterprise", "uscc")
    assert shapes.value(uscc, SH.pattern) == Literal(r"^([0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10})$")
    assert shapes.value(uscc, SH.maxCount) == Literal(1)
    assert shapes.value(uscc, SH.minCount) is None
    code = _prop_shape(shapes, "District", "code")
    assert shapes.value(code, SH.pattern) == Literal(r"^([1-9]\d{5})$")
    itype = _prop_shape(shapes, "Institution", "type")
    assert shapes.value(itype, SH.minCount) == Literal(1)
    assert [str(v) for v in Collection(shapes, shapes.value(itype, SH["in"]))] == [
        "university", "research_institute", "hospital", "agency", "association", "testing_lab", "other"]
    lat = _prop_shape(shapes, "Park", "lat")
    assert (shapes.value(lat, SH.minInclusive), shapes.value(lat, SH.maxInclusive)) == (Literal(-90.0), Literal(90.0))
    name = _prop_shape(shapes, "Segment", "name")
    assert (shapes.value(name, SH.minCount), shapes.value(name, SH.maxCount)) == (Literal(1), Literal(1))
    specialties = _prop_shape(shapes, "Institution", "specialties")
    assert shapes.value(specialties, SH.maxCount) is None  # a list
    assert shapes.value(_prop_shape(shapes, "Field", "ipc_patterns"), SH.pattern) is None  # patterns, not codes
    assert shapes.value(_prop_shape(shapes, "Patent", "ipc"), SH.pattern) is not None


def test_edge_shapes_name_the_target_classes(shapes):
    located = _prop_shape(shapes, "Enterprise", "locatedIn")
    assert shapes.value(located, SH["class"]) == BIOKG.Park
    applied = _prop_shape(shapes, "Patent", "appliedBy")
    options = Collection(shapes, shapes.value(applied, SH["or"]))
    assert {shapes.value(o, SH["class"]) for o in options} == {BIOKG.Enterprise, BIOKG.Institution}
    date = _prop_shape(shapes, "TracksRelation", "date")
    assert (shapes.value(date, SH.minCount), shapes.value(date, SH.datatype)) == (Literal(1), URIRef(XSD + "date"))


# ----------------------------------------------------------------------------- patterns vs checkers

# Candidates come from the checkers' own grammars (plus noise), so both accepted and rejected values
# occur.  ASCII digits for USCC: check_uscc raises KeyError on other digits that \d lets through.
_USCC_CHAR = st.sampled_from(identifiers.USCC_CHARS)
_DIGITS = "0123456789"
_USCC_BODY = st.tuples(
    st.text(_USCC_CHAR, min_size=2, max_size=2),
    st.text(st.sampled_from(_DIGITS), min_size=6, max_size=6),
    st.text(_USCC_CHAR, min_size=9, max_size=9),
).map("".join)
_CANDIDATES = {
    "uscc": (check_uscc, st.one_of(
        _USCC_BODY.map(lambda v: v + uscc_check_char(v)),
        st.text(alphabet=identifiers.USCC_CHARS + "IOSVZ", min_size=17, max_size=19),
    )),
    "division_code": (check_division_code, st.text(st.sampled_from(_DIGITS), min_size=5, max_size=7)),
    "ipc": (check_ipc, st.from_regex(identifiers._IPC, fullmatch=True).map(lambda v: normalise_ipc(v) or v)),
    "registration_no": (check_registration, st.one_of(
        *(st.from_regex(r, fullmatch=True) for r in (identifiers._DRUG_NO, identifiers._DEVICE_REG,
                                                    identifiers._DEVICE_FILING)))),
    "patent_no": (check_patent_number, st.one_of(
        st.from_regex(identifiers._PUBLICATION, fullmatch=True),
        st.from_regex(identifiers._CN_APPLICATION, fullmatch=True))),
    "street_code": (check_street_code, st.text(st.sampled_from(_DIGITS), min_size=8, max_size=10)),
    "stock_code": (check_stock_code, st.one_of(
        st.from_regex(identifiers._STOCK, fullmatch=True),
        st.text(st.sampled_from(_DIGITS + ".SHZKBO"), min_size=6, max_size=10))),
}


@pytest.mark.parametrize("fmt", sorted(FORMAT_PATTERNS))
def test_every_value_the_checker_accepts_matches_the_shacl_pattern(fmt):
    checker, candidates = _CANDIDATES[fmt]
    pattern = re.compile(anchored(FORMAT_PATTERNS[fmt]))
    accepted = []

    @settings(max_examples=150, deadline=None, database=None)
    @given(candidates)
    def check(value):
        if checker(value) is None:
            accepted.append(value)
            assert pattern.search(value), f"{fmt}: {value!r} is valid but the SHACL pattern rejects it"

    check()
    assert accepted, f"no {fmt} candidate was valid: the property was not exercised"


@pytest.mark.parametrize("fmt, bad", [
    ("uscc", "91310112MA1FL1MMI2"), ("division_code", "031011"), ("ipc", "A61K 39/395"),
    ("registration_no", "国械注准2021307012"), ("patent_no", "CN-115123456"), ("street_code", "31011200"),
    ("stock_code", "688180"), ("stock_code", "688180.HK"),
])
def test_shacl_patterns_reject_malformed_values(fmt, bad):
    assert not re.search(anchored(FORMAT_PATTERNS[fmt]), bad)

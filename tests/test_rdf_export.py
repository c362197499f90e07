"""RDF export of a small hand-built region: SHACL conformance, specific triples, round trips."""

from __future__ import annotations

import hashlib
import json

import pyshacl
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, PROV, RDF, RDFS, SH

from graph import EmbeddedStore
from graph.model import Edge, Node, Provenance
from loaders.rdf_export import RDF_FORMATS, serialize, to_rdf
from ontology import InvalidInput, SchemaError
from ontology.identifiers import check_uscc, uscc_check_char
from ontology.rdf import BIOKG, DATA, build_ontology, node_iri
from ontology.shacl import build_shapes

# rdflib's XSD namespace warns when pytest probes its attributes, so spell the two datatypes out.
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")
XSD_STRING = URIRef("http://www.w3.org/2001/XMLSchema#string")
XSD_DATETIME = URIRef("http://www.w3.org/2001/XMLSchema#dateTime")

PROV_ROW = Provenance("region.csv", 3, "load-1", "2024-05-01T08:00:00+00:00")
USCC = "91310112MA1FL1MM2" + uscc_check_char("91310112MA1FL1MM2")

DISTRICT, PARK, ENT, HOSP = "district:310112", "park:zizhu", "ent:000123", "inst:fifth"
PRODUCT, PATENT, CORE, STATION = "prod:pcr", "CN115123456A", "station:core", "station:minhang"
POINT, PROJECT = "sp:fifth", "kp:001"


def _n(nid: str, kind: str, name: str, **props) -> Node:
    return Node(nid, kind, name, props, PROV_ROW)


def _e(kind: str, src: str, dst: str, **props) -> Edge:
    return Edge(kind, src, dst, props, PROV_ROW)


NODES = [
    _n(DISTRICT, "District", "闵行区", code="310112", type="district", aliases=["Minhang"]),
    _n(PARK, "Park", "紫竹高新区", address="紫竹路1号", lat=31.02, lon=121.45),
    _n(ENT, "Enterprise", "示例生物科技有限公司", uscc=USCC, scale="small", credit="A", listed=False),
    _n(HOSP, "Institution", "上海市第五人民医院", type="hospital", grade="3B", gcp_drug=True, gcp_device=True,
       specialties=["心血管内科", "肿瘤科"], lat=31.01, lon=121.41),
    _n(PRODUCT, "Product", "核酸检测分析仪", type="device", device_class="III", stage="approved",
       registration_no="国械注准20213070123", innovation_channel="national", designations=["innovative"]),
    _n(PATENT, "Patent", "一种抗CD20抗体", ipc=["C07K16/28"], application_date="2022-06-01", status="pending",
       transferable=True),
    _n(CORE, "Station", "闵行中心", type="core", scope="both"),
    _n(STATION, "Station", "紫竹工作站", type="station", scope="device"),
    _n(POINT, "ServicePoint", "第五人民医院服务点"),
    _n(PROJECT, "KeyProject", "高通量核酸检测平台", level="municipal"),
]
EDGES = [
    _e("IN_DISTRICT", PARK, DISTRICT), _e("IN_DISTRICT", ENT, DISTRICT), _e("IN_DISTRICT", HOSP, DISTRICT),
    _e("LOCATED_IN", ENT, PARK), _e("IN_FIELD", ENT, "field:antibody"), _e("OWNS", ENT, PRODUCT),
    _e("APPLIED_BY", PATENT, ENT), _e("CLASSIFIED_AS", PATENT, "field:antibody"),
    _e("SERVES", STATION, DISTRICT), _e("SITED_AT", STATION, PARK), _e("PART_OF", STATION, CORE),
    _e("PART_OF", POINT, STATION), _e("SITED_AT", POINT, HOSP),
    _e("FOR_PRODUCT", PROJECT, PRODUCT), _e("UNDERTAKEN_BY", PROJECT, ENT),
    _e("TRACKS", STATION, PRODUCT, id="SR-2024-001", date="2024-03-01", type="tracking", note="注册检验进度"),
    _e("TRACKS", STATION, PROJECT, id="SR-2024-002", date="2024-03-05", type="visit"),
    _e("COLLABORATES", HOSP, ENT, type="clinical_trial", date="2023-11-15", evidence="临床试验协议"),
    _e("PROVIDES", HOSP, "segment:drug.clinical", field="field:antibody"),
    _e("NEEDS", ENT, "segment:device.clinical_evaluation"),
    _e("TRIAL_SITE", PRODUCT, HOSP, date="2023-12-01"),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    with EmbeddedStore(tmp_path_factory.mktemp("rdf") / "kg.db") as s:
        s.write(NODES, EDGES)
        yield s


@pytest.fixture(scope="module")
def data(store) -> Graph:
    return to_rdf(store.nodes(), store.edges())


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return build_shapes()


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return build_ontology()


def validate(data: Graph, shapes: Graph, ontology: Graph) -> tuple[bool, Graph, str]:
    conforms, report, text = pyshacl.validate(data, shacl_graph=shapes, ont_graph=ontology, inference="rdfs")
    return conforms, report, text


def results(report: Graph) -> set[tuple]:
    """(focus node, path, constraint component) of each violation."""
    return {
        (report.value(r, SH.focusNode), report.value(r, SH.resultPath), report.value(r, SH.sourceConstraintComponent))
        for r in report.subjects(RDF.type, SH.ValidationResult)
    }


def test_the_hand_built_uscc_is_valid():
    assert check_uscc(USCC) is None


def test_export_conforms_to_the_shapes(data, shapes, ontology):
    conforms, _, text = validate(data, shapes, ontology)
    assert conforms, text


def test_export_conforms_without_inference(data, shapes):
    conforms, _, text = pyshacl.validate(data, shacl_graph=shapes)
    assert conforms, text


# ----------------------------------------------------------------------------- broken data


def _broken(data: Graph, remove=(), add=()) -> Graph:
    g = Graph()
    for t in data:
        g.add(t)
    for pattern in remove:
        g.remove(pattern)
    for triple in add:
        g.add(triple)
    return g


def _relation(data: Graph, qualified: URIRef, src: str, dst: str) -> URIRef:
    (r,) = [r for r in data.objects(node_iri(src), qualified) if (r, BIOKG.relationTarget, node_iri(dst)) in data]
    return r


def test_missing_required_property_is_a_violation(data, shapes, ontology):
    hosp = node_iri(HOSP)
    conforms, report, text = validate(_broken(data, remove=[(hosp, BIOKG.type, None)]), shapes, ontology)
    assert not conforms
    assert (hosp, BIOKG.type, SH.MinCountConstraintComponent) in results(report)
    assert "Less than 1 values" in text
    # the subtype check says why as well: a biokg:Hospital must say it is one
    assert "a biokg:Hospital must have type 'hospital'" in text


def test_invalid_enum_literal_is_a_violation(data, shapes, ontology):
    prod = node_iri(PRODUCT)
    broken = _broken(data, remove=[(prod, BIOKG.stage, None)], add=[(prod, BIOKG.stage, Literal("phase3"))])
    conforms, report, text = validate(broken, shapes, ontology)
    assert not conforms
    assert results(report) == {(prod, BIOKG.stage, SH.InConstraintComponent)}
    assert 'Value Literal("phase3") not in list' in text


def test_district_without_code_is_a_violation_but_a_special_area_needs_none(data, shapes, ontology):
    d = node_iri(DISTRICT)
    no_code = _broken(data, remove=[(d, BIOKG.code, None)])
    conforms, report, text = validate(no_code, shapes, ontology)
    assert not conforms
    assert results(report) == {(d, None, SH.OrConstraintComponent)}
    assert "code is required when type is 'district'" in text
    special = _broken(no_code, remove=[(d, BIOKG.type, None)], add=[(d, BIOKG.type, Literal("special_area"))])
    assert validate(special, shapes, ontology)[0]


def test_malformed_uscc_is_a_violation(data, shapes, ontology):
    ent = node_iri(ENT)
    bad = USCC[:10] + "I" + USCC[11:]  # I never occurs in a USCC
    broken = _broken(data, remove=[(ent, BIOKG.uscc, None)], add=[(ent, BIOKG.uscc, Literal(bad))])
    conforms, report, _ = validate(broken, shapes, ontology)
    assert not conforms
    assert results(report) == {(ent, BIOKG.uscc, SH.PatternConstraintComponent)}


def test_latitude_out_of_range_is_a_violation(data, shapes, ontology):
    park = node_iri(PARK)
    broken = _broken(data, remove=[(park, BIOKG.lat, None)], add=[(park, BIOKG.lat, Literal(95.0))])
    conforms, report, _ = validate(broken, shapes, ontology)
    assert not conforms
    assert results(report) == {(park, BIOKG.lat, SH.MaxInclusiveConstraintComponent)}


def test_patent_iri_must_be_a_patent_number(data, shapes, ontology):
    bogus = node_iri("patent-1")
    broken = _broken(data, add=[(bogus, RDF.type, BIOKG.Patent), (bogus, BIOKG.name, Literal("x"))])
    conforms, report, _ = validate(broken, shapes, ontology)
    assert not conforms
    assert results(report) == {(bogus, None, SH.PatternConstraintComponent)}


def test_service_record_without_date_or_with_a_wrong_target_is_a_violation(data, shapes, ontology):
    r = _relation(data, BIOKG.qualifiedTracks, STATION, PRODUCT)
    conforms, report, _ = validate(_broken(data, remove=[(r, BIOKG.date, None)]), shapes, ontology)
    assert not conforms
    assert results(report) == {(r, BIOKG.date, SH.MinCountConstraintComponent)}
    wrong = _broken(data, remove=[(r, BIOKG.relationTarget, None)],
                    add=[(r, BIOKG.relationTarget, node_iri(DISTRICT))])
    conforms, report, _ = validate(wrong, shapes, ontology)
    assert not conforms
    assert results(report) == {(r, BIOKG.relationTarget, SH.OrConstraintComponent)}


# ----------------------------------------------------------------------------- what is exported


def test_node_iris_percent_encode_the_id(data):
    assert node_iri(DISTRICT) == URIRef("https://w3id.org/biokg/id/district%3A310112")
    assert node_iri(PATENT) == URIRef("https://w3id.org/biokg/id/CN115123456A")
    assert (node_iri(DISTRICT), RDF.type, BIOKG.District) in data


def test_every_stored_node_is_typed_and_named(store, data):
    for node in store.nodes():
        s = node_iri(node.id)
        assert (s, RDF.type, BIOKG[node.kind]) in data
        assert (s, BIOKG.name, Literal(node.name)) in data
        assert (s, RDFS.label, Literal(node.name, lang="zh")) in data


def test_node_properties_are_typed_literals(data):
    ent, hosp, prod, patent = (node_iri(i) for i in (ENT, HOSP, PRODUCT, PATENT))
    assert (ent, BIOKG.uscc, Literal(USCC)) in data
    assert (ent, BIOKG.listed, Literal(False)) in data
    assert {hosp_type for hosp_type in data.objects(hosp, RDF.type)} == {BIOKG.Institution, BIOKG.Hospital}
    assert set(data.objects(hosp, BIOKG.specialties)) == {Literal("心血管内科"), Literal("肿瘤科")}
    assert (hosp, BIOKG.gcp_drug, Literal(True)) in data
    assert (node_iri(PARK), BIOKG.lat, Literal(31.02)) in data
    assert set(data.objects(prod, RDF.type)) == {BIOKG.Product, BIOKG.Device}
    assert (prod, BIOKG.registration_no, Literal("国械注准20213070123")) in data
    assert (prod, BIOKG.designations, Literal("innovative")) in data
    assert (patent, BIOKG.ipc, Literal("C07K16/28")) in data
    assert (patent, BIOKG.application_date, Literal("2022-06-01", datatype=XSD_DATE)) in data
    assert (node_iri(DISTRICT), BIOKG.aliases, Literal("Minhang")) in data


def test_edges_are_triples(data):
    assert (node_iri(PATENT), BIOKG.appliedBy, node_iri(ENT)) in data
    assert (node_iri(PATENT), BIOKG.classifiedAs, URIRef("https://w3id.org/biokg/id/field%3Aantibody")) in data
    assert (node_iri(STATION), BIOKG.tracks, node_iri(PRODUCT)) in data
    assert (node_iri(POINT), BIOKG.partOf, node_iri(STATION)) in data
    assert (URIRef(DATA["field%3Aantibody"]), BIOKG.subfieldOf, URIRef(DATA["field%3Abiologic"])) in data


def test_service_record_is_a_qualified_relation(data):
    r = _relation(data, BIOKG.qualifiedTracks, STATION, PRODUCT)
    identity = json.dumps(["TRACKS", STATION, PRODUCT, "SR-2024-001"], ensure_ascii=False).encode()
    assert r == URIRef("https://w3id.org/biokg/id/rel/" + hashlib.sha1(identity).hexdigest())
    assert (r, RDF.type, BIOKG.TracksRelation) in data
    assert (r, BIOKG.date, Literal("2024-03-01", datatype=XSD_DATE)) in data
    assert (r, BIOKG.id, Literal("SR-2024-001")) in data
    assert (r, BIOKG.type, Literal("tracking")) in data
    assert (r, BIOKG.note, Literal("注册检验进度")) in data
    assert (r, PROV.wasDerivedFrom, DATA["source/region.csv"]) in data


def test_relation_nodes_exactly_for_edges_with_properties(store, data):
    with_props = [e for e in store.edges() if e.kind in ("TRACKS", "COLLABORATES", "PROVIDES", "NEEDS", "TRIAL_SITE")]
    assert len(with_props) == 6
    assert len(set(data.subjects(BIOKG.relationTarget, None))) == 6
    p = _relation(data, BIOKG.qualifiedProvides, HOSP, "segment:drug.clinical")
    assert (p, BIOKG.field, Literal("field:antibody")) in data
    n = _relation(data, BIOKG.qualifiedNeeds, ENT, "segment:device.clinical_evaluation")
    assert data.value(n, BIOKG.field) is None


def test_symmetric_edge_has_one_relation_iri_whichever_way_it_is_given():
    one = to_rdf([], [_e("COLLABORATES", HOSP, ENT, type="supply")])
    other = to_rdf([], [_e("COLLABORATES", ENT, HOSP, type="supply")])
    assert set(one) == set(other)
    assert (node_iri(ENT), BIOKG.collaborates, node_iri(HOSP)) in one  # stored order: sorted ids


def test_provenance_of_nodes(data):
    ent = node_iri(ENT)
    source, load = DATA["source/region.csv"], DATA["load/load-1"]
    assert (ent, PROV.wasDerivedFrom, source) in data
    assert (source, RDFS.label, Literal("region.csv")) in data
    assert (ent, PROV.wasGeneratedBy, load) in data
    assert (load, BIOKG.loadId, Literal("load-1")) in data
    assert (load, PROV.used, source) in data
    assert (ent, BIOKG.sourceRow, Literal(3)) in data
    assert (ent, PROV.generatedAtTime, Literal("2024-05-01T08:00:00+00:00", datatype=XSD_DATETIME)) in data
    field = DATA["field%3Aantibody"]
    assert (field, PROV.wasDerivedFrom, DATA["source/ontology"]) in data
    assert data.value(field, BIOKG.sourceRow) is None  # the ontology has no rows


def test_literal_datatypes_match_the_ontology_ranges(data, ontology):
    ranges = {p: ontology.value(p, RDFS.range) for p in ontology.subjects(RDF.type, OWL.DatatypeProperty)}
    checked = 0
    for _, p, o in data:
        if p in ranges and isinstance(o, Literal):
            assert (o.datatype or (None if o.language else XSD_STRING)) == ranges[p], (p, o)
            checked += 1
    assert checked > 100


def test_unknown_property_is_refused():
    with pytest.raises(SchemaError, match="no property 'colour'"):
        to_rdf([_n(PARK, "Park", "园区", colour="red")], [])


def test_export_is_deterministic(store, data):
    assert set(to_rdf(store.nodes(), store.edges())) == set(data)


# ----------------------------------------------------------------------------- formats


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated")  # inside rdflib's JSON-LD parser
@pytest.mark.parametrize("fmt", sorted(RDF_FORMATS))
def test_round_trip(data, fmt):
    payload = serialize(data, fmt)
    assert isinstance(payload, bytes)
    back = Graph().parse(data=payload, format=RDF_FORMATS[fmt])
    assert len(back) == len(data)
    assert isomorphic(back, data)


def test_turtle_keeps_every_digit_of_a_double():
    """rdflib's Turtle shorthand for doubles has six significant digits (121.93563 -> 1.219356e+02)."""
    g = to_rdf([_n(PARK, "Park", "紫竹高新区", lat=31.123456789, lon=121.93563)], [])
    back = Graph().parse(data=serialize(g, "ttl"), format="turtle")
    assert set(back) == set(g)
    assert (node_iri(PARK), BIOKG.lon, Literal(121.93563)) in back


def test_turtle_uses_the_prefixes(data):
    text = serialize(data, "ttl").decode("utf-8")
    assert "@prefix biokg: <https://w3id.org/biokg/ont#> ." in text
    assert "一种抗CD20抗体" in text  # UTF-8, not escapes


def test_unknown_format_is_refused(data):
    with pytest.raises(InvalidInput, match="unknown RDF format 'rdfxml'; known: ttl, nt, jsonld"):
        serialize(data, "rdfxml")

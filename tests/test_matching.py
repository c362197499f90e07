"""Matching and chain gaps on a hand-built region, answers derived by hand below, on both backends.

The region (as_of 2026-06-30; default weights field 0.30, proximity 0.25, capacity 0.20, credit
0.10, ties 0.15; credit A 1.0, B 0.6, none 0.5; proximity park 1, district 0.75, network 0.5,
Shanghai 0.25, elsewhere 0):

  闵行 D1: parks P1 (31.00, 121.40), P2 (31.00, 121.50); core C and station S1 (part of C) serve it
  徐汇 D3: station S3 (part of C) serves it: D1 and D3 form C's network (一核多站)
  浦东 D2: station S2 (no core) serves it; park P3 (31.20, 121.60)

  X   (the asker) D1, P1, credit A; NEEDS drug.api in antibody; owns PX, a drug in clinical stage
      in antibody -> inferred drug.clinical and drug.cdmo (antibody); it PROVIDES drug.cdmo itself.

  drug.cdmo in antibody, all credit A, no capacity, no ties:
    A1 D1 P1       0.30 + 0.25·1    + 0.10 = 0.65
    A2 D1 P2       0.30 + 0.25·0.75 + 0.10 = 0.5875
    A3 D3          0.30 + 0.25·0.5  + 0.10 = 0.525   (network)
    A4 D2          0.30 + 0.25·0.25 + 0.10 = 0.4625  (a collaboration with X dated 2027: no tie yet)
    A5 江苏, no district              0.30 + 0.10 = 0.40
    A6 D1 P1 credit D: never
  drug.api, all D2 credit B (0.0625 + 0.06 = 0.1225 besides field and capacity):
    B1 antibody    0.30 + 0.1225 = 0.4225
    B5 antibody    0.4225: the tie goes to B1 by id
    B2 biologic (parent of antibody) 0.15 + 0.1225 + capacity: one antibody patent, (1/4)/3·0.2
                   = 0.2725 + 0.016667 = 0.289167
    B3 no field    0.075 + 0.1225 = 0.1975 (its patent is in biologic, not in antibody's family)
    B4 vaccine (a sibling: other) 0 + 0.1225 = 0.1225
  drug.clinical in antibody:
    C1 a CRO, antibody, D2, A, shares partner H1 with X: 0.30 + 0.0625 + 0.10 + 0.15·0.5 = 0.5375
    H1 hospital with a drug GCP filing, D3 (network), hosts PX's trial, collaborated with X:
       no field 0.075 + 0.125 + capacity (1 trial: (1/4)/3·0.2 = 0.016667) + credit none 0.05 +
       tie 0.15 = 0.416667
    H2 hospital with a device GCP filing only, D1: never for drugs.
"""

from __future__ import annotations

from datetime import date
from math import acos, cos, radians, sin

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ontology import InvalidInput, NotFound
from queries.chain import chain_gaps
from queries.matching import match, needs_of
from queries.org_facts import EgoQuery
from tests.helpers import edge, node

AS_OF = date(2026, 6, 30)
D1, D2, D3 = "district:310112", "district:310115", "district:310104"
CDMO, API, CLINICAL = "segment:drug.cdmo", "segment:drug.api", "segment:drug.clinical"


def provides(org: str, segment: str, field: str | None = None):
    return edge("PROVIDES", org, segment, **({"field": field} if field else {}))


def region():
    ents = {"ent:x": (D1, "A"), "ent:a1": (D1, "A"), "ent:a2": (D1, "A"), "ent:a3": (D3, "A"), "ent:a4": (D2, "A"),
            "ent:a5": (None, "A"), "ent:a6": (D1, "D"), "ent:b1": (D2, "B"), "ent:b2": (D2, "B"),
            "ent:b3": (D2, "B"), "ent:b4": (D2, "B"), "ent:b5": (D2, "B"), "ent:c1": (D2, "A"),
            "ent:y": (D2, None)}
    nodes = [
        node(D1, "District", "闵行区", code="310112", type="district"),
        node(D2, "District", "浦东新区", code="310115", type="district"),
        node(D3, "District", "徐汇区", code="310104", type="district"),
        node("park:p1", "Park", "P1园", lat=31.00, lon=121.40),
        node("park:p2", "Park", "P2园", lat=31.00, lon=121.50),
        node("park:p3", "Park", "P3园", lat=31.20, lon=121.60),
        *(node(e, "Enterprise", f"企业{e[4:].upper()}", **({"credit": c} if c else {})) for e, (_, c) in ents.items()),
        node("inst:h1", "Institution", "H1医院", type="hospital", gcp_drug=True, lat=31.19, lon=121.44),
        node("inst:h2", "Institution", "H2医院", type="hospital", gcp_device=True),
        node("inst:lab", "Institution", "检验所", type="testing_lab"),
        node("prod:px", "Product", "PX抗体", type="drug", stage="clinical"),
        node("prod:y1", "Product", "Y1试剂", type="ivd", stage="submitted"),
        node("prod:y2", "Product", "Y2器械", type="device", stage="research"),
        node("CN100000001A", "Patent", "抗体专利", status="granted", application_date="2020-01-01"),
        node("CN100000002A", "Patent", "生物制品专利", status="granted", application_date="2020-01-01"),
        node("station:c", "Station", "核心站", type="core", scope="both"),
        node("station:s1", "Station", "闵行站", type="station", scope="both"),
        node("station:s2", "Station", "浦东站", type="station", scope="both"),
        node("station:s3", "Station", "徐汇站", type="station", scope="both"),
    ]
    nodes[[n.id for n in nodes].index("ent:a5")] = node("ent:a5", "Enterprise", "企业A5", credit="A", province="江苏")
    edges = [edge("IN_DISTRICT", e, d) for e, (d, _) in ents.items() if d]
    edges += [edge("IN_DISTRICT", p, D1) for p in ("park:p1", "park:p2")] + [edge("IN_DISTRICT", "park:p3", D2)]
    edges += [edge("IN_DISTRICT", "inst:h1", D3), edge("IN_DISTRICT", "inst:h2", D1), edge("IN_DISTRICT", "inst:lab", D2)]
    edges += [edge("LOCATED_IN", e, p) for e, p in (("ent:x", "park:p1"), ("ent:a1", "park:p1"),
                                                    ("ent:a2", "park:p2"), ("ent:a6", "park:p1"))]
    edges += [edge("SERVES", "station:c", D1), edge("SERVES", "station:s1", D1), edge("SERVES", "station:s3", D3),
              edge("SERVES", "station:s2", D2), edge("PART_OF", "station:s1", "station:c"),
              edge("PART_OF", "station:s3", "station:c")]
    edges += [edge("NEEDS", "ent:x", API, field="field:antibody"), edge("OWNS", "ent:x", "prod:px"),
              edge("IN_FIELD", "prod:px", "field:antibody"), provides("ent:x", CDMO, "field:antibody")]
    edges += [provides(a, CDMO, "field:antibody") for a in ("ent:a1", "ent:a2", "ent:a3", "ent:a4", "ent:a5", "ent:a6")]
    edges += [provides("ent:b1", API, "field:antibody"), provides("ent:b5", API, "field:antibody"),
              provides("ent:b2", API, "field:biologic"), provides("ent:b3", API),
              provides("ent:b4", API, "field:vaccine"), provides("ent:c1", CLINICAL, "field:antibody")]
    edges += [edge("APPLIED_BY", "CN100000001A", "ent:b2"), edge("CLASSIFIED_AS", "CN100000001A", "field:antibody"),
              edge("APPLIED_BY", "CN100000002A", "ent:b3"), edge("CLASSIFIED_AS", "CN100000002A", "field:biologic")]
    edges += [edge("TRIAL_SITE", "prod:px", "inst:h1", date="2025-01-01"),
              edge("COLLABORATES", "ent:x", "inst:h1", type="clinical_trial", date="2025-01-01"),
              edge("COLLABORATES", "ent:c1", "inst:h1", type="clinical_trial", date="2024-03-01"),
              edge("COLLABORATES", "ent:x", "ent:a4", type="supply", date="2027-01-01")]
    edges += [edge("OWNS", "ent:y", "prod:y1"), edge("OWNS", "ent:y", "prod:y2"),
              edge("IN_FIELD", "prod:y1", "field:molecular_diagnostics")]
    return nodes, edges


@pytest.fixture
def hand(store):
    store.write(*region())
    return store


def test_scores_and_order_are_those_derived_by_hand(hand):
    r = match(hand, "ent:x", as_of=AS_OF)
    got = [(m.id, m.segment, m.score) for m in r.results]
    assert got == [
        ("ent:a1", CDMO, 0.65), ("ent:a2", CDMO, 0.5875), ("ent:c1", CLINICAL, 0.5375), ("ent:a3", CDMO, 0.525),
        ("ent:a4", CDMO, 0.4625), ("ent:b1", API, 0.4225), ("ent:b5", API, 0.4225), ("inst:h1", CLINICAL, 0.416667),
        ("ent:a5", CDMO, 0.4), ("ent:b2", API, 0.289167), ("ent:b3", API, 0.1975), ("ent:b4", API, 0.1225)]


def test_top_k_per_need_and_ties_by_id(hand):
    r = match(hand, "企业X", top=1, as_of=AS_OF)
    assert [(m.id, m.segment) for m in r.results] == [("ent:a1", CDMO), ("ent:c1", CLINICAL), ("ent:b1", API)]
    assert r.org == "ent:x"


def test_needs_stated_and_inferred_from_stages(hand):
    r = match(hand, "ent:x", as_of=AS_OF)
    assert [(n.segment, n.field, [w.key for w in n.why]) for n in r.needs] == [
        (API, "field:antibody", ["stated"]), (CLINICAL, "field:antibody", ["stage_rule"]),
        (CDMO, "field:antibody", ["stage_rule"])]  # in chain order
    assert r.needs[1].why[0].product == "prod:px"
    # a submitted IVD needs type testing and registration in its field; a device in research design
    # and components, without a field
    ego = hand.evaluate(EgoQuery("ent:y", AS_OF))
    assert [(n.segment, n.field) for n in needs_of(ego, None, None)] == [
        ("segment:device.components", None), ("segment:device.design", None),
        ("segment:device.type_testing", "field:molecular_diagnostics"),
        ("segment:device.regulatory", "field:molecular_diagnostics")]
    assert [(n.segment, n.field) for n in needs_of(ego, None, "field:imaging")] == [
        ("segment:device.components", "field:imaging"), ("segment:device.design", "field:imaging"),
        ("segment:device.type_testing", "field:imaging"), ("segment:device.regulatory", "field:imaging")]


def test_gcp_hospital_for_a_clinical_drug_and_not_a_device_only_one(hand):
    r = match(hand, "ent:x", segment="临床CRO", field="抗体", as_of=AS_OF)
    assert [(m.id, m.score) for m in r.results] == [("ent:c1", 0.5375), ("inst:h1", 0.416667)]
    # without a field, field fit is "none" for both (0.075): C1 falls to 0.3125, H1 stays 0.416667
    r = match(hand, "ent:x", segment="临床CRO", as_of=AS_OF)
    assert [(m.id, m.score) for m in r.results] == [("inst:h1", 0.416667), ("ent:c1", 0.3125)]
    device = match(hand, "ent:y", segment="segment:device.clinical_evaluation", as_of=AS_OF)
    assert [m.id for m in device.results] == ["inst:h2"]
    testing = match(hand, "ent:y", segment="segment:device.type_testing", as_of=AS_OF)
    assert [m.id for m in testing.results] == ["inst:lab"]  # a testing lab, by its type


def test_never_the_org_never_d(hand):
    ids = {m.id for m in match(hand, "ent:x", top=50, as_of=AS_OF).results}
    assert "ent:x" not in ids and "ent:a6" not in ids


def test_a_collaboration_counts_only_from_its_date(hand):
    later = match(hand, "ent:x", segment=CDMO, field="field:antibody", as_of=date(2027, 1, 1))
    a4 = next(m for m in later.results if m.id == "ent:a4")
    assert a4.score == 0.6125 and "past_collaboration" in [x.key for x in a4.reasons]


def test_evidence_paths_with_provenance(hand):
    r = match(hand, "ent:x", as_of=AS_OF)
    by = {(m.id, m.segment): m for m in r.results}
    a1 = by[("ent:a1", CDMO)]
    paths = {e.path: [(x.kind, x.src, x.dst, x.source, x.load_id) for x in e.edges] for e in a1.evidence}
    assert paths[("ent:a1", CDMO)] == [("PROVIDES", "ent:a1", CDMO, "test.csv", "L-test")]
    assert paths[("ent:x", "park:p1", "ent:a1")] == [("LOCATED_IN", "ent:x", "park:p1", "test.csv", "L-test"),
                                                     ("LOCATED_IN", "ent:a1", "park:p1", "test.csv", "L-test")]
    a3 = {e.path for e in by[("ent:a3", CDMO)].evidence}
    assert (("ent:x", D1, "station:c", "station:s3", D3, "ent:a3")) in a3
    h1 = by[("inst:h1", CLINICAL)].evidence
    assert any(e.note and "临床试验" in e.note for e in h1)  # by its type: the filing, said in words
    assert [(x.kind, x.src, x.dst) for e in h1 if e.path == ("ent:x", "inst:h1") for x in e.edges] == [
        ("COLLABORATES", "ent:x", "inst:h1")]
    c1 = by[("ent:c1", CLINICAL)].evidence
    assert ("ent:x", "inst:h1", "ent:c1") in {e.path for e in c1}
    # every evidence edge exists in the store (asked through the plain store interface)
    for m in r.results:
        for e in m.evidence:
            for x in e.edges:
                at = hand.neighbours(x.src, [x.kind])
                assert any((n.edge.src, n.edge.dst, n.edge.provenance.load_id) == (x.src, x.dst, x.load_id)
                           for n in at)
            assert e.edges or e.note  # a path without edges says in words what it rests on


def test_bad_input(hand):
    with pytest.raises(NotFound, match="no Enterprise or Institution named"):
        match(hand, "无此企业")
    with pytest.raises(InvalidInput, match="unknown segment"):
        match(hand, "ent:x", segment="不存在的环节")
    with pytest.raises(InvalidInput, match="top"):
        match(hand, "ent:x", top=0)
    with pytest.raises(InvalidInput, match="weight 'speed'"):
        match(hand, "ent:x", weights={"speed": 1})


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Spherical law of cosines (not the haversine the code uses)."""
    (p1, l1), (p2, l2) = (tuple(map(radians, x)) for x in (a, b))
    return 6371.0088 * acos(min(1.0, sin(p1) * sin(p2) + cos(p1) * cos(p2) * cos(l2 - l1)))


def test_chain_gaps_by_hand(hand):
    """闵行 in antibody: CDMO has X, A1, A2 (A6 is rated D), in id order; API has none there, only
    浦东 (B1, B2, B3, B5; B4's vaccine is another field); clinical research has none (H2 files for
    devices only): 徐汇 (H1) is nearer than 浦东 (C1); clinical use has H2, a hospital."""
    r = chain_gaps(hand, "闵行区", "抗体", as_of=AS_OF)
    seg = {s.segment: s for s in r.segments}
    assert [n.id for n in seg[CDMO].top] == ["ent:a1", "ent:a2", "ent:x"] and seg[CDMO].providers == 3
    assert seg[API].providers == 0 and [(n.district.id, n.providers) for n in seg[API].nearest] == [(D2, 4)]
    here, pudong, xuhui = (31.0, 121.45), (31.2, 121.6), (31.19, 121.44)
    assert seg[API].nearest[0].km == pytest.approx(_km(here, pudong), abs=0.05)
    assert [(n.district.id, n.providers) for n in seg[CLINICAL].nearest] == [(D3, 1), (D2, 1)]
    assert seg[CLINICAL].nearest[0].km == pytest.approx(_km(here, xuhui), abs=0.05)
    assert seg["segment:drug.clinical_use"].providers == 1
    assert CDMO not in r.gaps and API in r.gaps and CLINICAL in r.gaps
    assert [s.segment for s in r.segments][0] == "segment:drug.discovery" and r.chain == "drug"
    for gap in r.gaps:  # a gap's nearest districts have the segment
        for n in seg[gap].nearest:
            assert n.providers > 0 and n.district.id != D1


@settings(max_examples=25, deadline=None)
@given(segment=st.sampled_from([CDMO, API, CLINICAL, "segment:drug.clinical_use", "segment:device.type_testing"]),
       field=st.sampled_from([None, "field:antibody", "field:biologic", "field:drug", "field:vaccine"]),
       top=st.integers(1, 6), org=st.sampled_from(["ent:x", "ent:y", "ent:b2", "inst:h1"]))
def test_properties(hand_embedded, segment, field, top, org):
    """Sorted, never the org, every result provides the segment (an edge or a type rule)."""
    r = match(hand_embedded, org, segment=segment, field=field, top=top, as_of=AS_OF)
    scores = [m.score for m in r.results]
    assert scores == sorted(scores, reverse=True) and len(r.results) <= top
    assert all(m.id != org and m.segment == segment for m in r.results)
    for m in r.results:
        keys = {x.key for x in m.reasons}
        assert keys & {"provides", "provides_by_type"}
        for e in m.evidence:  # every evidence edge exists in the store
            for x in e.edges:
                assert any((n.edge.kind, n.edge.src, n.edge.dst) == (x.kind, x.src, x.dst)
                           for n in hand_embedded.neighbours(x.src, [x.kind], direction="out"))
    ties = [(m.score, m.id) for m in r.results]
    assert ties == sorted(ties, key=lambda t: (-t[0], t[1]))


@pytest.fixture(scope="module")
def hand_embedded(tmp_path_factory):
    from graph import EmbeddedStore

    s = EmbeddedStore(tmp_path_factory.mktemp("match") / "m.sqlite")
    s.write(*region())
    yield s
    s.close()

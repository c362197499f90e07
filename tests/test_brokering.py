"""Brokering, patents on offer and partners for a station on a hand-built region, answers derived
by hand below, on both backends.

The region (as_of 2026-06-30):

  闵行 D1: core C and station S1 (part of C) serve it; S1 has a service record for U3.
  浦东 D2: station S2 (no core) serves it, sited at U1; S2 has a service record for H3 (2026-01-01).

  X    enterprise, D1, IN_FIELD antibody (the asker)      Z    enterprise, D2, IN_FIELD antibody
  E9   enterprise, D1, five antibody patents on offer      CRO  enterprise, D1, PROVIDES drug.clinical
  U1   university, D2   P1 antibody, on offer (granted); P9 antibody, on offer (pending), co-applied with X
  U2   university, D2   P2 antibody, not transferable
  U3   university, D1   P3 vaccine, on offer
  H1   hospital, D2, drug GCP; rheumatology (serves antibody) rank 2 in 2024, rank 1 in 2025
  H2   hospital, D1, device GCP only                       H3 hospital, D2; rheumatology rank 1 in 2019
  Collaborations: X–Z 2024, Z–U2 2023, Z–H1 2023: on the collaboration graph N(X) = {U1 (P9), Z},
  N(Z) = {X, U2, H1}, so Adamic–Adar(X, U2) = Adamic–Adar(X, H1) = 1/ln 3.

Broker weights: patents 0.25, transferable 0.15, fields 0.15, specialty 0.15, gcp 0.10, network 0.20.
Specialty: the rankings cover 2019, 2024 and 2025, weighing 0.8^7, 0.8^2, 0.8^1 (as of 2026):
H1 = (0.64·0.9 + 0.8·1) / (0.8^7 + 0.64 + 0.8); H3 = 0.8^7 / (the same).
"""

from __future__ import annotations

from datetime import date
from math import log

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ontology import InvalidInput
from queries.brokering import broker
from queries.partners import partners_for_station
from queries.patents import patent_matches
from tests.helpers import edge, node

AS_OF = date(2026, 6, 30)
D1, D2 = "district:310112", "district:310115"
YEARS = 0.8 ** 7 + 0.8 ** 2 + 0.8


def region():
    orgs = {"ent:x": ("Enterprise", D1), "ent:z": ("Enterprise", D2), "ent:e9": ("Enterprise", D1),
            "ent:cro": ("Enterprise", D1)}
    insts = {"inst:u1": ("university", D2), "inst:u2": ("university", D2), "inst:u3": ("university", D1),
             "inst:h1": ("hospital", D2), "inst:h2": ("hospital", D1), "inst:h3": ("hospital", D2)}
    flags = {"inst:h1": {"gcp_drug": True}, "inst:h2": {"gcp_device": True}}
    nodes = [node(D1, "District", "闵行区", code="310112", type="district"),
             node(D2, "District", "浦东新区", code="310115", type="district"),
             *(node(i, "Enterprise", f"企业{i[4:].upper()}", credit="A") for i in orgs),
             *(node(i, "Institution", f"机构{i[5:].upper()}", type=t, **flags.get(i, {})) for i, (t, _) in insts.items()),
             node("station:c", "Station", "核心站", type="core", scope="both"),
             node("station:s1", "Station", "闵行站", type="station", scope="both"),
             node("station:s2", "Station", "浦东站", type="station", scope="both")]
    edges = [edge("IN_DISTRICT", i, d) for i, (_, d) in {**orgs, **insts}.items()]
    edges += [edge("SERVES", "station:c", D1), edge("SERVES", "station:s1", D1), edge("SERVES", "station:s2", D2),
              edge("PART_OF", "station:s1", "station:c"), edge("SITED_AT", "station:s2", "inst:u1"),
              edge("TRACKS", "station:s2", "inst:h3", id="r1", date="2026-01-01", type="visit"),
              edge("TRACKS", "station:s1", "inst:u3", id="r2", date="2026-02-01", type="visit")]
    edges += [edge("IN_FIELD", "ent:x", "field:antibody"), edge("IN_FIELD", "ent:z", "field:antibody"),
              edge("PROVIDES", "ent:cro", "segment:drug.clinical", field="field:antibody")]

    def patent(n: int, field: str, applicants: tuple[str, ...], status="granted", transferable=True, day="2020-01-01"):
        pid = f"CN10000000{n}A"
        nodes.append(node(pid, "Patent", f"专利{n}", status=status, transferable=transferable, application_date=day))
        edges.extend(edge("APPLIED_BY", pid, a) for a in applicants)
        edges.append(edge("CLASSIFIED_AS", pid, field))

    patent(1, "field:antibody", ("inst:u1",))
    patent(2, "field:antibody", ("inst:u2",), transferable=False)
    patent(3, "field:vaccine", ("inst:u3",))
    for n in range(4, 9):
        patent(n, "field:antibody", ("ent:e9",))
    patent(9, "field:antibody", ("ent:x", "inst:u1"), status="pending", day="2021-01-01")
    edges += [edge("COLLABORATES", "ent:x", "ent:z", type="supply", date="2024-01-01"),
              edge("COLLABORATES", "ent:z", "inst:u2", type="joint_project", date="2023-01-01"),
              edge("COLLABORATES", "ent:z", "inst:h1", type="clinical_trial", date="2023-01-01")]
    edges += [edge("RANKED", "inst:h1", "specialty:rheumatology", list="reputation", year=2024, rank=2),
              edge("RANKED", "inst:h1", "specialty:rheumatology", list="reputation", year=2025, rank=1),
              edge("RANKED", "inst:h3", "specialty:rheumatology", list="reputation", year=2019, rank=1)]
    return nodes, edges


@pytest.fixture
def hand(store):
    store.write(*region())
    return store


def r6(x: float) -> float:
    return round(x, 6)


def test_broker_for_an_org_by_hand(hand):
    net = r6((1 / log(3)) / (1 / log(3) + 1))
    h1_specialty = r6((0.64 * 0.9 + 0.8) / YEARS)
    expected = {
        "inst:h1": r6(0.15 * 0.25 + 0.15 * h1_specialty + 0.10 + 0.20 * net),
        "inst:u2": r6(0.25 * r6(1 / 11) + 0.15 * 0.25 + 0.20 * net),
        "inst:u1": r6(0.25 * r6(2 / 12) + 0.15 * 0.4 + 0.15 * 0.25),  # P1 and P9, both on offer
        "inst:h3": r6(0.15 * 0.25 + 0.15 * r6(0.8 ** 7 / YEARS)),
        "inst:h2": 0.0375, "inst:u3": 0.0375,  # the vaccine patent is not in antibody's family
    }
    r = broker(hand, "企业X", as_of=AS_OF)
    assert r.fields == ("field:antibody",)
    assert [(b.id, b.score) for b in r.results] == sorted(expected.items(), key=lambda x: (-x[1], x[0]))
    assert all(b.station is not None and b.station.id == "station:s1" for b in r.results)  # X's district station
    h1 = next(b for b in r.results if b.id == "inst:h1")
    assert {"specialty", "gcp", "network"} <= {x.key for x in h1.reasons}
    assert ("ent:x", "ent:z", "inst:h1") in {e.path for e in h1.evidence}
    assert ("inst:h1", "specialty:rheumatology") in {e.path for e in h1.evidence}
    u1 = next(b for b in r.results if b.id == "inst:u1")
    assert {e.path for e in u1.evidence} >= {("inst:u1", "CN100000001A", "field:antibody"),
                                            ("inst:u1", "CN100000009A", "field:antibody")}


def test_broker_for_a_field_prefers_the_transferable_patent_and_never_an_enterprise(hand):
    r = broker(hand, field="抗体", top=3, as_of=AS_OF)
    ids = [b.id for b in r.results]
    assert ids.index("inst:u1") < ids.index("inst:u2")
    assert all(b.station.id == "station:c" for b in r.results)  # no org: the core
    everyone = broker(hand, field="抗体", top=None, as_of=AS_OF)
    assert {b.id for b in everyone.results} == {"inst:u1", "inst:u2", "inst:u3", "inst:h1", "inst:h2", "inst:h3"}
    with pytest.raises(InvalidInput, match="give an org, a field"):
        broker(hand)


def test_patents_on_offer_by_hand(hand):
    """P4-P8 (E9: five antibody patents, D1 like X): 0.40 + 0.35·5/15 + 0.25·0.75 = 0.704167 each,
    by number; P1 (U1: two antibody patents, D2): 0.40 + 0.35·2/12 + 0.25·0.25 = 0.520833.  P9 is
    X's own; P2 is not transferable; P3 is in vaccines."""
    r = patent_matches(hand, "ent:x", as_of=AS_OF)
    assert [(p.id, p.score) for p in r.results] == [
        *((f"CN10000000{n}A", r6(0.4 + 0.35 * r6(5 / 15) + 0.25 * 0.75)) for n in range(4, 9)),
        ("CN100000001A", r6(0.4 + 0.35 * r6(2 / 12) + 0.25 * 0.25))]
    assert [a.id for a in r.results[0].applicants] == ["ent:e9"]
    assert [(x.kind, x.src, x.dst) for x in r.results[-1].evidence[0].edges] == [
        ("APPLIED_BY", "CN100000001A", "inst:u1"), ("CLASSIFIED_AS", "CN100000001A", "field:antibody")]
    for_u1 = patent_matches(hand, "inst:u1", field="抗体", as_of=AS_OF)  # U1's own patents never come back
    assert {"CN100000001A", "CN100000009A"}.isdisjoint({p.id for p in for_u1.results})
    assert [p.id for p in patent_matches(hand, field="antibody", top=2, as_of=AS_OF).results] == [
        "CN100000004A", "CN100000005A"]


def test_partners_for_a_station_by_hand(hand):
    """S2 (D2) has one enterprise, Z, in antibody.  U1 (its site) and H3 (its service record) are
    tied, so left out.  relevance 0.50, capacity 0.25, proximity 0.25:
    CRO (states antibody: all of S2's enterprises; D1, Shanghai) 0.5 + 0.0625 = 0.5625;
    U2 (no field 0.25; one patent: capacity (1/4)/3; D2) 0.125 + 0.25·0.083333 + 0.25 = 0.395833;
    H1 0.125 + 0.25 = 0.375; U3 0.125 + 0.25·0.083333 + 0.0625 = 0.208333; H2 0.1875;
    E9 and X provide nothing, Z is not a service provider.
    Stations: D2 has no supplier of antibody (nobody there states it for a service); D1 has the
    CRO, so C and S1 are strong where S2 is weak; D2 lacks no segment D1 has."""
    r = partners_for_station(hand, "浦东站", as_of=AS_OF)
    assert r.enterprises == 1 and r.demand == (("field:antibody", 1),)
    assert [(p.id, p.score) for p in r.institutions] == [
        ("ent:cro", 0.5625), ("inst:u2", r6(0.125 + 0.25 * r6(1 / 12) + 0.25)), ("inst:h1", 0.375),
        ("inst:u3", r6(0.125 + 0.25 * r6(1 / 12) + 0.0625)), ("inst:h2", 0.1875)]
    assert [(s.station.id, s.segments, s.fields) for s in r.stations] == [
        ("station:c", (), ("field:antibody",)), ("station:s1", (), ("field:antibody",))]
    u2 = next(p for p in r.institutions if p.id == "inst:u2")
    assert (("inst:u2", D2, "station:s2")) in {e.path for e in u2.evidence}


@pytest.fixture(scope="module")
def hand_embedded(tmp_path_factory):
    from graph import EmbeddedStore

    s = EmbeddedStore(tmp_path_factory.mktemp("broker") / "b.sqlite")
    s.write(*region())
    yield s
    s.close()


@settings(max_examples=25, deadline=None)
@given(org=st.sampled_from([None, "ent:x", "ent:z", "inst:u1", "inst:h1"]),
       field=st.sampled_from([None, "field:antibody", "field:biologic", "field:drug", "field:vaccine"]),
       top=st.integers(1, 8))
def test_properties(hand_embedded, org, field, top):
    """Sorted by score then id; brokering never returns an enterprise or the org; patents on offer
    are never the org's own; every evidence edge exists."""
    if org is None and field is None:
        return
    try:
        b = broker(hand_embedded, org, field, top=top, as_of=AS_OF)
        p = patent_matches(hand_embedded, org, field, top=top, as_of=AS_OF)
    except InvalidInput as exc:
        assert "states no field" in str(exc)
        return
    for results in (b.results, p.results):
        keys = [(-r.score, r.id) for r in results]
        assert keys == sorted(keys) and len(results) <= top
        for r in results:
            for e in r.evidence:
                for x in e.edges:
                    assert any((n.edge.src, n.edge.dst) == (x.src, x.dst)
                               for n in hand_embedded.neighbours(x.src, [x.kind], direction="out"))
    assert all(r.type in ("university", "research_institute", "hospital") and r.id != org for r in b.results)
    assert all(org not in {a.id for a in r.applicants} for r in p.results)


def test_a_core_is_tied_to_what_its_member_stations_serve(hand):
    """S1's record for U3 ties the core C to U3 as well; S2 is not tied to it."""
    core = {p.id for p in partners_for_station(hand, "核心站", top=50, as_of=AS_OF).institutions}
    assert "inst:u3" not in core and "inst:u1" in core
    assert "inst:u3" in {p.id for p in partners_for_station(hand, "浦东站", top=50, as_of=AS_OF).institutions}


def test_as_of_in_the_date_language_or_refused(hand):
    assert broker(hand, field="抗体", as_of="2026/6/30") == broker(hand, field="抗体", as_of=AS_OF)
    with pytest.raises(InvalidInput, match="as_of"):
        broker(hand, field="抗体", as_of="2026-02-30")
    with pytest.raises(InvalidInput, match="as_of must be a date"):
        patent_matches(hand, field="抗体", as_of=20260630)

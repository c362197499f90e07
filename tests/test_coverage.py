"""Coverage of a hand-built region, computed by hand below, on both backends.

The region (as_of 2026-06-30, window 180 days, so the window is 2026-01-01 … 2026-06-30):

  闵行 D1  core C (scope both, sited at inst:center) and station S1 (scope device, part of C)
           with service point SP1 at park P1 (31.00, 121.40); park P2 (31.00, 121.50) has nothing,
           9.53 km from P1.
  浦东 D2  station S2 (scope drug) sited at park P3 (31.20, 121.60); its point SP2 is at P3 too.
  黄浦 D3  no station; park P4 (no coordinates), park P5 (31.20, 121.65), 4.76 km from P3;
           hospital inst:hosp (31.00, 121.52), 1.91 km from P2, owns an IVD.
  崇明 D4  nothing at all.

  E1 D1 in P1 (covered park)             E5 D2 in P3 (covered park)
  E2 D1 in P2; S1 visit 2025-12-31       E6 D2 no park; S2 training 2026-06-30 (as_of: inside)
     (a day before the window); covered  E7 D3 in P4
     by C's tracking of K1, the key      E8 D3 in P5
     project it undertakes               E9 D1 in P2; covered by S1's visit of PR9, its product
  E3 D1 no park; C consultation          E10 D1 in P2; nothing
     2026-01-01 (first day: inside)
  E4 D1 no park; S2 (浦东's) 2026-03-01 (wrong district), S1 2026-07-01 (after as_of); its
     product PR10 visited by S2 (wrong district again): uncovered

  PR1 device III national  (E1)  S1 tracking 2026-02-01            -> innovative, tracked
  PR2 ivd III shanghai     (E2)  key project K1 tracked by C      -> innovative, tracked via K1
  PR3 device I national    (E3)                                    -> not innovative (class I)
  PR4 device II, no channel(E3)                                    -> not innovative
  PR5 device II national   (E5)  S2 visit 2026-04-01 (not tracking)-> innovative, untracked
  PR6 drug                 (E1)                                    -> D1 has a drug: S1 lacks drug
  PR7 device II shanghai   (E6)  S2 tracking 2025-12-31 (outside)  -> innovative, untracked
  PR8 ivd II national (inst:hosp, D3)                              -> innovative, untracked
  PR9 device I national    (E9)  S1 visit 2026-03-10               -> not innovative; covers E9
  PR10 drug                (E4)  S2 visit 2026-03-02               -> D1's second drug

  K1 municipal, PR2, by E2: C tracking 2026-05-05, C visit 2026-03-03 -> counted, tracked
  K2 national,  PR1, by E1: no record of its own, PR1 is tracked       -> counted, tracked
  K3 district,       by E3                                             -> not counted
  K4 national,  PR5, by E5: S2 consultation 2026-04-02                 -> counted, untracked
"""

from __future__ import annotations

from datetime import date
from math import acos, cos, radians, sin

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ontology import InvalidInput, NotFound
from queries.coverage import Gap, coverage, suggest_sites
from queries.coverage_facts import Named
from queries.geo import great_circle_km
from tests.helpers import edge, node

AS_OF = date(2026, 6, 30)
D1, D2, D3, D4 = "district:310112", "district:310115", "district:310101", "district:310151"


def _record(rid: str, station: str, target: str, day: str, kind: str):
    return edge("TRACKS", station, target, id=rid, date=day, type=kind)


def region():
    nodes = [
        node(D1, "District", "闵行区", code="310112", type="district", aliases=["闵行"]),
        node(D2, "District", "浦东新区", code="310115", type="district"),
        node(D3, "District", "黄浦区", code="310101", type="district"),
        node(D4, "District", "崇明区", code="310151", type="district"),
        node("park:p1", "Park", "P1园", lat=31.00, lon=121.40),
        node("park:p2", "Park", "P2园", lat=31.00, lon=121.50),
        node("park:p3", "Park", "P3园", lat=31.20, lon=121.60),
        node("park:p4", "Park", "P4园"),
        node("park:p5", "Park", "P5园", lat=31.20, lon=121.65),
        node("inst:center", "Institution", "审评中心", type="agency"),
        node("inst:hosp", "Institution", "黄浦医院", type="hospital", lat=31.00, lon=121.52),
        node("station:c", "Station", "核心站", type="core", scope="both"),
        node("station:s1", "Station", "闵行站", type="station", scope="device"),
        node("station:s2", "Station", "浦东站", type="station", scope="drug"),
        node("sp:1", "ServicePoint", "P1服务点"),
        node("sp:2", "ServicePoint", "P3服务点"),
        *(node(f"ent:e{i}", "Enterprise", f"企业{i}") for i in range(1, 11)),
        node("prod:1", "Product", "器械1", type="device", device_class="III", innovation_channel="national"),
        node("prod:2", "Product", "试剂2", type="ivd", device_class="III", innovation_channel="shanghai"),
        node("prod:3", "Product", "器械3", type="device", device_class="I", innovation_channel="national"),
        node("prod:4", "Product", "器械4", type="device", device_class="II", innovation_channel="none"),
        node("prod:5", "Product", "器械5", type="device", device_class="II", innovation_channel="national"),
        node("prod:6", "Product", "药6", type="drug"),
        node("prod:7", "Product", "器械7", type="device", device_class="II", innovation_channel="shanghai"),
        node("prod:8", "Product", "试剂8", type="ivd", device_class="II", innovation_channel="national"),
        node("prod:9", "Product", "器械9", type="device", device_class="I", innovation_channel="national"),
        node("prod:10", "Product", "药10", type="drug"),
        node("kp:1", "KeyProject", "项目1", level="municipal"),
        node("kp:2", "KeyProject", "项目2", level="national"),
        node("kp:3", "KeyProject", "项目3", level="district"),
        node("kp:4", "KeyProject", "项目4", level="national"),
    ]
    district = {"park:p1": D1, "park:p2": D1, "park:p3": D2, "park:p4": D3, "park:p5": D3, "inst:center": D1,
                "inst:hosp": D3, "ent:e1": D1, "ent:e2": D1, "ent:e3": D1, "ent:e4": D1, "ent:e5": D2,
                "ent:e6": D2, "ent:e7": D3, "ent:e8": D3, "ent:e9": D1, "ent:e10": D1}
    edges = [edge("IN_DISTRICT", n, d) for n, d in district.items()]
    edges += [edge("LOCATED_IN", e, p) for e, p in (("ent:e1", "park:p1"), ("ent:e2", "park:p2"),
                                                    ("ent:e5", "park:p3"), ("ent:e7", "park:p4"),
                                                    ("ent:e8", "park:p5"), ("ent:e9", "park:p2"),
                                                    ("ent:e10", "park:p2"))]
    edges += [edge("SERVES", "station:c", D1), edge("SERVES", "station:s1", D1), edge("SERVES", "station:s2", D2),
              edge("PART_OF", "station:s1", "station:c"), edge("PART_OF", "sp:1", "station:s1"),
              edge("PART_OF", "sp:2", "station:s2"), edge("SITED_AT", "station:c", "inst:center"),
              edge("SITED_AT", "sp:1", "park:p1"), edge("SITED_AT", "station:s2", "park:p3"),
              edge("SITED_AT", "sp:2", "park:p3")]
    edges += [edge("OWNS", o, p) for o, p in (("ent:e1", "prod:1"), ("ent:e2", "prod:2"), ("ent:e3", "prod:3"),
                                              ("ent:e3", "prod:4"), ("ent:e5", "prod:5"), ("ent:e1", "prod:6"),
                                              ("ent:e6", "prod:7"), ("inst:hosp", "prod:8"), ("ent:e9", "prod:9"),
                                              ("ent:e4", "prod:10"))]
    edges += [edge("FOR_PRODUCT", "kp:1", "prod:2"), edge("FOR_PRODUCT", "kp:2", "prod:1"),
              edge("FOR_PRODUCT", "kp:4", "prod:5")]
    edges += [edge("UNDERTAKEN_BY", k, e) for k, e in (("kp:1", "ent:e2"), ("kp:2", "ent:e1"), ("kp:3", "ent:e3"),
                                                       ("kp:4", "ent:e5"))]
    edges += [
        _record("r1", "station:s1", "ent:e2", "2025-12-31", "visit"),
        _record("r2", "station:c", "ent:e3", "2026-01-01", "consultation"),
        _record("r3", "station:s2", "ent:e4", "2026-03-01", "visit"),
        _record("r4", "station:s1", "ent:e4", "2026-07-01", "visit"),
        _record("r5", "station:s2", "ent:e6", "2026-06-30", "training"),
        _record("r6", "station:s1", "prod:1", "2026-02-01", "tracking"),
        _record("r7", "station:c", "kp:1", "2026-05-05", "tracking"),
        _record("r8", "station:c", "kp:1", "2026-03-03", "visit"),
        _record("r9", "station:s2", "prod:5", "2026-04-01", "visit"),
        _record("r10", "station:s2", "kp:4", "2026-04-02", "consultation"),
        _record("r11", "station:s2", "prod:7", "2025-12-31", "tracking"),
        _record("r12", "station:s1", "prod:9", "2026-03-10", "visit"),
        _record("r13", "station:s2", "prod:10", "2026-03-02", "visit"),
    ]
    return nodes, edges


@pytest.fixture
def hand(store):
    store.write(*region())
    return store


def by_id(items):
    return {i.id: i for i in items}


def ids(named):
    return tuple(n.id for n in named)


def test_hand_region_districts(hand):
    r = coverage(hand, as_of=AS_OF)
    d = by_id(r.districts)
    assert list(d) == [D3, D1, D2, D4]  # by id
    mh = d[D1]
    assert mh.stations == ("station:c", "station:s1")
    assert (mh.parks_total, mh.parks_covered, mh.uncovered_parks) == (2, 1, (Named("park:p2", "P2园"),))
    # E1 by its park, E2 by its key project, E3 by a record, E9 by its product; E4 and E10 not
    assert (mh.enterprises_total, mh.enterprises_covered, ids(mh.uncovered_enterprises)) == (6, 4, ("ent:e10", "ent:e4"))
    assert mh.uncovered_enterprises[0] == Named("ent:e10", "企业10")
    assert (mh.innovative_products_total, mh.innovative_products_tracked, mh.untracked_products) == (2, 2, ())
    assert (mh.key_projects_total, mh.key_projects_tracked, mh.untracked_projects) == (2, 2, ())
    assert (mh.parks_rate, mh.enterprises_rate, mh.innovative_products_rate, mh.key_projects_rate) == (.5, 4 / 6, 1, 1)
    assert mh.gaps == (Gap("scope", "station:s1", "drug", 2),)  # PR6 and PR10

    pd = d[D2]
    assert (pd.parks_total, pd.parks_covered, pd.enterprises_total, pd.enterprises_covered) == (1, 1, 2, 2)
    assert (pd.innovative_products_total, pd.innovative_products_tracked) == (2, 0)
    assert ids(pd.untracked_products) == ("prod:5", "prod:7")
    assert (pd.key_projects_total, pd.key_projects_tracked, ids(pd.untracked_projects)) == (1, 0, ("kp:4",))
    assert pd.gaps == (Gap("scope", "station:s2", "device", 2),)

    hp = d[D3]
    assert hp.stations == ()
    assert (hp.parks_total, hp.parks_covered, hp.enterprises_total, hp.enterprises_covered) == (2, 0, 2, 0)
    assert hp.untracked_products == (Named("prod:8", "试剂8"),)  # an institution's product belongs to its district
    assert hp.key_projects_total == 0 and hp.key_projects_rate is None
    assert hp.gaps == (Gap("no_station"),)

    cm = d[D4]  # nothing to cover: no gap, no rates
    assert cm.gaps == () and cm.parks_rate is None and cm.enterprises_rate is None


def test_hand_region_scorecard(hand):
    s = by_id(coverage(hand, as_of=AS_OF).stations)
    months = 180 / (365.25 / 12)
    core, s1, s2 = s["station:c"], s["station:s1"], s["station:s2"]
    assert (core.type, core.member_stations, core.points, core.sites, core.parent) == ("core", 1, 0, 1, None)
    assert (core.records, core.targets, core.records_per_month) == (3, 2, round(3 / months, 2))
    assert (s1.parent, s1.points, s1.sites, s1.records, s1.targets) == ("station:c", 1, 1, 2, 2)
    assert (s2.points, s2.sites, s2.records, s2.targets) == (1, 1, 5, 5)  # SP2 shares S2's park
    assert core.score == s1.score == (.5 + 4 / 6 + 1 + 1) / 4
    assert s2.score == (1 + 1 + 0 + 0) / 4
    # same score: more records per month ranks higher; 浦东 is last (末位)
    assert [(x.id, x.rank) for x in coverage(hand, as_of=AS_OF).stations] == [
        ("station:c", 1), ("station:s1", 2), ("station:s2", 3)]


def test_window_edges_move_coverage(hand):
    # one day longer: S1's visit of E2 and S2's tracking of PR7 (both 2025-12-31) count
    # (E2 is covered by its key project anyway)
    d = by_id(coverage(hand, as_of=AS_OF, window_days=181).districts)
    assert ids(d[D1].uncovered_enterprises) == ("ent:e10", "ent:e4")
    assert ids(d[D2].untracked_products) == ("prod:5",)
    # a day later: E3's consultation (2026-01-01) falls out, S1's visit of E4 (2026-07-01) comes in
    d = by_id(coverage(hand, as_of=date(2026, 7, 1)).districts)
    assert ids(d[D1].uncovered_enterprises) == ("ent:e10", "ent:e3")
    # a zero-day window is as_of alone: K1's tracking and PR9's visit fall out too
    d = by_id(coverage(hand, as_of=AS_OF, window_days=0).districts)
    assert d[D2].enterprises_covered == 2
    assert ids(d[D1].uncovered_enterprises) == ("ent:e10", "ent:e2", "ent:e3", "ent:e4", "ent:e9")


@pytest.mark.parametrize(("radius", "d1_parks", "d1_ents", "d3_parks", "d3_ents"), [
    (0, ("park:p2",), ("ent:e10", "ent:e4"), ("park:p4", "park:p5"), ("ent:e7", "ent:e8")),
    (5, ("park:p2",), ("ent:e10", "ent:e4"), ("park:p4",), ("ent:e7",)),  # P5 is 4.76 km from P3
    (10, (), ("ent:e4",), ("park:p4",), ("ent:e7",)),  # P2 is 9.53 km from P1; P4 has no coordinates
])
def test_radius(hand, radius, d1_parks, d1_ents, d3_parks, d3_ents):
    d = by_id(coverage(hand, as_of=AS_OF, radius_km=radius).districts)
    assert (ids(d[D1].uncovered_parks), ids(d[D1].uncovered_enterprises)) == (d1_parks, d1_ents)
    assert (ids(d[D3].uncovered_parks), ids(d[D3].uncovered_enterprises)) == (d3_parks, d3_ents)


def test_one_district_keeps_the_city_wide_rank(hand):
    r = coverage(hand, district="闵行", as_of=AS_OF)
    assert [d.id for d in r.districts] == [D1] and r.district == D1
    assert [(s.id, s.rank) for s in r.stations] == [("station:c", 1), ("station:s1", 2)]
    assert [s.id for s in coverage(hand, district="310115", as_of=AS_OF).stations] == ["station:s2"]
    assert coverage(hand, district=D3, as_of=AS_OF).stations == ()


def test_bad_parameters_are_named(hand):
    with pytest.raises(NotFound, match="no District named '朝阳'"):
        coverage(hand, district="朝阳")
    with pytest.raises(InvalidInput, match="window_days"):
        coverage(hand, window_days=-1)
    with pytest.raises(InvalidInput, match="radius_km"):
        coverage(hand, radius_km=float("nan"))
    with pytest.raises(InvalidInput, match="k \\(suggestions\\)"):
        suggest_sites(hand, -2)


def test_suggestions(hand):
    # candidates without a point: P2 (E10: 1; E2 and E9 are covered), P4 (E7: 1), P5 (E8: 1),
    # inst:hosp (reaches nothing); equal gains go to the smaller id
    got = [(s.site, s.gain, s.enterprises) for s in suggest_sites(hand, 5, as_of=AS_OF)]
    assert got == [("park:p2", 1, (Named("ent:e10", "企业10"),)), ("park:p4", 1, (Named("ent:e7", "企业7"),)),
                   ("park:p5", 1, (Named("ent:e8", "企业8"),))]
    assert [s.site for s in suggest_sites(hand, 1, as_of=AS_OF)] == ["park:p2"]
    assert [s.site for s in suggest_sites(hand, 5, district=D3, as_of=AS_OF)] == ["park:p4", "park:p5"]
    # with 5 km P5 is covered already, and the hospital reaches P2 (1.91 km): a tie at 1 with P2
    # and P4 that the smaller id wins, after which P2 gains nothing; with 10 km P2 is covered too
    assert [(s.site, s.kind, s.gain) for s in suggest_sites(hand, 5, as_of=AS_OF, radius_km=5)] == [
        ("inst:hosp", "Institution", 1), ("park:p4", "Park", 1)]
    assert [s.site for s in suggest_sites(hand, 5, as_of=AS_OF, radius_km=10)] == ["park:p4"]
    # limited to 黄浦, the hospital's reach into 闵行 (E10) counts for nothing
    assert [s.site for s in suggest_sites(hand, 5, district=D3, as_of=AS_OF, radius_km=5)] == ["park:p4"]
    assert suggest_sites(hand, 0, as_of=AS_OF) == ()


def test_distances_in_the_region():
    assert round(great_circle_km(31.00, 121.52, 31.00, 121.50), 2) == 1.91
    assert round(great_circle_km(31.00, 121.40, 31.00, 121.50), 2) == 9.53
    assert round(great_circle_km(31.20, 121.60, 31.20, 121.65), 2) == 4.76


def _cosine_law_km(lat1, lon1, lat2, lon2):
    """The spherical law of cosines: an independent way to the same distance."""
    p1, p2 = radians(lat1), radians(lat2)
    c = sin(p1) * sin(p2) + cos(p1) * cos(p2) * cos(radians(lon2 - lon1))
    return 6371.0088 * acos(max(-1.0, min(1.0, c)))


@given(st.floats(-80, 80), st.floats(-179, 179), st.floats(-80, 80), st.floats(-179, 179))
def test_great_circle_matches_the_cosine_law(lat1, lon1, lat2, lon2):
    d = great_circle_km(lat1, lon1, lat2, lon2)
    assert d == pytest.approx(_cosine_law_km(lat1, lon1, lat2, lon2), abs=1e-3)
    assert d == pytest.approx(great_circle_km(lat2, lon2, lat1, lon1))


def test_great_circle_by_hand():
    # 0.1° of longitude at 31°N: 2πR/360 · cos 31° · 0.1
    assert great_circle_km(31, 121.4, 31, 121.5) == pytest.approx(111.19508 * cos(radians(31)) * 0.1, rel=1e-4)


def test_neo4j_computes_coverage_in_the_server(neo4j_server, monkeypatch):
    """On Neo4j nothing walks the graph from Python: the store's record readers are unusable, and
    what comes back is a few rows per district and station, not the graph."""
    store = neo4j_server.fresh_store()
    try:
        store.write(*region())
        expected = coverage(store, as_of=AS_OF, radius_km=5)

        def refuse(*_, **__):
            raise AssertionError("coverage read records one by one")

        for name in ("nodes", "edges", "neighbours", "subgraph", "get", "kinds", "search"):
            monkeypatch.setattr(store, name, refuse)
        rows = []
        read = store.read_cypher

        def counted(work):
            return read(lambda run: work(lambda query: rows.append(len(got := run(query))) or got))

        monkeypatch.setattr(store, "read_cypher", counted)
        assert coverage(store, as_of=AS_OF, radius_km=5) == expected
        assert sum(rows) <= 4 * 4 + 4 * 3 + 4 + 3 + 5  # tallies, product types, districts, stations, sites
        assert [s.site for s in suggest_sites(store, 5, as_of=AS_OF)] == ["park:p2", "park:p4", "park:p5"]
    finally:
        store.close()


def test_an_empty_store_has_nothing_to_report(store):
    report = coverage(store, as_of=AS_OF, radius_km=3)
    assert (report.districts, report.stations, report.as_of, report.radius_km) == ((), (), AS_OF, 3.0)
    assert suggest_sites(store, 3, as_of=AS_OF) == ()


def test_equal_figures_share_a_rank(store):
    """闵行 D1 has a core C and its member station S, both serving D1 with one record each in the
    window (C visits E1, S visits E2); 浦东 D2's station T has no record.  By hand: D1's only measure
    is its enterprises, both covered, so C and S score 1.0 with 1 record (0.17 a month) and 1 target:
    equal on every figure, so both rank 1 (listed by id); T's E3 is uncovered, so T scores 0 and
    ranks 3, not 2."""
    store.write([node(D1, "District", "闵行区", type="district", code="310112"),
                 node(D2, "District", "浦东新区", type="district", code="310115"),
                 node("station:c", "Station", "闵行中心", type="core", scope="both"),
                 node("station:s", "Station", "闵行站", type="station", scope="both"),
                 node("station:t", "Station", "浦东站", type="station", scope="both"),
                 *(node(f"ent:{i}", "Enterprise", f"企业{i}") for i in (1, 2, 3))],
                [edge("SERVES", "station:c", D1), edge("SERVES", "station:s", D1), edge("SERVES", "station:t", D2),
                 edge("PART_OF", "station:s", "station:c"), edge("IN_DISTRICT", "ent:1", D1),
                 edge("IN_DISTRICT", "ent:2", D1), edge("IN_DISTRICT", "ent:3", D2),
                 _record("r1", "station:c", "ent:1", "2026-05-01", "visit"),
                 _record("r2", "station:s", "ent:2", "2026-05-02", "visit")])
    got = [(s.id, s.score, s.records_per_month, s.targets, s.rank) for s in coverage(store, as_of=AS_OF).stations]
    assert got == [("station:c", 1.0, 0.17, 1, 1), ("station:s", 1.0, 0.17, 1, 1), ("station:t", 0.0, 0.0, 0, 3)]

"""Store interface tests, run on every backend through the parametrised ``store`` fixture."""

from __future__ import annotations

import pytest
from helpers import P, edge, node, small_region, uscc

from graph.model import LoadMeta, Provenance, Replace, Xref
from ontology import ONTOLOGY_KINDS, InvalidInput, NotFound, SchemaError


@pytest.fixture
def region(store):
    nodes, edges = small_region()
    store.write(nodes, edges)
    return store


def test_write_then_read_back(region):
    ent = region.get("ent:a")
    assert ent.kind == "Enterprise" and ent.name == "澜启生物（上海）有限公司"
    assert ent.props == {"uscc": uscc("91310112MA1FL1MM2"), "credit": "A", "aliases": ["澜启"]}
    assert ent.provenance == P
    assert region.get("nope") is None


def test_counts_by_kind(region):
    c = region.counts()
    assert c.nodes["Enterprise"] == 3 and c.nodes["District"] == 2 and c.nodes["Field"] == 20
    assert c.edges["TRACKS"] == 2 and c.edges["IN_DISTRICT"] == 3
    assert c.edges["SUBFIELD_OF"] == 18  # the ontology's field tree, present in every store


def test_rewrite_is_idempotent_and_keeps_provenance(region):
    nodes, edges = small_region()
    later = Provenance("again.csv", 9, "L-2", "2026-02-01T00:00:00+00:00")
    result = region.write([n.__class__(n.id, n.kind, n.name, n.props, later) for n in nodes],
                          [e.__class__(e.kind, e.src, e.dst, e.props, later) for e in edges])
    assert result.changed == 0
    assert result.nodes_unchanged == len(nodes) and result.edges_unchanged == len(edges)
    assert region.get("ent:a").provenance == P  # unchanged records keep their first provenance
    assert [r.load_id for r in region.loads()] == ["ontology", "L-test"]


def test_update_changes_props_and_provenance(region):
    later = Provenance("b.csv", 3, "L-2", "2026-02-01T00:00:00+00:00")
    result = region.write([node("ent:b", "Enterprise", "澜启医疗器械有限公司", later, credit="C")])
    assert result.nodes_updated == 1
    got = region.get("ent:b")
    assert got.props == {"credit": "C"} and got.provenance == later


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (node("x", "Company", "X"), "unknown node kind 'Company'"),
        (node("x", "Enterprise", ""), "node 'x' (Enterprise): required property 'name' is missing"),
        (node("x", "Institution", "X"), "node 'x' (Institution): required property 'type' is missing"),
        (node("x", "Product", "X", type="pill"), "node 'x' (Product): property 'type': 'pill' is not one of drug"),
        (node("x", "Enterprise", "X", uscc="91310112MA1FL1MM2X"), "fails the GB 32100-2015 check"),
        (node("x", "Enterprise", "X", colour="red"), "Enterprise has no property 'colour'"),
        (node("x", "Park", "X", lat=120.0), "120.0 is above the maximum 90"),
        (node("x", "District", "X", type="district"), "required property 'code' is missing"),
        (node("x", "Product", "X", type="drug", device_class="II"), "a drug has no device class"),
        (node("x", "Product", "X", type="device", device_class="II", registration_no="国械注准20213070123"),
         "is for class III but device_class is II"),
        (node("US-1", "Patent", "X"), "patent number 'US-1' has no known format"),
        (node(" x", "Park", "X"), "without surrounding spaces"),
    ],
)
def test_schema_errors_name_the_item(store, bad, message):
    with pytest.raises(SchemaError, match=None) as info:
        store.write([bad])
    assert message in str(info.value)
    assert store.get(bad.id) is None


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (edge("IN_DISTRICT", "ent:a", "park:zj"), "target 'park:zj' is a Park, must be District"),
        (edge("OWNS", "prod:1", "ent:a"), "source 'prod:1' is a Product, must be Enterprise or Institution"),
        (edge("LOCATED_IN", "ent:a", "park:none"), "target 'park:none' does not exist"),
        (edge("LIKES", "ent:a", "ent:b"), "unknown edge kind 'LIKES'"),
        (edge("TRACKS", "station:mh", "ent:a", id="SR9", type="tracking"), "required property 'date' is missing"),
        (edge("COLLABORATES", "ent:a", "ent:a", type="supply"), "cannot collaborates with itself"),
        (edge("COLLABORATES", "ent:a", "ent:b", type="friendship"), "'friendship' is not one of co_patent"),
    ],
)
def test_edge_errors_name_the_edge(region, bad, message):
    before = region.counts()
    with pytest.raises(SchemaError) as info:
        region.write(edges=[bad])
    assert message in str(info.value)
    assert region.counts() == before


def test_a_node_cannot_change_kind(region):
    with pytest.raises(SchemaError, match="exists as a Park"):
        region.write([node("park:zj", "Enterprise", "张江")])


def test_a_failing_write_writes_nothing(region):
    before = region.counts()
    with pytest.raises(SchemaError):
        region.write([node("ent:new", "Enterprise", "新企业")], [edge("LOCATED_IN", "ent:new", "park:nowhere")])
    assert region.get("ent:new") is None and region.counts() == before


def test_batch_is_all_or_nothing(region):
    before = region.counts()
    with pytest.raises(RuntimeError), region.batch():
        region.write([node("ent:x", "Enterprise", "X 公司")])
        assert region.get("ent:x") is not None  # visible inside the batch
        raise RuntimeError("abort")
    assert region.get("ent:x") is None and region.counts() == before


def test_neighbours_filter_and_order(region):
    around = region.neighbours("ent:a")
    assert [(n.edge.kind, n.node.id, n.direction) for n in around] == [
        ("APPLIED_BY", "CN115123456A", "in"),
        ("COLLABORATES", "inst:h", "out"),  # symmetric: stored once, as ent:a -> inst:h (sorted ends)
        ("IN_DISTRICT", "district:310112", "out"),
        ("LOCATED_IN", "park:zizhu", "out"),
        ("OWNS", "prod:1", "out"),
    ]
    assert [n.node.id for n in region.neighbours("ent:a", direction="out", edge_kinds=["OWNS", "LOCATED_IN"])] == [
        "park:zizhu", "prod:1"]
    assert [n.node.id for n in region.neighbours("park:zizhu", node_kinds=["Station"])] == ["station:mh"]
    tracks = region.neighbours("prod:2", edge_kinds=["TRACKS"])
    assert [(n.edge.props["id"], n.edge.props["date"]) for n in tracks] == [("SR1", "2024-06-01"), ("SR2", "2024-07-01")]
    with pytest.raises(NotFound):
        region.neighbours("nope")
    with pytest.raises(InvalidInput):
        region.neighbours("ent:a", direction="sideways")


def test_symmetric_edges_are_one_edge(region):
    region.write(edges=[edge("COLLABORATES", "ent:a", "inst:h", type="clinical_trial", date="2024-05-01")])
    assert region.counts().edges["COLLABORATES"] == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("澜启", ["ent:a", "ent:b"]),  # alias 澜启 is an exact match for ent:a; ent:b matches by prefix
        ("澜启生物(上海)有限公司", ["ent:a"]),  # half-width brackets find the full-width name
        ("c&d科技", ["ent:c"]),  # full-width letters, case and spaces folded
        ("张江药谷", ["park:zj"]),
        ("医疗器械", ["ent:b"]),
    ],
)
def test_search_folds_width_brackets_and_ranks(region, query, expected):
    assert [h.node.id for h in region.search(query) if h.node.kind not in ONTOLOGY_KINDS] == expected


def test_search_rank_order_exact_prefix_substring(store):
    store.write([node("a", "Park", "生物园"), node("b", "Park", "生物园二期"), node("c", "Park", "张江生物园")])
    hits = store.search("生物园")
    assert [(h.node.id, h.rank) for h in hits] == [("a", 0), ("b", 1), ("c", 2)]
    assert [h.node.id for h in store.search("生物园", kinds=["Enterprise"])] == []
    assert len(store.search("生物园", limit=2)) == 2


def test_subgraph_depth_and_cap(region):
    one = region.subgraph(["park:zizhu"], depth=1)
    assert {n.id for n in one.nodes} == {"park:zizhu", "district:310112", "ent:a", "station:mh"}
    assert {(e.kind, e.src, e.dst) for e in one.edges} == {
        ("IN_DISTRICT", "park:zizhu", "district:310112"), ("IN_DISTRICT", "ent:a", "district:310112"),
        ("LOCATED_IN", "ent:a", "park:zizhu"), ("SERVES", "station:mh", "district:310112"),
        ("SITED_AT", "station:mh", "park:zizhu")}
    only_orgs = region.subgraph(["park:zizhu"], depth=2, node_kinds=["Enterprise"])
    assert {n.id for n in only_orgs.nodes} == {"park:zizhu", "ent:a"}
    capped = region.subgraph(["park:zizhu"], depth=3, max_nodes=3)
    assert len(capped.nodes) == 3 and capped.truncated


def test_iteration_order_and_filter(region):
    ids = [n.id for n in region.nodes("Enterprise")]
    assert ids == ["ent:a", "ent:b", "ent:c"]
    tracks = list(region.edges("TRACKS"))
    assert [(e.src, e.dst, e.key) for e in tracks] == [("station:mh", "prod:2", "SR1"), ("station:mh", "prod:2", "SR2")]
    assert region.kinds(["ent:a", "park:zj", "missing"]) == {"ent:a": "Enterprise", "park:zj": "Park"}


def test_replace_drops_edges_no_longer_named(region):
    later = Provenance("e.csv", 2, "L-2", "2026-02-01T00:00:00+00:00")
    result = region.write(edges=[edge("LOCATED_IN", "ent:a", "park:zj", later)],
                          replace=[Replace("ent:a", "LOCATED_IN", "out")])
    assert result.edges_created == 1 and result.edges_deleted == 1
    assert [n.node.id for n in region.neighbours("ent:a", edge_kinds=["LOCATED_IN"])] == ["park:zj"]
    # reverse direction: the product's owner is the edge pointing at it
    region.write(edges=[edge("OWNS", "ent:c", "prod:1")], replace=[Replace("prod:1", "OWNS", "in")])
    assert [n.node.id for n in region.neighbours("prod:1", edge_kinds=["OWNS"])] == ["ent:c"]


def test_delete_load_removes_its_records_and_dangling_edges(region):
    second = Provenance("more.csv", 1, "L-2", "2026-02-01T00:00:00+00:00")
    region.write([node("ent:z", "Enterprise", "Z 公司", second)],
                 [edge("LOCATED_IN", "ent:z", "park:zj", second), edge("COLLABORATES", "ent:z", "ent:a", second,
                                                                        type="supply")])
    result = region.delete_load("L-test")
    # everything of L-test went, and the L-2 edges that pointed at its nodes went with them
    assert region.get("ent:a") is None and region.get("ent:z") is not None
    assert region.neighbours("ent:z") == []
    assert result.nodes_deleted == 12 and result.edges_deleted == 16 + 2
    assert [r.load_id for r in region.loads()] == ["ontology", "L-2"]
    with pytest.raises(NotFound):
        region.delete_load("L-test")
    with pytest.raises(InvalidInput):
        region.delete_load("ontology")


def test_bulk_batches_read_back_like_ordinary_ones(store):
    nodes, edges = small_region()
    with store.batch(bulk=True):
        store.write(nodes)
        store.write(edges=edges)
        assert store.get("ent:a").name == "澜启生物（上海）有限公司"  # readable inside the batch
        store.write([node("ent:b", "Enterprise", "改名", credit="C")])
        store.write([node("ent:b", "Enterprise", "澜启医疗器械有限公司", credit="B")])  # and back
        store.write(edges=[edge("TRACKS", "station:mh", "prod:2", id="SR2", date="2024-07-02", type="visit")])
        again = store.write(edges=[edge("LOCATED_IN", "ent:a", "park:zizhu")])  # written before in this batch
    assert again.edges_created == 0 and store.counts().edges["LOCATED_IN"] == 2
    assert store.get("ent:b").props == {"credit": "B"} and store.get("ent:b").name == "澜启医疗器械有限公司"
    tracks = [n.edge.props["date"] for n in store.neighbours("prod:2", edge_kinds=["TRACKS"])]
    assert tracks == ["2024-06-01", "2024-07-02"]  # SR2 rewritten, not duplicated
    assert store.counts().edges["TRACKS"] == 2
    assert [h.node.id for h in store.search("改名")] == []


def test_a_failed_bulk_batch_leaves_nothing(store):
    before = store.counts()
    nodes, edges = small_region()
    with pytest.raises(RuntimeError), store.batch(bulk=True):
        store.write(nodes, edges)
        raise RuntimeError("abort")
    assert store.counts() == before and store.get("ent:a") is None


def test_a_record_given_twice_in_one_write_is_one_record(store):
    store.write([node("park:d", "Park", "一号"), node("park:d", "Park", "二号", lat=31.0)],
                [edge("IN_FIELD", "park:d", "field:vaccine"), edge("IN_FIELD", "park:d", "field:vaccine")])
    assert store.get("park:d").name == "二号" and store.get("park:d").props == {"lat": 31.0}
    assert store.counts().nodes["Park"] == 1 and len(store.neighbours("park:d", edge_kinds=["IN_FIELD"])) == 1
    assert [h.node.id for h in store.search("一号")] == []


# --- what loads were, and the entity-resolution crosswalk ---------------------------------------

META = LoadMeta("cn-listed-companies", "cn-listed-companies", "2", "loaders/mappings/cn-listed-companies.toml",
                ("/data/tushare_stock_basic.csv",), (("province", "上海"),))


def test_load_meta_travels_with_provenance_and_the_load(store):
    prov = Provenance("tushare_stock_basic.csv", 12, "L-map", "2026-03-01T00:00:00+00:00", META)
    store.write([node("stock:688180.SH", "Enterprise", "君实生物", prov, stock_codes=["688180.SH"])],
                [edge("PROVIDES", "stock:688180.SH", "segment:drug.manufacturing", prov)])
    assert store.get("stock:688180.SH").provenance == prov
    (out,) = store.neighbours("stock:688180.SH")
    assert out.edge.provenance.meta == META
    assert [(r.load_id, r.meta) for r in store.loads()][1:] == [("L-map", META)]
    assert LoadMeta.from_json(META.to_json()) == META and LoadMeta.from_json(None) is None


def _xref(key: str, node_id: str, prov: Provenance, **kw) -> Xref:
    return Xref(kw.pop("source", "fudan"), key, node_id, "Institution", kw.pop("name", key), kw.pop("rule", "new"),
                provenance=prov, **kw)


def test_crosswalk_records_round_trip_filter_and_delete(region):
    later = Provenance("rank.csv", 7, "L-2", "2026-02-01T00:00:00+00:00", META)
    a = _xref("hospital:示例医院", "inst:h", P, rule="name", status="merged", score=1.0, aliases=("示例",),
              filled=("province",), matched=("示例医院", "示例医院（本部）"))
    b = _xref("hospital:另一医院", "hospital:另一医院", later, status="ambiguous", score=0.93,
              candidates=("inst:h", "inst:x"))
    c = _xref("org:澜启", "ent:a", later, source="cde", rule="short_name", status="merged", score=0.95)
    region.write_xrefs([a, b, c])
    assert region.xrefs() == [c, b, a]  # (source, key) order
    assert region.xrefs(source="fudan") == [b, a]
    assert region.xrefs(node="inst:h") == [a] and region.xrefs(source="cde", node="inst:h") == []
    moved = Xref(**{**a.__dict__, "node": "inst:x", "rule": "manual", "score": 1.0})
    region.write_xrefs([moved], delete=[("cde", "org:澜启")])
    assert region.xrefs() == [b, moved]
    assert a.id == moved.id and len(a.id) == 10 and a.id != b.id


def test_bad_crosswalk_records_are_refused(store):
    with pytest.raises(SchemaError, match="status 'maybe'"):
        store.write_xrefs([_xref("k", "n", P, status="maybe")])
    with pytest.raises(SchemaError, match="score must be a number from 0 to 1"):
        store.write_xrefs([_xref("k", "n", P, score=1.5)])
    assert store.xrefs() == []


def test_unloading_a_load_drops_its_crosswalk_records(region):
    later = Provenance("rank.csv", 7, "L-2", "2026-02-01T00:00:00+00:00")
    region.write([node("inst:x", "Institution", "X 医院", later, type="hospital")])
    region.write_xrefs([_xref("k1", "inst:h", P, status="merged", rule="name"), _xref("k2", "inst:x", later)])
    region.delete_load("L-2")
    assert [x.key for x in region.xrefs()] == ["k1"]


def test_crosswalk_records_written_in_a_failed_batch_are_gone(store):
    with pytest.raises(RuntimeError), store.batch():
        store.write_xrefs([_xref("k1", "inst:h", P)])
        raise RuntimeError("abort")
    assert store.xrefs() == []


def test_copy_carries_crosswalk_records_and_load_metadata(store, tmp_path):
    from graph import EmbeddedStore
    from graph.copy import copy_store

    prov = Provenance("rank.csv", 7, "L-map", "2026-02-01T00:00:00+00:00", META)
    with EmbeddedStore(tmp_path / "from.sqlite") as source:
        source.write([node("inst:h", "Institution", "示例医院", prov, type="hospital")])
        source.write_xrefs([_xref("hospital:示例医院", "inst:h", prov, status="merged", rule="name")])
        copy_store(source, store)
        assert store.xrefs() == source.xrefs() and store.get("inst:h").provenance.meta == META
        again = copy_store(source, store)
    assert again.changed == 0 and len(store.xrefs()) == 1


def test_evaluate_runs_a_query_where_the_data_is(store):
    """A query written once per backend: the embedded store reads its graph through a GraphView,
    Neo4j runs the Cypher; both answer the same (the hand region: two parks in 闵行 and 浦东)."""
    store.write(*small_region())

    class ParksByDistrict:
        def on_graph(self, view):
            return sorted((p, d) for p, a in view.nodes() if a["kind"] == "Park" for d in view.out(p, "IN_DISTRICT"))

        def on_cypher(self, run):
            rows = run(("MATCH (p:Park)-[:IN_DISTRICT]->(d:District) RETURN p.id AS p, d.id AS d", {}))
            return sorted((r["p"], r["d"]) for r in rows)

    assert store.evaluate(ParksByDistrict()) == [("park:zizhu", "district:310112"), ("park:zj", "district:310115")]

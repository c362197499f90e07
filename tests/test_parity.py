"""Parity: the demo region and a generated region, loaded into the embedded store and into Neo4j,
answer every store operation identically (the embedded store is the independent reference)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from graph import EmbeddedStore
from graph.model import Edge, LoadRecord, Neighbour, Node, SearchHit, Subgraph
from loaders import load as loader
from loaders.demo_region import demo_tables
from loaders.export import export_tables
from loaders.generate import generate_region, write_region
from loaders.load import load_paths, load_tables
from loaders.sheets import csv_bytes
from ontology import ONTOLOGY_KINDS

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def _load_demo(store):
    return load_tables(store, demo_tables(), load_id="L-demo", now=NOW)


def _load_generated(store, folder):
    """As a bulk load in small chunks, so both stores' bulk paths (Neo4j: several transactions in
    flight, look-ups skipped for what the batch wrote) are what is compared."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(loader, "BULK_ROWS", 1)
        mp.setattr(loader, "CHUNK", 300)
        return load_paths(store, [folder], load_id="L-gen", now=NOW)


@pytest.fixture(scope="module")
def generated_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("generated")
    write_region(generate_region(150, seed=11, as_of="2026-06-30"), folder)
    return folder


@pytest.fixture(scope="module", params=["demo", "generated"])
def pair(request, neo4j_server, tmp_path_factory, generated_folder):
    """(embedded, neo4j) holding the same region, loaded with the same load id and time."""
    embedded = EmbeddedStore(tmp_path_factory.mktemp("parity") / "s.sqlite")
    neo = neo4j_server.fresh_store()
    for s in (embedded, neo):
        if request.param == "demo":
            _load_demo(s)
        else:
            _load_generated(s, generated_folder)
    # ontology nodes carry the time each store was opened: give both the same
    yield embedded, neo, request.param
    embedded.close()
    neo.close()


def _fixed(x):
    """``x`` with the ontology's own records stamped with one time: each store stamps them when it
    is first opened, the one provenance field that may differ."""
    if isinstance(x, list | tuple):
        return [_fixed(i) for i in x]
    if isinstance(x, Node | Edge):
        if x.provenance is not None and x.provenance.load_id == "ontology":
            return replace(x, provenance=replace(x.provenance, loaded_at="-"))
        return x
    if isinstance(x, Neighbour):
        return replace(x, edge=_fixed(x.edge), node=_fixed(x.node))
    if isinstance(x, SearchHit):
        return replace(x, node=_fixed(x.node))
    if isinstance(x, Subgraph):
        return Subgraph(tuple(_fixed(list(x.nodes))), tuple(_fixed(list(x.edges))), x.truncated)
    if isinstance(x, LoadRecord) and x.load_id == "ontology":
        return replace(x, loaded_at="-")
    return x


def test_counts_nodes_edges_and_loads_agree(pair):
    embedded, neo, _ = pair
    assert neo.counts() == embedded.counts()
    assert sum(neo.counts().nodes.values()) > 100
    assert _fixed(list(neo.nodes())) == _fixed(list(embedded.nodes()))
    assert _fixed(list(neo.edges())) == _fixed(list(embedded.edges()))
    for kind in ("Enterprise", "Station", "Field"):
        assert _fixed(list(neo.nodes(kind))) == _fixed(list(embedded.nodes(kind)))
    assert list(neo.edges("TRACKS")) == list(embedded.edges("TRACKS"))
    assert _fixed(neo.loads()) == _fixed(embedded.loads())


def test_get_kinds_and_neighbours_agree_on_every_node(pair):
    embedded, neo, _ = pair
    ids = [n.id for n in embedded.nodes()]
    assert neo.kinds(ids + ["no-such-node"]) == embedded.kinds(ids + ["no-such-node"])
    for nid in random.Random(5).sample(ids, min(150, len(ids))):
        assert _fixed(neo.get(nid)) == _fixed(embedded.get(nid))
        for direction in ("out", "in", "both"):
            assert _fixed(neo.neighbours(nid, direction=direction)) == \
                _fixed(embedded.neighbours(nid, direction=direction)), nid
        assert _fixed(neo.neighbours(nid, edge_kinds=["LOCATED_IN", "OWNS"], node_kinds=["Park", "Product"])) == \
            _fixed(embedded.neighbours(nid, edge_kinds=["LOCATED_IN", "OWNS"], node_kinds=["Park", "Product"]))


def _queries(store) -> list[str]:
    """Substrings of real names: whole names, prefixes, infixes, one and two characters."""
    rng = random.Random(9)
    names = sorted(n.name for n in store.nodes() if n.kind not in ONTOLOGY_KINDS)
    out = ["上海", "生物", "医院", "（演示）", "(演示)", "区", "张江", "中山", "A", "药"]
    for name in rng.sample(names, 40):
        i = rng.randrange(len(name))
        out += [name, name[:3], name[i:i + 2]]
    return out


def test_search_ranking_agrees(pair):
    embedded, neo, _ = pair
    hits, ranks = 0, set()
    for text in _queries(embedded):
        for kinds in (None, ["Enterprise"], ["Institution", "Park"]):
            want = embedded.search(text, kinds=kinds, limit=15)
            got = neo.search(text, kinds=kinds, limit=15)
            assert [(h.node.id, h.rank, h.matched) for h in got] == \
                [(h.node.id, h.rank, h.matched) for h in want], (text, kinds)
            assert _fixed(got) == _fixed(want)
            hits += len(want)
            ranks |= {h.rank for h in want}
    assert hits > 500 and ranks == {0, 1, 2}  # the comparison covered every rank


def test_subgraphs_agree(pair):
    embedded, neo, _ = pair
    ids = sorted(n.id for n in embedded.nodes() if n.kind in ("Enterprise", "District", "Station"))
    truncated = 0
    for seeds in ([ids[0]], ids[1:4], random.Random(3).sample(ids, 5)):
        for depth, cap, kinds in ((1, 500, None), (2, 60, None), (2, 500, ["LOCATED_IN", "IN_DISTRICT", "OWNS"])):
            want = embedded.subgraph(seeds, depth=depth, edge_kinds=kinds, max_nodes=cap)
            got = neo.subgraph(seeds, depth=depth, edge_kinds=kinds, max_nodes=cap)
            assert [n.id for n in got.nodes] == [n.id for n in want.nodes]
            assert got.truncated == want.truncated
            assert _fixed(got) == _fixed(want)
            truncated += want.truncated
    assert truncated > 0  # the cap was exercised


def test_exports_are_byte_identical(pair):
    embedded, neo, _ = pair
    want, got = export_tables(embedded), export_tables(neo)
    assert want.keys() == got.keys()
    for name in want:
        assert csv_bytes(got[name]) == csv_bytes(want[name]), name


def test_loading_again_changes_nothing(pair, generated_folder):
    _, neo, which = pair
    before_nodes, before_edges = list(neo.nodes()), list(neo.edges())
    report = _load_demo(neo) if which == "demo" else _load_generated(neo, generated_folder)
    assert report.result.changed == 0
    assert report.result.nodes_unchanged + report.result.edges_unchanged > 100
    assert list(neo.nodes()) == before_nodes
    assert list(neo.edges()) == before_edges


def test_provenance_is_kept(pair):
    embedded, neo, which = pair
    enterprise = next(neo.nodes("Enterprise"))
    prov = enterprise.provenance
    assert prov.load_id == ("L-demo" if which == "demo" else "L-gen")
    assert prov.loaded_at == NOW.isoformat(timespec="seconds")
    assert prov.source.endswith("enterprises.csv") and prov.row >= 2
    assert prov == embedded.get(enterprise.id).provenance


def _answer(query, store):
    from ontology import InvalidInput

    try:
        return query(store)
    except InvalidInput as exc:
        return str(exc)


def test_matchmaking_answers_are_identical(pair):
    """Every matchmaking query, for a sample of organisations, stations and districts, gives the
    same answer on both backends (evidence and provenance included); every evidence edge exists."""
    from queries.brokering import broker
    from queries.chain import chain_gaps
    from queries.matching import match
    from queries.partners import partners_for_station
    from queries.patents import patent_matches

    embedded, neo, _ = pair
    day = NOW.date()
    rng = random.Random(5)
    orgs = sorted(n.id for n in embedded.nodes("Enterprise"))
    sample = rng.sample(orgs, 8) + rng.sample(sorted(n.id for n in embedded.nodes("Institution")), 3)
    asked = 0
    for org in sample:
        for query in (lambda s, o=org: match(s, o, as_of=day),
                      lambda s, o=org: broker(s, o, field="field:drug", as_of=day),
                      lambda s, o=org: patent_matches(s, o, field="field:device", as_of=day)):
            a, b = _answer(query, embedded), _answer(query, neo)
            assert a == b, org
            if isinstance(a, str):  # the same refusal (an org that states no need or field)
                continue
            for r in a.results:
                assert r.id != org
                for ev in r.evidence:
                    for e in ev.edges:
                        ends = {(n.edge.kind, n.edge.src, n.edge.dst) for n in embedded.neighbours(e.src, [e.kind])}
                        assert (e.kind, e.src, e.dst) in ends
                        asked += 1
    assert asked > 0
    for d in sorted(n.id for n in embedded.nodes("District"))[:3]:
        for f in ("field:antibody", "field:imaging"):
            assert chain_gaps(embedded, d, f, as_of=day) == chain_gaps(neo, d, f, as_of=day)
    for s in sorted(n.id for n in embedded.nodes("Station"))[:4]:
        assert partners_for_station(embedded, s, as_of=day) == partners_for_station(neo, s, as_of=day)

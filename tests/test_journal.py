"""The embedded store's change journal: other connections' commits reach an open store by catching
up with what changed, not by rebuilding its graph; and the result is what a fresh open builds."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest
from helpers import P, edge, node, small_region
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from graph import EmbeddedStore
from graph import sqlite_format as fmt
from graph.model import Provenance, Replace, Xref
from ontology import NotFound, SchemaError

ROOT = Path(__file__).resolve().parents[1]
SEARCHES = ("澜启", "园区", "工作站", "区", "改")


# --- comparing a store with a fresh open of its file ---------------------------------------------


def public_state(store: EmbeddedStore) -> tuple:
    """Everything the store's interface answers (for the records of a small region)."""
    nodes = list(store.nodes())
    return (
        store.counts(), nodes, list(store.edges()), store.loads(), store.xrefs(),
        {q: store.search(q, limit=50) for q in SEARCHES},
        {n.id: store.neighbours(n.id) for n in nodes},
        store.kinds([n.id for n in nodes] + ["nope"]),
    )


def mirror_state(store: EmbeddedStore) -> tuple:
    """The in-memory graph and the look-up tables, as plain values."""
    g = store.nx
    return (
        g._node, g._succ, g._pred, +Counter(store._node_counts), +Counter(store._edge_counts),
        store._loads, store._load_idx, store._sources, store._source_idx, store._canon,
    )


def check_layout(store: EmbeddedStore) -> None:
    """What a fresh build shares: id strings, kinds, key strings, repeated values."""
    g, canon, table = store.nx, store._canon, store._strings.table
    assert set(canon) == set(g._node)
    for nid in g._node:
        assert canon[nid] is nid
    for src, adjacent in g._succ.items():
        assert canon[src] is src
        for dst, keyed in adjacent.items():
            assert canon[dst] is dst and g._pred[dst][src] is keyed
            for key, attrs in keyed.items():
                kind, k = fmt.split_key(key)
                assert attrs["kind"] is fmt.KINDS[kind] and (key if isinstance(key, str) else key[0]) is attrs["kind"]
                prop = fmt.EDGE_KEY_PROP.get(kind)
                if prop is not None and attrs.get(prop) == k:
                    assert key[1] is attrs[prop]
    for attrs in [*g._node.values(), *(a for _, _, a in g.edges(data=True))]:
        for k, v in attrs.items():
            if k in fmt.RESERVED:
                continue
            assert table.get(k) is k
            if k in fmt._SHAREABLE and isinstance(v, str):
                assert table.get(v) is v


def assert_like_fresh(*stores: EmbeddedStore) -> None:
    """Each store answers and holds in memory what a store freshly opened on its file does."""
    fresh = EmbeddedStore(stores[0].path)
    try:
        want_public, want_mirror = public_state(fresh), mirror_state(fresh)
        for store in stores:
            assert public_state(store) == want_public
            assert mirror_state(store) == want_mirror
            check_layout(store)
            assert (store._next_node, store._next_edge) >= (fresh._next_node, fresh._next_edge)
    finally:
        fresh.close()


def changes(store: EmbeddedStore, second: Provenance) -> None:
    """A mix of everything a write can do: nodes, edges with properties, an edge removed by a
    replace, another load deleted, crosswalk records."""
    store.write([node("park:new", "Park", "新园区", second, lat=31.1, lon=121.3),
                 node("ent:b", "Enterprise", "澜启医疗器械有限公司", second, credit="C"),
                 node("station:pd", "Station", "浦东工作站", second, type="core", scope="drug")],
                [edge("TRACKS", "station:pd", "ent:b", second, id="SR9", date="2025-01-02", type="visit"),
                 edge("LOCATED_IN", "ent:b", "park:new", second),
                 edge("TRACKS", "station:mh", "prod:2", second, id="SR2", date="2024-07-09", type="visit")],
                [Replace("ent:b", "LOCATED_IN")])  # ent:b leaves park:zj
    store.write_xrefs([Xref("m", "k1", "ent:b", "Enterprise", "澜启医疗", "name", 0.9, "merged", provenance=second)])
    store.delete_load("L-early")


def seeded(path: Path) -> Provenance:
    """A file with the small region and a second load; the provenance to write with next."""
    early = Provenance("early.csv", 3, "L-early", "2025-12-01T00:00:00+00:00")
    with EmbeddedStore(path) as s:
        s.write(*small_region())
        s.write([node("ent:e", "Enterprise", "早期公司", early)], [edge("LOCATED_IN", "ent:e", "park:zj", early)])
        s.write_xrefs([Xref("m", "k0", "ent:e", "Enterprise", "早期", "name", provenance=early)])
    return Provenance("later.csv", 7, "L-later", "2026-02-01T00:00:00+00:00")


# --- two stores in one process ---------------------------------------------------------------------


def journal_end(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT max(seq) FROM journal").fetchone()[0]


def test_another_connections_writes_are_caught_up_not_rebuilt(tmp_path):
    path = tmp_path / "two.sqlite"
    second = seeded(path)
    reader, writer = EmbeddedStore(path), EmbeddedStore(path)
    assert reader.get("ent:e") is not None
    before, start = reader.sync_stats, journal_end(path)
    changes(writer, second)
    assert reader.get("park:new").props == {"lat": 31.1, "lon": 121.3}
    tracks = {n.edge.props["id"]: n.edge.props for n in reader.neighbours("ent:b", edge_kinds=["TRACKS"])}
    assert tracks == {"SR9": {"id": "SR9", "date": "2025-01-02", "type": "visit"}}
    assert [n.node.id for n in reader.neighbours("ent:b", edge_kinds=["LOCATED_IN"])] == ["park:new"]
    assert reader.get("ent:e") is None and "L-early" not in [r.load_id for r in reader.loads()]
    assert [x.key for x in reader.xrefs()] == ["k1"]  # k0 went with its load
    assert reader.get("ent:b").provenance == second
    after = reader.sync_stats
    assert after.rebuilds == before.rebuilds and after.catch_ups > before.catch_ups
    # each journal row applied once: three transactions' rows, read in one catch-up
    assert after.journal_entries_applied - before.journal_entries_applied == journal_end(path) - start
    assert_like_fresh(reader, writer)
    assert writer.sync_stats.rebuilds == 0
    reader.close()
    writer.close()


class HasNode:
    """A pushed-down query: is this node in the graph?"""

    def __init__(self, nid: str) -> None:
        self.nid = nid

    def on_graph(self, view) -> bool:
        return self.nid in view.attributes

    def on_cypher(self, run) -> bool:  # pragma: no cover - embedded only
        raise NotImplementedError


def test_every_read_catches_up(tmp_path):
    """Each public read, as the first call after another connection's write, sees that write."""
    path = tmp_path / "reads.sqlite"
    seeded(path)
    reader, writer = EmbeddedStore(path), EmbeddedStore(path)
    reads = {
        "get": lambda i: reader.get(f"park:{i}") is not None,
        "kinds": lambda i: reader.kinds([f"park:{i}"]) == {f"park:{i}": "Park"},
        "neighbours": lambda i: len(reader.neighbours("district:310112", edge_kinds=["IN_DISTRICT"])) == 2 + i,
        "search": lambda i: [h.node.id for h in reader.search(f"读园区{i}号")] == [f"park:{i}"],
        "subgraph": lambda i: f"park:{i}" in {n.id for n in reader.subgraph(["district:310112"]).nodes},
        "counts": lambda i: reader.counts().nodes["Park"] == 2 + i,
        "nodes": lambda i: f"park:{i}" in {n.id for n in reader.nodes("Park")},
        "edges": lambda i: ("IN_DISTRICT", f"park:{i}", "district:310112", "") in {e.ident for e in reader.edges()},
        "loads": lambda i: [r.nodes for r in reader.loads() if r.load_id == "L-read"] == [i],
        "xrefs": lambda i: len(reader.xrefs(source="read")) == i,
        "evaluate": lambda i: reader.evaluate(HasNode(f"park:{i}")),
    }
    prov = Provenance("read.csv", 1, "L-read", "2026-03-01T00:00:00+00:00")
    for i, (name, read) in enumerate(reads.items(), start=1):
        writer.write([node(f"park:{i}", "Park", f"读园区{i}号", prov)],
                     [edge("IN_DISTRICT", f"park:{i}", "district:310112", prov)])
        writer.write_xrefs([Xref("read", str(i), f"park:{i}", "Park", "x", "name", provenance=prov)])
        assert read(i), name
    assert reader.sync_stats.rebuilds == 0 and reader.sync_stats.catch_ups >= len(reads)
    assert_like_fresh(reader, writer)
    reader.close()
    writer.close()


def test_a_commit_between_catching_up_and_a_query_of_the_file_is_not_half_seen(tmp_path):
    """search and xrefs read the file after catching up: from the same state, so a commit in between
    cannot name a node or a load the graph does not have yet."""
    path = tmp_path / "race.sqlite"
    reader, writer = EmbeddedStore(path), EmbeddedStore(path)
    caught_up = reader._refresh
    turn = iter(range(100))

    def then_another_commit() -> None:
        caught_up()
        i = next(turn)
        prov = Provenance("race.csv", i, f"L-race{i}", "2026-03-01T00:00:00+00:00")
        writer.write([node(f"park:race{i}", "Park", f"竞速园区{i}", prov)])
        writer.write_xrefs([Xref("race", str(i), f"park:race{i}", "Park", "x", "name", provenance=prov)])

    reader._refresh = then_another_commit
    assert reader.search("竞速园区") == []  # the first commit came after this read's state
    assert [x.key for x in reader.xrefs()] == ["0"]  # caught up with it, not with the second
    del reader._refresh
    assert [h.node.id for h in reader.search("竞速园区")] == ["park:race0", "park:race1"]
    assert reader.sync_stats.rebuilds == 0
    assert_like_fresh(reader, writer)
    reader.close()
    writer.close()


def test_a_memo_of_a_pushed_down_query_is_forgotten(tmp_path):
    class Parks:
        def on_graph(self, view) -> int:
            return view.memo("parks", lambda: sum(a["kind"] == "Park" for _, a in view.nodes()))

        def on_cypher(self, run) -> int:  # pragma: no cover - embedded only
            raise NotImplementedError

    path = tmp_path / "memo.sqlite"
    reader, writer = EmbeddedStore(path), EmbeddedStore(path)
    assert reader.evaluate(Parks()) == 0
    writer.write([node("park:m", "Park", "记忆园区")])
    assert reader.evaluate(Parks()) == 1 and reader.sync_stats.rebuilds == 0
    reader.close()
    writer.close()


def test_a_reader_behind_many_transactions(tmp_path):
    """Records deleted and written again, under new rowids and reused ones, by two writers, before
    the reader looks: it applies all of it at once."""
    path = tmp_path / "behind.sqlite"
    seeded(path)
    reader, a, b = EmbeddedStore(path), EmbeddedStore(path), EmbeddedStore(path)
    assert reader.get("ent:a") is not None
    later = Provenance("l.csv", 2, "L-l", "2026-03-01T00:00:00+00:00")
    # an edge deleted by a replace, then written again under a new rowid
    a.write(edges=[edge("LOCATED_IN", "ent:c", "park:zj"), edge("IN_DISTRICT", "ent:c", "district:310115")])
    b.write(edges=[edge("IN_DISTRICT", "ent:b", "district:310115")],
            replace=[Replace("ent:c", "LOCATED_IN"), Replace("ent:b", "IN_DISTRICT")])
    a.write(edges=[edge("LOCATED_IN", "ent:c", "park:zj")])
    # the newest node and edge deleted, and written again by another store under the same rowids
    a.write([node("park:top", "Park", "顶", later)], [edge("IN_DISTRICT", "park:top", "district:310112", later)])
    a.delete_load("L-l")
    b.write([node("park:top", "Park", "顶二", later)], [edge("IN_DISTRICT", "park:top", "district:310112", later)])
    b.delete_load("L-l")
    a.write([node("park:top", "Park", "顶三", later)], [edge("IN_DISTRICT", "park:top", "district:310112", later)])
    assert reader.get("park:top").name == "顶三"
    assert [n.node.id for n in reader.neighbours("ent:c", edge_kinds=["LOCATED_IN"])] == ["park:zj"]
    assert reader.sync_stats.rebuilds == 0 and reader.sync_stats.catch_ups == 1
    assert_like_fresh(reader, a, b)
    for s in (reader, a, b):
        s.close()


def test_a_node_deleted_and_written_again_as_another_kind(tmp_path):
    path = tmp_path / "kind.sqlite"
    a, b = EmbeddedStore(path), EmbeddedStore(path)
    first = Provenance("a.csv", 1, "L-a", "2026-01-01T00:00:00+00:00")
    then = Provenance("b.csv", 1, "L-b", "2026-01-02T00:00:00+00:00")
    a.write([node("x:1", "Park", "甲", first), node("district:1", "District", "区", then, code="310112", type="district")],
            [edge("IN_DISTRICT", "x:1", "district:1", first)])
    assert b.get("x:1").kind == "Park"
    a.delete_load("L-a")
    a.write([node("x:1", "Enterprise", "乙", then)], [edge("IN_DISTRICT", "x:1", "district:1", then)])
    assert b.get("x:1").kind == "Enterprise" and b.counts().nodes.get("Park") is None
    assert b.sync_stats.rebuilds == 0
    assert_like_fresh(a, b)
    a.close()
    b.close()


def test_reused_rowids_are_told_apart(tmp_path):
    """A deleted last row's rowid goes to the next new row (in another connection, which counts from
    the file): the journal names what was deleted, so the reader drops the old and keeps the new."""
    path = tmp_path / "rid.sqlite"
    seeded(path)
    a, b, c = EmbeddedStore(path), EmbeddedStore(path), EmbeddedStore(path)
    prov = Provenance("r.csv", 1, "L-r", "2026-01-01T00:00:00+00:00")
    a.write([node("park:r1", "Park", "一", prov)], [edge("TRACKS", "station:mh", "park:r1", prov, id="T1",
                                                         date="2025-01-01", type="visit")])
    assert c.get("park:r1") is not None
    a.delete_load("L-r")
    b.write([node("park:r2", "Park", "二", prov)], [edge("TRACKS", "station:mh", "park:r2", prov, id="T2",
                                                         date="2025-01-01", type="visit")])
    assert fmt.rid_of(b.nx._node["park:r2"]["_p"]) == fmt.rid_of(c.nx._node["park:r1"]["_p"])  # reused
    assert c.get("park:r1") is None and c.get("park:r2") is not None
    assert c.sync_stats.rebuilds == 0
    assert_like_fresh(a, b, c)
    for s in (a, b, c):
        s.close()


def test_a_rewritten_record_and_an_unchanged_write(tmp_path):
    path = tmp_path / "same.sqlite"
    seeded(path)
    reader, writer = EmbeddedStore(path), EmbeddedStore(path)
    writer.write(*small_region())  # nothing changes: nothing to catch up
    writer.write([node("ent:a", "Enterprise", "改名公司", aliases=["改"])])
    assert [h.node.id for h in reader.search("改名")] == ["ent:a"] and reader.get("ent:a").props == {"aliases": ["改"]}
    assert reader.sync_stats.rebuilds == 0
    assert_like_fresh(reader, writer)
    reader.close()
    writer.close()


# --- when the journal cannot help ------------------------------------------------------------------


def test_a_bulk_batch_makes_readers_rebuild(tmp_path):
    path = tmp_path / "bulk.sqlite"
    reader, writer = EmbeddedStore(path), EmbeddedStore(path)
    with writer.batch(bulk=True):
        writer.write(*small_region())
    assert reader.get("ent:a") is not None
    assert reader.sync_stats.rebuilds == 1
    assert_like_fresh(reader, writer)
    writer.write([node("park:z", "Park", "后来")])  # and then back to catching up
    assert reader.get("park:z") is not None and reader.sync_stats.rebuilds == 1
    reader.close()
    writer.close()


def test_a_write_bigger_than_the_journal_makes_readers_rebuild(tmp_path, monkeypatch):
    monkeypatch.setattr(fmt, "JOURNAL_LIMIT", 50)
    path = tmp_path / "big.sqlite"
    reader, writer = EmbeddedStore(path), EmbeddedStore(path)
    stats = reader.sync_stats
    writer.write([node(f"park:{i}", "Park", f"园区{i}") for i in range(60)])
    assert reader.counts().nodes["Park"] == 60 and reader.sync_stats.rebuilds == stats.rebuilds + 1
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT tab FROM journal ORDER BY seq DESC LIMIT 1").fetchone() == (fmt.REBUILD,)
    writer.write([node("park:small", "Park", "小")])  # a small one is caught up again
    assert reader.get("park:small") is not None and reader.sync_stats.rebuilds == stats.rebuilds + 1
    assert writer.sync_stats.rebuilds == 0  # the writer's own graph holds its big write
    assert_like_fresh(reader, writer)
    reader.close()
    writer.close()


def store_rows(store: EmbeddedStore) -> int:
    counts = store.counts()
    return sum(counts.nodes.values()) + sum(counts.edges.values())


def test_a_change_bigger_than_half_the_store_makes_readers_rebuild(tmp_path, monkeypatch):
    path = tmp_path / "half.sqlite"
    reader, writer = EmbeddedStore(path), EmbeddedStore(path)
    assert store_rows(reader) // 2 < fmt.CATCH_UP_MIN
    # up to CATCH_UP_MIN journal rows are caught up, however small the store
    writer.write([node(f"park:{i}", "Park", f"园区{i}") for i in range(fmt.CATCH_UP_MIN - 2)])  # + load, source
    assert reader.counts().nodes["Park"] == fmt.CATCH_UP_MIN - 2 and reader.sync_stats.rebuilds == 0
    monkeypatch.setattr(fmt, "CATCH_UP_MIN", 10)
    half = store_rows(reader) // 2
    writer.write([node(f"park:a{i}", "Park", f"园区{i}") for i in range(half)])
    assert reader.get("park:a0") is not None and reader.sync_stats.rebuilds == 0
    half = store_rows(reader) // 2
    writer.write([node(f"park:b{i}", "Park", f"园区{i}") for i in range(half + 1)])
    assert reader.get("park:b0") is not None and reader.sync_stats.rebuilds == 1  # faster so
    assert_like_fresh(reader, writer)
    reader.close()
    writer.close()


def test_a_reader_behind_the_pruned_journal_rebuilds(tmp_path, monkeypatch):
    monkeypatch.setattr(fmt, "JOURNAL_LIMIT", 20)
    path = tmp_path / "pruned.sqlite"
    reader, writer = EmbeddedStore(path), EmbeddedStore(path)
    for i in range(15):
        writer.write([node(f"park:{i}", "Park", f"园区{i}")], [edge("IN_FIELD", f"park:{i}", "field:antibody")])
    with sqlite3.connect(path) as conn:
        low, high, n = conn.execute("SELECT min(seq), max(seq), count(*) FROM journal").fetchone()
    assert n == 20 and high - low == 19  # bounded
    assert reader.counts().nodes["Park"] == 15 and reader.sync_stats.rebuilds == 1
    writer.write([node("park:z", "Park", "后来")])
    assert reader.get("park:z") is not None and reader.sync_stats.rebuilds == 1
    # a writer that keeps less (another configuration) pruned what the reader has not seen
    writer.write([node("park:y", "Park", "再后来")])
    writer.write([node("park:x", "Park", "最后")])
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM journal WHERE seq < (SELECT max(seq) FROM journal)")
    assert reader.get("park:y") is not None and reader.sync_stats.rebuilds == 2
    assert_like_fresh(reader, writer)
    reader.close()
    writer.close()


def test_a_catch_up_that_fails_midway_is_rebuilt_on_the_next_read(tmp_path, monkeypatch):
    path = tmp_path / "midway.sqlite"
    reader, writer = EmbeddedStore(path), EmbeddedStore(path)
    writer.write([node("park:m", "Park", "半途园区")], [edge("IN_FIELD", "park:m", "field:antibody")])

    def unreadable(*args):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(fmt, "edge_attrs", unreadable)  # the node is in the graph by then, its edge not
    with pytest.raises(sqlite3.OperationalError):
        reader.get("park:m")
    monkeypatch.undo()
    assert [n.node.id for n in reader.neighbours("park:m")] == ["field:antibody"]
    assert reader.sync_stats.rebuilds == 1
    assert_like_fresh(reader, writer)
    reader.close()
    writer.close()


def test_a_file_restored_over_the_store_is_rebuilt(tmp_path):
    path, other = tmp_path / "live.sqlite", tmp_path / "backup.sqlite"
    with EmbeddedStore(other) as s:
        s.write([node("park:b", "Park", "备份园区")])
    reader = EmbeddedStore(path)
    reader.write([node("park:a", "Park", "现园区")])
    with sqlite3.connect(other) as src, sqlite3.connect(path) as dst:
        src.backup(dst)  # the same inode, another store's pages (and its journal)
    assert reader.get("park:a") is None and reader.get("park:b") is not None
    assert reader.sync_stats.rebuilds == 1
    assert_like_fresh(reader)
    reader.close()


def test_a_rolled_back_batch_journals_nothing(tmp_path):
    path = tmp_path / "rollback.sqlite"
    reader, writer = EmbeddedStore(path), EmbeddedStore(path)
    with sqlite3.connect(path) as conn:
        before = conn.execute("SELECT max(seq) FROM journal").fetchone()
    with pytest.raises(SchemaError), writer.batch():
        writer.write([node("park:ok", "Park", "好")])
        writer.write([node("park:ok", "Enterprise", "坏")])
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT max(seq) FROM journal").fetchone() == before
    assert reader.get("park:ok") is None and writer.get("park:ok") is None
    writer.write([node("park:ok", "Park", "好")])
    assert reader.get("park:ok") is not None and reader.sync_stats.rebuilds == 0
    assert_like_fresh(reader, writer)
    reader.close()
    writer.close()


# --- two processes ---------------------------------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[2])
    from graph import EmbeddedStore
    from graph.model import Provenance
    from test_journal import changes
    store = EmbeddedStore(sys.argv[1])
    changes(store, Provenance("later.csv", 7, "L-later", "2026-02-01T00:00:00+00:00"))
    print(store.sync_stats.rebuilds, flush=True)
    """
)

STREAM = textwrap.dedent(
    """
    import sys
    from graph import EmbeddedStore
    from graph.model import Edge, Node, Provenance
    store = EmbeddedStore(sys.argv[1])
    for i in range(int(sys.argv[2])):
        prov = Provenance("api", None, "api", "2026-01-01T00:00:00+00:00")
        store.write([Node(f"park:s{i}", "Park", f"流园区{i}", {"lat": 31.0}, prov)],
                    [Edge("TRACKS", "station:mh", f"park:s{i}", {"id": f"S{i}", "date": "2025-01-01",
                                                               "type": "visit"}, prov)])
        print(f"ACK {i}", flush=True)
        sys.stdin.readline()  # the parent has read it
    """
)


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def test_another_process_writes_are_caught_up(tmp_path):
    path = tmp_path / "procs.sqlite"
    seeded(path)
    reader = EmbeddedStore(path)
    assert reader.get("ent:e") is not None
    done = subprocess.run([sys.executable, "-c", CHILD, str(path), str(ROOT / "tests")], capture_output=True,
                          text=True, env=_env(), check=True, timeout=120)
    assert done.stdout.split() == ["0"]  # the writer caught up with nothing to rebuild either
    assert reader.get("park:new") is not None and reader.get("ent:e") is None
    assert [x.key for x in reader.xrefs()] == ["k1"]
    assert [n.node.id for n in reader.neighbours("ent:b", edge_kinds=["LOCATED_IN"])] == ["park:new"]
    assert reader.sync_stats.rebuilds == 0 and reader.sync_stats.catch_ups == 1
    assert_like_fresh(reader)
    reader.close()


def test_each_acknowledged_write_of_another_process_is_read_next(tmp_path):
    path = tmp_path / "stream.sqlite"
    seeded(path)
    reader = EmbeddedStore(path)
    start = journal_end(path)
    n = 25
    proc = subprocess.Popen([sys.executable, "-c", STREAM, str(path), str(n)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=_env())
    try:
        for i in range(n):
            assert proc.stdout.readline().split() == ["ACK", str(i)]  # type: ignore[union-attr]
            assert reader.get(f"park:s{i}").name == f"流园区{i}"
            assert len(reader.neighbours("station:mh", edge_kinds=["TRACKS"], node_kinds=["Park"])) == i + 1
            proc.stdin.write("\n")  # type: ignore[union-attr]
            proc.stdin.flush()  # type: ignore[union-attr]
    finally:
        proc.stdin.close()  # type: ignore[union-attr]
        assert proc.wait(timeout=60) == 0
    stats = reader.sync_stats
    assert stats.rebuilds == 0 and stats.catch_ups >= n
    assert stats.journal_entries_applied == journal_end(path) - start  # each row once
    assert_like_fresh(reader)
    reader.close()


def test_threads_reading_while_another_connection_writes(tmp_path):
    import threading

    path = tmp_path / "threads.sqlite"
    seeded(path)
    reader, writer = EmbeddedStore(path), EmbeddedStore(path)
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        try:
            while not stop.is_set():
                for n in reader.nodes("Park"):
                    try:
                        reader.neighbours(n.id)
                    except NotFound:  # deleted since nodes() listed it
                        pass
                reader.counts()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(3)]
    for t in threads:
        t.start()
    for i in range(40):
        writer.write([node(f"park:t{i}", "Park", f"线程园区{i}")], [edge("IN_FIELD", f"park:t{i}", "field:antibody")])
        if i == 19:
            writer.delete_load("L-test")
    stop.set()
    for t in threads:
        t.join()
    assert not errors
    assert_like_fresh(reader, writer)
    assert reader.sync_stats.rebuilds == 0
    reader.close()
    writer.close()


# --- the format upgrade ------------------------------------------------------------------------------


def test_a_store_of_format_4_is_upgraded_in_place(tmp_path):
    path = tmp_path / "v4.sqlite"
    with EmbeddedStore(path) as store:
        store.write(*small_region())
        store.write_xrefs([Xref("m", "k", "ent:a", "Enterprise", "澜启", "name", provenance=P)])
    with sqlite3.connect(path) as conn:  # what format 4 had: no journal, no file identity
        conn.execute("DROP TABLE journal")
        conn.execute("DELETE FROM sqlite_sequence WHERE name='journal'")
        conn.execute("DELETE FROM meta WHERE key='instance'")
        conn.execute("UPDATE meta SET value='biokg-embedded-4' WHERE key='format'")
        assert {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")} >= {
            "meta", "loads", "sources", "nodes", "edges", "xrefs"}
    reader = EmbeddedStore(path)  # upgrades
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key='format'").fetchone() == (fmt.FORMAT,)
        assert conn.execute("SELECT value FROM meta WHERE key='instance'").fetchone() is not None
        assert conn.execute("SELECT count(*) FROM journal").fetchone() == (0,)
    assert reader.get("ent:a").provenance == P and reader.counts().edges["TRACKS"] == 2
    assert [x.node for x in reader.xrefs()] == ["ent:a"]
    writer = EmbeddedStore(path)
    writer.write([node("park:up", "Park", "升级后")], [edge("LOCATED_IN", "ent:b", "park:up")])
    assert reader.get("park:up") is not None and reader.sync_stats.rebuilds == 0
    assert_like_fresh(reader, writer)
    reader.close()
    writer.close()


def test_a_store_of_format_3_is_upgraded_to_the_journal_too(tmp_path):
    path = tmp_path / "v3.sqlite"
    with EmbeddedStore(path) as store:
        store.write(*small_region())
    with sqlite3.connect(path) as conn:
        conn.execute("ALTER TABLE loads DROP COLUMN meta")
        conn.execute("DROP TABLE xrefs")
        conn.execute("DROP TABLE journal")
        conn.execute("DELETE FROM meta WHERE key='instance'")
        conn.execute("UPDATE meta SET value='biokg-embedded-3' WHERE key='format'")
    a, b = EmbeddedStore(path), EmbeddedStore(path)
    a.write([node("park:up", "Park", "升级后")])
    assert b.get("park:up") is not None and b.sync_stats.rebuilds == 0
    assert_like_fresh(a, b)
    a.close()
    b.close()


# --- random sequences from two stores --------------------------------------------------------------

IDS = {"ent:0": "Enterprise", "ent:1": "Enterprise", "ent:2": "Enterprise", "park:0": "Park", "park:1": "Park",
       "station:0": "Station", "district:0": "District", "x:0": ("Park", "Enterprise")}
LOADS = ("L0", "L1", "L2")
NAMES = ("甲园", "乙公司", "丙站", "澜启", "区")


def _node(nid: str, kind: str, name: str, prov: Provenance, variant: int):
    props = {"Station": {"type": "core", "scope": ("drug", "both")[variant % 2]},
             "District": {"code": "310112", "type": "district"},
             "Park": {"lat": 31.0 + variant}, "Enterprise": {"credit": "AB"[variant % 2]}}[kind]
    if variant >= 2:
        props["aliases"] = [f"别名{variant}"]
    return node(nid, kind, name, prov, **props)


EDGES = (  # kind, src kinds, dst kinds, props
    ("LOCATED_IN", ("Enterprise",), ("Park",)),
    ("IN_DISTRICT", ("Enterprise", "Park"), ("District",)),
    ("TRACKS", ("Station",), ("Enterprise", "Park")),
    ("SERVES", ("Station",), ("District",)),
)


@settings(max_examples=30, stateful_step_count=12, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
class TwoStores(RuleBasedStateMachine):
    """Writes, replaces, deletions, crosswalk records and bulk batches from two stores alternating
    on one file; after every step each equals a fresh open."""

    @initialize()
    def open(self) -> None:
        import tempfile

        self.dir = tempfile.TemporaryDirectory()
        path = Path(self.dir.name) / "machine.sqlite"
        self.stores = (EmbeddedStore(path), EmbeddedStore(path))
        self.lagging = EmbeddedStore(path)  # read only now and then: it catches up many steps at once

    def teardown(self) -> None:
        if hasattr(self, "stores"):
            for s in (*self.stores, self.lagging):
                s.close()
            self.dir.cleanup()

    @rule()
    def lagging_reader_looks(self) -> None:
        assert_like_fresh(self.lagging)

    def _prov(self, load: str) -> Provenance:
        return Provenance(f"{load}.csv", 1, load, "2026-01-01T00:00:00+00:00")

    @rule(which=st.integers(0, 1), load=st.sampled_from(LOADS), data=st.data(), bulk=st.sampled_from([False] * 4 + [True]))
    def write(self, which, load, data, bulk) -> None:
        store, prov = self.stores[which], self._prov(load)
        current = store.kinds(IDS)
        nodes = []
        for nid in data.draw(st.lists(st.sampled_from(sorted(IDS)), max_size=4, unique=True)):
            kinds = IDS[nid] if isinstance(IDS[nid], tuple) else (IDS[nid],)
            kind = current.get(nid) or data.draw(st.sampled_from(kinds))
            nodes.append(_node(nid, kind, data.draw(st.sampled_from(NAMES)), prov, data.draw(st.integers(0, 3))))
        present = {**current, **{n.id: n.kind for n in nodes}}
        edges, replace = [], []
        for kind, srcs, dsts in data.draw(st.lists(st.sampled_from(EDGES), max_size=4)):
            ss, ds = [i for i, k in present.items() if k in srcs], [i for i, k in present.items() if k in dsts]
            if not ss or not ds:
                continue
            src, dst = data.draw(st.sampled_from(sorted(ss))), data.draw(st.sampled_from(sorted(ds)))
            props = {"id": f"R{data.draw(st.integers(0, 2))}", "date": "2025-01-0" + str(data.draw(st.integers(1, 3))),
                     "type": "visit"} if kind == "TRACKS" else {}
            edges.append(edge(kind, src, dst, prov, **props))
        if present and data.draw(st.booleans()):
            replace.append(Replace(data.draw(st.sampled_from(sorted(present))),
                                   data.draw(st.sampled_from([e[0] for e in EDGES])),
                                   data.draw(st.sampled_from(["out", "in"]))))
        if bulk:
            with store.batch(bulk=True):
                store.write(nodes, edges, replace)
        else:
            store.write(nodes, edges, replace)

    @rule(which=st.integers(0, 1), load=st.sampled_from(LOADS))
    def delete_load(self, which, load) -> None:
        store = self.stores[which]
        if load in {r.load_id for r in store.loads()}:
            store.delete_load(load)

    @rule(which=st.integers(0, 1), load=st.sampled_from(LOADS), key=st.sampled_from(["a", "b"]), drop=st.booleans())
    def xrefs(self, which, load, key, drop) -> None:
        store = self.stores[which]
        if drop:
            store.write_xrefs(delete=[("m", key)])
        else:
            store.write_xrefs([Xref("m", key, "ent:0", "Enterprise", "x", "name", provenance=self._prov(load))])

    @invariant()
    def both_like_fresh(self) -> None:
        if hasattr(self, "stores"):
            assert_like_fresh(*self.stores)


TestTwoStores = TwoStores.TestCase

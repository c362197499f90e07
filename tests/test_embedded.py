"""The embedded store's own promises: one file, durable, shared safely between processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import P, node, small_region

from graph import EmbeddedStore
from ontology import StoreUnavailable

ROOT = Path(__file__).resolve().parents[1]
BATCH = 40

WRITER = textwrap.dedent(
    """
    import sys
    from graph import EmbeddedStore
    from graph.model import Edge, Node, Provenance
    store = EmbeddedStore(sys.argv[1])
    start = int(sys.argv[2])
    i = start
    while True:
        prov = Provenance("writer", i, f"L{i}", "2026-01-01T00:00:00+00:00")
        nodes = [Node(f"p{i}-{j}", "Park", f"园区 {i}-{j}", {"lat": float(j % 90)}, prov) for j in range(BATCH)]
        nodes.append(Node(f"d{i}", "District", f"区 {i}", {"type": "special_area"}, prov))
        edges = [Edge("IN_DISTRICT", n.id, f"d{i}", {}, prov) for n in nodes[:-1]]
        store.write(nodes, edges)
        print(f"ACK {i}", flush=True)
        i += 1
    """
).replace("BATCH", str(BATCH))


def _run_and_kill(path: Path, start: int, acks_wanted: int) -> list[int]:
    """Start a writer, read its acknowledgements, kill -9 it mid-stream; return the acked batches."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(start)], stdout=subprocess.PIPE,
                            text=True, env=env)
    acked = []
    try:
        for line in proc.stdout:  # type: ignore[union-attr]
            acked.append(int(line.split()[1]))
            if len(acked) >= acks_wanted:
                break
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return acked


@pytest.mark.slow
def test_acknowledged_writes_survive_kill_9(tmp_path):
    path = tmp_path / "durable.sqlite"
    acked: list[int] = []
    start = 0
    for wanted in (5, 17, 3):
        acked += _run_and_kill(path, start, wanted)
        store = EmbeddedStore(path)  # reopening after the crash must work and recover the WAL
        districts = {n.id for n in store.nodes("District")}
        present = sorted(int(d[1:]) for d in districts)
        for i in acked:  # every acknowledged batch is there, whole
            assert f"d{i}" in districts
            parks = store.neighbours(f"d{i}", edge_kinds=["IN_DISTRICT"])
            assert len(parks) == BATCH, f"batch {i} is incomplete after kill -9"
        for i in present:  # and no batch is there in part (an unacknowledged one may be whole)
            assert len(store.neighbours(f"d{i}", edge_kinds=["IN_DISTRICT"])) == BATCH
        # besides the acknowledged batches, at most the one each killed writer was finishing
        unacknowledged = sorted(set(present) - set(acked))
        assert set(acked) <= set(present) and all(i - 1 in acked for i in unacknowledged), (acked, present)
        assert store.counts().nodes["Park"] == BATCH * len(present)
        start = present[-1] + 1
        store.close()


def test_reopen_gives_back_everything(tmp_path):
    path = tmp_path / "s.sqlite"
    nodes, edges = small_region()
    with EmbeddedStore(path) as s:
        s.write(nodes, edges)
        before = (s.counts(), list(s.nodes()), list(s.edges()))
    with EmbeddedStore(path) as s:
        assert (s.counts(), list(s.nodes()), list(s.edges())) == before


def test_commits_from_another_connection_are_seen(tmp_path):
    path = tmp_path / "shared.sqlite"
    server, loader = EmbeddedStore(path), EmbeddedStore(path)
    assert server.get("park:x") is None
    loader.write([node("park:x", "Park", "新园区")])
    assert server.get("park:x").name == "新园区"  # picked up without reopening
    assert [h.node.id for h in server.search("新园区")] == ["park:x"]
    server.close()
    loader.close()


def test_a_file_that_is_not_a_store_is_refused(tmp_path):
    bogus = tmp_path / "notes.sqlite"
    bogus.write_text("these are not the droids", encoding="utf-8")
    with pytest.raises(StoreUnavailable, match="is not a biokg store"):
        EmbeddedStore(bogus)


def test_provenance_survives_reopen(tmp_path):
    path = tmp_path / "p.sqlite"
    with EmbeddedStore(path) as s:
        s.write([node("park:y", "Park", "园区Y")])
    with EmbeddedStore(path) as s:
        assert s.get("park:y").provenance == P


def test_records_given_twice_stay_single_after_reopen(tmp_path):
    path = tmp_path / "twice.sqlite"
    with EmbeddedStore(path) as s:
        s.write([node("park:d", "Park", "一号"), node("park:d", "Park", "二号")])
    with EmbeddedStore(path) as s:
        assert [n.name for n in s.nodes("Park")] == ["二号"]


def test_opening_a_store_does_not_wait_for_a_writer(tmp_path):
    path = tmp_path / "busy.sqlite"
    EmbeddedStore(path).close()
    writer = EmbeddedStore(path)
    with writer.batch():  # holds SQLite's write lock, like a long load
        writer.write([node("park:w", "Park", "写入中")])
        reader = EmbeddedStore(path)  # would block (and time out) if opening needed the lock
        assert reader.get("park:w") is None  # uncommitted: not visible to others
        reader.close()
    writer.close()


def test_a_store_of_the_previous_format_is_upgraded_in_place(tmp_path):
    import sqlite3

    from graph.model import Xref
    from graph.sqlite_format import FORMAT

    path = tmp_path / "old.sqlite"
    with EmbeddedStore(path) as store:
        store.write(*small_region())
    with sqlite3.connect(path) as conn:  # what format 3 had: no load metadata, no crosswalk
        conn.execute("ALTER TABLE loads DROP COLUMN meta")
        conn.execute("DROP TABLE xrefs")
        conn.execute("UPDATE meta SET value='biokg-embedded-3' WHERE key='format'")
    with EmbeddedStore(path) as store:
        assert store.get("ent:a").provenance == P and store.counts().nodes["Enterprise"] == 3
        store.write_xrefs([Xref("m", "k", "ent:a", "Enterprise", "澜启", "name", 1.0, "merged", provenance=P)])
        assert [x.node for x in store.xrefs()] == ["ent:a"]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key='format'").fetchone()[0] == FORMAT

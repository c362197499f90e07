"""Neo4j benchmark: bulk writes, the naive per-row MERGE loop, the embedded store, and look-ups.

``python -m bench.neo4j [--enterprises 85000] [--seed 1] [--sample 20000]`` generates a region,
loads it into an embedded store (the record source), and then, in one run on one machine:

* writes every node and edge into an emptied Neo4j through ``Neo4jStore`` in one bulk batch
  (nodes/s and edges/s, each phase timed on its own);
* runs the loop a user would write by default (one ``MERGE`` per row through ``session.run``) on a
  ``--sample``-row sample, and extrapolates it to the whole region;
* writes the same records into a fresh embedded store the same way;
* times point look-ups (``get``) and neighbour expansion (``neighbours``) on both backends.

It starts its own server with scripts/neo4j (state in .neo4j-bench, heap and page cache from
BIOKG_NEO4J_HEAP / BIOKG_NEO4J_PAGECACHE, default 6g each) unless BIOKG_BENCH_NEO4J_URI is given,
and rewrites the ``neo4j`` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.report import ROOT, write_section

GOALS = {"nodes_per_s": 40_000, "edges_per_s": 60_000}
CHUNK = 20_000  # records per write(), as the loader sends them


def _server() -> tuple[str, str, str, bool]:
    """(uri, user, password, started here)."""
    if uri := os.environ.get("BIOKG_BENCH_NEO4J_URI"):
        return uri, os.environ.get("BIOKG_BENCH_NEO4J_USER", "neo4j"), os.environ["BIOKG_BENCH_NEO4J_PASSWORD"], False
    env = {**os.environ, "BIOKG_NEO4J_STATE": str(ROOT / ".neo4j-bench"),
           "BIOKG_NEO4J_HEAP": os.environ.get("BIOKG_NEO4J_HEAP", "6g"),
           "BIOKG_NEO4J_PAGECACHE": os.environ.get("BIOKG_NEO4J_PAGECACHE", "6g")}
    uri = subprocess.run([str(ROOT / "scripts" / "neo4j"), "start"], env=env, check=True, capture_output=True,
                         text=True).stdout.strip()
    return uri, "neo4j", (ROOT / ".neo4j-bench" / "password").read_text().strip(), True


def _stop() -> None:
    env = {**os.environ, "BIOKG_NEO4J_STATE": str(ROOT / ".neo4j-bench")}
    subprocess.run([str(ROOT / "scripts" / "neo4j"), "stop"], env=env, check=False, capture_output=True)


def _wipe(uri: str, user: str, password: str) -> None:
    from neo4j import GraphDatabase

    with GraphDatabase.driver(uri, auth=(user, password)) as driver, driver.session(database="neo4j") as s:
        s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()


def _write_all(store, nodes, edges) -> tuple[float, float]:
    """Seconds for the node phase and the edge phase of one bulk batch (commit included)."""
    with store.batch(bulk=True):
        start = time.perf_counter()
        for i in range(0, len(nodes), CHUNK):
            store.write(nodes=nodes[i:i + CHUNK])
        mid = time.perf_counter()
        for i in range(0, len(edges), CHUNK):
            store.write(edges=edges[i:i + CHUNK])
    store.counts()  # the embedded store finishes a bulk batch on its next read: count that in
    return mid - start, time.perf_counter() - mid


def _naive(uri: str, user: str, password: str, nodes, edges, sample: int) -> tuple[float, int]:
    """The default loop: one MERGE per node, one MATCH-MATCH-MERGE per edge, each its own
    auto-commit ``session.run``, on the same constraints and indexes.  (seconds, rows)"""
    from neo4j import GraphDatabase

    from graph import cypher as q
    from graph.validate import clean_props

    rng = random.Random(7)
    share = len(edges) / (len(nodes) + len(edges))
    some_edges = rng.sample(edges, int(sample * share))
    wanted = {x for e in some_edges for x in (e.src, e.dst)}
    by_id = {n.id: n for n in nodes}
    some_nodes = [by_id[i] for i in sorted(wanted) if i in by_id]  # the rest are ontology nodes
    others = [n for n in rng.sample(nodes, min(len(nodes), sample)) if n.id not in wanted]
    some_nodes += others[:max(0, sample - len(some_edges) - len(some_nodes))]
    start = time.perf_counter()
    with GraphDatabase.driver(uri, auth=(user, password)) as driver, driver.session(database="neo4j") as s:
        for n in some_nodes:
            s.run(f"MERGE (n:{q.BASE}:{q.label(n.kind)} {{id: $id}}) SET n.name = $name, n += $props",
                  id=n.id, name=n.name, props=clean_props(n.props)).consume()
        for e in some_edges:
            s.run(f"MATCH (a:{q.BASE} {{id: $s}}) MATCH (b:{q.BASE} {{id: $d}}) "
                  f"MERGE (a)-[r:{q.rel_type(e.kind)} {{_sk: $sk}}]->(b) SET r += $props",
                  s=e.src, d=e.dst, sk=f"{e.src}|{e.dst}|{e.key}", props=clean_props(e.props)).consume()
    return time.perf_counter() - start, len(some_nodes) + len(some_edges)


def _latency(store, ids: list[str]) -> dict[str, tuple[float, float]]:
    out = {}
    for name, call in (("get", store.get), ("neighbours", store.neighbours)):
        for nid in ids[:50]:  # warm up
            call(nid)
        times = []
        for nid in ids:
            t = time.perf_counter()
            call(nid)
            times.append(time.perf_counter() - t)
        times.sort()
        out[name] = (statistics.median(times) * 1000, times[int(len(times) * 0.99) - 1] * 1000)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.neo4j")
    parser.add_argument("--enterprises", type=int, default=85_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--lookups", type=int, default=2_000)
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out-neo4j")
    parser.add_argument("--no-report", action="store_true", help="print, do not touch BENCHMARKS.md")
    args = parser.parse_args(argv)

    from graph import EmbeddedStore
    from graph.neo4j_store import Neo4jStore
    from loaders.generate import generate_region, write_region
    from loaders.load import load_paths

    work = args.workdir
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    write_region(generate_region(args.enterprises, seed=args.seed), work / "region")
    source = EmbeddedStore(work / "source.sqlite")
    load_paths(source, [work / "region"])
    nodes = [n for n in source.nodes() if n.provenance.load_id != "ontology"]
    edges = [e for e in source.edges() if e.provenance.load_id != "ontology"]
    source.close()
    print(f"records: {len(nodes):,} nodes, {len(edges):,} edges", file=sys.stderr)

    uri, user, password, started = _server()
    try:
        _wipe(uri, user, password)
        neo = Neo4jStore(uri, user, password)
        naive_s, naive_rows = _naive(uri, user, password, nodes, edges, args.sample)
        neo.close()
        _wipe(uri, user, password)
        neo = Neo4jStore(uri, user, password)
        neo_nodes_s, neo_edges_s = _write_all(neo, nodes, edges)
        print(f"neo4j: nodes {neo_nodes_s:.1f} s, edges {neo_edges_s:.1f} s", file=sys.stderr)
        emb = EmbeddedStore(work / "target.sqlite")
        emb_nodes_s, emb_edges_s = _write_all(emb, nodes, edges)
        ids = [n.id for n in random.Random(3).sample(nodes, args.lookups)]
        lat_neo, lat_emb = _latency(neo, ids), _latency(emb, ids)
        neo.close()
        emb.close()
    finally:
        if started:
            _stop()

    neo_s, emb_s = neo_nodes_s + neo_edges_s, emb_nodes_s + emb_edges_s
    total = len(nodes) + len(edges)
    naive_rate = naive_rows / naive_s
    naive_total = total / naive_rate
    n_rate, e_rate = len(nodes) / neo_nodes_s, len(edges) / neo_edges_s

    def verdict(ok: bool) -> str:
        return "meets the goal" if ok else "**misses the goal**"

    rows = [
        ("Neo4j bulk write, node phase (`Neo4jStore.write`, UNWIND batches, one bulk batch)",
         f"{neo_nodes_s:.1f} s = **{n_rate:,.0f} nodes/s**",
         f"≥ {GOALS['nodes_per_s']:,}/s: {verdict(n_rate >= GOALS['nodes_per_s'])}"),
        ("Neo4j bulk write, edge phase",
         f"{neo_edges_s:.1f} s = **{e_rate:,.0f} edges/s**",
         f"≥ {GOALS['edges_per_s']:,}/s: {verdict(e_rate >= GOALS['edges_per_s'])}"),
        (f"naive loop, one MERGE per row via `session.run` ({naive_rows:,}-row sample)",
         f"{naive_s:.1f} s = {naive_rate:,.0f} rows/s → {naive_total / 60:,.1f} min for the region",
         f"bulk is **{naive_total / neo_s:,.1f}× faster**"),
        ("embedded store, same records, same chunks (bulk batch, graph rebuilt on next read)",
         f"{emb_s:.1f} s (nodes {emb_nodes_s:.1f} s, edges {emb_edges_s:.1f} s)",
         f"Neo4j takes **{neo_s / emb_s:,.2f}×** the embedded time"),
    ]
    lat_rows = [(f"`{op}` p50 / p99", f"{lat_emb[op][0]:.3f} / {lat_emb[op][1]:.3f} ms",
                 f"{lat_neo[op][0]:.2f} / {lat_neo[op][1]:.2f} ms") for op in ("get", "neighbours")]
    table = "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows)
    lat_table = "\n".join(f"| {a} | {b} | {c} |" for a, b, c in lat_rows)
    body = f"""## Neo4j backend (issue 3)

Region: `biokg generate --enterprises {args.enterprises:,} --seed {args.seed}`, loaded into an
embedded store and read back as records: **{len(nodes):,} nodes and {len(edges):,} edges**
(without the 44 ontology nodes, which every store creates itself). Server: Neo4j Community
5.26.30 from scripts/neo4j on the same machine (Java 17, heap and page cache
{os.environ.get('BIOKG_NEO4J_HEAP', '6g')} / {os.environ.get('BIOKG_NEO4J_PAGECACHE', '6g')}),
driver `neo4j` with `neo4j-rust-ext`. The benchmark process and the server share the 2 cores.

| measure | figure | comparison |
|---|---|---|
{table}

Look-ups, {args.lookups:,} random nodes (after 50 warm-up calls), one call at a time:

| operation | embedded | Neo4j |
|---|---|---|
{lat_table}

A Neo4j write first looks up the content hashes of the records it names (index seeks), so a
reload that changes nothing writes nothing; creates, updates and deletes then go out as `UNWIND`
statements of up to 10,000 rows, one transaction per `write()` of {CHUNK:,} records, each with
an undo journal so that a failed bulk batch is taken back. The naive loop is given the same
constraints and indexes (without them each `MERGE` scans the label).
"""
    print(body)
    print(json.dumps({"neo": [neo_nodes_s, neo_edges_s], "emb": [emb_nodes_s, emb_edges_s],
                      "naive": [naive_s, naive_rows], "lat_neo": lat_neo, "lat_emb": lat_emb}), file=sys.stderr)
    if not args.no_report:
        write_section("neo4j", body)


if __name__ == "__main__":
    sys.exit(main())

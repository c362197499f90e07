"""Load benchmark: a generated region of about a million rows into a fresh embedded store.

``python -m bench.load [--enterprises 70000] [--seed 1]`` generates the region, loads it in a
fresh process (validation included), reopens the store in another, and rewrites the ``load``
section of BENCHMARKS.md: throughput, peak memory per edge, file size, reopen time.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

from bench.report import ROOT, fresh_region, run_child, write_section

GOALS = {"rows_per_s": 100_000, "peak_bytes_per_edge": 1024}


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1])
    return 0


def child_load(region: str, db: str) -> dict:
    from graph import EmbeddedStore
    from loaders.load import load_paths

    store = EmbeddedStore(db)
    start = time.perf_counter()
    report = load_paths(store, [Path(region)])
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    store.close()
    return {"rows": report.rows, "seconds": seconds, "peak_kb": peak_kb,
            "nodes": report.result.nodes_created, "edges": report.result.edges_created}


def child_reopen(db: str) -> dict:
    from graph import EmbeddedStore

    base_kb = _rss_kb()
    start = time.perf_counter()
    store = EmbeddedStore(db)
    seconds = time.perf_counter() - start
    rss_kb = _rss_kb() - base_kb
    counts = store.counts()
    searches = {}
    # a two-character query (index scan), a selective one, and one every synthetic name contains
    for query in ("抗体", "细胞治疗技术", "（演示）"):
        times = []
        for _ in range(5):
            t = time.perf_counter()
            store.search(query, limit=20)
            times.append(time.perf_counter() - t)
        searches[query] = statistics.median(times)
    store.close()
    return {"seconds": seconds, "rss_kb": rss_kb, "nodes": sum(counts.nodes.values()),
            "edges": sum(counts.edges.values()), "searches": searches}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load")
    parser.add_argument("--enterprises", type=int, default=70_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        action, *rest = args.child
        print(json.dumps({"load": child_load, "reopen": child_reopen}[action](*rest)))
        return

    work = args.workdir
    db = work / "region.sqlite"
    start = time.perf_counter()
    region = fresh_region(work, args.enterprises, args.seed)
    generated = time.perf_counter() - start
    load = json.loads(run_child("bench.load", "--child", "load", str(region), str(db)))
    size = sum(p.stat().st_size for p in work.glob("region.sqlite*"))
    reopen = json.loads(run_child("bench.load", "--child", "reopen", str(db)))

    rate = load["rows"] / load["seconds"]
    peak_per_edge = load["peak_kb"] * 1024 / reopen["edges"]
    steady_per_edge = reopen["rss_kb"] * 1024 / reopen["edges"]

    def verdict(ok: bool) -> str:
        return "meets the goal" if ok else "**misses the goal**"

    goal_rate, goal_bytes = GOALS["rows_per_s"], GOALS["peak_bytes_per_edge"]
    searches = "; ".join(f"`{q}` {t * 1000:.1f} ms" for q, t in reopen["searches"].items())
    rows = [
        ("end-to-end load, validation included (`load_paths`, fresh process)",
         f"{load['seconds']:.1f} s = **{rate:,.0f} rows/s**",
         f"≥ {goal_rate:,} rows/s: {verdict(rate >= goal_rate)}"),
        ("peak memory of the loading process",
         f"{load['peak_kb'] / 1024:,.0f} MiB = **{peak_per_edge:,.0f} B per edge**",
         f"≤ {goal_bytes:,} B/edge: {verdict(peak_per_edge <= goal_bytes)}"),
        ("memory of the opened store (RSS growth on open: the graph in memory)",
         f"{reopen['rss_kb'] / 1024:,.0f} MiB = **{steady_per_edge:,.0f} B per edge**",
         f"same goal: {verdict(steady_per_edge <= goal_bytes)}"),
        ("store file size (SQLite, incl. the name search index)",
         f"{size / 1024 / 1024:,.0f} MiB = {size / load['rows']:,.0f} B per row", "—"),
        ("reopen: open the file and rebuild the in-memory graph (fresh process)",
         f"**{reopen['seconds']:.1f} s**", "—"),
        ("name search after reopen, median of 5", searches, "—"),
    ]
    table = "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows)
    body = f"""## Load into the embedded store (issue 2)

Region: `biokg generate --enterprises {args.enterprises:,} --seed {args.seed}` —
{load['rows']:,} rows in 13 CSV files ({generated:.1f} s to generate); after loading,
{reopen['nodes']:,} nodes and {reopen['edges']:,} edges (incl. the 44 ontology nodes).

| measure | figure | goal |
|---|---|---|
{table}

The load validates every row (types, enumerations, USCC check characters, registration and
patent numbers, IPC symbols, references, duplicates) before writing anything, then writes in one
transaction. Big loads use the store's bulk mode: rows go to SQLite, and the in-memory graph is
rebuilt once when the store is next read, so a process never holds its parsed rows and the grown
graph at once; the reopen figure is that rebuild.

Where the load's time goes (measured on a 148,185-row region of the same generator, per record):
parsing and checking cells ~7 µs per row; resolving references ~2 µs per row; writing a node
~17 µs (7.5 µs of it the name-search index: normalising the name and the FTS5 trigram insert;
3 µs re-validation against the ontology); writing an edge ~4.6 µs (1.3 µs validation). Every
step is per-record Python; reaching 100,000 rows/s would take a columnar (pandas/Arrow) or native
bulk path beside the row-wise one, which we have not built. The name index is kept in the load
on purpose: it makes a selective name search answer in well under a millisecond at this size.
"""
    write_section("load", body)
    print(body)


if __name__ == "__main__":
    sys.exit(main())

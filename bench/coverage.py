"""Coverage benchmark: the full report and ``--suggest 10`` at city scale, on both backends.

``python -m bench.coverage [--enterprises 30000] [--seed 1]`` generates a region (30,000
enterprises give 150 parks, 50,000 products, 200,000 patents and 100,000 service records), loads
it into an embedded store, copies it into an emptied Neo4j (its own server from scripts/neo4j,
as ``bench.neo4j`` starts it, or BIOKG_BENCH_NEO4J_URI), and times on each backend: the full
coverage report (radius 0 and 5 km) and ``suggest_sites(k=10)``.  The first call of each is
reported apart (Neo4j plans its queries then); the figure is the median of the next five.  The
two backends' answers are compared, and the ``coverage`` section of BENCHMARKS.md rewritten.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from bench.neo4j import copy_in_neo4j
from bench.report import ROOT, fresh_region, write_section

GOALS = {"embedded": 1.0, "neo4j": 3.0, "suggest": 2.0}  # seconds
AS_OF = date(2026, 6, 30)  # the generator's records lead up to this day
REPEAT = 5


def timed(call) -> tuple[float, float, object]:
    """(first call s, median of the next REPEAT s, the answer)."""
    t = time.perf_counter()
    answer = call()
    first = time.perf_counter() - t
    times = []
    for _ in range(REPEAT):
        t = time.perf_counter()
        call()
        times.append(time.perf_counter() - t)
    return first, statistics.median(times), answer


def measure(store) -> dict:
    from queries.coverage import coverage, suggest_sites

    out = {}
    for name, call in (
        ("report", lambda: coverage(store, as_of=AS_OF)),
        ("report_5km", lambda: coverage(store, as_of=AS_OF, radius_km=5)),
        ("suggest", lambda: suggest_sites(store, 10, as_of=AS_OF)),
        ("suggest_5km", lambda: suggest_sites(store, 10, as_of=AS_OF, radius_km=5)),
        ("report_one_district", lambda: coverage(store, district="闵行区", as_of=AS_OF)),
    ):
        first, median, answer = timed(call)
        out[name] = {"first": first, "median": median, "answer": answer}
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.coverage")
    parser.add_argument("--enterprises", type=int, default=30_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out-coverage")
    parser.add_argument("--no-report", action="store_true", help="print, do not touch BENCHMARKS.md")
    args = parser.parse_args(argv)

    from graph import EmbeddedStore
    from loaders.load import load_paths

    work = args.workdir
    region = fresh_region(work, args.enterprises, args.seed)
    embedded = EmbeddedStore(work / "region.sqlite")
    load_paths(embedded, [region])
    counts = embedded.counts()
    emb = measure(embedded)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"embedded: {json.dumps({k: [v['first'], v['median']] for k, v in emb.items()})}", file=sys.stderr)

    with copy_in_neo4j(embedded) as (neo, copy_s):
        neo4j = measure(neo)
    embedded.close()
    same = {k: emb[k]["answer"] == neo4j[k]["answer"] for k in emb}
    figures = {"enterprises": args.enterprises, "seed": args.seed, "counts": {**counts.nodes, **counts.edges},
               "emb": {k: [v["first"], v["median"]] for k, v in emb.items()},
               "neo": {k: [v["first"], v["median"]] for k, v in neo4j.items()},
               "same": same, "copy_s": copy_s, "peak_mb": peak_mb, "shape": shape(emb)}
    (work / "figures.json").write_text(json.dumps(figures, ensure_ascii=False))
    body = render(figures)
    print(body)
    if not args.no_report:
        write_section("coverage", body)


def shape(m: dict) -> dict:
    """A few facts of the answers, so the section says what was computed."""
    report, picks = m["report"]["answer"], m["suggest"]["answer"]
    total = {k: sum(getattr(d, k) for d in report.districts)
             for k in ("parks_total", "parks_covered", "enterprises_total", "enterprises_covered",
                       "innovative_products_total", "innovative_products_tracked", "key_projects_total",
                       "key_projects_tracked")}
    return {**total, "no_station": sum(any(g.kind == "no_station" for g in d.gaps) for d in report.districts),
            "stations": len(report.stations), "suggest_gain": sum(p.gain for p in picks), "picks": len(picks)}


def render(f: dict) -> str:
    c, s, emb, neo = f["counts"], f["shape"], f["emb"], f["neo"]

    def row(label: str, key: str, goal: str) -> str:
        (e1, em), (n1, nm) = emb[key], neo[key]
        return f"| {label} | **{em * 1000:,.0f} ms** (first {e1 * 1000:,.0f}) | **{nm * 1000:,.0f} ms** " \
               f"(first {n1 * 1000:,.0f}) | {goal} |"

    def verdict(seconds: float, goal: float) -> str:
        return f"≤ {goal:g} s: " + ("meets the goal" if seconds <= goal else "**misses the goal**")

    rows = "\n".join([
        row("full report (all districts, scorecard), radius 0", "report",
            f"embedded {verdict(emb['report'][1], GOALS['embedded'])}; Neo4j "
            f"{verdict(neo['report'][1], GOALS['neo4j'])}"),
        row("full report, radius 5 km", "report_5km", ""),
        row("report for one district (闵行区; the rank stays city-wide, so the work is the same)",
            "report_one_district", ""),
        row("`--suggest 10`, radius 0", "suggest",
            f"embedded {verdict(emb['suggest'][1], GOALS['suggest'])}; Neo4j "
            f"{verdict(neo['suggest'][1], GOALS['suggest'])}"),
        row("`--suggest 10`, radius 5 km", "suggest_5km", ""),
    ])
    same = "all equal" if all(f["same"].values()) else "**differ: " + ", ".join(k for k, v in f["same"].items()
                                                                               if not v) + "**"
    return f"""## Station-network coverage (issue 5)

Region: `biokg generate --enterprises {f['enterprises']:,} --seed {f['seed']}`: {c['Enterprise']:,}
enterprises, {c['Park']:,} parks, {c['Institution']:,} institutions, {c['Product']:,} products,
{c['Patent']:,} patents, {c['KeyProject']:,} key projects, {c['Station']:,} stations,
{c['ServicePoint']:,} service points, {c['TRACKS']:,} service records; as of {AS_OF}, 180-day
window. The report found {s['enterprises_covered']:,} of {s['enterprises_total']:,} enterprises covered,
{s['parks_covered']} of {s['parks_total']} parks, {s['innovative_products_tracked']:,} of
{s['innovative_products_total']:,} innovative products and {s['key_projects_tracked']} of
{s['key_projects_total']} key projects tracked, {s['no_station']} `no_station` districts and
{s['stations']} stations ranked; the {s['picks']} suggested sites newly cover a weight of
{s['suggest_gain']:,}.

Each figure is the median of {REPEAT} calls after a first one (in brackets: Neo4j plans its
queries on the first). Embedded: the networkx graph in memory (peak RSS of the benchmark process,
which also generated and loaded the region: {f['peak_mb']:,.0f} MB). Neo4j: Community 5.26 from
scripts/neo4j on the same 2 cores, the aggregates computed by Cypher in one read transaction (the
region copied in with `biokg copy` in {f['copy_s']:.0f} s). The answers of the two backends: {same}.

| query | embedded | Neo4j | goal |
|---|---|---|---|
{rows}
"""


if __name__ == "__main__":
    sys.exit(main())

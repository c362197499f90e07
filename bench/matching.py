"""Matchmaking benchmark: match, broker, patent_matches, chain_gaps and partners_for_station at city
scale, on both backends, against straightforward versions of the same queries.

``python -m bench.matching [--enterprises 30000] [--seed 1] [--orgs 200] [--plain 20]`` generates a
region (30,000 enterprises: 50,000 products, 200,000 patents), loads it into an embedded store,
copies it into an emptied Neo4j (its own server, as ``bench.neo4j`` starts it, or
BIOKG_BENCH_NEO4J_URI), and times each query for ``--orgs`` random enterprises (chain gaps: 40
random district and field pairs; partners: every station).  Each is run twice over its sample: the
*cold* pass is the first call for each item in a fresh process (the embedded store's memo is still
filling), the *warm* pass the second.  Then the straightforward versions of ``bench.plain`` run
for the first ``--plain`` orgs: a walk over the store interface (embedded) and one plain Cypher
statement for the profiles (Neo4j), and their answers are compared with the design's.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from bench.neo4j import copy_in_neo4j
from bench.plain import PlainCypher, PlainWalk
from bench.report import ROOT, fresh_region, write_section

AS_OF = date(2026, 6, 30)
GOALS = {"match": (20, 60), "broker": (50, 150), "patents": (50, 150)}  # p50 ms: embedded, Neo4j
FIELDS = ("field:antibody", "field:cell_therapy", "field:chemical_drug", "field:vaccine", "field:imaging",
          "field:implant", "field:molecular_diagnostics", "field:rehabilitation")


def _queries(store):
    from ontology import BiokgError
    from queries.brokering import broker
    from queries.chain import chain_gaps
    from queries.matching import match
    from queries.partners import partners_for_station
    from queries.patents import patent_matches

    def safe(call):
        def run(item):
            try:
                return call(item)
            except BiokgError as exc:  # an org that states no field has nothing to broker: the same on both
                return f"{type(exc).__name__}: {exc}"
        return run

    return {"match": safe(lambda o: match(store, o, as_of=AS_OF)),
            "broker": safe(lambda o: broker(store, o, as_of=AS_OF)),
            "patents": safe(lambda o: patent_matches(store, o, as_of=AS_OF)),
            "chain_gaps": safe(lambda p: chain_gaps(store, p[0], p[1], as_of=AS_OF)),
            "partners": safe(lambda s: partners_for_station(store, s, as_of=AS_OF))}


def timed(call, items) -> tuple[list[float], list]:
    times, answers = [], []
    for item in items:
        t = time.perf_counter()
        answers.append(call(item))
        times.append(time.perf_counter() - t)
    return times, answers


def pct(times: list[float], q: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def summary(times: list[float]) -> dict:
    return {"p50": statistics.median(times) * 1000, "p99": pct(times, 0.99), "n": len(times)}


def measure(store, samples: dict) -> dict:
    out = {}
    for name, call in _queries(store).items():
        cold, _ = timed(call, samples[name])
        warm, answers = timed(call, samples[name])
        out[name] = {"cold": summary(cold), "warm": summary(warm), "answers": answers}
        print(f"  {name}: cold {out[name]['cold']}, warm {out[name]['warm']}", file=sys.stderr)
    return out


def plain(store, samples: dict, names: tuple[str, ...]) -> dict:
    out = {}
    for name in names:
        times, answers = timed(_queries(store)[name], samples[name])
        out[name] = {"run": summary(times), "answers": answers}
        print(f"  plain {name}: {out[name]['run']}", file=sys.stderr)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.matching")
    parser.add_argument("--enterprises", type=int, default=30_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--orgs", type=int, default=200)
    parser.add_argument("--plain", type=int, default=20, help="orgs the straightforward versions run for")
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out-matching")
    parser.add_argument("--no-report", action="store_true", help="print, do not touch BENCHMARKS.md")
    args = parser.parse_args(argv)

    from graph import EmbeddedStore
    from loaders.load import load_paths

    region = fresh_region(args.workdir, args.enterprises, args.seed)
    embedded = EmbeddedStore(args.workdir / "region.sqlite")
    load_paths(embedded, [region])
    counts = embedded.counts()
    rng = random.Random(args.seed)
    orgs = rng.sample(sorted(n.id for n in embedded.nodes("Enterprise")), args.orgs)
    districts = sorted(n.id for n in embedded.nodes("District"))
    pairs = [(rng.choice(districts), rng.choice(FIELDS)) for _ in range(40)]
    stations = sorted(n.id for n in embedded.nodes("Station"))
    samples = {"match": orgs, "broker": orgs, "patents": orgs, "chain_gaps": pairs, "partners": stations}
    few = {**samples, **{k: orgs[: args.plain] for k in ("match", "broker", "patents")}, "chain_gaps": pairs[:10]}

    print("embedded", file=sys.stderr)
    emb = measure(embedded, samples)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    emb_plain = plain(PlainWalk(embedded), few, ("match", "broker", "patents", "chain_gaps"))

    with copy_in_neo4j(embedded) as (neo, copy_s):
        print("neo4j", file=sys.stderr)
        neo4j = measure(neo, samples)
        neo_plain = plain(PlainCypher(neo), few, ("match", "broker", "patents", "chain_gaps"))
    embedded.close()

    def agree(a: list, b: list) -> bool:
        return a == b[: len(a)] if len(a) <= len(b) else a[: len(b)] == b

    figures = {
        "enterprises": args.enterprises, "seed": args.seed, "orgs": args.orgs, "plain_n": args.plain,
        "counts": {**counts.nodes, **counts.edges}, "copy_s": copy_s, "peak_mb": peak_mb,
        "emb": {k: {p: v[p] for p in ("cold", "warm")} for k, v in emb.items()},
        "neo": {k: {p: v[p] for p in ("cold", "warm")} for k, v in neo4j.items()},
        "emb_plain": {k: v["run"] for k, v in emb_plain.items()},
        "neo_plain": {k: v["run"] for k, v in neo_plain.items()},
        "same": {k: emb[k]["answers"] == neo4j[k]["answers"] for k in emb},
        "plain_same": {k: agree(emb_plain[k]["answers"], emb[k]["answers"])
                       and agree(neo_plain[k]["answers"], emb[k]["answers"]) for k in emb_plain},
        "shape": shape(emb),
    }
    args.workdir.mkdir(parents=True, exist_ok=True)
    (args.workdir / "figures.json").write_text(json.dumps(figures, ensure_ascii=False, indent=1))
    body = render(figures)
    print(body)
    if not args.no_report:
        write_section("matching", body)


def shape(m: dict) -> dict:
    """What the answers held, so the section says what was computed."""
    matches = [a for a in m["match"]["answers"] if not isinstance(a, str)]
    no_needs = sum(1 for a in m["match"]["answers"] if isinstance(a, str) and "states no need" in a)
    brokers = [a for a in m["broker"]["answers"] if not isinstance(a, str)]
    patents = [a for a in m["patents"]["answers"] if not isinstance(a, str)]
    return {"needs": statistics.mean(len(a.needs) for a in matches) if matches else 0,
            "results": statistics.mean(len(a.results) for a in matches) if matches else 0,
            "no_needs": no_needs,
            "broker_errors": len(m["broker"]["answers"]) - len(brokers),
            "broker_results": statistics.mean(len(a.results) for a in brokers) if brokers else 0,
            "patent_results": statistics.mean(len(a.results) for a in patents) if patents else 0}


def render(f: dict) -> str:
    c, s, emb, neo = f["counts"], f["shape"], f["emb"], f["neo"]

    def cell(x: dict) -> str:
        return f"{x['p50']:,.1f} / {x['p99']:,.0f}"

    def goal(name: str) -> str:
        if name not in GOALS:
            return "—"
        ge, gn = GOALS[name]
        ok_e = "meets" if emb[name]["warm"]["p50"] <= ge else "**misses**"
        ok_n = "meets" if neo[name]["warm"]["p50"] <= gn else "**misses**"
        return f"p50 ≤ {ge} ms embedded ({ok_e}), ≤ {gn} ms Neo4j ({ok_n})"

    labels = {"match": "`match`", "broker": "`broker`", "patents": "`patent_matches`",
              "chain_gaps": "`chain_gaps`", "partners": "`partners_for_station`"}
    rows = "\n".join(f"| {labels[k]} | {emb[k]['warm']['n']} | {cell(emb[k]['warm'])} | {cell(emb[k]['cold'])} | "
                     f"{cell(neo[k]['warm'])} | {cell(neo[k]['cold'])} | {goal(k)} |" for k in labels)

    def ratio(k: str) -> str:
        pe, pn = f["emb_plain"][k], f["neo_plain"][k]
        return (f"| {labels[k]} | {pe['n']} | {pe['p50']:,.0f} ms | {pe['p50'] / emb[k]['warm']['p50']:,.0f}× "
                f"(cold {pe['p50'] / emb[k]['cold']['p50']:,.1f}×) | {pn['p50']:,.0f} ms | "
                f"{pn['p50'] / neo[k]['warm']['p50']:,.1f}× |")

    ratios = "\n".join(ratio(k) for k in f["emb_plain"])
    same = "all equal" if all(f["same"].values()) else \
        "**differ: " + ", ".join(k for k, v in f["same"].items() if not v) + "**"
    plain_same = "equal" if all(f["plain_same"].values()) else "**differ: " + ", ".join(
        k for k, v in f["plain_same"].items() if not v) + "**"
    return f"""## Matchmaking (issue 13)

Region: `biokg generate --enterprises {f['enterprises']:,} --seed {f['seed']}`: {c['Enterprise']:,}
enterprises, {c['Institution']:,} institutions, {c['Product']:,} products, {c['Patent']:,} patents,
{c['PROVIDES']:,} PROVIDES and {c['NEEDS']:,} NEEDS edges, {c['COLLABORATES']:,} collaborations; as of {AS_OF}.
Sample: {f['orgs']} random enterprises. `match` found {s['needs']:.1f} needs and {s['results']:.1f} results
on average; {s['no_needs']} orgs state no need and get the error that says so. `broker` answered
{s['broker_results']:.1f} results; {s['broker_errors']} orgs state no field and get that error.
`patent_matches` answered {s['patent_results']:.1f}. Chain gaps for 40 random (district, field) pairs; partners for all
{c['Station']} stations.

p50 / p99 in milliseconds, over the sample. *Warm*: the second pass over the sample; *cold*: the
first, in a fresh process (the embedded store's memo of profiles is still filling; Neo4j plans its
statements). Evidence is included in every answer. Embedded: peak RSS of the benchmark process
{f['peak_mb']:,.0f} MB (it also generated and loaded the region). Neo4j: Community 5.26 from
scripts/neo4j on the same 2 cores (region copied in {f['copy_s']:.0f} s). The two backends'
answers: {same}.

| query | n | embedded warm | embedded cold | Neo4j warm | Neo4j cold | goal |
|---|---|---|---|---|---|---|
{rows}

What the design buys: the same queries with the facts read the straightforward way (`bench/plain.py`)
for the first {f['plain_n']} orgs (10 chain-gap pairs). Embedded: a walk over the store interface
(`get`, `neighbours`, `nodes`), one node at a time, no memo. Neo4j: each set of profiles from one
plain Cypher statement (a chain of OPTIONAL MATCHes and `collect`), the rest as the store does it.
Their answers and the design's: {plain_same}.

| query | n | embedded plain p50 | slower than the design (warm) | Neo4j plain p50 | slower than the design (warm) |
|---|---|---|---|---|---|
{ratios}
"""


if __name__ == "__main__":
    sys.exit(main())

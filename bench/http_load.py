"""HTTP load benchmark: `biokg serve --workers 2` under 32 keep-alive clients, on both backends.

``python -m bench.http_load [--backends embedded,neo4j] [--seconds 15] [--warmup 5] [--enterprises 30000]
[--scenarios ...] [--generator auto|wrk|python]`` generates a region (as the other benches do), loads
it into an embedded store, and for each backend starts ``biokg serve --workers 2 --no-access-log`` on
loopback (its own BIOKG_DATA_DIR, holding the API keys) — on a copy of the embedded store, and on an
emptied Neo4j (its own server from scripts/neo4j, as ``bench.neo4j`` starts it) with the same region
copied in.  Against each it runs these scenarios, each a warm-up and then a fixed-length measured run:

* ``probe``: ``GET /healthz`` on one connection (the floor: no work, no concurrency);
* ``lookups``: ``GET /api/v1/entities/{id}`` for random existing ids of several kinds;
* ``search``: ``GET /api/v1/search?q=…&limit=20`` for 2–4 character pieces of real names, and full names;
* ``match``: ``GET /api/v1/match/{org}?top=5`` for random enterprises that answer 200;
* ``mixed``: one ``POST /api/v1/records`` (a station key of that station, a unique note: each a new
  record) to ten entity look-ups; ``writes``: nothing but such writes;
* ``lookups-burst``: the look-ups with all connections opened at once (the others open them in
  ``--waves`` waves 1 s apart, and start again when a worker holds less than half its share: uvicorn's
  workers share one socket, and one of them accepts a whole burst).

Reads send a viewer key, writes a station key: authentication is part of the cost.  The load comes
from separate processes: ``wrk`` (a compiled generator; a Lua script makes the request sets) when it
is installed, else ``bench.loadgen`` (asyncio on raw sockets, uvloop if installed).  The bench
measures what the generator itself costs (its CPU time from ``wait4``), the CPU of each server process
and of Neo4j (``/proc``), the connections each worker holds, and the machine's CPU and I/O wait over
each run, so each figure can say what limited it.  Any non-2xx answer, socket error or timeout is an
error.  After the writes it checks the store itself: every record answered 201 must be in it, and
every worker's ``/api/v1/stats`` must agree with it.  It exits non-zero on any error or lost record.
Everything runs under a temporary folder that is removed; servers are stopped by process group, and
Neo4j by scripts/neo4j.  It rewrites the ``HTTP load`` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

from bench.http_procs import Server, connections_by_pid, cpu_of, machine_cpu
from bench.http_report import _stack, _version, render
from bench.http_wrk import RECORD_DAY, WRITE_EVERY, pick_generator, run_load
from bench.report import ROOT, fresh_region, write_section

SECTION = "http"
SCENARIOS = ("probe", "lookups", "search", "match", "mixed", "writes", "lookups-burst")
LOOKUP_KINDS = {"Enterprise": 400, "Product": 300, "Patent": 200, "Institution": 40, "Park": 30, "KeyProject": 20,
                "Station": 13, "District": 10}
MARK = "（演示）"
SAFE_ID = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_.-")


# ---------------------------------------------------------------------------------- the region and samples

def samples(store, rng: random.Random) -> dict:
    """What the scenarios ask for, drawn from the store: ids to look up, search texts, orgs to
    match (candidates: enterprises with a stated need), stations and record targets."""
    nodes = {k: sorted(store.nodes(k), key=lambda n: n.id) for k in LOOKUP_KINDS}
    by_kind = {k: [n.id for n in v] for k, v in nodes.items()}
    lookups = [i for kind, n in LOOKUP_KINDS.items() for i in rng.sample(by_kind[kind], min(n, len(by_kind[kind])))]
    names = [n.name for kind in ("Enterprise", "Product", "Institution", "Patent")
             for n in rng.sample(nodes[kind], min(300, len(nodes[kind])))]
    pieces = []
    for name in names:  # a 2–4 character piece of a real name, never the demo mark every name carries
        part = max(name.split(MARK), key=len).strip()
        size = rng.choice((2, 3, 4))
        if len(part) >= size:
            start = rng.randrange(len(part) - size + 1)
            piece = part[start:start + size]
            if piece.strip() == piece and any(ch.isalnum() for ch in piece):
                pieces.append(piece)
    full = [n.name for kind in ("Enterprise", "Product") for n in rng.sample(nodes[kind], 75)]
    texts = pieces[:350] + full
    enterprises = by_kind["Enterprise"]
    candidates = []
    for org in rng.sample(enterprises, len(enterprises)):
        if store.neighbours(org, ["NEEDS"], None, "out"):
            candidates.append(org)
            if len(candidates) == 300:
                break
    targets = rng.sample(enterprises, 500) + rng.sample(by_kind["Product"], 500)
    stations = sorted(n.id for n in store.nodes("Station"))
    for i in [*lookups, *candidates, *targets, *stations]:
        assert set(i) <= SAFE_ID, f"id {i!r} needs escaping in the load scripts"
    return {"lookups": lookups, "texts": texts, "match_candidates": candidates, "targets": targets,
            "stations": stations}


def search_timing(store, texts: list[str]) -> dict:
    """Each search text once on the bench's own embedded store: p50 ms by length (2, 3, 4, full names)."""
    times: dict[str, list[float]] = {}
    for text in texts:
        t = time.perf_counter()
        store.search(text, limit=21)
        times.setdefault(str(len(text)) if len(text) <= 4 else "full", []).append(time.perf_counter() - t)
    return {k: {"n": len(v), "p50": sorted(v)[len(v) // 2] * 1000} for k, v in sorted(times.items())}


def make_keys(keys_path: Path, stations: list[str]) -> tuple[str, list[list[str]]]:
    """A viewer key for the reads and a station key for each station (what `biokg keys create` does)."""
    from api.auth import KeyRing

    ring = KeyRing(keys_path)
    try:
        viewer = ring.create("viewer", note="bench.http_load")[1]
        writers = [[s, ring.create("station", s, note="bench.http_load")[1]] for s in stations]
    finally:
        ring.close()
    return viewer, writers


# ---------------------------------------------------------------------------------- one backend

def get_json(port: int, path: str, key: str, conn: http.client.HTTPConnection | None = None) -> tuple[int, dict]:
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers={"Authorization": f"Bearer {key}"})
    answer = conn.getresponse()
    return answer.status, json.loads(answer.read() or b"{}")


def measured(server: Server, spec: dict, args, generator: str, work: Path, neo4j_pid: int | None) -> dict:
    """Warm-up, then the measured run with CPU taken around it (``spec`` may set its own
    ``connections``, ``seconds`` and ``waves``)."""
    conns, seconds = spec.get("connections", args.connections), spec.get("seconds", args.seconds)
    waves = spec.get("waves", args.waves if conns > 1 else 1)
    warm = run_load({**spec, "name": spec["name"] + "-warm", "tag": spec["tag"] + "-warm"}, min(args.warmup, seconds),
                    generator, conns, work, waves) if args.warmup > 0 else None
    if warm and spec.get("write_every"):  # writes the warm-up left in flight are not to load the run
        drained(server.port, spec["gets"][0][1])
    elif warm:
        time.sleep(1)  # the warm-up's last requests done
    held: dict[int, int] = {}
    sampler = threading.Timer(seconds / 2, lambda: held.update(connections_by_pid(server.worker_pids(),
                                                                                       server.port)))
    before: dict = {}

    def on_start() -> None:
        before.update(cpu=server.cpu(), neo=cpu_of(neo4j_pid) if neo4j_pid else 0.0, machine=machine_cpu(),
                      t=time.perf_counter())
        sampler.start()

    def balanced() -> bool:  # every worker holds at least half its share of the connections
        held_now = sorted(connections_by_pid(server.worker_pids(), server.port).values(), reverse=True)
        return len(held_now) >= server.workers and held_now[server.workers - 1] >= conns / server.workers / 2

    run = run_load(spec, seconds, generator, conns, work, waves,
                   balanced=balanced if waves > 1 else None, on_start=on_start)
    cpu0, neo0, (busy0, io0), t0 = before["cpu"], before["neo"], before["machine"], before["t"]
    wall = time.perf_counter() - t0
    cpu1, neo1, (busy1, io1) = server.cpu(), cpu_of(neo4j_pid) if neo4j_pid else 0.0, machine_cpu()
    sampler.cancel()
    procs = sorted(((p, cpu1[p] - cpu0.get(p, 0.0)) for p in cpu1 if p != server.proc.pid), key=lambda x: -x[1])
    workers = [c for _, c in procs][: server.workers]
    run.update(wall_s=wall, workers_cpu_s=workers, connections=[held.get(p, 0) for p, _ in procs][: server.workers],
               master_cpu_s=cpu1.get(server.proc.pid, 0) -
               cpu0.get(server.proc.pid, 0), neo4j_cpu_s=neo1 - neo0, machine_busy_s=busy1 - busy0,
               machine_iowait_s=io1 - io0,
               warmup={"requests": warm["requests"], "errors": warm["errors"],
                       "created": warm["statuses"].get(201, 0)} if warm else None)
    run["acked_ids"] += warm["acked_ids"] if warm else []
    print(f"  {spec['name']}: {run['rate']:,.0f} req/s, p50 {run['latency_ms']['p50']:.1f} ms, "
          f"p99 {run['latency_ms']['p99']:.1f} ms, errors {run['errors']}, workers "
          f"{'/'.join(f'{c / wall:.2f}' for c in workers)} cores "
          f"({'/'.join(str(n) for n in run['connections'])} connections), neo4j {run['neo4j_cpu_s'] / wall:.2f}, "
          f"generator {run['generator_cpu_s'] / run['generator_wall_s']:.2f}, machine "
          f"{run['machine_busy_s'] / wall:.2f} busy, {run['machine_iowait_s'] / wall:.2f} iowait", file=sys.stderr)
    return run


def tracks(port: int, key: str, times: int = 4) -> list[int]:
    """TRACKS edges (service records) in the store, read ``times`` times on fresh connections (so
    that both workers are likely asked)."""
    return [get_json(port, "/api/v1/stats", key)[1]["edges"].get("TRACKS", 0) for _ in range(times)]


def drained(port: int, key: str, limit: float = 120) -> float:
    """Wait until the server has finished the requests still in flight when the generator stopped
    (a request whose client has gone is still carried out): the count of records stays put."""
    t, last, same = time.perf_counter(), None, 0
    while time.perf_counter() - t < limit and same < 4:
        try:
            now = tracks(port, key, 1)[0]
        except (OSError, http.client.HTTPException):  # a worker still busy past the read's own timeout
            now = None
        same = same + 1 if now is not None and now == last else 0
        last = now
        time.sleep(0.5)
    return time.perf_counter() - t


def bench_backend(backend: str, store_spec: str, env_extra: dict, picked: dict, args, generator: str,
                  work: Path, neo4j_pid: int | None, truth) -> dict:
    """The scenarios against ``biokg serve`` on one store; ``truth(ids)`` reads the store itself (not
    through a worker): how many service records it holds, and which of ``ids`` are among them."""
    data = work / f"data-{backend}"
    data.mkdir()
    viewer, writers = make_keys(data / "ledger.sqlite", picked["stations"])
    print(f"{backend}: starting biokg serve", file=sys.stderr)
    t = time.perf_counter()
    server = Server(store_spec, data, env_extra)
    try:
        server.ready()
        start_s = time.perf_counter() - t
        base = {"host": "127.0.0.1", "port": server.port}
        out: dict = {"start_s": start_s, "runs": {}}
        before = tracks(server.port, viewer)
        acked: list[str] = []  # the ids of the records answered 201
        for name in args.scenarios:
            tag = f"bench.http_load {backend} {os.getpid()}-{time.time_ns()}"
            if name in ("lookups", "lookups-burst"):
                spec = {"gets": [[quote(f"/api/v1/entities/{i}", safe="/:"), viewer] for i in picked["lookups"]]}
                if name == "lookups-burst":
                    spec["waves"] = 1
            elif name == "probe":  # the floor: one connection, a route that does nothing
                spec = {"gets": [["/healthz", viewer]], "connections": 1, "seconds": min(args.seconds, 5)}
            elif name == "search":
                spec = {"gets": [[f"/api/v1/search?q={quote(q, safe='')}&limit=20", viewer] for q in picked["texts"]]}
            elif name == "match":
                if "match_orgs" not in picked:  # the orgs that answer 200 (an org with no need answers 400)
                    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
                    ok = [o for o in picked["match_candidates"]
                          if get_json(server.port, f"/api/v1/match/{o}?top=5", viewer, conn)[0] == 200]
                    conn.close()
                    picked["match_orgs"] = ok[:200]
                    picked["match_refused"] = len(picked["match_candidates"]) - len(ok)
                spec = {"gets": [[f"/api/v1/match/{o}?top=5", viewer] for o in picked["match_orgs"]]}
            else:  # mixed: one write to ten look-ups; writes: nothing but writes
                spec = {"gets": [[quote(f"/api/v1/entities/{i}", safe="/:"), viewer] for i in picked["lookups"]],
                        "write_every": WRITE_EVERY if name == "mixed" else 1, "writers": writers,
                        "targets": picked["targets"], "date": RECORD_DAY}
            out["runs"][name] = measured(server, {**base, **spec, "name": f"{backend}-{name}", "tag": tag}, args,
                                         generator, work, neo4j_pid)
            acked += out["runs"][name].pop("acked_ids")
        if any(n in args.scenarios for n in ("mixed", "writes")):
            created = sum(run["statuses"].get(201, 0) + (run["warmup"] or {}).get("created", 0)
                          for run in out["runs"].values())
            wait = drained(server.port, viewer)
            stored, present = truth(acked)
            out["records"] = {"before": before, "after": tracks(server.port, viewer, 8), "created": created,
                              "drain_s": wait, "stored": stored, "acked_ids": len(set(acked)),
                              "acked_missing": None if present is None else len(set(acked) - present),
                              "missing_sample": sorted(set(acked) - present)[:3] if present is not None else []}
        out["server_log_errors"] = sum(1 for line in server.tail().splitlines() if "Traceback" in line)
        return out
    finally:
        server.stop()


# ---------------------------------------------------------------------------------- main

def copy_file(src: Path, dst: Path) -> None:
    """A consistent copy of an SQLite store, also while another connection has it open."""
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.http_load")
    parser.add_argument("--backends", default="embedded,neo4j", help="embedded, neo4j or both (comma-separated)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help=f"of {', '.join(SCENARIOS)}")
    parser.add_argument("--seconds", type=float, default=15, help="length of each measured run")
    parser.add_argument("--warmup", type=float, default=5, help="length of the warm-up before each run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--waves", type=int, default=2, help="generator processes the connections are opened from, "
                                                             "1 s apart (lookups-burst: always one)")
    parser.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto",
                        help="auto: wrk when installed, else bench.loadgen")
    parser.add_argument("--enterprises", type=int, default=30_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temporary folder, removed afterwards")
    parser.add_argument("--no-report", action="store_true", help="print, do not touch BENCHMARKS.md")
    args = parser.parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    if set(backends) - {"embedded", "neo4j"} or set(args.scenarios) - set(SCENARIOS):
        parser.error("unknown backend or scenario")
    generator = pick_generator(args.generator)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped: still stop the servers and clean up
    load_at_start = os.getloadavg()
    started = time.perf_counter()

    from graph import EmbeddedStore
    from loaders.load import load_paths

    work = args.workdir or Path(tempfile.mkdtemp(prefix="biokg-http-load-"))
    own_work = args.workdir is None
    figures: dict = {}
    try:
        t = time.perf_counter()
        region = fresh_region(work / "region", args.enterprises, args.seed)
        source = EmbeddedStore(work / "region" / "region.sqlite")
        load_paths(source, [region])
        shutil.rmtree(region)
        counts = source.counts()
        picked = samples(source, random.Random(args.seed))
        print(f"region ready in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        searched = search_timing(source, picked["texts"])
        figures = {"enterprises": args.enterprises, "seed": args.seed, "seconds": args.seconds,
                   "warmup": args.warmup, "connections": args.connections, "waves": args.waves,
                   "generator": generator, "search_in_process": searched, "server_stack": _stack(),
                   "generator_version": _version(generator), "load_at_start": load_at_start,
                   "counts": {**counts.nodes, **counts.edges}, "backends": {},
                   "sample": {"lookups": len(picked["lookups"]), "texts": len(picked["texts"]),
                              "pieces": len(picked["texts"]) - 150}}
        for backend in backends:
            if backend == "embedded":
                served = work / "served.sqlite"
                copy_file(Path(source.path), served)
                def in_file(ids: list[str], path: Path = served) -> tuple[int | None, set[str] | None]:
                    try:
                        with sqlite3.connect(path) as con:
                            found = {i for (i,) in con.execute("SELECT json_extract(props, '$.id') FROM edges "
                                                               "WHERE kind = 'TRACKS'")}
                        return len(found), found & set(ids)
                    except sqlite3.Error:  # another layout of the file
                        return None, None

                figures["backends"]["embedded"] = bench_backend("embedded", str(served), {}, picked, args, generator,
                                                                work, None, in_file)
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{served}{suffix}").unlink(missing_ok=True)
            else:
                from bench.neo4j import copy_in_neo4j, start_server

                os.environ.setdefault("BIOKG_NEO4J_HEAP", "3g")
                os.environ.setdefault("BIOKG_NEO4J_PAGECACHE", "2g")
                print("neo4j: copying the region in", file=sys.stderr)
                with copy_in_neo4j(source) as (_neo, copy_s):
                    uri, user, password, _ = start_server()  # already running: its URI and password
                    pid_file = ROOT / ".neo4j-bench" / "pid"
                    neo_pid = int(pid_file.read_text()) if pid_file.exists() else None
                    env = {"BIOKG_NEO4J_USER": user, "BIOKG_NEO4J_PASSWORD": password}
                    def in_database(ids: list[str]) -> tuple[int | None, set[str] | None]:
                        found = set(_neo.records_by_id(ids)) if hasattr(_neo, "records_by_id") else None
                        return _neo.counts().edges.get("TRACKS", 0), found

                    result = bench_backend("neo4j", uri, env, picked, args, generator, work, neo_pid, in_database)
                    figures["backends"]["neo4j"] = {**result, "copy_s": copy_s,
                                                    "heap": os.environ["BIOKG_NEO4J_HEAP"],
                                                    "pagecache": os.environ["BIOKG_NEO4J_PAGECACHE"]}
        figures["match_orgs"], figures["match_refused"] = len(picked.get("match_orgs", [])), picked.get(
            "match_refused", 0)
        source.close()
    finally:
        if own_work:
            shutil.rmtree(work, ignore_errors=True)
    figures["total_s"] = time.perf_counter() - started
    print(json.dumps(figures, ensure_ascii=False, default=str), file=sys.stderr)
    body = render(figures)
    print(body)
    if not args.no_report:
        write_section(SECTION, body)
    errors = sum(r["errors"] + ((r.get("warmup") or {}).get("errors") or 0)
                 for b in figures["backends"].values() for r in b["runs"].values())
    lost = [f"{k}: {b['records']['acked_missing']} acknowledged records missing" for k, b in figures["backends"].items()
            if (b.get("records") or {}).get("acked_missing")]
    if errors or lost:
        print(f"{errors} errors (non-2xx answers or socket errors); {'; '.join(lost) or 'no record lost'}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

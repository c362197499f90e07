"""The ``HTTP load`` section of BENCHMARKS.md, rendered from the figures ``bench.http_load`` gathered:
the tables, what limited each figure, and the notes on errors and records."""

from __future__ import annotations

import subprocess

from bench.http_wrk import TIMEOUT, WRITE_EVERY

GOALS = {"lookups": 800, "search": 400, "match": 200, "writes": 300, "lookups_p99_ms": 100}


def _stack() -> str:
    import importlib.metadata as md
    import importlib.util

    extras = [m for m in ("httptools", "uvloop") if importlib.util.find_spec(m)]
    return f"uvicorn {md.version('uvicorn')}" + (f" with {' and '.join(extras)}" if extras else " (h11, asyncio)")


def _version(generator: str) -> str:
    if generator == "wrk":
        done = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
        return (done.stdout + done.stderr).split(" [")[0].strip() or "wrk"
    try:
        import uvloop  # noqa: F401

        return "bench.loadgen (asyncio + uvloop)"
    except ImportError:
        return "bench.loadgen (asyncio)"


def _limit(run: dict, backend: str) -> str:
    """What held the figure back, from the CPU taken around the run."""
    wall = run["wall_s"]
    workers = [c / wall for c in run["workers_cpu_s"]]
    neo = run["neo4j_cpu_s"] / wall
    gen = run["generator_cpu_s"] / run["generator_wall_s"]
    busy, iowait = run["machine_busy_s"] / wall, run["machine_iowait_s"] / wall
    others = max(0.0, busy - sum(workers) - neo - gen - run["master_cpu_s"] / wall)
    held = " / ".join(str(n) for n in run.get("connections", []))
    share = (f"workers {' + '.join(f'{w:.2f}' for w in workers)} (connections held: {held})"
             + (f", Neo4j {neo:.2f}" if backend == "neo4j" else "") + f", generator {gen:.2f}, others {others:.2f}")
    conns = run.get("connections", [])
    lopsided = len(conns) > 1 and sum(conns) > len(conns) and min(conns) <= 0.25 * sum(conns)
    if busy >= 1.8:
        what = "the 2 cores are full"
    elif workers and min(workers) >= 0.8:
        what = "each worker's core (one Python thread at a time: the GIL)"
    elif workers and max(workers) >= 0.8:
        what = "the busier worker's core (one Python thread at a time: the GIL)"
    elif iowait >= 0.3:
        what = "waiting on disk (fsync)"
    else:
        what = "waiting, not CPU (a lock, the disk, the hand-off between threads; or a stall per answer: the probe row)"
    if lopsided:
        what += "; one worker holds most connections"
    return f"{what}: {share}" + (f"; I/O wait {iowait:.2f}" if iowait >= 0.05 else "")


def _errors_cell(run: dict) -> str:
    """Errors of the run (and of its warm-up), by what they were."""
    bad = {k: v for k, v in run["statuses"].items() if not 200 <= k < 300}
    parts = [f"{v} × {k}" for k, v in sorted(bad.items())]
    if run.get("timeouts"):
        parts.append(f"{run['timeouts']} timeouts (no answer in {TIMEOUT} s)")
    if run["socket_errors"] - run.get("timeouts", 0):
        parts.append(f"{run['socket_errors'] - run.get('timeouts', 0)} socket errors")
    warm = (run.get("warmup") or {}).get("errors") or 0
    if not parts and not warm:
        return "0"
    return f"**{run['errors']}**" + (f" ({', '.join(parts)})" if parts else "") + (f"; warm-up {warm}" if warm else "")


def _cpu_per_request(run: dict, backend: str) -> str:
    server = (sum(run["workers_cpu_s"]) + run["master_cpu_s"]) / run["requests"] * 1000
    text = f"{server:.2f} ms"
    if backend == "neo4j":
        text += f" + Neo4j {run['neo4j_cpu_s'] / run['requests'] * 1000:.2f} ms"
    return text


def render(f: dict) -> str:
    c, conns = f["counts"], f["connections"]
    labels = {"probe": "`/healthz`, one connection", "lookups": "entity look-ups", "search": "search",
              "match": "match (`top=5`)", "mixed": "mixed: 1 record write : 10 look-ups",
              "writes": "record writes only", "lookups-burst": f"entity look-ups, all {conns} connections at once"}

    def verdict(ok: bool) -> str:
        return "meets" if ok else "**misses**"

    rows, limits, notes = [], [], []
    for backend, b in f["backends"].items():
        name = "embedded" if backend == "embedded" else "Neo4j"
        for scenario, run in b["runs"].items():
            rate, lat, writes = run["rate"], run["latency_ms"], run["writes_rate"]
            if scenario in ("lookups", "lookups-burst"):
                goal = (f"≥ {GOALS['lookups']} req/s ({verdict(rate >= GOALS['lookups'])}), p99 ≤ "
                        f"{GOALS['lookups_p99_ms']} ms ({verdict(lat['p99'] <= GOALS['lookups_p99_ms'])})")
            elif scenario == "mixed":
                goal = f"≥ {GOALS['writes']} writes/s ({verdict(writes >= GOALS['writes'])})"
            elif scenario == "probe":
                goal = "— (the floor: no work, no concurrency)"
            elif scenario == "writes":
                met = "met" if writes >= GOALS["writes"] else "not met"
                goal = f"— (the mixed goal's {GOALS['writes']} writes/s: {met})"
            else:
                goal = f"≥ {GOALS[scenario]} req/s ({verdict(rate >= GOALS[scenario])})"
            figure = f"**{rate:,.0f}**" + (f" ({writes:,.0f} writes/s + {rate - writes:,.0f} reads/s)"
                                           if scenario == "mixed" else "")
            rows.append(f"| {name} | {labels[scenario]} | {figure} | {lat['p50']:,.1f} / {lat['p99']:,.1f} | "
                        f"{_errors_cell(run)} | {_cpu_per_request(run, backend)} | {goal} |")
            limits.append(f"| {name} | {labels[scenario]} | {_limit(run, backend)} |")
        if "records" in b:
            notes.append(_records_note(name, backend, b["records"]))
        if b.get("server_log_errors"):
            notes.append(f"{name}: **{b['server_log_errors']} tracebacks in the server's log**")
    total_errors = sum(r["errors"] + ((r.get("warmup") or {}).get("errors") or 0)
                       for b in f["backends"].values() for r in b["runs"].values())
    errors_line = ("**No errors**: every answer of every warm-up and run was 2xx and no socket error occurred "
                   "(the bench counts them and exits non-zero when there is any)." if total_errors == 0 else
                   f"**{total_errors} errors** (non-2xx answers, socket errors or timeouts): see the table.")
    la = f["load_at_start"]
    neo = f["backends"].get("neo4j")
    neo_line = (f" Neo4j: Community 5.26 from scripts/neo4j on the same 2 cores (heap {neo['heap']}, page cache "
                f"{neo['pagecache']}; region copied in {neo['copy_s']:.0f} s)." if neo else "")
    gen = (f"`wrk` ({f['generator_version']}, one thread per process, a Lua script for the request sets)"
           if f["generator"] == "wrk" else f["generator_version"])
    starts = ", ".join(f"{'embedded' if k == 'embedded' else 'Neo4j'} {b['start_s']:.0f} s"
                       for k, b in f["backends"].items())
    gen_share = [r["generator_cpu_s"] / r["generator_wall_s"] for b in f["backends"].values()
                 for k, r in b["runs"].items() if k != "probe"]
    sp = f.get("search_in_process", {})
    search_line = "; ".join(f"{k if k == 'full' else k + ' characters'}: p50 {v['p50']:,.1f} ms (n={v['n']})"
                            for k, v in sp.items())
    table, limit_table = "\n".join(rows), "\n".join(limits)
    neo_bullet = _neo4j_bullet(neo) if neo else ""
    stall_bullet, burst_bullet = _stall_bullet(f), _burst_bullet(f)
    note_lines = "\n".join(f"* {n}" for n in notes)
    return f"""## HTTP load

`biokg serve --workers 2 --no-access-log` ({f.get('server_stack', 'uvicorn')}) on loopback, on the
region of `biokg generate --enterprises {f['enterprises']:,} --seed {f['seed']}`
({c['Enterprise']:,} enterprises, {c['Product']:,} products, {c['Patent']:,} patents,
{c['TRACKS']:,} service records): on the embedded store (a copy of the loaded file, which both
workers open) and on Neo4j with the same region copied in.{neo_line} Servers ready after {starts}.
Load: {conns} keep-alive HTTP/1.1 connections from {gen}, closed loop (a connection sends its next
request when the answer has come), on the same machine. The connections are opened in {f['waves']}
waves 1 s apart, and a start where a worker holds less than half its share is made again (see
"at once" below for why). Each scenario: a {f['warmup']:g} s warm-up, then {f['seconds']:g} s measured; a
client waits {TIMEOUT} s for an answer. Reads send a viewer key, writes a station key of the record's
station. Look-ups: {f['sample']['lookups']:,} random ids of 8 kinds (enterprises, products, patents,
institutions, parks, key projects, stations, districts). Search: {f['sample']['pieces']} pieces of 2–4
characters of real names and 150 full names, `limit=20`. Match: {f['match_orgs']} random enterprises
that state a need and answer 200 ({f['match_refused']} candidates answered 400). Writes: `POST
/api/v1/records` (type visit, a unique note: each a new record) from a random station to a random
enterprise or product; every {WRITE_EVERY}th request in the mixed run, every request in "writes
only". Load average at the start: {la[0]:.2f} / {la[1]:.2f} / {la[2]:.2f}: other work shared the
machine (its CPU is the "others" share below), so the figures carry its noise.

{errors_line}

| backend | scenario | req/s | p50 / p99 ms | errors | server CPU per request | goal |
|---|---|---|---|---|---|---|
{table}

CPU during each measured run, in cores of the 2 (per worker process, with the connections each held
half-way through; Neo4j's JVM; the load generator's CPU time over its wall time; "others": the rest
of the machine):

| backend | scenario | limit |
|---|---|---|
{limit_table}

The load generator cost {min(gen_share):.2f}–{max(gen_share):.2f} of a core in these runs.

{note_lines}

What limits the figures (found with py-spy on the workers, `--gil`, and by experiment, 2026-12-01):

{stall_bullet}
{burst_bullet}
* **Search**: a query of 2 characters — most Chinese words — cannot use the trigram index and scans every
  name in SQLite, under the store's lock, so one such search at a time per worker. The same texts
  in-process on the bench's store: {search_line}.
* **Match**: the query itself in Python (profiles, scores, proximity, capacity: nearly all of the
  worker's GIL samples), tens of ms of CPU per answer: the workers' cores.
* **Writes**: each record is a load of one row (validation, reference resolution, one SQLite
  transaction with the store's lock held through the commit) plus an audit row; both files use
  `synchronous=FULL`, but an fsync costs ~0.1 ms on this disk, so it is not the disk. Through two
  workers, concurrent writes also contend for SQLite's write lock.
{neo_bullet}
"""


def _stall_bullet(f: dict) -> str:
    probes = [b["runs"]["probe"]["latency_ms"]["p50"] for b in f["backends"].values() if "probe" in b["runs"]]
    conns = f["connections"]
    if not probes:
        return ""
    if max(probes) >= 30:
        return f"""* **A 40 ms stall on every answer of `--workers 2`**: the probe row, `/healthz` on one idle
  connection, takes ~{max(probes):.0f} ms, while `biokg serve --workers 1` answers it in ~1 ms. uvicorn binds the shared
  socket as `socket.socket(family)` (protocol 0), and asyncio sets `TCP_NODELAY` only on sockets whose
  protocol is `IPPROTO_TCP`, so the workers' connections keep Nagle's algorithm: the second write of an
  answer waits for the client's delayed ACK (40 ms on Linux). With {conns} connections that caps every
  route near {conns} / {max(probes):.0f} ms ≈ {conns / max(probes) * 1000:,.0f} req/s whatever the CPU
  ("waiting, not CPU" above)."""
    return (f"* **No stall per answer**: `/healthz` on one idle connection answers in {max(probes):.1f} ms (p50). "
            "The workers' connections get `TCP_NODELAY` (api/server.py); without it they kept Nagle's algorithm, "
            "as uvicorn binds the shared socket with protocol 0, and every answer waited ~40 ms for the client's "
            f"delayed ACK, which capped {conns} connections near {conns / 0.044:,.0f} req/s whatever the CPU.")


def _burst_bullet(f: dict) -> str:
    bursts = [b["runs"]["lookups-burst"] for b in f["backends"].values() if "lookups-burst" in b["runs"]]
    if not bursts:
        return ""

    def split(r: dict) -> str:
        cpu = " + ".join(f"{c / r['wall_s']:.2f}" for c in r["workers_cpu_s"])
        return f"{' / '.join(str(n) for n in r.get('connections', []))} (workers {cpu} cores)"

    idle = any(r["workers_cpu_s"] and min(r["workers_cpu_s"]) / r["wall_s"] < 0.2 for r in bursts)
    text = (f"* **Connections opened at once**: both workers accept from one socket, and an event loop accepts "
            f"every pending connection on one wake-up, so a burst of connections can land on one worker. Opened "
            f"at once, the {f['connections']} connections split {', '.join(split(r) for r in bursts)} in this run")
    if idle:
        return text + ("; one worker idled. A client pool that connects at once (a proxy) gets this; per-worker "
                       "sockets with `SO_REUSEPORT` would spread connections in the kernel.")
    return text + (" (with asyncio's own event loop, before uvloop, they landed 32 / 0 every time). The other "
                   "scenarios open their connections in waves so that both workers are measured.")


def _neo4j_bullet(b: dict) -> str:
    runs = b["runs"]

    def per(name: str) -> str:
        r = runs.get(name)
        return f"{r['neo4j_cpu_s'] / r['requests'] * 1000:,.0f} ms" if r and r["requests"] else "—"

    shares = [r["neo4j_cpu_s"] / r["wall_s"] for k, r in runs.items() if k != "probe"]
    return (f"* **Neo4j**: the JVM took {min(shares):.1f}–{max(shares):.1f} of the 2 cores, and the workers wait on it "
            f"(their own CPU stays low). Neo4j's CPU per answer: a look-up {per('lookups')}, a search "
            f"{per('search')}, a match {per('match')}, a record write {per('writes')} (the write's reference "
            "reads, the record-id check, the write itself). A match under 32 concurrent clients costs the "
            "server far more than one at a time (the Matchmaking section), which points at contention inside "
            "Neo4j; which statements, JFR or the query log would tell (not profiled here).")


def _records_note(name: str, backend: str, r: dict) -> str:
    """Whether every acknowledged record reached the store, and whether the workers agree with it."""
    base, stored = r["before"][0], r.get("stored")
    seen = sorted(set(r["after"]))
    where = "file" if backend == "embedded" else "database"
    grown = (stored if stored is not None else seen[-1]) - base
    extra = grown - r["created"]
    agree = seen == [stored] if stored is not None else len(seen) == 1
    text = (f"{name}: {r['created']:,} records acknowledged (201) in the runs that write (warm-ups too); once the "
            f"server had finished what was in flight ({r['drain_s']:.0f} s), the {where} held {grown:,} more "
            "service records")
    if extra:
        text += (f" ({extra} more than acknowledged: writes the generator stopped waiting for, at the end of a run "
                 "or after the timeout, which the server still carries out)" if extra > 0 else
                 f" (**{-extra} fewer than acknowledged**)")
    if r.get("acked_missing") == 0:
        text += f"; every one of the {r['acked_ids']:,} acknowledged record ids is in the {where}"
    elif r.get("acked_missing"):
        text += (f"; **{r['acked_missing']} of the {r['acked_ids']:,} acknowledged record ids are not in the {where}** "
                 f"(e.g. `{r['missing_sample'][0]}`)")
    if agree:
        return text + f"; {len(r['after'])} reads of `/api/v1/stats` on fresh connections all agree with the {where}"
    return text + (f"; **{len(r['after'])} reads of `/api/v1/stats` on fresh connections disagree with the {where}**: "
                   f"{', '.join(f'{s - base:+,}' for s in seen)} (a worker's view differs from the store's)")

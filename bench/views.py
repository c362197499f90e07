"""Page views in headless Chromium: a 2,000-node district coverage view and the explorer after ten
expansions (issue 16).

``python -m bench.views [--enterprises 15000] [--seed 1] [--runs 5]`` generates a region
(``biokg generate``; its enterprises spread over 16 districts, so 15,000 give one district a view
of about 2,000 nodes), loads it into an embedded store, serves the app in-process (uvicorn on a
loopback port, anonymous reads, as ``tests/browser.py`` does) and drives Chromium with Playwright:

- ``/coverage/{district}``: navigation → ``.graph[data-ready='1']`` (vis-network's first drawing:
  ``window.biokgReady``, ms since navigation start) and the same in wall time from ``page.goto``;
  the phases from the Navigation and Resource Timing entries (shell and scripts, the view's request
  up to its first byte, its transfer, then JSON parse + DOM + vis-network construction and the first
  draw); a real mouse click on a node's canvas position and the time until ``#detail`` shows it; the
  page weight (every response body, with and without vis-network.min.js); once, a second visit in the
  same tab (what its HTTP cache saves);
- the view endpoint alone (httpx, and in-process: the coverage report, the network built from it),
  and cProfile's top entries of one build (printed when it takes over a second);
- the explorer ``/?focus=PARK`` (the district's biggest park): time until the neighbourhood and the
  details are drawn, then ten expansions as a user makes them (the page's own click handler selects
  the node, then a real click on ``#expand``), each timed until its details show it expanded and a
  frame has been drawn; nodes after, the page weight; then the URL the page wrote (``expand=…``)
  opened afresh: time until the ten expansions are restored.

Every browser run is a new context (an empty HTTP cache). The first run is reported apart (a cold
Chromium); the figure is the median of the next ``--runs``.  Results: ``bench/out/views/figures.json``
and the ``views`` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from bench.report import ROOT, fresh_region, machine, write_section

GOAL_S = 3.0  # the coverage view interactive within 3 s
TARGET_NODES = 2_000
AS_OF = "2026-06-30"  # the generator's records lead up to this day
VIS = "vis-network.min.js"
CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1400, "height": 900}

TIMING_JS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const res = performance.getEntriesByType("resource");
  const view = res.find((e) => e.name.includes("/api/v1/views/coverage"));
  const vis = res.find((e) => e.name.endsWith("/vis-network.min.js"));
  return { ready: window.biokgReady, dcl: nav.domContentLoadedEventEnd, html_end: nav.responseEnd,
    vis_end: vis ? vis.responseEnd : null, vis_transfer: vis ? vis.transferSize : null,
    view_start: view ? view.startTime : null, view_first_byte: view ? view.responseStart : null,
    view_end: view ? view.responseEnd : null,
    nodes: window.biokgGraph ? biokgGraph.nodes.length : -1, edges: window.biokgGraph ? biokgGraph.edges.length : -1 };
}"""

# a node's position on the screen, for a real click; the first of ``ids`` drawn inside the canvas
ON_SCREEN_JS = """(ids) => {
  const n = biokgGraph.network, r = n.body.container.getBoundingClientRect();
  for (const id of ids) {
    const at = n.getPositions([id])[id];
    if (!at) continue;
    const p = n.canvasToDOM(at);
    if (p.x > 20 && p.y > 20 && p.x < r.width - 20 && p.y < r.height - 20) return [id, r.left + p.x, r.top + p.y];
  }
  return null;
}"""

FRAME_JS = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"
DETAIL_IS_JS = """([id, expanded]) => {
  const shown = document.querySelector("#detail .id"), button = document.querySelector("#detail #expand");
  return shown && shown.textContent === id && button && button.disabled === expanded;
}"""


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def cpu_and_memory() -> str:
    """The processor, its cores and the memory, as /proc says."""
    cpu, cores, mem = "unknown CPU", os.cpu_count(), ""
    try:
        info = Path("/proc/cpuinfo").read_text()
        cpu = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), cpu)
        cores = sum(line.startswith("processor") for line in info.splitlines()) or cores
        kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")).split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    return f"{cpu}, {cores} cores{mem}"


# ---- the page weight ----------------------------------------------------------------------------

class Weigher:
    """Every response a page received: its body and headers, in bytes."""

    def __init__(self, page) -> None:
        self.responses: list = []
        page.on("response", lambda r: self.responses.append(r))

    def weigh(self, since: int = 0) -> dict:
        total = vis = heads = 0
        kinds: dict[str, int] = {}
        for r in self.responses[since:]:
            try:
                size = len(r.body())
            except Exception:  # a redirect or an aborted request has no body
                size = 0
            try:
                heads += r.request.sizes()["responseHeadersSize"]
            except Exception:
                pass
            total += size
            if r.url.endswith("/" + VIS):
                vis += size
            path = r.url.split("?")[0]
            kind = ("view" if "/api/v1/views/" in path else "neighbours" if path.endswith("/neighbours")
                    else "api" if "/api/" in path else "static" if "/static/" in path else "page")
            kinds[kind] = kinds.get(kind, 0) + size
        return {"requests": len(self.responses) - since, "bytes": total, "vis_bytes": vis,
                "headers_bytes": heads, "by_kind": kinds}


# ---- the coverage view ----------------------------------------------------------------------------

def coverage_run(browser, base: str, district: str, revisit: bool = False) -> dict:
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    weigher = Weigher(page)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    url = f"{base}/coverage/{quote(district, safe='')}?as_of={AS_OF}"
    t = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_selector(".graph[data-ready='1']", timeout=60_000)
    wall = time.perf_counter() - t
    timing = page.evaluate(TIMING_JS)
    click = click_a_node(page)
    run = {"wall_s": wall, **timing, "click": click, "weight": weigher.weigh(), "errors": errors}
    if revisit:  # the same tab navigates to the view again: what its HTTP cache saves
        t = time.perf_counter()
        page.goto(url, wait_until="commit")
        page.wait_for_selector(".graph[data-ready='1']", timeout=60_000)
        run["revisit"] = {"wall_s": time.perf_counter() - t, **page.evaluate(TIMING_JS)}
    context.close()
    return run


def click_a_node(page) -> dict:
    """A real mouse click at a node's canvas position: how long until ``#detail`` names it."""
    ids = page.evaluate("""() => { const all = biokgGraph.nodes.get();
        return [...all.filter((n) => n.kind === 'Station'), ...all.filter((n) => n.kind === 'Park'),
                ...all].map((n) => n.id); }""")
    found = page.evaluate(ON_SCREEN_JS, ids[:400])
    if found is None:
        return {"ok": False, "why": "no node on screen"}
    nid, x, y = found
    before = page.text_content("#detail")
    t = time.perf_counter()
    page.mouse.click(x, y)
    try:
        page.wait_for_function("before => document.querySelector('#detail').textContent !== before", arg=before,
                               timeout=10_000)
    except Exception:
        return {"ok": False, "why": "the details did not change", "node": nid}
    latency = time.perf_counter() - t
    text = page.text_content("#detail")
    selected = page.evaluate("() => biokgGraph.network.getSelectedNodes()")
    return {"ok": True, "node": nid, "s": latency, "named": nid in text, "selected": selected[:1]}


# ---- the explorer ----------------------------------------------------------------------------------

def explorer_run(browser, base: str, focus: str, expand_count: int, settle: bool = False) -> dict:
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    weigher = Weigher(page)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    t = time.perf_counter()
    page.goto(f"{base}/?focus={quote(focus, safe='')}", wait_until="commit")
    page.wait_for_function(DETAIL_IS_JS, arg=[focus, True], timeout=60_000)
    page.evaluate(FRAME_JS)
    focus_wall = time.perf_counter() - t
    first = page.evaluate("() => ({ready: window.biokgReady, nodes: biokgGraph.nodes.length, "
                          "edges: biokgGraph.edges.length})")
    first["api"] = page.evaluate("""() => performance.getEntriesByType('resource')
        .filter((e) => e.name.includes('/api/')).map((e) => [new URL(e.name).pathname, Math.round(e.startTime),
                                                             Math.round(e.responseEnd)])""")
    first["dcl"] = page.evaluate("() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
    focus_weight = weigher.weigh()
    seen = len(weigher.responses)

    steps, expanded = [], []
    while len(expanded) < expand_count:
        # the next node to expand: an enterprise of the graph (else any node) not yet expanded
        nid = page.evaluate("""(done) => { const all = biokgGraph.nodes.get().filter((n) => !done.includes(n.id));
            const ids = (keep) => all.filter(keep).map((n) => n.id).sort();
            const pick = ids((n) => n.kind === 'Enterprise').concat(ids((n) => n.kind !== 'Enterprise'));
            return pick.length ? pick[0] : null; }""", [focus, *expanded])
        if nid is None:
            break
        # select it as a click on the canvas does (the page's own click handler), then press 展开邻居
        page.evaluate("id => biokgGraph.network.emit('click', {nodes: [id], edges: [], items: []})", nid)
        page.wait_for_function(DETAIL_IS_JS, arg=[nid, False], timeout=20_000)
        nodes_before = page.evaluate("() => biokgGraph.nodes.length")
        t = time.perf_counter()
        page.click("#detail #expand")
        page.wait_for_function(DETAIL_IS_JS, arg=[nid, True], timeout=20_000)
        page.evaluate(FRAME_JS)
        steps.append({"id": nid, "s": time.perf_counter() - t,
                      "added": page.evaluate("() => biokgGraph.nodes.length") - nodes_before})
        expanded.append(nid)
    after = page.evaluate("() => ({nodes: biokgGraph.nodes.length, edges: biokgGraph.edges.length})")
    timed_requests = """(part) => performance.getEntriesByType('resource')
        .filter((e) => new URL(e.name).pathname.includes('/api/v1/entities/')
                && new URL(e.name).pathname.endsWith('/neighbours') === (part === 'neighbours'))
        .map((e) => [e.responseStart - e.startTime, e.responseEnd - e.startTime])"""
    neighbours = page.evaluate(timed_requests, "neighbours")
    entities = page.evaluate(timed_requests, "entity")
    # how long the layout keeps moving after the tenth expansion (vis-network's own flag, else 0)
    settled = None if not settle else page.evaluate("""() => new Promise((done) => {
        const t = performance.now(), n = biokgGraph.network;
        if (n.physics.stabilized !== false) { done(0); return; }
        const stop = setTimeout(() => done(null), 30000);
        n.once('stabilized', () => { clearTimeout(stop); done(performance.now() - t); }); })""")
    restorable = page.url
    weight_after = weigher.weigh()
    expansion_weight = weigher.weigh(seen)
    context.close()

    restored = restore_run(browser, restorable, focus, after["nodes"])
    return {"focus_wall_s": focus_wall, "first": first, "focus_weight": focus_weight, "steps": steps,
            "after": after, "neighbours_ms": neighbours, "entity_ms": entities, "settle_ms": settled,
            "weight_after": weight_after, "expansion_weight": expansion_weight, "url": restorable,
            "restored": restored, "errors": errors}


def restore_run(browser, url: str, focus: str, nodes: int) -> dict:
    """A new tab on the URL the explorer wrote: time until its expansions are back."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    weigher = Weigher(page)
    t = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_function(DETAIL_IS_JS, arg=[focus, True], timeout=60_000)
    page.evaluate(FRAME_JS)
    wall = time.perf_counter() - t
    got = page.evaluate("() => ({ready: window.biokgReady, nodes: biokgGraph.nodes.length})")
    out = {"wall_s": wall, **got, "same_nodes": got["nodes"] == nodes, "weight": weigher.weigh()}
    context.close()
    return out


# ---- the server side -------------------------------------------------------------------------------

def endpoint_times(base: str, district: str, runs: int) -> dict:
    import httpx

    params = {"district": district, "suggest": 3, "as_of": AS_OF}
    times, size = [], 0
    with httpx.Client(base_url=base, timeout=120) as client:
        for _ in range(runs + 1):
            t = time.perf_counter()
            answer = client.get("/api/v1/views/coverage", params=params)
            times.append(time.perf_counter() - t)
            answer.raise_for_status()
            size = len(answer.content)
        body = answer.json()
    graph = body["graph"]

    def size_of(value) -> int:
        return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())

    return {"first_s": times[0], "median_s": median(times[1:]), "bytes": size, "nodes": len(graph["nodes"]),
            "edges": len(graph["edges"]), "report_bytes": size_of(body["report"]),
            "node_bytes": size_of(graph["nodes"]) / max(1, len(graph["nodes"])),
            "edge_bytes": size_of(graph["edges"]) / max(1, len(graph["edges"])), "gzip": compressed(answer.content)}


def compressed(view_json: bytes) -> dict:
    """What gzip (level 6, as a GZip middleware would) makes of the view and of vis-network's files;
    how much of vis-network.css is inline images (``url(data:…)``)."""
    import gzip
    import re

    from viz.page import VIS_CSS, asset

    js, css = asset(VIS), asset(VIS_CSS)
    inline = sum(len(m) for m in re.findall(rb"url\([\"']?data:[^)]*\)", css))
    return {"view": len(view_json), "view_gz": len(gzip.compress(view_json, 6)), "vis_js": len(js),
            "vis_js_gz": len(gzip.compress(js, 6)), "vis_css": len(css), "vis_css_gz": len(gzip.compress(css, 6)),
            "vis_css_inline_images": inline}


def phases(ctx, district: str, runs: int) -> dict:
    """The view's work in-process: the coverage report (with 3 suggested sites), the network drawn from it."""
    from api.auth import Principal
    from api.routes_queries import coverage
    from viz.views import coverage_network

    who = Principal(None, "anonymous")
    report_s, network_s, dump_s = [], [], []
    for _ in range(runs):
        t = time.perf_counter()
        report = coverage(district, AS_OF, 180, 0.0, 3, who, ctx)
        report_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        graph = coverage_network(ctx.store, report)
        network_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        json.dumps({"report": report, "graph": graph}, ensure_ascii=False)
        dump_s.append(time.perf_counter() - t)
    return {"report_s": median(report_s), "network_s": median(network_s), "json_s": median(dump_s)}


def profile(ctx, district: str, top: int = 18) -> str:
    from api.auth import Principal
    from api.routes_queries import coverage
    from viz.views import coverage_network

    who = Principal(None, "anonymous")
    prof = cProfile.Profile()
    prof.enable()
    coverage_network(ctx.store, coverage(district, AS_OF, 180, 0.0, 3, who, ctx))
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def pick_district(ctx, least: int) -> tuple[str, str, dict[str, int]]:
    """The district whose view is the smallest of at least ``least`` nodes (else the biggest), by its view."""
    from api.auth import Principal
    from api.routes_queries import coverage
    from viz.views import coverage_network

    who = Principal(None, "anonymous")
    sizes, names = {}, {}
    for d in list(ctx.store.nodes("District")):
        report = coverage(d.id, AS_OF, 180, 0.0, 0, who, ctx)
        sizes[d.id] = len(coverage_network(ctx.store, report)["nodes"])
        names[d.id] = d.name
    big = [d for d, n in sizes.items() if n >= least]
    chosen = min(big, key=sizes.get) if big else max(sizes, key=sizes.get)
    return chosen, names[chosen], sizes


def biggest_park(view_graph: dict) -> str:
    parks = {n["id"] for n in view_graph["nodes"] if n["kind"] == "Park"}
    count = {p: 0 for p in parks}
    for e in view_graph["edges"]:
        if e["kind"] == "LOCATED_IN" and e["to"] in count:
            count[e["to"]] += 1
    return max(sorted(count), key=count.get)


@contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT / "tests"))
    from browser import CHROMIUM_ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser, p.chromium.name, browser.version
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.views")
    parser.add_argument("--enterprises", type=int, default=15_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5, help="measured runs after the first (cold) one")
    parser.add_argument("--expansions", type=int, default=10)
    parser.add_argument("--district", help="a district id (default: the smallest view of ≥ 2,000 nodes)")
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out" / "views")  # ignored by git
    parser.add_argument("--no-report", action="store_true", help="print, do not touch BENCHMARKS.md")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT / "tests"))
    from browser import serving

    from api.app import create_app
    from api.settings import Settings
    from graph import EmbeddedStore
    from loaders.load import load_paths

    t = time.perf_counter()
    region = fresh_region(args.workdir, args.enterprises, args.seed)
    store = EmbeddedStore(args.workdir / "store.sqlite")
    load_paths(store, [region])
    counts = store.counts()
    load_s = time.perf_counter() - t
    print(f"region: {sum(counts.nodes.values()):,} nodes in {load_s:.0f} s", file=sys.stderr)
    app = create_app(store, Settings(data_dir=args.workdir, anonymous_read=True))
    ctx = app.state.biokg
    if args.district:
        district, sizes = args.district, {}
        name = next(n.name for n in store.nodes("District") if n.id == district)
    else:
        district, name, sizes = pick_district(ctx, TARGET_NODES)
    print(f"district {district} {name}: {sizes.get(district, '?')} nodes", file=sys.stderr)

    figures: dict = {"enterprises": args.enterprises, "seed": args.seed, "runs": args.runs, "district": district,
                     "district_name": name, "view_sizes": sizes, "counts": {**counts.nodes, **counts.edges},
                     "as_of": AS_OF, "machine": machine(), "cpu": cpu_and_memory(), "load_before": os.getloadavg()}
    with serving(app) as base, chromium() as (browser, engine, version):
        figures["browser"] = f"{engine} {version} (headless)"
        import httpx

        view = httpx.get(f"{base}/api/v1/views/coverage", params={"district": district, "suggest": 3,
                                                                   "as_of": AS_OF}, timeout=120).json()
        focus = biggest_park(view["graph"])
        figures["focus"] = focus
        cov = []
        for i in range(args.runs + 1):
            cov.append(coverage_run(browser, base, district, revisit=i == args.runs))
            # the same request from Python right after, in the same conditions: the server's part alone
            t = time.perf_counter()
            httpx.get(f"{base}/api/v1/views/coverage", params={"district": district, "suggest": 3, "as_of": AS_OF},
                      timeout=120).raise_for_status()
            cov[-1]["httpx_s"] = time.perf_counter() - t
            print(f"coverage run {i}: {cov[-1]['ready']:.0f} ms, wall {cov[-1]['wall_s']:.2f} s, "
                  f"{cov[-1]['nodes']} nodes", file=sys.stderr)
        exp = []
        for i in range(args.runs + 1):
            exp.append(explorer_run(browser, base, focus, args.expansions, settle=i == args.runs))
            e = exp[-1]
            print(f"explorer run {i}: focus {e['focus_wall_s']:.2f} s, expansions "
                  f"{[round(s['s'], 2) for s in e['steps']]}, {e['after']['nodes']} nodes, restored "
                  f"{e['restored']['wall_s']:.2f} s", file=sys.stderr)
        figures["endpoint"] = endpoint_times(base, district, args.runs)
    figures["phases"] = phases(ctx, district, args.runs)
    figures["coverage_runs"], figures["explorer_runs"] = cov, exp
    figures["profile"] = profile(ctx, district)  # cProfile of one view build, kept in figures.json
    browser_ttfb = median([r["view_first_byte"] - r["view_start"] for r in cov[1:] or cov]) / 1000
    if max(figures["endpoint"]["median_s"], browser_ttfb) > 1.0:
        print(figures["profile"], file=sys.stderr)
    store.close()
    figures["load_after"] = os.getloadavg()
    figures["summary"] = summarise(figures)
    (args.workdir / "figures.json").write_text(json.dumps(figures, ensure_ascii=False, indent=1, default=str))
    body = render(figures)
    print(body)
    if not args.no_report:
        write_section("views", body)


def summarise(f: dict) -> dict:
    cov, exp = f["coverage_runs"], f["explorer_runs"]
    warm_cov, warm_exp = cov[1:] or cov, exp[1:] or exp

    def m(rows, get):
        return median([get(r) for r in rows])

    def phase(r):
        return {"shell_and_scripts": r["dcl"], "view_request": r["view_first_byte"] - r["view_start"],
                "view_transfer": r["view_end"] - r["view_first_byte"], "parse_and_draw": r["ready"] - r["view_end"]}

    steps = [s["s"] for r in warm_exp for s in r["steps"]]
    added = [s["added"] for r in warm_exp for s in r["steps"]]
    nb = [x for r in warm_exp for x in r["neighbours_ms"]]
    ent = [x[1] for r in warm_exp for x in r["entity_ms"]]
    return {
        "cov_ready_ms": m(warm_cov, lambda r: r["ready"]), "cov_ready_first_ms": cov[0]["ready"],
        "cov_wall_s": m(warm_cov, lambda r: r["wall_s"]), "cov_wall_first_s": cov[0]["wall_s"],
        "cov_httpx_ms": m(warm_cov, lambda r: r["httpx_s"] * 1000),
        "cov_nodes": cov[-1]["nodes"], "cov_edges": cov[-1]["edges"],
        "cov_phases_ms": {k: m(warm_cov, lambda r, k=k: phase(r)[k]) for k in phase(cov[-1])},
        "click_ok": all(r["click"].get("ok") for r in cov), "click_ms": m(
            [r for r in warm_cov if r["click"].get("ok")], lambda r: r["click"]["s"] * 1000),
        "click_named": all(r["click"].get("named") for r in cov if r["click"].get("ok")),
        "cov_weight": cov[-1]["weight"], "revisit": cov[-1].get("revisit"),
        "exp_focus_s": m(warm_exp, lambda r: r["focus_wall_s"]), "exp_focus_first_s": exp[0]["focus_wall_s"],
        "exp_first_draw_ms": m(warm_exp, lambda r: r["first"]["ready"]),
        "exp_focus_nodes": exp[-1]["first"]["nodes"],
        "exp_dcl_ms": m(warm_exp, lambda r: r["first"]["dcl"]),
        "exp_stats_first": all(stats_first(r["first"]["api"]) for r in warm_exp),
        "exp_stats_ms": m(warm_exp, lambda r: next((b - a for path, a, b in r["first"]["api"]
                                                     if path == "/api/v1/stats"), float("nan"))),
        "exp_step_ms": median(steps) * 1000, "exp_step_max_ms": max(steps) * 1000 if steps else float("nan"),
        "exp_added": median(added), "exp_steps": len(exp[-1]["steps"]),
        "exp_ten_s": m(warm_exp, lambda r: sum(s["s"] for s in r["steps"])),
        "exp_after_nodes": exp[-1]["after"]["nodes"], "exp_after_edges": exp[-1]["after"]["edges"],
        "neighbours_ttfb_ms": median([x[0] for x in nb]), "neighbours_total_ms": median([x[1] for x in nb]),
        "entity_ms": median(ent),
        "settle_ms": [r["settle_ms"] for r in warm_exp if r["settle_ms"] is not None],
        "exp_weight_focus": exp[-1]["focus_weight"], "exp_weight_after": exp[-1]["weight_after"],
        "exp_weight_expansions": exp[-1]["expansion_weight"],
        "restored_s": m(warm_exp, lambda r: r["restored"]["wall_s"]), "restored_first_s": exp[0]["restored"]["wall_s"],
        "restored_same": all(r["restored"]["same_nodes"] for r in exp),
        "restored_weight": exp[-1]["restored"]["weight"],
        "errors": [e for r in cov + exp for e in r["errors"]],
    }


def profiled(text: str, file: str, function: str) -> tuple[str, float] | None:
    """(ncalls, cumulative s) of ``file:…(function)`` in a pstats listing."""
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 6 and parts[5].endswith(f"({function})") and file in parts[5]:
            return parts[0], float(parts[3])
    return None


def server_text(f: dict) -> str:
    ph, prof = f["phases"], f.get("profile", "")
    view = profiled(prof, "coverage_embedded.py", "__init__")
    sub = profiled(prof, "graph/embedded.py", "subgraph")
    text = (f"On the server (in-process, median of {f['runs']}) the coverage report with its three suggested sites "
            f"takes {ph['report_s'] * 1000:,.0f} ms and the network {ph['network_s'] * 1000:,.0f} ms; validation "
            "and JSON encoding are a few tens of ms.")
    if view:
        text += (f" The report's work is city-wide whatever the district: `queries/coverage_embedded.py` `_View` "
                 f"walks every node of the graph and every station's service records, {view[0]} times a request "
                 f"(the report's facts, then the suggestions' candidates: {view[1] * 1000:,.0f} ms under cProfile).")
    if sub:
        text += (f" The network's {sub[0]} `EmbeddedStore.subgraph` calls take {sub[1] * 1000:,.0f} ms under "
                 "cProfile (the district's members, then their parks, sites and service points, then the "
                 "untracked products' owners).")
    return text + " The full listing is in `bench/out/views/figures.json` (`profile`)."


def gzip_text(g: dict) -> str:
    return (f"Over the wire (biokg gzips responses above 4 KiB for a browser that accepts it; gzip -6 here): "
            f"the view's JSON {kb(g['view'])} → {kb(g['view_gz'])}, vis-network.min.js {kb(g['vis_js'])} → "
            f"{kb(g['vis_js_gz'])}, vis-network.css {kb(g['vis_css'])} → {kb(g['vis_css_gz'])} (served without "
            f"the inline icons of the navigation buttons and toolbar no page turns on: "
            f"{kb(g['vis_css_inline_images'])} of images left).")


def revisit_text(r: dict | None, vis_bytes: int) -> str:
    """What the same tab's second visit to the view fetched again (the static files' caching)."""
    if not r:
        return ""
    again = r.get("vis_transfer") or 0
    how = (f"fetched again in full ({kb(again)} over the wire): the static files are served "
           "`Cache-Control: no-cache` without a validator (ETag / Last-Modified), so the browser cannot "
           "revalidate them and downloads them on every page") if again > vis_bytes // 2 else \
        f"not fetched again ({again} bytes over the wire)"
    return (f"A second visit to the view in the same tab: {r['ready'] / 1000:.2f} s to interactive; "
            f"vis-network.min.js ({kb(vis_bytes)}) was {how}.")


def stats_first(api: list) -> bool:
    """Whether the explorer asked for the focus only once ``/api/v1/stats`` had answered."""
    stats = [end for path, _, end in api if path == "/api/v1/stats"]
    focus = [start for path, start, _ in api if path.startswith("/api/v1/entities/")]
    return bool(stats and focus) and min(focus) >= stats[0]


def kb(n: int) -> str:
    return f"{n / 1024:,.0f} KB"


def render(f: dict) -> str:
    s, ep, ph = f["summary"], f["endpoint"], f["phases"]
    p = s["cov_phases_ms"]
    cw, fw, aw, xw, rw = (s["cov_weight"], s["exp_weight_focus"], s["exp_weight_after"], s["exp_weight_expansions"],
                          s["restored_weight"])
    verdict = "**meets the goal**" if s["cov_wall_s"] <= GOAL_S else "**misses the goal**"
    c = f["counts"]
    settle = s["settle_ms"]
    settle_text = (f"after the tenth expansion vis-network's physics (on in the explorer: the nodes move, frame by "
                   f"frame, until they come to rest) takes {median(settle) / 1000:.1f} s to settle (last run)"
                   if settle else "after the tenth expansion vis-network's physics had not settled within 30 s")
    dominant = max(p, key=p.get)
    names = {"shell_and_scripts": "the shell and its scripts", "view_request": "the view's build on the server",
             "view_transfer": "the view's transfer", "parse_and_draw": "JSON parse, DOM and vis-network's first draw"}
    rows = [
        (f"**coverage view, time to interactive** (`/coverage/{f['district']}`, {s['cov_nodes']:,} nodes, "
         f"{s['cov_edges']:,} edges drawn)",
         f"**{s['cov_ready_ms'] / 1000:.2f} s** in the page (`biokgReady`), **{s['cov_wall_s']:.2f} s** wall "
         f"from `page.goto` (first: {s['cov_ready_first_ms'] / 1000:.2f} / {s['cov_wall_first_s']:.2f} s)",
         f"≤ {GOAL_S:g} s: {verdict}"),
        ("… of which: shell, vis-network and page scripts (to DOMContentLoaded)",
         ms(p["shell_and_scripts"] / 1000), ""),
        ("… the view's request to its first byte (the server builds it)", ms(p["view_request"] / 1000), ""),
        ("… the view's transfer", ms(p["view_transfer"] / 1000), ""),
        ("… JSON parse, the page's DOM, vis-network's construction and first draw", ms(p["parse_and_draw"] / 1000),
         ""),
        ("a real click on a node → its details", f"{s['click_ms']:.0f} ms" + ("" if s["click_ok"] else
                                                                          " (**a click failed**)"), ""),
        (f"view endpoint alone (httpx, `suggest=3`): {kb(ep['bytes'])} of JSON (the report {kb(ep['report_bytes'])}; "
         f"the network {ep['node_bytes']:.0f} bytes a node, {ep['edge_bytes']:.0f} an edge)",
         f"{ep['median_s'] * 1000:,.0f} ms (first {ep['first_s'] * 1000:,.0f}); {s['cov_httpx_ms']:,.0f} ms when "
         "asked right after each browser run", ""),
        ("… in-process: the coverage report with 3 suggested sites / the network / `json.dumps`",
         f"{ph['report_s'] * 1000:,.0f} / {ph['network_s'] * 1000:,.0f} / {ph['json_s'] * 1000:,.0f} ms", ""),
        (f"explorer `/?focus={f['focus']}` (the district's biggest park): neighbourhood and details drawn "
         f"({s['exp_focus_nodes']} nodes)",
         f"{s['exp_focus_s']:.2f} s (first {s['exp_focus_first_s']:.2f}; its graph ready at "
         f"{s['exp_first_draw_ms']:.0f} ms)", ""),
        (f"one expansion (click `#expand` → details say expanded, a frame drawn; +{s['exp_added']:.0f} nodes)",
         f"{s['exp_step_ms']:.0f} ms median (max {s['exp_step_max_ms']:.0f}); the neighbours request "
         f"{s['neighbours_total_ms']:.0f} ms of it and the details' {s['entity_ms']:.0f} ms: the rest is the page's "
         "work", ""),
        (f"ten expansions in all → {s['exp_after_nodes']} nodes, {s['exp_after_edges']} edges",
         f"{s['exp_ten_s']:.2f} s", ""),
        ("the URL the explorer wrote (`?focus=…&expand=` ten ids), opened in a new tab",
         f"{s['restored_s']:.2f} s (first {s['restored_first_s']:.2f}); same nodes: {s['restored_same']}", ""),
    ]
    weights = [
        ("coverage view", cw),
        ("explorer, focus drawn", fw),
        ("explorer, after ten expansions (all requests)", aw),
        ("explorer, restored URL", rw),
    ]
    weight_rows = [f"| {label} | {w['requests']} | {kb(w['bytes'])} | {kb(w['bytes'] - w['vis_bytes'])} |"
                   for label, w in weights]
    errors = s["errors"]
    return "\n".join([
        "## Page views (issue 16)",
        "",
        f"`python -m bench.views`: a generated region (`--enterprises {f['enterprises']:,} --seed {f['seed']}`: "
        f"{c['Enterprise']:,} enterprises, {c['Park']} parks, {c['Institution']} institutions, "
        f"{c['Station']} stations, {c['ServicePoint']} service points, {c['Product']:,} products) on the embedded "
        f"store, served in-process by uvicorn on loopback (anonymous reads) to {f['browser']} driven by Playwright, "
        f"both on the same machine: {f['cpu']}. The district: {f['district_name']} (`{f['district']}`), as of "
        f"{f['as_of']}, whose view is the smallest of at least {TARGET_NODES:,} nodes. Each browser run is a new "
        f"context (an empty HTTP cache); figures are the median of {f['runs']} runs after a first, cold one "
        "(in brackets). Interactive: vis-network has drawn the graph (`.graph[data-ready='1']`); the "
        "phases come from the page's Navigation and Resource Timing. Load average (1 min) before and after: "
        f"{f['load_before'][0]:.1f} / {f['load_after'][0]:.1f}.",
        "",
        "| measured | time | goal |",
        "|---|---|---|",
        *(f"| {a} | {b} | {g} |" for a, b, g in rows),
        "",
        "Page weight (response bodies as the page received them, before compression):",
        "",
        "| page | requests | bytes | without vis-network.min.js |",
        "|---|---|---|---|",
        *weight_rows,
        "",
        gzip_text(ep["gzip"]),
        "",
        server_text(f),
        "",
        f"Where the time goes: of the coverage view's {s['cov_ready_ms'] / 1000:.2f} s, {names[dominant]} is the "
        f"largest part ({p[dominant] / 1000:.2f} s). The ten expansions' requests weigh "
        f"{kb(xw['bytes'])} ({xw['requests']} requests: each expansion asks for the neighbours and the entity); "
        f"{settle_text}. The explorer's focus page reaches DOMContentLoaded at {s['exp_dcl_ms']:.0f} ms, then "
        + ("waits for" if s["exp_stats_first"] else "asks, beside")
        + f" `/api/v1/stats` ({s['exp_stats_ms']:.0f} ms)"
        + (" before it asks for" if s["exp_stats_first"] else ",")
        + " the focus, its neighbours and its details, one after the other. "
        f"{revisit_text(s.get('revisit'), cw['vis_bytes'])}"
        + (f" Page errors: {errors[:3]}." if errors else ""),
    ])


if __name__ == "__main__":
    sys.exit(main())

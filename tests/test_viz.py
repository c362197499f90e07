"""The pages' pure parts (legend, networks, layout, the template's escaping) and the views' networks on
each backend, checked against answers derived by hand."""

from __future__ import annotations

import doctest
import json
import math
from html.parser import HTMLParser

from helpers import api_client, edge, node, small_region
from hypothesis import given, settings
from hypothesis import strategies as st

import viz.network
import viz.page
import viz.styles
import viz.views
from ontology.schema import EDGE_KINDS, NODE_KINDS
from viz.network import PHYSICS_MAX, VEdge, VNode, network, projected, spiral
from viz.page import render, script_json
from viz.styles import SHAPES, legend

VIS_SHAPES = {"dot", "diamond", "square", "triangle", "star", "triangleDown", "hexagon"}


def test_doctests():
    for module in (viz.network, viz.page, viz.styles, viz.views):
        assert doctest.testmod(module).failed == 0


def test_the_legend_gives_every_kind_its_own_style():
    styles = legend()
    assert set(styles["nodes"]) == set(NODE_KINDS) and set(EDGE_KINDS) <= set(styles["edges"])
    colours = [s["color"] for s in styles["nodes"].values()]
    assert len(set(colours)) == len(colours)
    assert {s["shape"] for s in styles["nodes"].values()} <= VIS_SHAPES and set(SHAPES) <= VIS_SHAPES
    edge_colours = [styles["edges"][k]["color"] for k in EDGE_KINDS]
    assert len(set(edge_colours)) == len(edge_colours)
    # a kind's look is its colour and shape together: no two kinds look alike
    looks = [(s["color"], s["shape"]) for s in styles["nodes"].values()]
    assert len(set(looks)) == len(looks)


@given(st.text())
def test_script_json_round_trips_and_cannot_end_its_block(text):
    out = script_json({"name": text, "list": [text]})
    assert json.loads(out) == {"name": text, "list": [text]}
    assert "<" not in out and ">" not in out and "&" not in out


class _Shell(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.title = ""
        self.blocks: dict[str, str] = {}
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in = dict(attrs).get("id") if tag == "script" else ("title" if tag == "title" else None)

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in:
            self.blocks[self._in] = self.blocks.get(self._in, "") + data


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=40), st.text(max_size=40))
def test_a_page_shell_shows_any_title_and_argument_as_text(title, arg):
    plain = _Shell()
    plain.feed(render("coverage", "t", {"district": "d"}))
    shell = _Shell()
    shell.feed(render("coverage", title, {"district": arg}))
    assert shell.tags == plain.tags  # nothing in the text made an element
    assert shell.title == f"{title} · biokg"
    page = json.loads(shell.blocks["biokg-page"])
    assert page["args"] == {"district": arg} and page["page"] == "coverage"


def test_a_standalone_page_allows_exactly_its_own_scripts():
    import base64
    import hashlib
    import re

    html = render("dossier", "档案", {"enterprise": "ent:a"}, data={"meta": {}, "report": {}, "graph": {}},
                  standalone=True)
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1).replace("&#39;", "'")
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert len(scripts) == 3 and "connect-src 'none'" in policy and "default-src 'none'" in policy
    for body in scripts:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    assert "src=" not in "".join(re.findall(r"<(?:script|link)[^>]*>", html))


def test_network_keeps_text_as_given_and_drops_dangling_edges():
    name = "<b>粗体</b> & </script>"
    net = network([VNode("a", "Enterprise", name, "提示 " + name, "uncovered"), VNode("b", "Park", "B")],
                  [VEdge("a", "b", "LOCATED_IN"), VEdge("a", "nowhere", "LOCATED_IN"), VEdge("a", "a", "COLLABORATES")])
    a = next(n for n in net["nodes"] if n["id"] == "a")
    assert (a["label"], a["title"], a["kind"], a["mark"]) == (name, "提示 " + name, "Enterprise", "uncovered")
    assert a["color"]["background"] == legend()["marks"]["uncovered"]["color"]
    assert [(e["from"], e["to"]) for e in net["edges"]] == [("a", "b")]
    assert net["options"]["physics"]["enabled"] is True and "x" not in a


def test_a_large_network_is_laid_out_here_with_physics_off():
    n = PHYSICS_MAX + 1
    nodes = [VNode(f"n{i}", "Enterprise", f"E{i}") for i in range(n)]
    nodes[0] = VNode("n0", "Park", "P", x=100.0, y=-50.0)
    net = network(nodes, [VEdge(f"n{i}", "n0", "LOCATED_IN") for i in range(1, n)])
    assert net["options"]["physics"]["enabled"] is False
    assert all("x" in v and "y" in v for v in net["nodes"])
    assert (net["nodes"][0]["x"], net["nodes"][0]["y"]) == (100.0, -50.0)  # a given position stays
    again = network(nodes, [VEdge(f"n{i}", "n0", "LOCATED_IN") for i in range(1, n)])
    assert [(v["x"], v["y"]) for v in again["nodes"]] == [(v["x"], v["y"]) for v in net["nodes"]]  # seeded


@given(st.integers(0, 500), st.floats(-1e4, 1e4), st.floats(-1e4, 1e4))
def test_spiral_points_are_distinct_and_grow_outwards(count, cx, cy):
    points = spiral(cx, cy, count)
    assert len(points) == count
    radii = [math.hypot(x - cx, y - cy) for x, y in points]
    assert radii == sorted(radii) and all(r > 0 for r in radii)
    assert len({(round(x, 3), round(y, 3)) for x, y in points}) == count


def test_projection_keeps_east_right_and_north_up():
    lat0, lon0 = 31.2, 121.5
    east, north = projected(31.2, 121.6, lat0, lon0, 1000), projected(31.3, 121.5, lat0, lon0, 1000)
    assert east[0] > 0 and east[1] == 0 and north[0] == 0 and north[1] < 0
    # a degree of longitude is cos(lat) of a degree of latitude
    assert math.isclose(east[0] / -north[1], math.cos(math.radians(lat0)), rel_tol=1e-9)


def _coverage_region(store):
    nodes, edges = small_region()
    store.write(nodes + [node("ent:u", "Enterprise", "未入园企业"), node("point:mh1", "ServicePoint", "莘庄服务点"),
                         node("park:far", "Park", "无坐标园区")],
                edges + [edge("IN_DISTRICT", "ent:u", "district:310112"), edge("PART_OF", "point:mh1", "station:mh"),
                         edge("IN_DISTRICT", "park:far", "district:310112")])


def test_the_coverage_view_on_each_backend(store):
    _coverage_region(store)
    client = api_client(store)
    view = client.get("/api/v1/views/coverage", params={"district": "闵行区", "suggest": 0, "as_of": "2024-12-31"})
    assert view.status_code == 200, view.text
    body = view.json()
    nodes = {n["id"]: n for n in body["graph"]["nodes"]}
    # by hand: the station sits at 紫竹 (covered), so 澜启 in it is covered; the enterprise in no park has no
    # record and 无坐标园区 no station; the point belongs to the station; 张江's enterprise is elsewhere
    assert set(nodes) == {"park:zizhu", "park:far", "ent:a", "ent:u", "station:mh", "point:mh1"}
    assert {i: n["mark"] for i, n in nodes.items()} == {
        "park:zizhu": "covered", "ent:a": "covered", "ent:u": "uncovered", "park:far": "uncovered",
        "station:mh": None, "point:mh1": None}
    edges = {(e["from"], e["kind"], e["to"]) for e in body["graph"]["edges"]}
    assert edges == {("ent:a", "LOCATED_IN", "park:zizhu"), ("station:mh", "SITED_AT", "park:zizhu"),
                     ("point:mh1", "PART_OF", "station:mh")}
    # the only site with coordinates is the centre; 澜启 lies on the spiral around it, the others beside
    assert (nodes["park:zizhu"]["x"], nodes["park:zizhu"]["y"]) == (0.0, 0.0)
    assert 0 < math.hypot(nodes["ent:a"]["x"], nodes["ent:a"]["y"]) < 60
    assert nodes["ent:u"]["x"] > 200 and nodes["park:far"]["x"] > 200
    assert body["report"]["districts"][0]["enterprises_covered"] == 1
    assert body["meta"]["title"] == "闵行区 覆盖" and body["meta"]["as_of"] == "2024-12-31"
    assert body["meta"]["store"].split()[0] in ("embedded", "neo4j") and "password" not in body["meta"]["store"]
    # the view is the report: scoped as the report is (a reader sees no scorecard there either)
    reader = api_client(store, role="viewer").get("/api/v1/views/coverage", params={"district": "闵行区"}).json()
    assert reader["report"]["stations"] == [] and reader["report"]["scorecard_withheld"] is True


def test_evidence_networks_tag_each_candidates_paths(store):
    nodes, edges = small_region()
    store.write(nodes, edges)
    results = [{"id": "inst:h", "name": "示例医院", "score": 0.5, "evidence": [
                   {"path": ["inst:h", "prod:1", "ent:a"], "edges": [
                       {"kind": "TRIAL_SITE", "src": "prod:1", "dst": "inst:h"},
                       {"kind": "OWNS", "src": "ent:a", "dst": "prod:1"}]}]},
               {"id": "CN115123456A", "title": "一种抗体", "score": 0.25, "evidence": [
                   {"path": ["CN115123456A", "field:antibody"], "edges": [
                       {"kind": "CLASSIFIED_AS", "src": "CN115123456A", "dst": "field:antibody"}]}]}]
    net = viz.views.evidence_network(store, {"id": "ent:a", "name": "澜启"}, results)
    tags = {n["id"]: set(n["groups"]) for n in net["nodes"]}
    assert tags == {"ent:a": {"r0", "r1"}, "inst:h": {"r0"}, "prod:1": {"r0"}, "CN115123456A": {"r1"},
                    "field:antibody": {"r1"}}
    assert next(n for n in net["nodes"] if n["id"] == "ent:a")["mark"] == "focus"
    by_kind = {(e["from"], e["to"], e["kind"]): set(e["groups"]) for e in net["edges"]}
    assert by_kind == {("prod:1", "inst:h", "TRIAL_SITE"): {"r0"}, ("ent:a", "prod:1", "OWNS"): {"r0"},
                       ("CN115123456A", "field:antibody", "CLASSIFIED_AS"): {"r1"},
                       ("ent:a", "inst:h", "candidate"): {"r0"}, ("ent:a", "CN115123456A", "candidate"): {"r1"}}


def test_a_view_shows_each_caller_what_its_report_does(store):
    """Every view's report is its endpoint's answer to the same caller, and its network draws nothing the
    report withheld (a station key of another district sees no service record, so no station)."""
    nodes, edges = small_region()
    store.write(nodes + [node("station:pd", "Station", "浦东工作站", type="station", scope="both")],
                edges + [edge("SERVES", "station:pd", "district:310115"),
                         edge("NEEDS", "ent:b", "segment:drug.discovery", field="field:antibody")])
    callers = {"anonymous": api_client(store, role=None), "viewer": api_client(store, role="viewer"),
               "other station": api_client(store, role="station", station="station:pd"),
               "own station": api_client(store, role="station", station="station:mh"),
               "analyst": api_client(store, role="analyst")}
    pairs = [("/api/v1/views/dossier/ent:b", "/api/v1/dossier/ent:b", {}),
             ("/api/v1/views/coverage", "/api/v1/coverage", {"district": "闵行区", "suggest": 2}),
             ("/api/v1/views/match/ent:b", "/api/v1/match/ent:b", {}),
             ("/api/v1/views/broker", "/api/v1/broker", {"field": "antibody"}),
             ("/api/v1/views/patents", "/api/v1/patents", {"field": "antibody"})]
    for who, client in callers.items():
        for view_path, plain_path, params in pairs:
            view, plain = client.get(view_path, params=params), client.get(plain_path, params=params)
            assert view.status_code == plain.status_code == 200, (who, view_path, view.text)
            assert view.json()["report"] == plain.json(), (who, view_path)
        dossier = client.get("/api/v1/views/dossier/ent:b").json()
        drawn = {n["id"] for n in dossier["graph"]["nodes"]}
        sees_records = who in ("own station", "analyst")
        assert ("station:mh" in drawn) == sees_records == bool(dossier["report"]["records"]), who

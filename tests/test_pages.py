"""The pages in a real headless Chromium over the demo region (plus nodes named to attack the page):
every page draws with data, escapes, stays on 127.0.0.1, and its answers agree with the API's."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from urllib.parse import quote, unquote, urlparse

import pytest
from browser import XSS_NAMES, graph_count, serving, shot, wait_graph, watched
from fastapi.testclient import TestClient
from helpers import edge, node

from api.app import create_app
from api.auth import KeyRing
from api.settings import Settings
from graph import EmbeddedStore

IMG, SCRIPT = XSS_NAMES
B_TITLE_EXPLORER = "图谱浏览"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The demo region with an enterprise, a product and a hospital named to break out of the page, the
    app over it, an analyst key and the base URL."""
    from loaders.demo_region import ensure_demo

    folder = tmp_path_factory.mktemp("pages")
    store = EmbeddedStore(folder / "store.sqlite")
    ensure_demo(store)
    store.write([node("ent:xss", "Enterprise", IMG, aliases=[SCRIPT], scale="small", credit="A"),
                 node("product:xss", "Product", SCRIPT, type="device", device_class="III", stage="clinical",
                      innovation_channel="national"),
                 node("inst:xss", "Institution", SCRIPT, type="hospital", lat=31.02, lon=121.41)],
                [edge("IN_DISTRICT", "ent:xss", "district:310112"), edge("LOCATED_IN", "ent:xss", "park:zizhu"),
                 edge("OWNS", "ent:xss", "product:xss"), edge("IN_DISTRICT", "inst:xss", "district:310112"),
                 edge("NEEDS", "ent:xss", "segment:drug.discovery", field="field:chemical_drug"),
                 edge("IN_FIELD", "ent:xss", "field:chemical_drug")])
    settings = Settings(data_dir=folder)
    keys = KeyRing(settings.ledger_path)
    _, analyst = keys.create("analyst")
    app = create_app(store, settings, keys)
    with serving(app) as base:
        yield {"base": base, "store": store, "analyst": analyst, "client": TestClient(app)}
    store.close()


def _context(browser, key: str | None = None):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 900})
    if key:  # the page keeps the key in the tab's sessionStorage; an init script is no inline script
        context.add_init_script(f"sessionStorage.setItem('biokg.key', {json.dumps(key)})")
    return context


def _no_injection(page) -> None:
    assert page.locator("#app img, #app script, header img").count() == 0
    assert page.evaluate("() => document.querySelectorAll('img[src=x]').length") == 0


def _download(page, selector: str) -> bytes:
    with page.expect_download() as info:
        page.click(selector)
    return open(info.value.path(), "rb").read()


def test_explorer_search_click_expand_collapse_and_the_url(site, browser):
    w = watched(_context(browser))
    page = w.page
    page.goto(site["base"] + "/")
    page.fill("#q", "img src")
    page.click("#search-form button[type=submit]")
    page.wait_for_selector("#results li[data-id='ent:xss']")
    assert page.text_content("#results li[data-id='ent:xss'] .name") == IMG
    assert page.text_content("#results li[data-id='ent:xss'] mark") == "img src"  # the match, highlighted
    page.click("#results li[data-id='ent:xss']")
    wait_graph(page)
    page.wait_for_selector("#detail h2 .name")
    assert page.text_content("#detail h2 .name") == IMG
    assert SCRIPT in page.text_content("#detail dl")  # its alias, as text
    _no_injection(page)
    around = site["client"].get("/api/v1/entities/ent:xss/neighbours", params={"limit": 25}).json()
    first = {"ent:xss"} | {n["other"]["id"] for n in around["data"]}
    assert set(page.evaluate("() => biokgGraph.nodes.getIds()")) == first
    assert page.evaluate("() => biokgGraph.nodes.get('ent:xss').label") == IMG

    # expand the park by a real double-click on the canvas: its neighbours come from the API
    page.mouse.dblclick(*_on_screen(page, "park:zizhu"))
    page.wait_for_selector("#detail[data-id='park:zizhu'] #expand[disabled]")
    park = site["client"].get("/api/v1/entities/park:zizhu/neighbours", params={"limit": 25}).json()
    grown = first | {n["other"]["id"] for n in park["data"]}
    assert len(grown) > len(first)
    page.wait_for_function("n => biokgGraph.nodes.length === n", arg=len(grown))
    assert set(page.evaluate("() => biokgGraph.nodes.getIds()")) == grown
    page.evaluate("() => biokgGraph.network.fit({animation: false})")
    shot(page, "explorer")
    assert "expand=park%3Azizhu" in page.url or "expand=park:zizhu" in page.url
    if park["next"]:  # show more: the next page of the park's neighbours
        page.click("#detail #more")
        more = site["client"].get("/api/v1/entities/park:zizhu/neighbours",
                                  params={"limit": 25, "cursor": park["next"]}).json()
        grown |= {n["other"]["id"] for n in more["data"]}
        page.wait_for_function("n => biokgGraph.nodes.length === n", arg=len(grown))

    # expand the district too (a click, then 展开): what both reach stays when one is collapsed
    page.mouse.click(*_on_screen(page, "district:310112"))
    page.click("#detail[data-id='district:310112'] #expand")
    page.wait_for_selector("#detail[data-id='district:310112'] #expand[disabled]")
    district = site["client"].get("/api/v1/entities/district:310112/neighbours", params={"limit": 25}).json()
    both = grown | {n["other"]["id"] for n in district["data"]}
    page.wait_for_function("n => biokgGraph.nodes.length === n", arg=len(both))
    page.click("#detail[data-id='district:310112'] #collapse")
    page.wait_for_function("n => biokgGraph.nodes.length === n", arg=len(grown))
    assert set(page.evaluate("() => biokgGraph.nodes.getIds()")) == grown
    dangling = page.evaluate("() => biokgGraph.edges.get().filter(e => !biokgGraph.nodes.get(e.from) "
                             "|| !biokgGraph.nodes.get(e.to)).length")
    assert dangling == 0

    # the URL is the view: a new tab on it draws the same nodes
    again = watched(_context(browser))
    again.page.goto(page.url)
    wait_graph(again.page)
    again.page.wait_for_function("n => biokgGraph.nodes.length === n", arg=len(grown))
    again.assert_clean()

    page.mouse.click(*_on_screen(page, "park:zizhu"))
    page.click("#detail[data-id='park:zizhu'] #collapse")
    page.wait_for_function("n => biokgGraph.nodes.length === n", arg=len(first))
    assert set(page.evaluate("() => biokgGraph.nodes.getIds()")) == first
    assert "expand=" not in page.url

    # filters: hiding a kind hides its nodes, and is in the URL
    page.check("#legend input[data-kind='Park']")
    page.uncheck("#legend input[data-kind='Park']")
    assert page.evaluate("() => biokgGraph.nodes.get('park:zizhu').hidden") is True
    assert "hide=Park" in page.url
    page.click("#lang")
    page.wait_for_selector("#search-form")
    assert page.get_attribute("#q", "placeholder").startswith("search")
    page.click("#lang")
    wait_graph(page)
    page.wait_for_selector("#detail h2 .name")
    w.assert_clean()


def _on_screen(page, node_id: str) -> tuple[float, float]:
    """Where a node is drawn, once the layout holds still (fitted into view first)."""
    page.wait_for_selector(".graph[data-stable='1']")
    page.evaluate("() => biokgGraph.network.setOptions({physics: {enabled: false}})")
    return tuple(page.evaluate("""id => { const n = biokgGraph.network; n.fit({animation: false});
        const p = n.canvasToDOM(n.getPositions([id])[id]);
        const r = n.body.container.getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }""", node_id))


def test_coverage_overview_numbers_sort_and_links(site, browser):
    report = site["client"].get("/api/v1/coverage", headers={"Authorization": f"Bearer {site['analyst']}"}).json()
    w = watched(_context(browser, site["analyst"]))
    page = w.page
    page.goto(site["base"] + "/coverage")
    page.wait_for_selector("#districts table tbody tr")
    rows = page.locator("#districts tbody tr")
    assert rows.count() == len(report["districts"])
    minhang = next(d for d in report["districts"] if d["id"] == "district:310112")
    row = page.locator("#districts tbody tr[data-id='district:310112']")
    assert f"{minhang['enterprises_rate'] * 100:.1f}%" in row.text_content()
    page.click("#districts th[data-key='enterprises_total']")  # sorts by enterprises, most first
    order = [page.locator("#districts tbody tr").nth(i).get_attribute("data-id") for i in range(rows.count())]
    by_hand = [d["id"] for d in sorted(report["districts"], key=lambda d: -d["enterprises_total"])]
    assert [site_of(report, i)["enterprises_total"] for i in order] == \
        [site_of(report, i)["enterprises_total"] for i in by_hand]
    data = _download(page, ".export-csv")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(table) == len(report["districts"]) + 1 and table[0][:2] == ["id", "name"]
    shot(page, "coverage")
    w.assert_clean()
    with page.expect_navigation():
        row.locator("a").click()
    assert page.url.endswith("/coverage/district%3A310112")


def site_of(report, district_id):
    return next(d for d in report["districts"] if d["id"] == district_id)


def test_the_overview_without_a_key_says_what_it_needs(site, browser):
    w = watched(_context(browser), statuses_ok=(401,))
    w.page.goto(site["base"] + "/coverage")
    w.page.wait_for_selector(".error")
    assert "key" in w.page.text_content(".error") or "密钥" in w.page.text_content(".error")
    w.assert_clean()


def test_a_districts_coverage_view(site, browser):
    client = site["client"]
    view = client.get("/api/v1/views/coverage", params={"district": "district:310112", "suggest": 3}).json()
    [d] = view["report"]["districts"]
    w = watched(_context(browser))
    page = w.page
    page.goto(site["base"] + "/coverage/" + quote("闵行"))
    wait_graph(page)
    assert page.text_content("[data-figure='enterprises_rate'] .value") == \
        f"{d['enterprises_covered']}/{d['enterprises_total']}"
    # every enterprise of the district is drawn, marked as the report says (derived from the store)
    store = site["store"]
    members = {n.node.id for n in store.neighbours("district:310112", ["IN_DISTRICT"], ["Enterprise"], "in")}
    drawn = page.evaluate("() => Object.fromEntries(biokgGraph.nodes.get().map(n => [n.id, n.mark || null]))")
    uncovered = {x["id"] for x in d["uncovered_enterprises"]}
    assert {i for i in members if drawn.get(i) == "uncovered"} == uncovered
    assert {i for i in members if drawn.get(i) == "covered"} == members - uncovered
    assert drawn["product:xss"] == "untracked"  # an untracked innovative product, beside its owner
    for s in view["report"]["suggestions"]:
        assert drawn[s["site"]] == "suggested"
        assert page.evaluate(f"() => biokgGraph.nodes.get({json.dumps(s['site'])}).label").endswith(f"+{s['gain']}")
    assert page.evaluate("() => biokgGraph.nodes.get('ent:xss').title").startswith("企业 · " + IMG)
    assert page.evaluate("() => biokgGraph.nodes.get('inst:xss').label") == SCRIPT
    assert IMG in page.text_content(".uncovered-enterprises") or "ent:xss" not in uncovered
    _no_injection(page)
    # positions are computed by the server: a large view would be drawn without physics
    assert all("x" in n for n in view["graph"]["nodes"])
    svg = ET.fromstring(_download(page, ".export-svg"))
    visible = page.evaluate("() => biokgGraph.nodes.get().filter(n => !n.hidden).map(n => n.id)")
    drawn_svg = {e.get("data-id"): e for e in svg.iter() if e.get("data-id")}
    assert set(drawn_svg) == set(visible)
    # each kind in its legend shape: a park a square, a station a dot (vis-network's names)
    assert drawn_svg["park:zizhu"].tag.endswith("polygon") and len(drawn_svg["park:zizhu"].get("points").split()) == 4
    assert drawn_svg["station:minhang"].tag.endswith("circle")
    assert {t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")} >= {IMG, SCRIPT}  # labels, as text
    assert _download(page, ".export-png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads(_download(page, ".export-json"))["report"] == view["report"]
    shot(page, "coverage-district")
    w.assert_clean()


@pytest.mark.parametrize("path, api", [
    ("/match/enterprise:syn000316", "/api/v1/views/match/enterprise:syn000316"),
    ("/broker?field=抗体药物", "/api/v1/views/broker?field=抗体药物"),
    ("/patents?field=抗体药物", "/api/v1/views/patents?field=抗体药物"),
])
def test_evidence_views_highlight_each_candidates_paths(site, browser, path, api):
    view = site["client"].get(api).json()
    results = view["report"]["results"]
    assert results, "the demo region has candidates here"
    w = watched(_context(browser))
    page = w.page
    page.goto(site["base"] + path)
    wait_graph(page)
    assert page.locator("#candidates .candidate").count() == len(results)
    if view["report"].get("org"):
        assert page.text_content("#org-name") == view["report"]["org"]["name"]
    for i in (0, len(results) - 1):
        page.click(f"#candidates .candidate[data-group='r{i}']")
        expected = {results[i]["id"]} | {n for ev in results[i]["evidence"] for n in ev["path"]}
        chosen = set(page.evaluate("() => biokgGraph.network.getSelectedNodes()"))
        org = (view["report"].get("org") or {}).get("id")
        assert chosen == expected | ({org} if org else set())  # the org is on every path
        edges = page.evaluate("() => biokgGraph.network.getSelectedEdges().map(id => biokgGraph.edges.get(id))")
        assert {(e["from"], e["to"]) for e in edges if e["kind"] != "candidate"} == \
            {(x["src"], x["dst"]) for ev in results[i]["evidence"] for x in ev["edges"]}
    _no_injection(page)
    shot(page, path.strip("/").split("/")[0].split("?")[0])
    w.assert_clean()


def test_names_that_attack_the_page_show_as_text_on_every_page(site, browser):
    w = watched(_context(browser, site["analyst"]), statuses_ok=(404,))
    page = w.page
    for path, drawn, shown in [("/match/ent:xss", True, "#org-name"), ("/dossier/ent:xss", True, "#enterprise-name"),
                               ("/broker?org=ent:xss", True, "#org-name"), ("/patents?org=ent:xss", True, "#org-name"),
                               ("/coverage/" + quote("闵行"), True, ".uncovered-enterprises"),
                               ("/coverage", False, "#districts"), ("/?focus=ent:xss", True, "#detail h2 .name")]:
        page.goto(site["base"] + path)
        wait_graph(page) if drawn else page.wait_for_selector(shown)
        if shown != "#districts":
            assert IMG in page.text_content(shown), path
        _no_injection(page)
    assert page.title() == f"{B_TITLE_EXPLORER} · biokg"
    assert SCRIPT in page.text_content("#detail")  # its alias
    page.goto(site["base"] + "/dossier/ent:xss")
    wait_graph(page)
    assert SCRIPT in page.text_content("#products") and page.title() == f"{IMG} 服务档案 · biokg"
    # arguments echoed into the shell: a district and an id that are not there, shown as text
    page.goto(site["base"] + "/coverage/" + quote(IMG, safe=""))
    page.wait_for_selector(".error")
    assert page.title() == f"{IMG} 覆盖 · biokg"
    page.goto(site["base"] + "/?focus=" + quote(SCRIPT, safe=""))
    page.wait_for_selector(".error")
    _no_injection(page)
    # the only failures are the two lookups of what is not there (an injected <img src=x> would add one)
    assert {unquote(urlparse(u).path) for u in w.failed} == {"/api/v1/views/coverage", "/api/v1/entities/" + SCRIPT}
    w.assert_clean()
    html = site["client"].get("/coverage/" + quote(IMG, safe="")).text  # in the title and the page's JSON
    assert IMG not in html and "<title>&lt;img src=x" in html and "\\u003cimg src=x" in html
    html = site["client"].get("/broker", params={"org": SCRIPT}).text
    assert SCRIPT not in html and "\\u003c/script\\u003e" in html


def test_the_dossier_page(site, browser):
    body = site["client"].get("/api/v1/dossier/enterprise:syn000316",
                              headers={"Authorization": f"Bearer {site['analyst']}"}).json()
    assert body["records"], "an analyst sees the enterprise's service records"
    w = watched(_context(browser, site["analyst"]))
    page = w.page
    page.goto(site["base"] + "/dossier/enterprise:syn000316")
    wait_graph(page)
    assert page.text_content("#enterprise-name") == body["enterprise"]["name"]
    assert page.locator("#products tbody tr").count() == len(body["products"])
    assert page.locator("#matches .candidate").count() == len(body["matches"]["results"])
    e = body["enterprise"]
    linked = {*(p["id"] for p in body["products"]), *(k["id"] for k in body["key_projects"]),
              *(x["id"] for x in e["parks"]), *(x["id"] for x in e["districts"]), *(r["station"] for r in body["records"])}
    ranked = [r["id"] for r in body["matches"]["results"]] + [r["id"] for r in body["brokers"]["results"]]
    assert set(page.evaluate("() => biokgGraph.nodes.getIds()")) == {e["id"]} | linked | set(ranked)
    assert graph_count(page, "edges") == len(linked) + len(ranked)  # one tie each, one line per candidate
    shot(page, "dossier")
    w.assert_clean()


def test_a_standalone_file_draws_offline(site, browser, tmp_path):
    from typer.testing import CliRunner

    from api.cli import app

    out = tmp_path / "minhang.html"
    result = CliRunner().invoke(app, ["view", "coverage", "闵行", "--store", str(site["store"].path), "--out", str(out)],
                                env={"BIOKG_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert "Content-Security-Policy" in html and "script-src &#39;sha256-" in html
    assert IMG not in html and "\\u003cimg src=x" in html
    w = watched(browser)
    w.page.goto(out.as_uri())
    wait_graph(w.page)
    assert graph_count(w.page) > 50
    assert set(w.requests) == {out.as_uri()}  # the file asks for nothing, not even of itself
    _no_injection(w.page)
    assert w.problems == [] and w.dialogs == []
    bad = CliRunner().invoke(app, ["view", "coverage", "--store", str(site["store"].path), "--out", str(out)])
    assert bad.exit_code != 0 and "district" in bad.output

    # a file leaves the server: an enterprise's file counts its questions but holds no question's text
    from datetime import date

    from api.auth import LOCAL
    from graph.ledger import Ledger
    from graph.question_book import QuestionBook

    ledger = Ledger(tmp_path / "ledger.sqlite")
    QuestionBook(ledger).ask("station:minhang", "ent:xss", "registration", "机密：我们的注册排期", date(2026, 11, 20),
                             LOCAL.actor)
    ledger.close()
    file = tmp_path / "dossier.html"
    result = CliRunner().invoke(app, ["view", "dossier", "ent:xss", "--store", str(site["store"].path), "--out",
                                      str(file)], env={"BIOKG_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 0, result.output
    html = file.read_text()
    assert '"total":1' in html and "机密" not in html

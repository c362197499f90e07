"""The pages in a real headless Chromium over the demo region (plus nodes named to attack the page):
every page draws with data, escapes, stays on 127.0.0.1, and its answers agree with the API's."""

from __future__ import annotations

import csv
import io
import json
import os
import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest
from browser import CHROMIUM_ARGS, XSS_NAMES, graph_count, serving, shot, wait_graph, watched
from conftest import chromium_path
from fastapi.testclient import TestClient
from helpers import edge, node

from api.app import create_app
from api.auth import KeyRing
from api.settings import Settings
from graph import EmbeddedStore

IMG, SCRIPT = XSS_NAMES
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


@pytest.fixture(scope="module")
def browser():
    exe = chromium_path()
    if exe is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is required in CI (scripts/browser-deps installs it)")
        pytest.skip("Chromium is not installed (run scripts/browser-deps)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


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
    at = page.evaluate("""() => { const n = biokgGraph.network; n.fit({animation: false});
        const p = n.canvasToDOM(n.getPositions(['park:zizhu'])['park:zizhu']);
        const r = n.body.container.getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }""")
    page.mouse.dblclick(*at)
    page.wait_for_selector("#detail #expand[disabled]")
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

    # the URL is the view: a new tab on it draws the same nodes
    again = watched(_context(browser))
    again.page.goto(page.url)
    wait_graph(again.page)
    again.page.wait_for_function("n => biokgGraph.nodes.length === n", arg=len(grown))
    again.assert_clean()

    page.click("#detail #collapse")
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
    visible = page.evaluate("() => biokgGraph.nodes.get().filter(n => !n.hidden).length")
    assert len(svg.findall(".//{http://www.w3.org/2000/svg}circle")) == visible
    assert _download(page, ".export-png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads(_download(page, ".export-json"))["report"] == view["report"] | {
        "suggestions": view["report"]["suggestions"]}
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
        assert chosen == expected - {(view["report"].get("org") or {}).get("id")}
        edges = page.evaluate("() => biokgGraph.network.getSelectedEdges().map(id => biokgGraph.edges.get(id))")
        assert {(e["from"], e["to"]) for e in edges if e["kind"] != "candidate"} == \
            {(x["src"], x["dst"]) for ev in results[i]["evidence"] for x in ev["edges"]}
    _no_injection(page)
    shot(page, path.strip("/").split("/")[0].split("?")[0])
    w.assert_clean()


def test_names_that_attack_the_page_show_as_text_on_every_page(site, browser):
    w = watched(_context(browser))
    page = w.page
    page.goto(site["base"] + "/match/ent:xss")
    wait_graph(page)
    assert page.text_content("#org-name") == IMG
    assert page.title().startswith(IMG)
    page.goto(site["base"] + "/dossier/ent:xss")
    wait_graph(page)
    assert page.text_content("#enterprise-name") == IMG
    assert SCRIPT in page.text_content("#products")
    page.goto(site["base"] + "/broker?org=ent:xss")
    wait_graph(page)
    page.goto(site["base"] + "/coverage/" + quote(IMG, safe=""))  # a path argument echoed into the shell
    page.wait_for_selector(".error")
    assert IMG in page.title() or "覆盖" in page.title()
    page.goto(site["base"] + "/?focus=" + quote(SCRIPT, safe=""))
    page.wait_for_selector(".error")
    _no_injection(page)
    w.problems = [p for p in w.problems if " 404 " not in f" {p} " and "404 (Not Found)" not in p]
    w.assert_clean()
    html = site["client"].get("/coverage/" + quote(IMG, safe="")).text  # in the title and the page's JSON
    assert IMG not in html and "<title>&lt;img src=x" in html and "\\u003cimg src=x" in html
    html = site["client"].get("/broker", params={"org": SCRIPT}).text
    assert SCRIPT not in html and "\\u003c/script\\u003e" in html


def test_the_dossier_page(site, browser):
    body = site["client"].get("/api/v1/dossier/enterprise:syn000316").json()
    w = watched(_context(browser))
    page = w.page
    page.goto(site["base"] + "/dossier/enterprise:syn000316")
    wait_graph(page)
    assert page.text_content("#enterprise-name") == body["enterprise"]["name"]
    assert page.locator("#products tbody tr").count() == len(body["products"])
    assert page.locator("#matches .candidate").count() == len(body["matches"]["results"])
    expected = {body["enterprise"]["id"], *(p["id"] for p in body["products"]),
                *(r["id"] for r in body["matches"]["results"]), *(r["id"] for r in body["brokers"]["results"])}
    assert expected <= set(page.evaluate("() => biokgGraph.nodes.getIds()"))
    assert graph_count(page, "edges") >= len(body["products"]) + len(body["matches"]["results"])
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

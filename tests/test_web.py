"""The web page and its JSON endpoints; the page is driven in a real headless Chromium."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from browser import serving, watched
from fastapi.testclient import TestClient
from helpers import edge, node, small_region

from api.app import create_app
from graph.model import LoadMeta, Provenance

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def web_store(store):
    """The small region on each backend (the page and API run the same on both)."""
    nodes, edges = small_region()
    mapped = Provenance("ranks.csv", 7, "L-map", "2026-03-01T00:00:00+00:00", LoadMeta(XSS, "test-ranks", "3"))
    store.write(nodes + [node("ent:xss", "Enterprise", XSS, aliases=["<script>alert(2)</script>"]),
                         node("inst:mapped", "Institution", "映射示例医院", mapped, type="hospital")],
                edges + [edge("LOCATED_IN", "ent:xss", "park:zj")])
    return store


def test_json_endpoints(web_store):
    client = TestClient(create_app(web_store))
    stats = client.get("/api/v1/stats").json()
    assert stats["nodes"]["Enterprise"] == 4 and stats["edges"]["TRACKS"] == 2
    hits = client.get("/api/v1/search", params={"q": "澜启"}).json()
    assert [(h["id"], h["rank"]) for h in hits["data"]] == [("ent:a", 0), ("ent:b", 1)]
    assert hits["count"] == 2 and hits["next"] is None
    detail = client.get("/api/v1/entities/ent:a").json()
    assert detail["provenance"]["source"] == "test.csv" and detail["provenance"]["mapping"] is None
    mapped = client.get("/api/v1/entities/inst:mapped").json()["provenance"]
    assert (mapped["dataset"], mapped["mapping"], mapped["mapping_version"]) == (XSS, "test-ranks", "3")
    around = client.get("/api/v1/entities/ent:a/neighbours").json()
    assert around["total"] == around["count"] == 5 and around["next"] is None
    capped = client.get("/api/v1/entities/ent:a/neighbours", params={"limit": 2}).json()
    assert capped["total"] == 5 and [e["kind"] for e in capped["data"]] == ["APPLIED_BY", "COLLABORATES"]
    assert {(e["kind"], e["other"]["id"]) for e in around["data"]} >= {("LOCATED_IN", "park:zizhu")}
    missing = client.get("/api/v1/entities/nope")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    bad_kind = client.get("/api/v1/search", params={"q": "x", "kind": "Company"})
    assert bad_kind.status_code == 400 and bad_kind.json()["error"]["code"] == "invalid_input"
    page = client.get("/")
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert client.get("/static/../app.py").status_code == 404
    script = client.get("/static/vis-network.min.js")
    assert script.status_code == 200 and script.headers["etag"] and len(script.content) > 400_000
    again = client.get("/static/vis-network.min.js", headers={"If-None-Match": script.headers["etag"]})
    assert again.status_code == 304 and again.content == b""  # revalidated, not downloaded again


@pytest.fixture
def served(web_store):
    with serving(create_app(web_store)) as base:
        yield base


@pytest.mark.browser
def test_the_explorer_shows_provenance_of_a_mapped_node_on_each_backend(served, browser):
    """The explorer over either backend: a node loaded through a mapping names its dataset and
    mapping, as text (the page's other behaviour: tests/test_pages.py)."""
    w = watched(browser)
    page = w.page
    page.goto(served + "/?focus=inst:mapped")
    page.wait_for_selector(".graph[data-ready='1']")
    page.wait_for_selector("#detail h2 .name")
    assert page.text_content("#detail h2 .name") == "映射示例医院"
    assert f"数据集 {XSS} · 映射 test-ranks v3" in page.text_content("#detail")
    page.fill("#q", "澜启")
    page.click("#search-form button[type=submit]")
    page.click("#results li[data-id='ent:a']")
    page.wait_for_selector("#detail[data-id='ent:a'] .prov")
    assert "来源 test.csv:1" in page.text_content("#detail")
    assert page.evaluate("() => biokgGraph.nodes.get('park:zizhu').label") == "紫竹高新区"
    assert page.locator("#detail img").count() == 0
    w.assert_clean()


@pytest.mark.browser
def test_the_api_docs_render_offline_under_the_csp(served, browser):
    page = browser.new_page()
    requests, problems = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(served + "/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "biokg" in page.text_content(".swagger-ui .info .title")
    page.wait_for_selector(".opblock-summary-path[data-path='/api/v1/match/{org}']")
    assert page.locator(".opblock").count() >= 20  # every operation of the schema is listed
    assert problems == [], problems  # a Content-Security-Policy violation is a console error
    hosts = {urlparse(u).hostname for u in requests}
    assert hosts == {"127.0.0.1"}, f"the docs reached beyond the server: {sorted(set(requests))}"

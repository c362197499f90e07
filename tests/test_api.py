"""What the API answers, on both backends: pages that add up to the store's own answer, entities with
their merges, subgraphs, the queries' JSON equal to the CLI's, records counted by coverage at once,
and exports that parse back to the store."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import rdflib
from helpers import api_client, edge, node, small_region
from typer.testing import CliRunner

from api.cli import app as cli
from graph.model import Xref
from loaders.rdf_export import to_rdf

AS_OF = "2026-11-20"


@pytest.fixture
def region(store):
    nodes, edges = small_region()
    more = [node(f"ent:x{i:02d}", "Enterprise", f"澜启分公司{i:02d}") for i in range(25)]
    links = [edge("IN_DISTRICT", f"ent:x{i:02d}", "district:310112") for i in range(25)]
    store.write(nodes + more, edges + links)
    store.write_xrefs([Xref("cn-universities", "U1", "ent:a", "Enterprise", "澜启生物", "uscc", 1.0, "merged", {})])
    return store


def _walk(client, url: str, params: dict) -> list[dict]:
    """Every page of a list answer, following ``next``."""
    items, cursor = [], None
    while True:
        body = client.get(url, params={**params, **({"cursor": cursor} if cursor else {})}).json()
        assert body["count"] == len(body["data"])
        items += body["data"]
        cursor = body["next"]
        if cursor is None:
            return items


def test_pages_add_up_to_the_stores_answer(region):
    client = api_client(region, "viewer")
    everything = region.search("澜启", limit=1000)
    walked = _walk(client, "/api/v1/search", {"q": "澜启", "limit": 4})
    assert [h["id"] for h in walked] == [h.node.id for h in everything] and len(walked) == 27
    around = region.neighbours("district:310112", None, ["Enterprise"], "in")
    walked = _walk(client, "/api/v1/entities/district:310112/neighbours",
                   {"node_kind": "Enterprise", "direction": "in", "limit": 7})
    assert [n["other"]["id"] for n in walked] == [n.node.id for n in around] and len(walked) == 26
    first = client.get("/api/v1/search", params={"q": "澜启", "limit": 4}).json()
    other = client.get("/api/v1/search", params={"q": "紫竹", "cursor": first["next"]})
    assert other.status_code == 400 and "another query" in other.json()["error"]["message"]


def test_an_entity_carries_its_provenance_and_merges(region):
    body = api_client(region, "viewer").get("/api/v1/entities/ent:a").json()
    assert body["name"] == "澜启生物（上海）有限公司" and body["provenance"]["source"] == "test.csv"
    assert [(m["source"], m["key"], m["rule"]) for m in body["merges"]] == [("cn-universities", "U1", "uscc")]
    assert set(body) == {"id", "kind", "name", "props", "provenance", "merges"}


def test_a_subgraph_is_the_stores_subgraph(region):
    client = api_client(region, "analyst")  # who sees service records too
    body = client.get("/api/v1/subgraph", params={"ids": "ent:a,park:zj", "depth": 1, "max_nodes": 500}).json()
    sub = region.subgraph(["ent:a", "park:zj"], 1, max_nodes=500)
    assert {n["id"] for n in body["nodes"]} == {n.id for n in sub.nodes}
    assert {(e["kind"], e["src"], e["dst"]) for e in body["edges"]} == {(e.kind, e.src, e.dst) for e in sub.edges}
    assert not body["truncated"]
    capped = client.get("/api/v1/subgraph", params={"ids": ["ent:a", "park:zj"], "depth": 2, "max_nodes": 3}).json()
    assert len(capped["nodes"]) == 3 and capped["truncated"]
    many = client.get("/api/v1/subgraph", params={"ids": ",".join(f"ent:x{i:02d}" for i in range(25)) + ",ent:a,"
                                                         + ",".join(f"n{i}" for i in range(30))})
    assert many.status_code == 400  # at most 50 ids, however they are sent


def test_a_record_counts_for_coverage_at_once(region):
    client = api_client(region, "admin")
    params = {"district": "闵行区", "as_of": AS_OF}
    before = client.get("/api/v1/coverage", params=params).json()["districts"][0]
    assert before["enterprises_covered"] == 1  # ent:a, in the covered park; the 25 others are not
    answer = client.post("/api/v1/records", json={"station": "闵行工作站", "target": "澜启分公司07", "date": AS_OF,
                                                  "type": "走访"})
    assert answer.status_code == 201 and answer.json()["target"] == "ent:x07" and answer.json()["type"] == "visit"
    after = client.get("/api/v1/coverage", params=params).json()["districts"][0]
    assert after["enterprises_covered"] == 2 and "ent:x07" not in {e["id"] for e in after["uncovered_enterprises"]}
    again = client.post("/api/v1/records", json={"station": "station:mh", "target": "ent:x07", "date": "2026/11/20",
                                                 "type": "visit"})
    assert again.status_code == 200 and again.json()["id"] == answer.json()["id"]  # the same record: written once
    stored = region.records_by_id([answer.json()["id"]])
    assert stored[answer.json()["id"]].provenance.load_id == "api-records"


def test_exports_stream_the_store(region):
    client = api_client(region, "analyst")
    nt = client.get("/api/v1/export", params={"format": "nt"})
    assert nt.headers["content-type"].startswith("application/n-triples")
    assert "attachment" in nt.headers["content-disposition"]
    got = rdflib.Graph().parse(data=nt.text, format="nt")
    assert set(got) == set(to_rdf(region.nodes(), region.edges()))
    ttl = client.get("/api/v1/export", params={"format": "ttl"})
    assert set(rdflib.Graph().parse(data=ttl.text, format="turtle")) == set(got)
    zipped = client.get("/api/v1/export", params={"format": "csv"})
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as z:
        assert any(n.endswith("enterprises.csv") for n in z.namelist())


@pytest.mark.parametrize(("url", "args"), [
    ("/api/v1/match/enterprise:syn000002", ["match", "enterprise:syn000002"]),
    ("/api/v1/broker?org=enterprise:syn000001", ["broker", "enterprise:syn000001"]),
    ("/api/v1/patents?field=抗体", ["patents", "--field", "抗体"]),
    ("/api/v1/partners/闵行中心", ["partners", "闵行中心"]),
    ("/api/v1/chain-gaps?district=闵行&field=抗体", ["chain-gaps", "--district", "闵行", "--field", "抗体"]),
    ("/api/v1/coverage?district=闵行", ["coverage", "--district", "闵行"]),
])
def test_the_queries_answer_what_the_cli_prints(demo_store, url, args):
    """The same JSON over HTTP as from ``biokg … --json`` (the demo region, as of one day)."""
    client = api_client(demo_store, "analyst")
    sep = "&" if "?" in url else "?"
    http = client.get(f"{url}{sep}as_of={AS_OF}")
    assert http.status_code == 200, http.text
    got = CliRunner().invoke(cli, [*args, "--as-of", AS_OF, "--json", "--store", demo_store.path])
    assert got.exit_code == 0, got.output
    assert http.json() == json.loads(got.stdout)

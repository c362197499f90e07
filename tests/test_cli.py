"""The ``biokg`` command line: exit codes, one-line errors, stable JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_load import BAD_USCC, GOOD_USCC, REGION
from typer.testing import CliRunner

from api.cli import app
from ontology import ONTOLOGY_KINDS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def region_dir(tmp_path):
    folder = tmp_path / "region"
    folder.mkdir()
    for name, text in REGION.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def run(*args: str, env: dict | None = None):
    result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    return result


def test_load_stats_show_search(region_dir, tmp_path):
    db = str(tmp_path / "cli.sqlite")
    loaded = run("load", str(region_dir), "--store", db, "--json")
    assert loaded.exit_code == 0, loaded.output
    body = json.loads(loaded.stdout)
    assert body["rows"] == 14 and body["result"]["nodes_created"] == 12
    assert body["warnings"][0]["message"].startswith("applicants: '某大学'")

    stats = json.loads(run("stats", "--store", db, "--json").stdout)
    assert set(stats) == {"nodes", "edges"}
    assert stats["nodes"]["Enterprise"] == 2 and stats["edges"]["TRACKS"] == 2

    shown = json.loads(run("show", "ent:a", "--store", db, "--json").stdout)
    assert shown["name"] == "澜启生物（演示）有限公司"
    assert shown["provenance"]["source"].endswith("enterprises.csv") and shown["provenance"]["row"] == 2
    assert {"kind": "LOCATED_IN", "direction": "out", "other": {"id": "park:zizhu", "kind": "Park", "name": "紫竹高新区"},
            "props": {}, "provenance": shown["edges"][3]["provenance"]} == shown["edges"][3]

    found = json.loads(run("search", "澜启", "--store", db, "--json").stdout)
    assert [h["id"] for h in found["hits"]] == ["ent:a"]

    human = run("show", "ent:a", "--store", db)
    assert "澜启生物（演示）有限公司" in human.stdout and "enterprises.csv:2" in human.stdout


def test_bad_input_exits_non_zero_with_one_located_line(region_dir, tmp_path):
    db = str(tmp_path / "cli.sqlite")
    path = region_dir / "enterprises.csv"
    path.write_text(REGION["enterprises"].replace(GOOD_USCC, BAD_USCC), encoding="utf-8")
    result = run("load", str(region_dir), "--store", db)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [f"{path}:2:3: uscc: USCC '{BAD_USCC}' fails the GB 32100-2015 check: last character should be "
                     f"'{GOOD_USCC[-1]}'", "1 error(s) in input; nothing was written"]
    stats = json.loads(run("stats", "--store", db, "--json").stdout)
    assert set(stats["nodes"]) == set(ONTOLOGY_KINDS)  # nothing was written

    as_json = json.loads(run("load", str(region_dir), "--store", db, "--json").stdout)
    assert as_json["error"]["code"] == "load_error"
    assert as_json["error"]["details"][0] == {"file": str(path), "line": 2, "column": 3, "severity": "error",
                                               "message": f"uscc: USCC '{BAD_USCC}' fails the GB 32100-2015 check: "
                                                          f"last character should be '{GOOD_USCC[-1]}'"}

    missing = run("show", "nope", "--store", db)
    assert missing.exit_code == 1 and missing.stderr.strip() == "no node 'nope'"
    assert run("search", "x", "--kind", "Company", "--store", db).exit_code == 1
    assert run("export", str(tmp_path / "x"), "--format", "xml", "--store", db).exit_code == 2


def test_unload_removes_a_load(region_dir, tmp_path):
    db = str(tmp_path / "cli.sqlite")
    load_id = json.loads(run("load", str(region_dir), "--store", db, "--json").stdout)["load_id"]
    assert [r["load_id"] for r in json.loads(run("loads", "--store", db, "--json").stdout)] == ["ontology", load_id]
    assert run("unload", load_id, "--store", db).exit_code == 0
    assert set(json.loads(run("stats", "--store", db, "--json").stdout)["nodes"]) == set(ONTOLOGY_KINDS)


def test_default_store_is_the_demo_region(tmp_path):
    env = {"BIOKG_DATA_DIR": str(tmp_path / "data"), "BIOKG_STORE": ""}
    first = run("stats", "--json", env=env)
    assert "loaded the demo region" in first.stderr
    stats = json.loads(first.stdout)
    assert stats["nodes"]["District"] == 17 and stats["nodes"]["Station"] == 13
    again = run("stats", "--json", env=env)
    assert "loaded the demo region" not in again.stderr and json.loads(again.stdout) == stats
    assert (tmp_path / "data" / "biokg.sqlite").exists()


def test_console_entry_point_runs_in_a_subprocess(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BIOKG_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "api", "search", "闵行", "--kind", "District", "--json"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["hits"][0]["id"] == "district:310112"


def test_export_ttl_of_the_demo_conforms_to_the_shapes(demo_store, tmp_path):
    import pyshacl
    import rdflib

    from ontology.rdf import build_ontology
    from ontology.shacl import build_shapes

    out = tmp_path / "demo.ttl"
    result = run("export", str(out), "--format", "ttl", "--store", demo_store.path)
    assert result.exit_code == 0, result.output
    data = rdflib.Graph().parse(out, format="turtle")
    conforms, _, text = pyshacl.validate(data, shacl_graph=build_shapes(), ont_graph=build_ontology())
    assert conforms, text[:3000]
    hospital = rdflib.URIRef("https://w3id.org/biokg/id/inst%3Azs-hospital")
    assert (hospital, rdflib.RDF.type, rdflib.URIRef("https://w3id.org/biokg/ont#Hospital")) in data


@pytest.mark.parametrize(("fmt", "parse"), [("nt", "nt"), ("jsonld", "json-ld"), ("graphml", None)])
def test_other_exports_read_back(demo_store, tmp_path, fmt, parse):
    out = tmp_path / f"demo.{fmt}"
    assert run("export", str(out), "--format", fmt, "--store", demo_store.path).exit_code == 0
    counts = demo_store.counts()
    if parse:
        import rdflib

        assert len(rdflib.Graph().parse(out, format=parse)) > sum(counts.nodes.values())
    else:
        import networkx as nx

        g = nx.read_graphml(out, force_multigraph=True)
        assert g.number_of_nodes() == sum(counts.nodes.values())
        assert g.number_of_edges() == sum(counts.edges.values())


def test_ontology_prints_owl_and_shapes():
    import rdflib

    result = run("ontology", "--format", "ttl")
    assert result.exit_code == 0
    g = rdflib.Graph().parse(data=result.stdout, format="turtle")
    owl = rdflib.URIRef("http://www.w3.org/2002/07/owl#Ontology")
    shape = rdflib.URIRef("http://www.w3.org/ns/shacl#NodeShape")
    assert any(g.subjects(rdflib.RDF.type, owl)) and any(g.subjects(rdflib.RDF.type, shape))
    described = json.loads(run("ontology", "--format", "json").stdout)
    assert {k["name"] for k in described["node_kinds"]} >= {"Enterprise", "Station", "ServicePoint"}


# --- Neo4j through the command line ---------------------------------------------------------------


def _neo4j_env(server) -> dict[str, str]:
    return {"BIOKG_NEO4J_USER": server.user, "BIOKG_NEO4J_PASSWORD": server.password}


def test_load_into_neo4j_and_copy_both_ways(region_dir, tmp_path, neo4j_server):
    neo4j_server.fresh_store().close()
    env = _neo4j_env(neo4j_server)
    uri = neo4j_server.uri
    assert run("init", "--store", uri, env=env).stdout.strip() == f"{uri}: ready"
    loaded = run("load", str(region_dir), "--store", uri, "--json", env=env)
    assert loaded.exit_code == 0, loaded.output
    assert json.loads(loaded.stdout)["result"]["nodes_created"] == 12
    # BIOKG_NEO4J_URI selects Neo4j when no --store is given
    stats = json.loads(run("stats", "--json", env={**env, "BIOKG_NEO4J_URI": uri}).stdout)
    assert stats["nodes"]["Enterprise"] == 2

    back = str(tmp_path / "copy.sqlite")
    copied = run("copy", "--from", uri, "--to", back, "--json", env=env)
    assert copied.exit_code == 0, copied.output
    assert json.loads(copied.stdout)["nodes_created"] == 12
    assert json.loads(run("stats", "--store", back, "--json").stdout) == stats
    shown = json.loads(run("show", "ent:a", "--store", back, "--json").stdout)
    assert shown["provenance"]["source"] == str(region_dir / "enterprises.csv")  # provenance came along
    assert shown["provenance"]["row"] == 2

    again = json.loads(run("copy", "--from", back, "--to", uri, "--json", env=env).stdout)
    assert again["nodes_created"] == again["nodes_updated"] == again["edges_created"] == 0
    assert again["nodes_unchanged"] == sum(stats["nodes"].values())


def test_copy_into_the_same_store_is_refused(tmp_path):
    db = str(tmp_path / "a.sqlite")
    result = run("copy", "--from", db, "--to", db)
    assert result.exit_code == 2 and "same store" in result.stderr


def test_unreachable_neo4j_is_one_line_and_exit_1():
    result = run("stats", "--store", "bolt://127.0.0.1:9", env={"BIOKG_NEO4J_PASSWORD": "x"})
    assert result.exit_code == 1
    assert "bolt://127.0.0.1:9 is unreachable" in result.stderr and "Traceback" not in result.output

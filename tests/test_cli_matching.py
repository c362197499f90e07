"""The matchmaking commands: JSON with the documented keys and the same answers as the functions,
tables that keep names whole, one-line errors with the right exit codes."""

from __future__ import annotations

import json
from datetime import date

import pytest
from test_brokering import region as broker_region
from test_matching import region as match_region
from typer.testing import CliRunner

from api.cli import app
from graph import EmbeddedStore
from queries.matching import match

AS_OF = "2026/6/30"  # any spelling of the one date language


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "m.sqlite"
    with EmbeddedStore(path) as s:
        s.write(*match_region())
        s.write(*broker_region())
    return str(path)


def run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_match_json_is_the_functions_answer(db):
    out = run("match", "ent:x", "--as-of", AS_OF, "--json", "--store", db)
    assert out.exit_code == 0, out.output
    body = json.loads(out.stdout)
    assert set(body) == {"org", "as_of", "needs", "results"} and body["org"] == {"id": "ent:x", "name": "企业X"}
    assert {"segment", "field", "why"} <= set(body["needs"][0])
    first = body["results"][0]
    assert set(first) == {"id", "name", "segment", "field", "score", "parts", "reasons", "evidence"}
    assert all(set(r) == {"key", "text"} for r in first["reasons"])
    edge = first["evidence"][0]["edges"][0]
    assert set(edge) == {"kind", "src", "dst", "source", "load_id", "date"} and edge["load_id"] == "L-test"
    with EmbeddedStore(db) as s:
        expected = match(s, "ent:x", as_of=date(2026, 6, 30))
    assert [(r["id"], r["segment"], r["score"]) for r in body["results"]] == [
        (m.id, m.segment, m.score) for m in expected.results]


def test_match_table_keeps_names_whole_at_80_columns(db):
    out = CliRunner().invoke(app, ["match", "企业X", "--as-of", AS_OF, "--top", "2", "--store", db],
                             catch_exceptions=False, env={"COLUMNS": "80"})
    assert out.exit_code == 0, out.output
    assert "企业A1" in out.stdout and "ent:a1" in out.stdout and "…" not in out.stdout
    assert max(len(line) for line in out.stdout.splitlines()) <= 80


def test_other_commands_json(db):
    chain = json.loads(run("chain-gaps", "--district", "闵行区", "--field", "抗体", "--as-of", AS_OF, "--json",
                           "--store", db).stdout)
    assert set(chain) == {"district", "field", "chain", "segments", "gaps"} and "segment:drug.api" in chain["gaps"]
    assert set(chain["segments"][0]) == {"segment", "name", "position", "providers", "top", "nearest"}
    broker = json.loads(run("broker", "--field", "抗体", "--as-of", AS_OF, "--json", "--store", db).stdout)
    assert set(broker["results"][0]) == {"id", "name", "type", "score", "parts", "reasons", "evidence", "station"}
    assert all(r["type"] != "" and not r["id"].startswith("ent:") for r in broker["results"])
    patents = json.loads(run("patents", "企业X", "--as-of", AS_OF, "--json", "--store", db).stdout)
    assert set(patents["results"][0]) == {"id", "title", "status", "application_date", "applicants", "score",
                                          "parts", "reasons", "evidence"}
    partners = json.loads(run("partners", "浦东站", "--as-of", AS_OF, "--json", "--store", db).stdout)
    assert set(partners) == {"station", "districts", "enterprises", "demand", "institutions", "stations"}


@pytest.mark.parametrize(("args", "code", "message"), [
    (("match", "无此企业"), 1, "org: no Enterprise or Institution named '无此企业'"),
    (("match", "ent:x", "--segment", "不存在"), 2, "segment: unknown segment '不存在'"),
    (("match", "ent:x", "--weight", "speed=1"), 2, "weight 'speed': unknown"),
    (("match", "ent:x", "--weight", "proximity"), 2, "--weight: 'proximity' is not NAME=NUMBER"),
    (("match", "ent:x", "--as-of", "2026-02-30"), 2, "--as-of"),
    (("broker",), 2, "give an org, a field, or both"),
    (("match", "企业A5"), 2, "states no need and owns no product whose stage implies one; give a segment"),
    (("broker", "ent:a5"), 2, "states no field"),
    (("chain-gaps", "--district", "闵兴区", "--field", "抗体"), 1, "did you mean 闵行区?"),
    (("partners", "station:nowhere"), 1, "station: no Station"),
])
def test_errors_are_one_line(db, args, code, message):
    out = run(*args, "--store", db)
    assert out.exit_code == code, out.output
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    js = run(*args, "--store", db, "--json")
    assert js.exit_code == code and message in json.loads(js.stdout)["error"]["message"]


def test_the_commands_answer_alike_on_neo4j(db, neo4j_server):
    """The same commands on a Neo4j store holding the same region print the same JSON."""
    neo = neo4j_server.fresh_store()
    try:
        neo.write(*match_region())
        neo.write(*broker_region())
    finally:
        neo.close()
    env = {"BIOKG_NEO4J_USER": neo4j_server.user, "BIOKG_NEO4J_PASSWORD": neo4j_server.password}
    for args in (("match", "ent:x"), ("chain-gaps", "--district", "闵行区", "--field", "抗体"),
                 ("broker", "企业X"), ("patents", "--field", "抗体"), ("partners", "浦东站")):
        here = run(*args, "--as-of", AS_OF, "--json", "--store", db)
        there = CliRunner().invoke(app, [*args, "--as-of", AS_OF, "--json", "--store", neo4j_server.uri], env=env,
                                   catch_exceptions=False)
        assert here.exit_code == there.exit_code == 0, there.output
        assert json.loads(here.stdout) == json.loads(there.stdout), args

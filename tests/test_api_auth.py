"""Who may do what over HTTP: every role × every endpoint × own/other station, as a table of the
expected statuses; keys that are expired, revoked or malformed; the keys command; the audit trail."""

from __future__ import annotations

import getpass
import hashlib
import json
import sqlite3
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from helpers import edge, node, small_region
from typer.testing import CliRunner

from api import auth
from api.app import create_app
from api.auth import KeyRing
from api.cli import app as cli
from api.settings import Settings
from graph import EmbeddedStore
from ontology import InvalidInput

CALLERS = ("anon", "viewer", "analyst", "own", "other", "admin")  # own/other: station keys of station:mh / :pd
CSV = "id,name,district\npark:new,新园区,310112\n"


def _record(note: str) -> dict:
    return {"station": "station:mh", "target": "ent:a", "date": "2026-11-20", "type": "visit", "note": note}


# (name, method, url, request kwargs) -> expected status per caller, in the order of CALLERS
MATRIX = [
    ("healthz", "GET", "/healthz", {}, (200, 200, 200, 200, 200, 200)),
    ("readyz", "GET", "/readyz", {}, (200, 200, 200, 200, 200, 200)),
    ("stats", "GET", "/api/v1/stats", {}, (200, 200, 200, 200, 200, 200)),
    ("ontology", "GET", "/api/v1/ontology", {}, (200, 200, 200, 200, 200, 200)),
    ("search", "GET", "/api/v1/search", {"params": {"q": "澜启"}}, (200, 200, 200, 200, 200, 200)),
    ("entity", "GET", "/api/v1/entities/ent:a", {}, (200, 200, 200, 200, 200, 200)),
    ("neighbours", "GET", "/api/v1/entities/ent:a/neighbours", {}, (200, 200, 200, 200, 200, 200)),
    ("subgraph", "GET", "/api/v1/subgraph", {"params": {"ids": "ent:a"}}, (200, 200, 200, 200, 200, 200)),
    ("export", "GET", "/api/v1/export", {"params": {"format": "nt"}}, (401, 403, 200, 403, 403, 200)),
    ("coverage city-wide", "GET", "/api/v1/coverage", {}, (401, 403, 200, 403, 403, 200)),
    ("coverage district", "GET", "/api/v1/coverage", {"params": {"district": "闵行区"}},
     (200, 200, 200, 200, 200, 200)),
    ("match", "GET", "/api/v1/match/ent:a", {}, (200, 200, 200, 200, 200, 200)),
    ("chain-gaps", "GET", "/api/v1/chain-gaps", {"params": {"district": "闵行区", "field": "抗体"}},
     (200, 200, 200, 200, 200, 200)),
    ("broker", "GET", "/api/v1/broker", {"params": {"org": "ent:a"}}, (200, 200, 200, 200, 200, 200)),
    ("patents", "GET", "/api/v1/patents", {"params": {"field": "抗体"}}, (200, 200, 200, 200, 200, 200)),
    ("partners", "GET", "/api/v1/partners/station:mh", {}, (200, 200, 200, 200, 200, 200)),
    ("record for station:mh", "POST", "/api/v1/records", {}, (401, 403, 403, 201, 403, 201)),
    ("load (check)", "POST", "/api/v1/loads", {"params": {"check": "true"}}, (401, 403, 403, 403, 403, 200)),
    ("unload", "DELETE", "/api/v1/loads/no-such-load", {}, (401, 403, 403, 403, 403, 404)),
    ("keys", "GET", "/api/v1/keys", {}, (401, 403, 403, 403, 403, 200)),
    ("create key", "POST", "/api/v1/keys", {"json": {"role": "viewer"}}, (401, 403, 403, 403, 403, 201)),
    ("revoke key", "DELETE", "/api/v1/keys/{spare}", {}, (401, 403, 403, 403, 403, 200)),
    ("audit", "GET", "/api/v1/audit", {}, (401, 403, 403, 403, 403, 200)),
    ("question for station:mh", "POST", "/api/v1/questions", {}, (401, 403, 403, 201, 403, 201)),
    ("questions", "GET", "/api/v1/questions", {}, (401, 403, 403, 200, 200, 200)),
    ("a question of station:mh", "GET", "/api/v1/questions/{question}", {}, (401, 403, 403, 200, 404, 200)),
    ("a step of station:mh's question", "POST", "/api/v1/questions/{question}/escalate",
     {"json": {"to": "inst:agency", "date": "2024-06-03"}}, (401, 403, 403, 200, 404, 200)),
    ("service levels", "GET", "/api/v1/service-levels", {}, (401, 403, 200, 200, 200, 200)),
    ("scorecard", "GET", "/api/v1/scorecard", {"params": {"years": [2024]}}, (401, 403, 200, 200, 200, 200)),
    ("alerts of station:mh", "GET", "/api/v1/alerts", {"params": {"station": "station:mh"}},
     (401, 403, 200, 200, 403, 200)),
    ("alerts", "GET", "/api/v1/alerts", {}, (401, 403, 200, 200, 200, 200)),
    ("dossier", "GET", "/api/v1/dossier/ent:a", {}, (200, 200, 200, 200, 200, 200)),
    ("working days", "GET", "/api/v1/calendar/add-workdays", {"params": {"start": "2026-01-01", "days": 5}},
     (200, 200, 200, 200, 200, 200)),
]
# whether a district's coverage answer carries its scorecard, per caller
SCORECARD = {"anon": False, "viewer": False, "analyst": True, "own": True, "other": False, "admin": True}
# whether the service records of station:mh (its work log) show in neighbours and subgraphs, per caller
RECORDS = {"anon": False, "viewer": False, "analyst": True, "own": True, "other": False, "admin": True}


@pytest.fixture
def region(tmp_path):
    store = EmbeddedStore(tmp_path / "s.sqlite")
    nodes, edges = small_region()
    store.write(nodes + [node("station:pd", "Station", "浦东工作站", type="station", scope="both"),
                         node("inst:agency", "Institution", "闵行区市场监督管理局", type="agency")],
                edges + [edge("SERVES", "station:pd", "district:310115")])
    settings = Settings(data_dir=tmp_path, host="127.0.0.1")
    app = create_app(store, settings)
    ring: KeyRing = app.state.biokg.keys
    keys = {"viewer": ring.create("viewer")[1], "analyst": ring.create("analyst")[1],
            "own": ring.create("station", "station:mh")[1], "other": ring.create("station", "station:pd")[1],
            "admin": ring.create("admin")[1]}
    yield store, app, ring, keys
    store.close()


def _headers(keys: dict, who: str) -> dict:
    return {"Authorization": f"Bearer {keys[who]}"} if who in keys else {}


def _records(store) -> dict[str, str]:
    return {n.edge.props["id"]: n.edge.props.get("note") for n in store.neighbours("station:mh", ["TRACKS"], None, "out")}


def test_the_authorisation_matrix(region):
    store, app, ring, keys = region
    client = TestClient(app)
    before = _records(store)
    # a question of station:mh (the admin's repeat of the own station's escalation changes nothing: 200)
    question = client.post("/api/v1/questions", headers=_headers(keys, "admin"), json={
        "station": "station:mh", "enterprise": "ent:a", "category": "other", "text": "?", "date": "2024-06-01"}
    ).json()["id"]
    got = {}
    for name, method, url, kwargs, _ in MATRIX:
        for who in CALLERS:
            kw = dict(kwargs)
            if name.startswith("record"):
                kw["json"] = _record(who)
            if name.startswith("load"):
                kw["files"] = [("files", ("parks.csv", CSV.encode(), "text/csv"))]
            if name.startswith("question for"):
                kw["json"] = {"station": "station:mh", "enterprise": "ent:a", "category": "other",
                              "text": f"asked by {who}", "date": "2024-06-01"}
            spare = ring.create("viewer")[0].id
            response = client.request(method, url.format(spare=spare, question=question), headers=_headers(keys, who),
                                      **kw)
            got[name, who] = response.status_code
            if response.status_code >= 400:
                assert set(response.json()) == {"error"}, (name, who)
    expected = {(name, who): row[i] for name, _, _, _, row in MATRIX for i, who in enumerate(CALLERS)}
    wrong = {k: (got[k], expected[k]) for k in expected if got[k] != expected[k]}
    assert wrong == {}, "(endpoint, caller): (got, expected)\n" + "\n".join(f"{k}: {v}" for k, v in wrong.items())
    # refused writes wrote nothing: only the own station's and the admin's records are new
    assert {v for k, v in _records(store).items() if k not in before} == {"own", "admin"}
    assert store.get("park:new") is None  # a check writes nothing


def test_a_district_scorecard_is_for_analysts_and_its_own_stations(region):
    _, app, _, keys = region
    client = TestClient(app)
    for who, visible in SCORECARD.items():
        body = client.get("/api/v1/coverage", params={"district": "闵行区", "as_of": "2024-07-15"},
                          headers=_headers(keys, who)).json()
        assert (body["stations"] != [], "scorecard_withheld" not in body) == (visible, visible), who
        assert body["districts"][0]["id"] == "district:310112"


def test_a_stations_records_show_only_to_its_districts_and_analysts(region):
    _, app, _, keys = region
    client = TestClient(app)
    for who, visible in RECORDS.items():
        around = client.get("/api/v1/entities/station:mh/neighbours", params={"edge_kind": "TRACKS"},
                            headers=_headers(keys, who)).json()
        assert ({n["props"]["id"] for n in around["data"]}, around["total"]) == (
            ({"SR1", "SR2"}, 2) if visible else (set(), 0)), who
        product = client.get("/api/v1/entities/prod:2/neighbours", headers=_headers(keys, who)).json()
        assert ("TRACKS" in {n["kind"] for n in product["data"]}) == visible, who
        sub = client.get("/api/v1/subgraph", params={"ids": "station:mh"}, headers=_headers(keys, who)).json()
        assert ("TRACKS" in {e["kind"] for e in sub["edges"]}) == visible, who


def test_a_station_key_names_no_record_id(region):
    store, app, _, keys = region
    client = TestClient(app)
    chosen = client.post("/api/v1/records", json={**_record("x"), "id": "SR1"}, headers=_headers(keys, "own"))
    assert chosen.status_code == 403 and not store.records_by_id(["SR1"])["SR1"].props.get("note")
    mine = client.post("/api/v1/records", json=_record("same"), headers=_headers(keys, "own")).json()["id"]
    theirs = client.post("/api/v1/records", json={**_record("same"), "station": "station:pd", "target": "ent:b"},
                         headers=_headers(keys, "other")).json()["id"]
    assert mine != theirs  # ids derive from the station too: no station can take another's


def test_a_station_key_writes_for_its_own_station_only(region):
    store, app, _, keys = region
    client = TestClient(app)
    refused = client.post("/api/v1/records", json={**_record("x"), "station": "浦东工作站"},
                          headers=_headers(keys, "own"))
    assert refused.status_code == 403 and "station:mh" in refused.json()["error"]["message"]
    assert not store.neighbours("station:pd", ["TRACKS"], None, "out")
    by_name = client.post("/api/v1/records", json={**_record("y"), "station": "闵行工作站"},
                          headers=_headers(keys, "own"))
    assert by_name.status_code == 201 and by_name.json()["station"] == "station:mh"


def test_without_anonymous_read_every_api_route_needs_a_key(tmp_path):
    store = EmbeddedStore(tmp_path / "s.sqlite")
    store.write(*small_region())
    app = create_app(store, Settings(data_dir=tmp_path, host="0.0.0.0"))  # not loopback: off by default
    client = TestClient(app)
    for _, method, url, kwargs, _ in MATRIX:
        status = client.request(method, url.format(spare="x", question="x"), **kwargs).status_code
        assert status == (200 if url in ("/healthz", "/readyz") else 401), url
    answer = client.get("/api/v1/stats")
    assert answer.json()["error"]["code"] == "unauthorized"
    assert Settings(host="127.0.0.1").anonymous and not Settings(host="0.0.0.0").anonymous
    assert Settings(host="0.0.0.0", anonymous_read=True).anonymous
    store.close()


def test_expired_revoked_and_malformed_keys_get_401(region):
    _, app, ring, keys = region
    client = TestClient(app)
    yesterday, today = date.today() - timedelta(days=1), date.today()
    with pytest.raises(InvalidInput, match="has passed"):
        ring.create("viewer", expires=yesterday)
    old, expired = ring.create("viewer", expires=today)
    ring._conn.execute("UPDATE keys SET expires=? WHERE id=?", (yesterday.isoformat(), old.id))  # time passes
    lasting = ring.create("viewer", expires=today)[1]  # works through its last day
    with pytest.raises(auth.Unauthorized, match="expired"):
        ring.authenticate(lasting, today=today + timedelta(days=1))
    revoked_key, revoked = ring.create("admin")
    ring.revoke(revoked_key.id)
    unknown = "bkg_00000000_" + "A" * 43
    wrong_secret = keys["admin"][:-1] + ("B" if keys["admin"][-1] != "B" else "C")
    cases = {f"Bearer {expired}": 401, f"Bearer {revoked}": 401, f"Bearer {unknown}": 401,
             f"Bearer {wrong_secret}": 401, "Bearer": 401, "Bearer not-a-key": 401, f"Basic {keys['admin']}": 401,
             keys["admin"]: 401, f"Bearer {keys['admin']} x": 401, f"Bearer {lasting}": 200}
    for header, status in cases.items():
        answer = client.get("/api/v1/stats", headers={"Authorization": header})
        assert answer.status_code == status, header
        if status == 401:
            assert answer.json()["error"]["code"] == "unauthorized"
    assert "expired" in client.get("/api/v1/stats", headers={"Authorization": f"Bearer {expired}"}).text
    assert "revoked" in client.get("/api/v1/stats", headers={"Authorization": f"Bearer {revoked}"}).text


def test_keys_are_compared_in_constant_time_whatever_is_wrong(region, monkeypatch):
    _, _, ring, keys = region
    calls = []
    real = auth.hmac.compare_digest
    monkeypatch.setattr(auth.hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    for key in (keys["viewer"], "bkg_00000000_" + "A" * 43, "garbage", keys["viewer"][:-1] + "x"):
        try:
            ring.authenticate(key)
        except auth.Unauthorized:
            pass
    # one digest comparison per attempt, of equal-length digests, known id or not, well-formed or not
    assert len(calls) == 4 and all(len(a) == len(b) == 64 for a, b in calls)


def test_only_a_digest_of_a_key_is_stored(tmp_path):
    ring = KeyRing(tmp_path / "keys.sqlite")
    key, secret = ring.create("admin")
    ring.close()
    stored = b"".join(f.read_bytes() for f in tmp_path.glob("keys.sqlite*"))
    assert secret.encode() not in stored and secret[13:].encode() not in stored  # bkg_<8 hex>_<secret>
    with sqlite3.connect(tmp_path / "keys.sqlite") as db:
        assert db.execute("SELECT digest FROM keys").fetchone()[0] == hashlib.sha256(secret.encode()).hexdigest()
    assert len(secret[13:]) == 43  # 256 bits in base64url
    assert key.prefix == secret[:12]


def test_the_keys_command_creates_lists_and_revokes(tmp_path):
    store = tmp_path / "s.sqlite"
    with EmbeddedStore(store) as s:
        s.write(*small_region())
    env = {"BIOKG_DATA_DIR": str(tmp_path), "BIOKG_STORE": str(store), "BIOKG_NEO4J_URI": ""}
    run = CliRunner().invoke
    made = run(cli, ["keys", "create", "--role", "station", "--station", "闵行工作站", "--expires", "2099/1/2",
                     "--json"], env=env)
    assert made.exit_code == 0, made.output
    data = json.loads(made.stdout)
    assert set(data) == {"id", "key", "role", "station", "expires"}
    assert (data["role"], data["station"], data["expires"]) == ("station", "station:mh", "2099-01-02")
    app = create_app(EmbeddedStore(store), Settings(data_dir=tmp_path))
    client = TestClient(app, headers={"Authorization": f"Bearer {data['key']}"})
    assert client.post("/api/v1/records", json=_record("cli")).status_code == 201
    listed = run(cli, ["keys", "list", "--json"], env=env)
    assert [k["id"] for k in json.loads(listed.stdout)] == [data["id"]] and data["key"] not in listed.stdout
    assert run(cli, ["keys", "revoke", data["id"]], env=env).exit_code == 0
    assert client.get("/api/v1/stats").status_code == 401  # from the next request on
    bad = run(cli, ["keys", "create", "--role", "station"], env=env)
    assert bad.exit_code == 2 and "needs its station" in bad.output
    bad = run(cli, ["keys", "create", "--role", "root"], env=env)
    assert bad.exit_code == 2 and "root" in bad.output


def test_writes_and_refusals_are_in_the_audit_trail(region):
    _, app, _, keys = region
    client = TestClient(app)
    client.post("/api/v1/records", json=_record("a"), headers=_headers(keys, "own"))
    client.post("/api/v1/records", json={**_record("b"), "station": "station:pd"}, headers=_headers(keys, "own"))
    client.post("/api/v1/records", json=_record("c"), headers=_headers(keys, "viewer"))
    trail = client.get("/api/v1/audit", params={"limit": 2}, headers=_headers(keys, "admin")).json()
    rest = client.get("/api/v1/audit", params={"cursor": trail["next"]}, headers=_headers(keys, "admin")).json()
    entries = trail["data"] + rest["data"]
    while rest["next"]:
        rest = client.get("/api/v1/audit", params={"cursor": rest["next"]}, headers=_headers(keys, "admin")).json()
        entries += rest["data"]
    made = [e for e in entries if e["action"] == "keys.create"]  # the region's keys, made by the command line
    assert len(made) == len(keys) and {e["actor"] for e in made} == {f"local:{getpass.getuser()}"}
    entries = entries[len(made):]
    assert [(e["action"], e["status"]) for e in entries] == [("records.create", 201), ("records.create", 403),
                                                              ("records.create", 403)]
    own_id = keys["own"][4:12]
    assert [e["key_id"] for e in entries] == [own_id, own_id, keys["viewer"][4:12]]
    assert entries[0]["before"] is None and entries[0]["after"]["station"] == "station:mh"
    assert trail["count"] == 2

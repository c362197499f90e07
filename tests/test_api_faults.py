"""Bad input and faults over HTTP: bodies beyond their limits, hostile strings, uploads, a Neo4j
server stopped under the API, ``kill -9`` after an acknowledged write, and two workers on one file."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from helpers import api_client, node, small_region

from api.app import create_app
from api.settings import Settings
from graph import EmbeddedStore

ROOT = Path(__file__).resolve().parents[1]
RECORD = {"station": "station:mh", "target": "ent:a", "date": "2026-11-20", "type": "visit"}
HOSTILE = ["<img src=x onerror=alert(1)>", "</script><script>alert(1)</script>", "=cmd|' /C calc'!A0",
           "+SUM(1,2)", "@SUM(1)", "-2+3", "'; MATCH (n) DETACH DELETE n //", '"}) MATCH (n) DETACH DELETE n //',
           "\u202eevil", "名称\u3000全角"]


@pytest.fixture
def client(tmp_path):
    store = EmbeddedStore(tmp_path / "s.sqlite")
    store.write(*small_region())
    with api_client(store, "admin") as c:
        yield c
    store.close()


def _records(client) -> list[dict]:
    around = client.get("/api/v1/entities/station:mh/neighbours", params={"edge_kind": "TRACKS", "limit": 200})
    return [n["props"] for n in around.json()["data"]]


# ------------------------------------------------------------------------------ bad input

def test_bodies_beyond_their_limit_are_413_and_nothing_is_written(client, tmp_path):
    before = _records(client)
    big = {**RECORD, "note": "x" * (1 << 20)}
    answer = client.post("/api/v1/records", json=big)
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "too_large"

    def chunks():  # no Content-Length: the limit is counted as the bytes arrive
        yield b'{"station": "station:mh", "target": "ent:a", "date": "2026-11-20", "type": "visit", "note": "'
        for _ in range(40):
            yield b"y" * 32_768
        yield b'"}'

    answer = client.post("/api/v1/records", content=chunks(), headers={"Content-Type": "application/json"})
    assert answer.status_code == 413
    assert _records(client) == before
    app = create_app(EmbeddedStore(tmp_path / "u.sqlite"), Settings(data_dir=tmp_path, max_body_mb=0.01))
    small = TestClient(app, headers={"Authorization": f"Bearer {app.state.biokg.keys.create('admin')[1]}"})
    csv = "id,name,district\n" + "".join(f"park:p{i},园区{i},310112\n" for i in range(2000))
    answer = small.post("/api/v1/loads", files=[("files", ("parks.csv", csv.encode(), "text/csv"))])
    assert answer.status_code == 413, answer.text
    assert small.get("/api/v1/search", params={"q": "园区1"}).json()["count"] == 0


def test_over_long_and_malformed_fields_are_4xx_naming_the_field(client):
    before = _records(client)
    cases = [({**RECORD, "note": "n" * 2001}, 400, "body.note"), ({**RECORD, "station": ""}, 400, "body.station"),
             ({**RECORD, "date": "2026-02-30"}, 422, "body.date"), ({**RECORD, "type": "party"}, 422, "body.type"),
             ({**RECORD, "target": "no such target"}, 422, "body.target"), ({**RECORD, "extra": 1}, 400, "body.extra"),
             ({**RECORD, "note": "a\x00b"}, 400, "body.note"), ({**RECORD, "target": "ent:a\x1b[2J"}, 400, "body.target"),
             ({**RECORD, "note": "\ud800"}, 400, "body.note")]
    for body, status, field in cases:  # as JSON text with escapes: a lone surrogate is one
        answer = client.post("/api/v1/records", content=json.dumps(body).encode(),
                             headers={"Content-Type": "application/json"})
        assert answer.status_code == status, (body, answer.text)
        assert field in [d["field"] for d in answer.json()["error"]["details"]], answer.json()
    assert client.post("/api/v1/records", content=b"{not json", headers={"Content-Type": "application/json"}
                       ).status_code == 400
    assert _records(client) == before


def test_forged_cursors_and_the_calendar_edge_are_400(client):
    import base64

    for data in ('{"o":1e400,"q":["search","x",null]}', '{"o":true,"q":["search","x",null]}', '{"o":-1}', "[]"):
        cursor = base64.urlsafe_b64encode(data.encode()).decode()
        answer = client.get("/api/v1/search", params={"q": "x", "cursor": cursor})
        assert answer.status_code == 400 and answer.json()["error"]["message"].startswith("cursor: "), data
    answer = client.get("/api/v1/coverage", params={"district": "闵行区", "as_of": "0001-01-01"})
    assert answer.status_code == 400 and "window_days" in answer.json()["error"]["message"]


def test_an_upload_needs_an_admins_key_before_its_body_is_read(tmp_path):
    store = EmbeddedStore(tmp_path / "s.sqlite")
    app = create_app(store, Settings(data_dir=tmp_path, host="0.0.0.0"))
    viewer = app.state.biokg.keys.create("viewer")[1]
    read: list[int] = []

    def body():
        for _ in range(100):
            read.append(1)
            yield b"x" * 65_536

    headers = {"Content-Type": "multipart/form-data; boundary=x"}
    answer = TestClient(app).post("/api/v1/loads", content=body(), headers=headers)
    assert answer.status_code == 401 and len(read) <= 2  # refused at the door, not after 6 MiB
    read.clear()
    answer = TestClient(app).post("/api/v1/loads", content=body(), headers={**headers,
                                                                            "Authorization": f"Bearer {viewer}"})
    assert answer.status_code == 403 and len(read) <= 2
    store.close()


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_strings_are_stored_verbatim_and_answered_as_json(client, text):
    answer = client.post("/api/v1/records", json={**RECORD, "note": text})
    assert answer.status_code == 201, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["note"] == text
    assert text in [r.get("note") for r in _records(client)]
    found = client.get("/api/v1/search", params={"q": text})
    assert found.status_code == 200 and found.headers["content-type"] == "application/json"
    assert client.get("/api/v1/stats").json()["nodes"]["Enterprise"] == 3  # nothing was run


def test_csv_and_xlsx_exports_neutralise_formulas(client):
    for text in HOSTILE[2:6]:
        assert client.post("/api/v1/records", json={**RECORD, "note": text}).status_code == 201
    answer = client.get("/api/v1/export", params={"format": "csv"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(answer.content)) as z:
        name = next(n for n in z.namelist() if n.endswith("service_records.csv"))
        cells = z.read(name).decode("utf-8-sig")
    for text in HOSTILE[2:5]:  # =, +, @: a spreadsheet would evaluate them
        assert f"'{text}" in cells and f",{text}" not in cells
    book = client.get("/api/v1/export", params={"format": "xlsx"})
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(book.content))["service_records"]
    notes = [row[-1] for row in sheet.iter_rows() if isinstance(row[-1].value, str)]
    risky = [c for c in notes if c.value.lstrip("'").startswith(("=", "+", "@"))]
    assert len(risky) == 3 and all(c.data_type == "s" for c in risky)  # text, never a formula
    assert all(c.quotePrefix or c.value.startswith("'") for c in risky), [c.value for c in risky]  # typed text


def _zip(files: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return out.getvalue()


def test_uploads_load_as_the_cli_does_and_bad_ones_are_located(client):
    good = _zip({"region/parks.csv": "id,name,district\npark:up,上传园区,310112\n"})
    answer = client.post("/api/v1/loads", files=[("files", ("region.zip", good, "application/zip"))])
    assert answer.status_code == 201, answer.text
    report = answer.json()
    assert report["result"]["nodes_created"] == 1 and report["tables"][0]["source"] == "region/parks.csv"
    again = client.post("/api/v1/loads", files=[("files", ("region.zip", good, "application/zip"))])
    assert again.json()["result"]["nodes_created"] == 0 and again.json()["result"]["nodes_unchanged"] == 1
    bad = "id,name,district\npark:x,坏园区,999999\npark:y,,310112\n"
    answer = client.post("/api/v1/loads", files=[("files", ("parks.csv", bad.encode(), "text/csv"))])
    assert answer.status_code == 422
    problems = answer.json()["error"]["details"]
    assert {(p["file"], p["line"]) for p in problems} >= {("parks.csv", 2), ("parks.csv", 3)}
    assert client.get("/api/v1/entities/park:x").status_code == 404
    for odd in (_zip({"x": "a", "x/parks.csv": "id,name\n"}), _zip({"d/" + "长" * 100 + ".csv": "id,name\n"})):
        answer = client.post("/api/v1/loads", files=[("files", ("odd.zip", odd, "application/zip"))])
        assert answer.status_code == 400, answer.text
    evil = _zip({"../../etc/parks.csv": "id,name\n"})
    answer = client.post("/api/v1/loads", files=[("files", ("evil.zip", evil, "application/zip"))])
    assert answer.status_code == 400 and "outside" in answer.json()["error"]["message"]
    answer = client.post("/api/v1/loads", files=[("files", ("x.zip", b"not a zip", "application/zip"))])
    assert answer.status_code == 400
    load_id = report["load_id"]
    assert client.delete(f"/api/v1/loads/{load_id}").json()["nodes_deleted"] == 1
    assert client.get("/api/v1/entities/park:up").status_code == 404


# ------------------------------------------------------------------------------ faults

def _neo4j(env: dict, command: str) -> str:
    done = subprocess.run([str(ROOT / "scripts" / "neo4j"), command], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.slow
def test_a_stopped_neo4j_is_503_and_the_api_recovers_without_a_restart(neo4j_server, tmp_path):
    """A server of its own (this test stops it): down, every request is 503 in the one shape and
    /readyz says why; up again, the same app answers."""
    from graph.neo4j_store import Neo4jStore

    env = {**os.environ, "BIOKG_NEO4J_STATE": str(tmp_path / "neo4j"), "BIOKG_NEO4J_HEAP": "512m",
           "BIOKG_NEO4J_PAGECACHE": "64m", "BIOKG_NEO4J_PASSWORD": "fault-test-password"}
    uri = _neo4j(env, "start")
    try:
        store = Neo4jStore(uri, "neo4j", "fault-test-password")
        store.write(*small_region())
        client = api_client(store, "admin")
        assert client.get("/readyz").status_code == 200
        _neo4j(env, "halt")
        for method, url, body in [("GET", "/readyz", None), ("GET", "/api/v1/entities/ent:a", None),
                                  ("POST", "/api/v1/records", RECORD)]:
            answer = client.request(method, url, json=body)
            assert answer.status_code == 503, (url, answer.text)
            error = answer.json()["error"]
            assert error["code"] == "store_unavailable" and uri in error["message"], error
        assert "not ready" in client.get("/readyz").json()["error"]["message"]
        _neo4j(env, "resume")
        deadline = time.monotonic() + 60
        while client.get("/readyz").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert client.get("/readyz").status_code == 200
        assert client.get("/api/v1/entities/ent:a").json()["name"] == "澜启生物（上海）有限公司"
        assert not store.neighbours("station:mh", ["TRACKS"], ["Enterprise"], "out")  # the refused write
        store.close()
    finally:
        _neo4j(env, "stop")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(tmp_path: Path, store: Path, *extra: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "BIOKG_DATA_DIR": str(tmp_path), "BIOKG_STORE": str(store), "BIOKG_NEO4J_URI": ""}
    server = subprocess.Popen([sys.executable, "-m", "api", "serve", "--port", str(port), "--no-access-log", *extra],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=2):
                return server, base
        except OSError:
            assert server.poll() is None, server.stderr.read().decode()
            time.sleep(0.2)
    raise AssertionError("biokg serve did not start")


def _call(base: str, path: str, key: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(base + path, data=json.dumps(body).encode() if body else None,
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _station_key(tmp_path: Path, role: str = "station") -> str:
    from api.auth import KeyRing

    ring = KeyRing(Settings(data_dir=tmp_path).ledger_path)
    key = ring.create(role, "station:mh" if role == "station" else None)[1]
    ring.close()
    return key


@pytest.mark.slow
def test_an_acknowledged_record_survives_kill_9(tmp_path):
    store = tmp_path / "s.sqlite"
    with EmbeddedStore(store) as s:
        s.write(*small_region())
    key = _station_key(tmp_path)
    server, base = _serve(tmp_path, store)
    try:
        acknowledged = []
        for i in range(20):
            status, body = _call(base, "/api/v1/records", key, {**RECORD, "note": f"visit {i}"})
            assert status == 201, body
            acknowledged.append(body["id"])
    finally:
        os.killpg(server.pid, signal.SIGKILL)  # no shutdown, no flush: the process is gone
        server.wait(10)
    with EmbeddedStore(store) as s:
        kept = {n.edge.props["id"] for n in s.neighbours("station:mh", ["TRACKS"], None, "out")}
    assert set(acknowledged) <= kept


@pytest.mark.slow
def test_two_workers_see_each_others_writes_at_once(tmp_path):
    """``serve --workers 2``: a write answered by either worker is visible to every following read,
    whichever worker answers it (many reads, so both answer some)."""
    store = tmp_path / "s.sqlite"
    with EmbeddedStore(store) as s:
        nodes, edges = small_region()
        s.write(nodes + [node(f"ent:n{i}", "Enterprise", f"企业{i}") for i in range(30)], edges)
    key, admin = _station_key(tmp_path), _station_key(tmp_path, "admin")
    server, base = _serve(tmp_path, store, "--workers", "2")
    try:
        with ThreadPoolExecutor(8) as pool:  # reads in parallel, so that both workers answer some
            for i in range(30):
                status, body = _call(base, "/api/v1/records", key, {**RECORD, "target": f"ent:n{i}", "note": str(i)})
                assert status == 201, body
                url = f"/api/v1/entities/ent:n{i}/neighbours?edge_kind=TRACKS"
                for status, around in pool.map(lambda _, u=url: _call(base, u, key), range(8)):
                    assert status == 200 and [n["props"]["id"] for n in around["data"]] == [body["id"]], around
            workers: dict = {}
            for _ in range(20):  # each worker says how it kept up with the other's writes
                for _, ready in pool.map(lambda _: _call(base, "/readyz", admin), range(8)):
                    workers[ready["process"]] = ready["sync"]
                if len(workers) == 2:
                    break
        assert len(workers) == 2, workers  # both answered
        assert all(s["rebuilds"] == 0 for s in workers.values()), workers  # neither rebuilt its graph
        assert all(s["catch_ups"] > 0 for s in workers.values()), workers  # they caught up instead
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)


@pytest.mark.slow
def test_concurrent_writes_through_two_workers_are_all_kept(tmp_path):
    """Records written at once through both workers: every acknowledged one is in the file, and every
    worker counts what the file holds (a version read after COMMIT once let a worker miss the other's
    commit and give its rowids to new records, overwriting acknowledged ones)."""
    store = tmp_path / "s.sqlite"
    with EmbeddedStore(store) as s:
        nodes, edges = small_region()
        s.write(nodes + [node(f"ent:n{i}", "Enterprise", f"企业{i}") for i in range(40)], edges)
    key, admin = _station_key(tmp_path), _station_key(tmp_path, "admin")
    server, base = _serve(tmp_path, store, "--workers", "2")
    try:
        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(lambda i: _call(base, "/api/v1/records", key, {
                **RECORD, "target": f"ent:n{i % 40}", "note": f"visit {i}"}), range(600)))
            assert {status for status, _ in answers} == {201}
            counts = {r["edges"]["TRACKS"] for _, r in pool.map(lambda _: _call(base, "/api/v1/stats", admin),
                                                                range(32))}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)
    acknowledged = {body["id"] for _, body in answers}
    with EmbeddedStore(store) as s:
        assert set(s.records_by_id(acknowledged)) == acknowledged
        assert counts == {s.counts().edges["TRACKS"]} == {602}

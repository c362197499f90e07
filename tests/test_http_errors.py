"""One error shape over HTTP: every route, given a bad parameter, an unknown path or a wrong method,
answers ``{"error": {"code", "message", "details"}}`` with the status that fits — FastAPI's own
validation errors and Starlette's 404/405 included."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from helpers import api_client, small_region

from api.app import create_app
from graph import EmbeddedStore

# every route, with requests that must fail: (method, url, params, status, code); a route added
# without an entry here fails test_every_route_is_walked
BAD = {
    "/": [("POST", "/", {}, 405, "method_not_allowed")],
    "/docs": [("POST", "/docs", {}, 405, "method_not_allowed")],
    "/static/{name}": [("GET", "/static/nope.js", {}, 404, "not_found"),
                       ("GET", "/static/..%2Fapp.py", {}, 404, "not_found")],
    "/static/swagger/{name}": [("GET", "/static/swagger/index.html", {}, 404, "not_found")],
    "/healthz": [("POST", "/healthz", {}, 405, "method_not_allowed")],
    "/readyz": [("DELETE", "/readyz", {}, 405, "method_not_allowed")],
    "/api/v1/ontology": [("DELETE", "/api/v1/ontology", {}, 405, "method_not_allowed")],
    "/api/v1/stats": [("POST", "/api/v1/stats", {}, 405, "method_not_allowed")],
    "/api/v1/search": [("GET", "/api/v1/search", {}, 400, "invalid_input"),
                       ("GET", "/api/v1/search", {"q": "x", "limit": 0}, 400, "invalid_input"),
                       ("GET", "/api/v1/search", {"q": "x", "limit": 201}, 400, "invalid_input"),
                       ("GET", "/api/v1/search", {"q": "x", "limit": "many"}, 400, "invalid_input"),
                       ("GET", "/api/v1/search", {"q": "x", "kind": "Company"}, 400, "invalid_input"),
                       ("GET", "/api/v1/search", {"q": "x", "cursor": "garbage!"}, 400, "invalid_input")],
    "/api/v1/entities/{node_id}": [("GET", "/api/v1/entities/nope", {}, 404, "not_found")],
    "/api/v1/entities/{node_id}/neighbours": [
        ("GET", "/api/v1/entities/nope/neighbours", {}, 404, "not_found"),
        ("GET", "/api/v1/entities/ent:a/neighbours", {"direction": "up"}, 400, "invalid_input"),
        ("GET", "/api/v1/entities/ent:a/neighbours", {"edge_kind": "KNOWS"}, 400, "invalid_input")],
    "/api/v1/subgraph": [("GET", "/api/v1/subgraph", {}, 400, "invalid_input"),
                         ("GET", "/api/v1/subgraph", {"ids": "nope"}, 404, "not_found"),
                         ("GET", "/api/v1/subgraph", {"ids": "ent:a", "depth": 9}, 400, "invalid_input")],
    "/api/v1/export": [("GET", "/api/v1/export", {"format": "pdf"}, 400, "invalid_input")],
    "/api/v1/coverage": [("GET", "/api/v1/coverage", {"radius_km": -1}, 400, "invalid_input"),
                         ("GET", "/api/v1/coverage", {"window_days": "x"}, 400, "invalid_input"),
                         ("GET", "/api/v1/coverage", {"suggest": -1}, 400, "invalid_input"),
                         ("GET", "/api/v1/coverage", {"as_of": "2024-02-30"}, 400, "invalid_input"),
                         ("GET", "/api/v1/coverage", {"district": "朝阳区"}, 404, "not_found")],
    "/api/v1/match/{org}": [("GET", "/api/v1/match/nope", {}, 404, "not_found"),
                            ("GET", "/api/v1/match/ent:a", {"top": 0}, 400, "invalid_input"),
                            ("GET", "/api/v1/match/ent:a", {"weight": "fit"}, 400, "invalid_input")],
    "/api/v1/chain-gaps": [("GET", "/api/v1/chain-gaps", {"district": "闵行", "field": ""}, 400, "invalid_input")],
    "/api/v1/broker": [("GET", "/api/v1/broker", {"as_of": "tomorrow"}, 400, "invalid_input")],
    "/api/v1/patents": [("GET", "/api/v1/patents", {"top": 101}, 400, "invalid_input")],
    "/api/v1/partners/{station}": [("GET", "/api/v1/partners/nope", {}, 404, "not_found")],
    "/api/v1/records": [("GET", "/api/v1/records", {}, 405, "method_not_allowed")],
    "/api/v1/loads": [("GET", "/api/v1/loads", {}, 405, "method_not_allowed")],
    "/api/v1/loads/{load_id}": [("GET", "/api/v1/loads/x", {}, 405, "method_not_allowed")],
    "/api/v1/keys": [("PUT", "/api/v1/keys", {}, 405, "method_not_allowed")],
    "/api/v1/keys/{key_id}": [("GET", "/api/v1/keys/x", {}, 405, "method_not_allowed")],
    "/api/v1/audit": [("POST", "/api/v1/audit", {}, 405, "method_not_allowed"),
                      ("GET", "/api/v1/audit", {"since": "yesterday"}, 400, "invalid_input")],
    "/api/v1/questions": [("GET", "/api/v1/questions", {"state": "pending"}, 400, "invalid_input"),
                          ("GET", "/api/v1/questions", {"as_of": "2026-13-01"}, 400, "invalid_input"),
                          ("DELETE", "/api/v1/questions", {}, 405, "method_not_allowed")],
    "/api/v1/questions/{question}": [("GET", "/api/v1/questions/question:nope", {}, 404, "not_found")],
    **{f"/api/v1/questions/{{question}}/{a}": [("GET", f"/api/v1/questions/q/{a}", {}, 405, "method_not_allowed")]
       for a in ("answer", "escalate", "close", "reopen")},
    "/api/v1/scorecard": [("GET", "/api/v1/scorecard", {}, 400, "invalid_input"),
                          ("GET", "/api/v1/scorecard", {"years": [2024, 2024]}, 400, "invalid_input"),
                          ("GET", "/api/v1/scorecard", {"years": "1066"}, 400, "invalid_input")],
    "/api/v1/alerts": [("GET", "/api/v1/alerts", {"station": "nowhere"}, 404, "not_found"),
                       ("GET", "/api/v1/alerts", {"as_of": "2026-02-30"}, 400, "invalid_input")],
    "/api/v1/dossier/{enterprise}": [("GET", "/api/v1/dossier/nope", {}, 404, "not_found"),
                                     ("GET", "/api/v1/dossier/ent:a", {"as_of": "soon"}, 400, "invalid_input")],
    "/api/v1/service-levels": [("GET", "/api/v1/service-levels", {"since": "2026-02-30"}, 400, "invalid_input")],
    "/api/v1/views/coverage": [("GET", "/api/v1/views/coverage", {}, 400, "invalid_input"),
                               ("GET", "/api/v1/views/coverage", {"district": "朝阳区"}, 404, "not_found"),
                               ("GET", "/api/v1/views/coverage", {"district": "闵行", "suggest": 101}, 400,
                                "invalid_input")],
    "/api/v1/views/match/{org}": [("GET", "/api/v1/views/match/nope", {}, 404, "not_found"),
                                  ("GET", "/api/v1/views/match/ent:a", {"top": 0}, 400, "invalid_input")],
    "/api/v1/views/broker": [("GET", "/api/v1/views/broker", {"as_of": "tomorrow"}, 400, "invalid_input")],
    "/api/v1/views/patents": [("GET", "/api/v1/views/patents", {"top": 101}, 400, "invalid_input")],
    "/api/v1/views/dossier/{enterprise}": [("GET", "/api/v1/views/dossier/nope", {}, 404, "not_found"),
                                           ("POST", "/api/v1/views/dossier/ent:a", {}, 405, "method_not_allowed")],
    "/coverage": [("POST", "/coverage", {}, 405, "method_not_allowed")],
    "/coverage/{district}": [("GET", "/coverage/" + "x" * 201, {}, 400, "invalid_input")],
    "/match/{org}": [("GET", "/match/ent:a", {"field": "x" * 201}, 400, "invalid_input")],
    "/broker": [("GET", "/broker", {"org": "x" * 201}, 400, "invalid_input")],
    "/patents": [("DELETE", "/patents", {}, 405, "method_not_allowed")],
    "/dossier/{enterprise}": [("POST", "/dossier/ent:a", {}, 405, "method_not_allowed")],
    "/station/{station}": [("GET", "/station/" + "x" * 201, {}, 400, "invalid_input")],
    "/api/v1/calendar/add-workdays": [
        ("GET", "/api/v1/calendar/add-workdays", {}, 400, "invalid_input"),
        ("GET", "/api/v1/calendar/add-workdays", {"start": "2026-01-01", "days": -1}, 400, "invalid_input")],
    "/openapi.json": [("POST", "/openapi.json", {}, 405, "method_not_allowed")],
}
UNKNOWN = ["/nope", "/api/nope", "/api/v9/coverage", "/api/coverage", "/static"]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store = EmbeddedStore(tmp_path_factory.mktemp("http") / "s.sqlite")
    store.write(*small_region())
    yield api_client(store, "admin", raise_server_exceptions=False)
    store.close()


def _shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body
    assert body["error"]["code"] == code and body["error"]["message"]
    assert isinstance(body["error"]["details"], list)
    return body["error"]


def test_every_route_is_walked(client):
    # routes of included routers show in the schema; the pages (not in it) at the top level
    def walked(routes):
        for r in routes:
            if hasattr(r, "original_router"):  # an included router (its prefix is in its routes' paths)
                yield from walked(r.original_router.routes)
            elif hasattr(r, "methods"):
                yield r.path.replace(":path}", "}")  # as the schema names it

    paths = set(walked(client.app.routes)) | set(client.app.openapi()["paths"])
    assert paths == set(BAD), "give every route bad requests in BAD"


@pytest.mark.parametrize(("method", "url", "params", "status", "code"),
                         [case for cases in BAD.values() for case in cases])
def test_bad_requests_get_the_one_error_shape(client, method, url, params, status, code):
    error = _shape(client.request(method, url, params=params), status, code)
    if code == "invalid_input" and params:
        name = list(params)[-1]  # the bad one
        assert error["message"].startswith(f"{name}: ")
        assert error["details"] == [] or error["details"][0]["field"].startswith(f"query.{name}")


@pytest.mark.parametrize("url", UNKNOWN)
def test_unknown_paths_are_404_in_the_one_shape(client, url):
    error = _shape(client.get(url), 404, "not_found")
    assert error["message"] == f"no route GET {url}"


def test_a_validation_error_names_each_bad_parameter(client):
    error = _shape(client.get("/api/v1/coverage", params={"radius_km": -1, "window_days": -2}), 400, "invalid_input")
    assert {d["field"] for d in error["details"]} == {"query.radius_km", "query.window_days"}
    assert {d["value"] for d in error["details"]} == {"-1", "-2"}
    assert error["message"].endswith("and 1 more")


def test_an_unexpected_failure_is_a_500_in_the_one_shape(tmp_path):
    store = EmbeddedStore(tmp_path / "s.sqlite")
    app = create_app(store)

    @app.get("/boom")
    def boom() -> dict:
        raise RuntimeError("secret detail")

    answer = TestClient(app, raise_server_exceptions=False).get("/boom")
    error = _shape(answer, 500, "internal_error")
    assert "secret" not in error["message"]
    assert answer.headers["content-security-policy"].startswith("default-src 'self'")  # errors too
    store.close()


def test_head_is_get_without_the_body(client):
    for url in ("/api/v1/stats", "/api/v1/ontology", "/"):
        got, head = client.get(url), client.head(url)
        assert head.status_code == got.status_code == 200 and head.content == b"", url
        assert head.headers["content-type"] == got.headers["content-type"]
    assert client.head("/api/v1/entities/nope").status_code == 404


def test_the_schema_documents_the_error_shape_not_fastapis(client):
    schema = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    coverage = schema["paths"]["/api/v1/coverage"]["get"]["responses"]
    assert "422" not in coverage and coverage["400"]["content"]["application/json"]["schema"]["$ref"].endswith("ErrorOut")
    assert set(schema["components"]["schemas"]["ErrorBody"]["properties"]) == {"code", "message", "details"}

"""One error shape over HTTP: every route, given a bad parameter, an unknown path or a wrong method,
answers ``{"error": {"code", "message", "details"}}`` with the status that fits — FastAPI's own
validation errors and Starlette's 404/405 included."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from helpers import small_region

from api.app import create_app
from graph import EmbeddedStore

# every route, with requests that must fail: (method, url, params, status, code); a route added
# without an entry here fails test_every_route_is_walked
BAD = {
    "/": [("POST", "/", {}, 405, "method_not_allowed")],
    "/static/{name}": [("GET", "/static/nope.js", {}, 404, "not_found"),
                       ("GET", "/static/..%2Fapp.py", {}, 404, "not_found")],
    "/api/ontology": [("DELETE", "/api/ontology", {}, 405, "method_not_allowed")],
    "/api/stats": [("POST", "/api/stats", {}, 405, "method_not_allowed")],
    "/api/search": [("GET", "/api/search", {}, 400, "invalid_input"),
                    ("GET", "/api/search", {"q": "x", "limit": 0}, 400, "invalid_input"),
                    ("GET", "/api/search", {"q": "x", "limit": "many"}, 400, "invalid_input"),
                    ("GET", "/api/search", {"q": "x", "kind": "Company"}, 400, "invalid_input")],
    "/api/nodes/{node_id:path}": [("GET", "/api/nodes/nope", {}, 404, "not_found"),
                             ("GET", "/api/nodes/ent:a", {"limit": -1}, 400, "invalid_input")],
    "/api/coverage": [("GET", "/api/coverage", {"radius_km": -1}, 400, "invalid_input"),
                      ("GET", "/api/coverage", {"window_days": "x"}, 400, "invalid_input"),
                      ("GET", "/api/coverage", {"suggest": -1}, 400, "invalid_input"),
                      ("GET", "/api/coverage", {"as_of": "2024-02-30"}, 400, "invalid_input"),
                      ("GET", "/api/coverage", {"district": "朝阳区"}, 404, "not_found")],
    "/openapi.json": [("POST", "/openapi.json", {}, 405, "method_not_allowed")],
}
UNKNOWN = ["/nope", "/api/nope", "/api/v9/coverage", "/static"]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store = EmbeddedStore(tmp_path_factory.mktemp("http") / "s.sqlite")
    store.write(*small_region())
    yield TestClient(create_app(store), raise_server_exceptions=False)
    store.close()


def _shape(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body
    assert body["error"]["code"] == code and body["error"]["message"]
    assert isinstance(body["error"]["details"], list)
    return body["error"]


def test_every_route_is_walked(client):
    paths = {r.path for r in client.app.routes if hasattr(r, "methods")}
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
    error = _shape(client.get("/api/coverage", params={"radius_km": -1, "window_days": -2}), 400, "invalid_input")
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
    for url in ("/api/stats", "/api/ontology", "/"):
        got, head = client.get(url), client.head(url)
        assert head.status_code == got.status_code == 200 and head.content == b"", url
        assert head.headers["content-type"] == got.headers["content-type"]
    assert client.head("/api/nodes/nope").status_code == 404


def test_the_schema_documents_the_error_shape_not_fastapis(client):
    schema = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    coverage = schema["paths"]["/api/coverage"]["get"]["responses"]
    assert "422" not in coverage and coverage["400"]["content"]["application/json"]["schema"]["$ref"].endswith("ErrorOut")
    assert set(schema["components"]["schemas"]["ErrorBody"]["properties"]) == {"code", "message", "details"}

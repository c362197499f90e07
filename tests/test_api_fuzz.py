"""Schemathesis against the app's own OpenAPI schema, in process: whatever it sends, no 5xx, and every
answer (status, content type, body) is one the schema documents — without a key, with a station's
and with an admin's."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
import schemathesis
from helpers import node, small_region
from hypothesis import HealthCheck, settings
from schemathesis import checks

from api.app import create_app
from api.settings import Settings
from graph import EmbeddedStore

XSS = "<img src=x onerror=alert(1)>"


def _app(folder):
    store = EmbeddedStore(folder / "s.sqlite")
    nodes, edges = small_region()
    hostile = node("ent:xss", "Enterprise", XSS, aliases=["=cmd|' /C calc'!A0", "'; MATCH (n) DETACH DELETE n //"])
    store.write(nodes + [hostile], edges)
    app = create_app(store, Settings(data_dir=folder, host="127.0.0.1"))
    keys = {"admin": app.state.biokg.keys.create("admin")[1],
            "station": app.state.biokg.keys.create("station", "station:mh")[1]}
    return app, keys


# schemathesis reads the schema when the module is collected: the app is built then, over a
# throwaway folder (a region with names made to break HTML, CSV and Cypher)
APP, KEYS = _app(Path(tempfile.mkdtemp(prefix="biokg-fuzz-")))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


# What the issue asks of every answer.  Schemathesis' other checks judge the API's semantics by the
# schema alone (a well-typed but unknown district is "valid data", yet a 404 here), so they stay off.
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance, checks.response_headers_conformance]


@schema.parametrize()
@settings(max_examples=int(os.environ.get("BIOKG_FUZZ_EXAMPLES", "25")), deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.parametrize("who", ["anonymous", "station", "admin"])
def test_every_operation_answers_as_documented(case, who):
    headers = {"Authorization": f"Bearer {KEYS[who]}"} if who in KEYS else {}
    case.call_and_validate(headers=headers, checks=CHECKS)

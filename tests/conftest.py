"""Shared fixtures. ``store`` is parametrised over every backend, so shared tests run on each."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from graph import EmbeddedStore

BACKENDS = ["embedded", "neo4j"]
# the real datasets live beside the checkout (../shared/data); BIOKG_SHARED_DATA points elsewhere
DATA = Path(os.environ.get("BIOKG_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")


@pytest.fixture(autouse=True, scope="session")
def _own_data_dir(tmp_path_factory):
    """Apps built with default settings keep their keys under a test folder, never the user's."""
    if "BIOKG_DATA_DIR" not in os.environ:
        os.environ["BIOKG_DATA_DIR"] = str(tmp_path_factory.mktemp("biokg-data"))
    yield


@dataclass(frozen=True)
class Neo4jServer:
    """The test server: scripts/test starts one (scripts/neo4j) or takes BIOKG_TEST_NEO4J_URI."""

    uri: str
    user: str
    password: str

    def fresh_store(self):
        """A store on an emptied database (Community edition has one user database, so tests share it)."""
        from neo4j import GraphDatabase

        from graph.neo4j_store import Neo4jStore

        with GraphDatabase.driver(self.uri, auth=(self.user, self.password)) as driver, \
                driver.session(database="neo4j") as session:
            session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
        return Neo4jStore(self.uri, self.user, self.password)


@pytest.fixture(scope="session")
def neo4j_server() -> Neo4jServer:
    uri = os.environ.get("BIOKG_TEST_NEO4J_URI")
    if not uri:
        message = "no Neo4j test server (scripts/test starts one; or set BIOKG_TEST_NEO4J_URI)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return Neo4jServer(uri, os.environ.get("BIOKG_TEST_NEO4J_USER", "neo4j"),
                       os.environ.get("BIOKG_TEST_NEO4J_PASSWORD", ""))


def open_backend(backend: str, tmp_path: Path, request: pytest.FixtureRequest):
    if backend == "embedded":
        return EmbeddedStore(tmp_path / "store.sqlite")
    if backend == "neo4j":
        return request.getfixturevalue("neo4j_server").fresh_store()
    raise ValueError(backend)


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    s = open_backend(request.param, tmp_path, request)
    yield s
    s.close()


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory):
    """An embedded store with the bundled demo region (shared, read-only by convention)."""
    from loaders.demo_region import ensure_demo

    s = EmbeddedStore(tmp_path_factory.mktemp("demo") / "demo.sqlite")
    ensure_demo(s)
    yield s
    s.close()


@pytest.fixture
def hand_file(tmp_path) -> str:
    """An embedded store file with the hand-built coverage region of test_coverage."""
    from test_coverage import region

    path = tmp_path / "hand.sqlite"
    with EmbeddedStore(path) as s:
        s.write(*region())
    return str(path)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real datasets beside the checkout (../shared/data); CI has them."""
    if not DATA.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{DATA} is missing")
        pytest.skip(f"{DATA} is missing")
    return DATA


def chromium_path() -> str | None:
    return shutil.which("chromium") or (os.path.exists("/usr/bin/chromium") and "/usr/bin/chromium") or None


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium through Playwright (one per test module); missing, a skip, or under
    ``CI=true`` a failure (scripts/browser-deps installs it)."""
    from browser import CHROMIUM_ARGS

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

"""Driving pages in a real headless Chromium: a server on loopback, a page that records every request,
dialog, page error and console error, and the checks every page must pass."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import uvicorn

XSS_NAMES = ("<img src=x onerror=alert(1)>", "</script><script>alert(1)</script>")
SHOTS = Path(__file__).resolve().parent / "out" / "screenshots"
# the pages' screenshots the docs show: BIOKG_SCREENSHOTS=docs/screenshots refreshes them
DOCS_SHOTS = ("explorer", "coverage", "coverage-district", "match", "broker", "patents", "dossier", "station")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--enable-unsafe-swiftshader"]


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # running in a thread
        pass


@contextmanager
def serving(app):
    """``app`` served on a free loopback port, in a thread; yields its base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@dataclass
class Watched:
    """A page and what it did: every request URL, dialog, page error and console error."""

    page: object
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # the URL of every response with a status ≥ 400

    def assert_clean(self) -> None:
        assert self.dialogs == [], f"a dialog opened: {self.dialogs}"
        assert self.problems == [], self.problems
        hosts = {urlparse(u).hostname for u in self.requests if not u.startswith(("blob:", "data:"))}
        assert hosts <= {"127.0.0.1"}, f"the page reached beyond the server: {sorted(set(self.requests))}"


def watched(context_or_browser, statuses_ok: tuple[int, ...] = ()) -> Watched:
    """A new page that records what it does (an HTTP status ≥ 400 is a problem unless in ``statuses_ok``)."""
    page = context_or_browser.new_page()
    w = Watched(page)
    page.on("request", lambda r: w.requests.append(r.url))
    page.on("dialog", lambda d: (w.dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: w.problems.append(f"pageerror: {e}"))
    expected = tuple(f"status of {s} " for s in statuses_ok)  # Chromium logs each failed fetch as an error
    page.on("console", lambda m: w.problems.append(f"console: {m.text}")
            if m.type == "error" and not (expected and any(e in m.text for e in expected)) else None)
    page.on("response", lambda r: w.failed.append(r.url) if r.status >= 400 else None)
    page.on("response", lambda r: w.problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.status not in statuses_ok else None)
    return w


def shot(page, name: str) -> Path:
    """A screenshot of the window under tests/out/screenshots (and, for the docs' pages, under
    $BIOKG_SCREENSHOTS when it is set)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    docs = os.environ.get("BIOKG_SCREENSHOTS")
    if docs and name in DOCS_SHOTS:
        Path(docs).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, Path(docs) / path.name)
    return path


def graph_count(page, what: str = "nodes") -> int:
    """How many nodes (edges) the page's vis DataSet holds."""
    return page.evaluate(f"() => window.biokgGraph ? window.biokgGraph.{what}.length : -1")


def wait_graph(page, timeout: float = 20_000) -> None:
    page.wait_for_selector(".graph[data-ready='1']", timeout=timeout)

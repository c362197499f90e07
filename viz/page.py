"""biokg's own page template (pyvis's fetches from CDNs and does not escape): every page is a shell
that names its page script, and the page draws itself from the API, or, in a standalone file
(``biokg view … --out FILE.html``), from the data written into it.

Text goes into the page escaped (Jinja2 with autoescape); JSON goes into ``<script
type="application/json">`` blocks with ``<``, ``>`` and ``&`` written as escapes, so no data can
close the block.  A standalone file inlines its scripts and styles and allows exactly those by
their SHA-256 in its Content-Security-Policy; served pages load them from biokg itself.

>>> script_json({"name": "</script><script>alert(1)</script>"})
'{"name":"\\\\u003c/script\\\\u003e\\\\u003cscript\\\\u003ealert(1)\\\\u003c/script\\\\u003e"}'
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from viz.network import PHYSICS_MAX
from viz.styles import legend

STATIC = resources.files("viz") / "static"
PAGES = ("explorer", "coverage", "match", "broker", "patents", "dossier", "station")
LINKS = (("/", "图谱浏览"), ("/coverage", "覆盖"), ("/broker", "产学研用"), ("/patents", "专利"))
_SCRIPT_OF = {"match": "evidence", "broker": "evidence", "patents": "evidence"}
VIS_JS = "vis-network.min.js"
VIS_CSS = "vis-network.min.css"


@cache
def props() -> dict[str, Any]:
    """The labels of every kind's properties and of the enumerations' codes, for the details a page shows
    (from the ontology's description, as ``/api/v1/ontology`` gives it):
    ``{"props": {kind: {name: {zh, en, enum}}}, "enums": {enum: {code: {zh, en}}}}``."""
    from ontology.describe import describe

    d = describe()
    return {"props": {k["name"]: {p["name"]: {"zh": p["zh"], "en": p["en"], "enum": p.get("enum")} for p in k["props"]}
                      for k in (*d["node_kinds"], *d["edge_kinds"])},
            "enums": {name: {v["code"]: {"zh": v["zh"], "en": v["en"]} for v in values}
                      for name, values in d["enums"].items()}}


@cache
def terms() -> dict[str, dict[str, str]]:
    """The labels of the ontology's fields and chain segments, by id."""
    from ontology.describe import describe

    d = describe()
    return {x["id"]: {"zh": x["zh"], "en": x["en"]} for x in (*d["fields"], *d["segments"])}


def vis_dir() -> Path:
    """vis-network 9.1.2 as shipped in pyvis's wheel (Apache-2.0 / MIT)."""
    import pyvis

    return Path(pyvis.__file__).parent / "templates" / "lib" / "vis-9.1.2"


@cache
def asset(name: str) -> bytes:
    """A page asset by name: vis-network's, or one of ``viz/static`` (read once a process: they are
    package data)."""
    if name == VIS_JS:
        return (vis_dir() / "vis-network.min.js").read_bytes()
    if name == VIS_CSS:
        return _vis_css()
    entry = STATIC / name
    if "/" in name or not entry.is_file():
        raise FileNotFoundError(name)
    return entry.read_bytes()


@cache
def asset_tag(name: str) -> str:
    """The asset's ETag: its content's digest."""
    return '"' + hashlib.sha256(asset(name)).hexdigest()[:32] + '"'


def _vis_css() -> bytes:
    """vis-network's styles without the 200 KB of inline icons of its navigation buttons and editing
    toolbar, which no page turns on."""
    import re

    css = (vis_dir() / "vis-network.css").read_text(encoding="utf-8")
    return re.sub(r"url\(\s*[\"']?data:image/[^)]*\)", "none", css).encode()


def script_json(value: Any) -> str:
    """JSON safe inside a ``<script>`` block: no ``<``, ``>`` or ``&`` can end it or open a comment."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@cache
def _template():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    return env.get_template("page.html")


def _scripts(page: str) -> list[str]:
    return [VIS_JS, "common.js", f"{_SCRIPT_OF.get(page, page)}.js"]


def render(page: str, title: str, args: dict[str, Any] | None = None, data: dict[str, Any] | None = None,
           standalone: bool = False, store: str | None = None) -> str:
    """The page's HTML; with ``data`` (a view's JSON) the page draws from it and asks the API nothing.
    ``store`` names the store the page's data comes from (``viz.views.store_label``)."""
    from datetime import UTC, datetime

    if page not in PAGES:
        raise ValueError(page)
    meta = {"page": page, "args": args or {}, "legend": legend(), "terms": terms(), **props(),
            "physics_max": PHYSICS_MAX, "standalone": standalone, "store": store,
            "generated": datetime.now(UTC).isoformat(timespec="seconds")}
    styles, scripts = [VIS_CSS, "style.css"], _scripts(page)
    if standalone:
        css = [_inline(asset(n).decode(), "style") for n in styles]
        js = [_inline(asset(n).decode(), "script") for n in scripts]
        csp = ("default-src 'none'; img-src data: blob:; connect-src 'none'; base-uri 'none'; form-action 'none'; "
               f"style-src {' '.join(_hash(c) for c in css)}; script-src {' '.join(_hash(j) for j in js)}")
        links: tuple = ()
        return _template().render(page=page, title=title, csp=csp, inline=True, styles=css, scripts=js,
                                  page_json=_raw(script_json(meta)), data_json=_raw(script_json(data)),
                                  links=links, home="#")
    return _template().render(page=page, title=title, csp=None, inline=False,
                              styles=[f"/static/{n}" for n in styles], scripts=[f"/static/{n}" for n in scripts],
                              page_json=_raw(script_json(meta)), data_json=None, links=LINKS, home="/")


def _inline(text: str, tag: str):
    """Our own script or style, inlined as is (its hash is in the policy); it must not end its block."""
    if f"</{tag}" in text.lower() or "<!--" in text:
        raise ValueError(f"an inlined {tag} holds '</{tag}' or '<!--'")
    # the HTML parser turns CR and CRLF into LF before the browser hashes the block
    return _raw(text.replace("\r\n", "\n").replace("\r", "\n"))


def _raw(text: str):
    from markupsafe import Markup

    return Markup(text)  # already safe: script_json escapes every character that could end the block


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

"""How nodes and edges are kept in Neo4j: property maps in, records out (pure functions).

Besides its own properties every record carries its provenance (``_load``, ``_source``, ``_row``)
and ``_h``, a hash of its content, so a write can tell created / updated / unchanged records
apart by looking up one value.  Nodes also carry their names in search form (``_search``) and the
length of their name (``_nlen``, for ranking); edges their identity ``_sk``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from graph.cypher import SEP
from graph.model import Edge, LoadMeta, Node, Provenance, Xref
from graph.text import normalise

NODE_INTERNAL = frozenset({"id", "name", "_load", "_source", "_row", "_h", "_search", "_nlen"})
EDGE_INTERNAL = frozenset({"_sk", "_load", "_source", "_row", "_h"})
_ENCODE = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


def content_hash(*parts: Any) -> str:
    """A short, stable digest of a record's content (kind, name, properties).

    >>> content_hash("Park", "张江", {}) == content_hash("Park", "张江", {})
    True
    """
    return hashlib.blake2b(_ENCODE(parts).encode(), digest_size=10).hexdigest()


def edge_sk(src: str, dst: str, key: str) -> str:
    """An edge's identity within its kind; sorts like (src, dst, key)."""
    return f"{src}{SEP}{dst}{SEP}{key}"


def _provenance_props(prov: Provenance, out: dict[str, Any]) -> None:
    out["_load"], out["_source"] = prov.load_id, prov.source
    if prov.row is not None:
        out["_row"] = prov.row


def node_props(node: Node, props: dict[str, Any], digest: str, prov: Provenance) -> dict[str, Any]:
    """The property map of a node (``props`` already cleaned)."""
    out = dict(props)
    out["id"], out["name"], out["_h"] = node.id, node.name, digest
    out["_search"] = SEP.join(normalise(t) for t in [node.name, *props.get("aliases", ())])
    out["_nlen"] = len(node.name)
    _provenance_props(prov, out)
    return out


def edge_props(props: dict[str, Any], sk: str, digest: str, prov: Provenance) -> dict[str, Any]:
    out = dict(props)
    out["_sk"], out["_h"] = sk, digest
    _provenance_props(prov, out)
    return out


LoadInfo = Callable[[str], tuple[str, LoadMeta | None]]  # load id -> (loaded_at, meta)


def provenance_of(p: Mapping[str, Any], load_info: LoadInfo) -> Provenance:
    load = p["_load"]
    return Provenance(p["_source"], p.get("_row"), load, *load_info(load))


def node_of(p: Mapping[str, Any], kind: str, load_info: LoadInfo) -> Node:
    props = {k: v for k, v in p.items() if k not in NODE_INTERNAL}
    return Node(p["id"], kind, p["name"], props, provenance_of(p, load_info))


def edge_of(kind: str, src: str, dst: str, p: Mapping[str, Any], load_info: LoadInfo) -> Edge:
    props = {k: v for k, v in p.items() if k not in EDGE_INTERNAL}
    return Edge(kind, src, dst, props, provenance_of(p, load_info))


def xref_props(x: Xref, prov: Provenance) -> dict[str, Any]:
    out = {"sk": f"{x.source}{SEP}{x.key}", "source": x.source, "key": x.key, "node": x.node, "kind": x.kind,
           "name": x.name, "rule": x.rule, "score": float(x.score), "status": x.status,
           "candidates": list(x.candidates), "filled": list(x.filled), "aliases": list(x.aliases),
           "matched": list(x.matched)}
    _provenance_props(prov, out)
    return out


def xref_of(p: Mapping[str, Any], load_info: LoadInfo) -> Xref:
    return Xref(p["source"], p["key"], p["node"], p["kind"], p["name"], p["rule"], p["score"], p["status"],
                tuple(p.get("candidates") or ()), tuple(p.get("filled") or ()), tuple(p.get("aliases") or ()),
                provenance_of(p, load_info), tuple(p.get("matched") or ()))

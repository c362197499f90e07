"""Checks of nodes and edges against the ontology, shared by every store backend."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graph.model import Edge, Node
from ontology import SCHEMA, SchemaError, check_node_rules

RESERVED = frozenset({"kind", "name", "_p"})  # attribute names the stores use for themselves


def clean_props(props: Mapping[str, Any]) -> dict[str, Any]:
    """Canonical property dict: absent values (None, '', empty lists) dropped, tuples made lists."""
    out: dict[str, Any] = {}
    for k, v in props.items():
        if v is None or v == "" or (isinstance(v, (list, tuple)) and not v):
            continue
        out[k] = list(v) if isinstance(v, tuple) else v
    return out


def check_node(node: Node) -> None:
    """Raise SchemaError naming the node when it does not fit its kind."""
    kind = SCHEMA.node_kind(node.kind)
    what = f"node {node.id!r} ({node.kind})"
    if not isinstance(node.id, str) or not node.id.strip() or node.id != node.id.strip():
        raise SchemaError(f"{what}: the id must be non-empty text without surrounding spaces")
    if not isinstance(node.name, str) or not node.name.strip():
        raise SchemaError(f"{what}: required property 'name' is missing")
    if kind.id_fmt:
        problem = SCHEMA.formats[kind.id_fmt](node.id)
        if problem:
            raise SchemaError(f"{what}: {problem}")
    SCHEMA.check_props(kind.name, kind.props, dict(node.props), what)
    for prop, message in check_node_rules(node.kind, dict(node.props)):
        raise SchemaError(f"{what}: property {prop!r}: {message}")


def check_edge(edge: Edge, kind_of: Callable[[str], str | None]) -> None:
    """Raise SchemaError naming the edge when its kind, endpoints or properties are wrong."""
    kind = SCHEMA.edge_kind(edge.kind)
    what = f"edge {edge.kind} {edge.src!r} -> {edge.dst!r}"
    for end, node_id, allowed in (("source", edge.src, kind.sources), ("target", edge.dst, kind.targets)):
        actual = kind_of(node_id)
        if actual is None:
            raise SchemaError(f"{what}: {end} {node_id!r} does not exist")
        if actual not in allowed:
            raise SchemaError(f"{what}: {end} {node_id!r} is a {actual}, must be {' or '.join(allowed)}")
    if kind.symmetric and edge.src == edge.dst:
        raise SchemaError(f"{what}: a node cannot {kind.en} itself")
    SCHEMA.check_props(kind.name, kind.props, dict(edge.props), what)

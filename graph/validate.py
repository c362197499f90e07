"""Checks of nodes and edges against the ontology, shared by every store backend.

Each kind's checks are compiled once (property checkers, required names, endpoint sets), so a
bulk load pays a few dictionary look-ups per record, not a walk over the declarations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graph.model import XREF_STATUSES, Edge, Node, Xref
from ontology import SCHEMA, SchemaError
from ontology.model import Checker, EdgeKind, NodeKind, a
from ontology.rules import NODE_RULES

RESERVED = frozenset({"kind", "name", "_p"})  # attribute names the stores use for themselves


def clean_props(props: Mapping[str, Any]) -> dict[str, Any]:
    """Canonical property dict: absent values (None, '', empty lists) dropped, tuples made lists."""
    out: dict[str, Any] = {}
    for k, v in props.items():
        if v is None or v == "" or (isinstance(v, (list, tuple)) and not v):
            continue
        out[k] = list(v) if isinstance(v, tuple) else v
    return out


@dataclass(frozen=True)
class _Compiled:
    kind: NodeKind | EdgeKind
    checkers: dict[str, Checker]
    required: tuple[str, ...]
    required_when: tuple[tuple[str, str, str], ...]  # (prop, other prop, value)

    def check(self, values: Mapping[str, Any], what: str) -> None:
        checkers = self.checkers
        for name, value in values.items():
            check = checkers.get(name)
            if check is None:
                raise SchemaError(f"{what}: {self.kind.name} has no property {name!r}")
            if value is not None:
                problem = check(value)
                if problem:
                    raise SchemaError(f"{what}: property {name!r}: {problem}")
        for name in self.required:
            if values.get(name) in (None, "", [], ()):
                raise SchemaError(f"{what}: required property {name!r} is missing")
        for name, other, value in self.required_when:
            if values.get(other) == value and values.get(name) in (None, "", [], ()):
                raise SchemaError(f"{what}: required property {name!r} is missing")


_COMPILED: dict[tuple[str, str], _Compiled] = {}  # keyed by name: hashing a frozen kind would cost more


def _compiled(kind: NodeKind | EdgeKind) -> _Compiled:
    key = (type(kind).__name__, kind.name)
    found = _COMPILED.get(key)
    if found is None:
        found = _COMPILED[key] = _Compiled(
            kind,
            {p.name: SCHEMA.checker(p) for p in kind.props},
            tuple(p.name for p in kind.props if p.required),
            tuple((p.name, *p.required_when) for p in kind.props if p.required_when),
        )
    return found


def _node_kind(name: str) -> NodeKind:
    return SCHEMA.node_kind(name)


def check_node(node: Node) -> None:
    """Raise SchemaError naming the node when it does not fit its kind."""
    kind = SCHEMA.nodes.get(node.kind) or _node_kind(node.kind)
    nid = node.id
    if not isinstance(nid, str) or not nid or nid != nid.strip():
        raise SchemaError(f"node {nid!r} ({node.kind}): the id must be non-empty text without surrounding spaces")
    if not isinstance(node.name, str) or not node.name.strip():
        raise SchemaError(f"node {nid!r} ({node.kind}): required property 'name' is missing")
    if kind.id_fmt:
        problem = SCHEMA.formats[kind.id_fmt](nid)
        if problem:
            raise SchemaError(f"node {nid!r} ({node.kind}): {problem}")
    _compiled(kind).check(node.props, f"node {nid!r} ({node.kind})")
    for rule in NODE_RULES.get(node.kind, ()):
        for prop, message in rule(node.props):
            raise SchemaError(f"node {nid!r} ({node.kind}): property {prop!r}: {message}")


_ENDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {}


def _ends(kind: EdgeKind) -> tuple[frozenset[str], frozenset[str]]:
    found = _ENDS.get(kind.name)
    if found is None:
        found = _ENDS[kind.name] = (frozenset(kind.sources), frozenset(kind.targets))
    return found


def check_edge(edge: Edge, kind_of: Callable[[str], str | None]) -> None:
    """Raise SchemaError naming the edge when its kind, endpoints or properties are wrong."""
    kind = SCHEMA.edges.get(edge.kind) or SCHEMA.edge_kind(edge.kind)
    sources, targets = _ends(kind)
    src_kind, dst_kind = kind_of(edge.src), kind_of(edge.dst)
    if src_kind not in sources or dst_kind not in targets or (kind.symmetric and edge.src == edge.dst):
        _endpoint_error(edge, kind, src_kind, dst_kind)
    if edge.props or kind.props:
        _compiled(kind).check(edge.props, f"edge {edge.kind} {edge.src!r} -> {edge.dst!r}")


def _endpoint_error(edge: Edge, kind: EdgeKind, src_kind: str | None, dst_kind: str | None) -> None:
    what = f"edge {edge.kind} {edge.src!r} -> {edge.dst!r}"
    for end, node_id, actual, allowed in (("source", edge.src, src_kind, kind.sources),
                                          ("target", edge.dst, dst_kind, kind.targets)):
        if actual is None:
            raise SchemaError(f"{what}: {end} {node_id!r} does not exist")
        if actual not in allowed:
            raise SchemaError(f"{what}: {end} {node_id!r} is {a(actual)}, must be {' or '.join(allowed)}")
    raise SchemaError(f"{what}: a node cannot {kind.en} itself")


def check_xref(x: Xref) -> None:
    """Raise SchemaError when a crosswalk record is malformed."""
    what = f"crosswalk record {x.source!r}/{x.key!r}"
    if not all(isinstance(v, str) and v for v in (x.source, x.key, x.node, x.kind, x.rule)):
        raise SchemaError(f"{what}: source, key, node, kind and rule must be non-empty text")
    if x.status not in XREF_STATUSES:
        raise SchemaError(f"{what}: status {x.status!r} is not one of {', '.join(XREF_STATUSES)}")
    if x.kind not in SCHEMA.nodes:
        raise SchemaError(f"{what}: unknown node kind {x.kind!r}")
    if isinstance(x.score, bool) or not isinstance(x.score, (int, float)) or not 0 <= x.score <= 1:
        raise SchemaError(f"{what}: score must be a number from 0 to 1, got {x.score!r}")

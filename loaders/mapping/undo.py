"""Taking merges back: undo one merge of entity resolution, or unload a mapping load.

Undoing a merge takes the source's contributions off the node it was merged into (the properties
it filled in, the aliases it added, its edges there), records the decision (the record is
``rejected`` for that node and keeps a node of its own from now on), and loads the source again
from the files its load recorded, so the record comes back as its own node with its own edges.
All of it is one batch: it lands whole or not at all.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from graph.interface import Store
from graph.model import Edge, Node, Replace, WriteResult, Xref
from loaders.mapping.apply import MappingReport, load_mapping
from loaders.mapping.registry import find_mapping, shipped
from loaders.mapping.spec import parse_mapping
from ontology import InvalidInput, NotFound


def find_xref(store: Store, xref_id: str) -> Xref:
    for x in store.xrefs():
        if x.id == xref_id:
            return x
    raise NotFound(f"no crosswalk record {xref_id!r} (see `biokg resolve --report`)")


def take_back(store: Store, xrefs: list[Xref], edges_of: str | None = None) -> None:
    """Remove what ``xrefs`` (merges into one node) added to it; with ``edges_of``, also that
    source's edges at the node."""
    node_id = xrefs[0].node
    node = store.get(node_id)
    if node is None:
        return
    filled = {p for x in xrefs for p in x.filled}
    added = {a for x in xrefs for a in x.aliases}
    props = {k: v for k, v in node.props.items() if k not in filled}
    if added and props.get("aliases"):
        aliases = [a for a in props["aliases"] if a not in added]
        props = {k: v for k, v in props.items() if k != "aliases"} | ({"aliases": aliases} if aliases else {})
    kept: dict[tuple[str, str], list[Edge]] = defaultdict(list)
    doomed: set[tuple[str, str]] = set()
    if edges_of is not None:
        for n in store.neighbours(node_id):
            group = (n.edge.kind, n.direction)
            meta = n.edge.provenance.meta if n.edge.provenance else None
            if meta is not None and meta.mapping == edges_of:
                doomed.add(group)
            else:
                kept[group].append(n.edge)
    store.write([Node(node.id, node.kind, node.name, props, node.provenance)],
                [e for g in doomed for e in kept[g]], [Replace(node_id, kind, way) for kind, way in sorted(doomed)])


def undo_merge(store: Store, xref_id: str, data: list[Path] | None = None,
               now: datetime | None = None) -> MappingReport:
    """Split a merged record off its node and load its source again; the report of that load."""
    x = find_xref(store, xref_id)
    if x.status != "merged":
        raise InvalidInput(f"{xref_id} ({x.name}) is {x.status}, not merged: there is no merge to undo")
    if x.node == x.key:
        raise InvalidInput(f"{xref_id} ({x.name}) has the node's own id {x.key!r}: it is that node, not a merge")
    meta = x.provenance.meta if x.provenance else None
    if meta is None:
        raise InvalidInput(f"{xref_id} was not written by a mapping load")
    if meta.mapping_file and Path(meta.mapping_file).is_file():
        file = find_mapping(meta.mapping_file)
    elif x.source in shipped():
        file = find_mapping(x.source)
    else:
        raise InvalidInput(f"the mapping file of the load that made the merge ({meta.mapping_file}) is gone, and "
                           f"no mapping that comes with biokg is named {x.source!r}")
    spec = parse_mapping(file.text, file.path, dict(meta.params))
    inputs = data or [Path(p) for p in meta.inputs]
    missing = [str(p) for p in inputs if not p.exists()]
    if missing:
        raise InvalidInput(f"the files of the load that made the merge are gone ({', '.join(missing)}); "
                           "give the data again with --data")
    with store.batch():
        take_back(store, [y for y in store.xrefs(source=x.source, node=x.node) if y.status == "merged"], x.source)
        store.write_xrefs([replace(x, node=x.key, status="rejected", candidates=(x.node,), filled=(), aliases=())])
        return load_mapping(store, spec, inputs, mapping_file=file.path, now=now)


def unload(store: Store, load_id: str) -> WriteResult:
    """Delete what a load last wrote, after taking back what its merges added to other nodes."""
    merges: dict[str, list[Xref]] = defaultdict(list)
    for x in store.xrefs():
        if x.status == "merged" and x.provenance is not None and x.provenance.load_id == load_id:
            merges[x.node].append(x)
    with store.batch():
        for xrefs in merges.values():
            take_back(store, xrefs)
        return store.delete_load(load_id)

"""What mapping loads added to nodes that other loads made, kept when those loads run again.

A mapping merged into a node fills in properties and adds aliases (its crosswalk records say
which) and puts its own edges there.  An interchange load that writes the node again writes the
whole row, and replaces the row's edges; without this, a reload of the demo region would silently
drop what, say, the Fudan ranking and the trial registry added to 复旦大学附属中山医院.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from graph.interface import Store
from graph.model import Edge, Node


@dataclass
class Contribution:
    filled: set[str] = field(default_factory=set)
    aliases: set[str] = field(default_factory=set)


FEW = 50  # nodes whose crosswalk records are read one by one rather than all at once


def contributions(store: Store, nodes: Collection[str] | None = None) -> dict[str, Contribution]:
    """node id -> what merged mapping records added to it: every node a mapping record was merged into
    (it may have added only edges); with ``nodes``, only for those (read one by one when they are few,
    as when a station writes one record)."""
    out: dict[str, Contribution] = defaultdict(Contribution)
    few = nodes is not None and len(nodes) <= FEW
    records = [x for n in sorted(nodes) for x in store.xrefs(node=n)] if few else store.xrefs()
    for x in records:
        if x.status == "merged" and (nodes is None or x.node in nodes):
            out[x.node].filled.update(x.filled)
            out[x.node].aliases.update(x.aliases)
    return dict(out)


def keep_contributed(rewritten: Node, current: Node, added: Contribution) -> Node:
    """``rewritten`` (a node as another load now gives it) with what mappings added to ``current``."""
    props = dict(rewritten.props)
    for prop in added.filled:
        if prop not in props and prop in current.props:
            props[prop] = current.props[prop]
    kept = [a for a in current.props.get("aliases", ()) if a in added.aliases]
    if kept:
        props["aliases"] = list(dict.fromkeys([*props.get("aliases", ()), *kept]))
    return Node(rewritten.id, rewritten.kind, rewritten.name, props, rewritten.provenance)


def mapping_edges(store: Store, node_id: str, groups: Iterable[tuple[str, str]]) -> list[Edge]:
    """The edges at a node that mapping loads wrote, of the (kind, direction) ``groups`` a load replaces."""
    wanted = set(groups)
    return [n.edge for n in store.neighbours(node_id)
            if (n.edge.kind, n.direction) in wanted and n.edge.provenance is not None
            and n.edge.provenance.meta is not None and n.edge.provenance.meta.mapping is not None]

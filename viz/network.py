"""A view's network: nodes and edges styled from the legend, built with pyvis, positioned here.

pyvis builds the network (its nodes, edges and options); biokg renders it with a template of its
own (``viz.page``), since pyvis's templates fetch from CDNs and do not escape.  Titles are plain
text (vis-network shows a string title as text).  Above ``PHYSICS_MAX`` nodes the positions are
computed here (networkx) and physics is off, so a 2,000-node view is drawn at once and stays still.

>>> net = network([VNode("a", "Enterprise", "A"), VNode("b", "Park", "B")], [VEdge("a", "b", "LOCATED_IN")])
>>> [n["id"] for n in net["nodes"]], net["edges"][0]["from"], net["options"]["physics"]["enabled"]
(['a', 'b'], 'a', True)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from viz.styles import legend

PHYSICS_MAX = 300
SPREAD = 1000.0  # the width of a computed layout, in vis-network's units


@dataclass(frozen=True)
class VNode:
    id: str
    kind: str
    label: str
    title: str = ""  # the tooltip, plain text
    mark: str | None = None  # a key of viz.styles.MARKS drawn over the kind's colour
    x: float | None = None
    y: float | None = None
    size: float = 14
    groups: tuple[str, ...] = ()  # e.g. the candidates whose evidence passes here


@dataclass(frozen=True)
class VEdge:
    src: str
    dst: str
    kind: str  # an edge kind, or a view's own relation ("match", "broker")
    label: str = ""
    title: str = ""
    groups: tuple[str, ...] = ()
    dashes: bool = False


def network(nodes: Sequence[VNode], edges: Iterable[VEdge], physics: bool | None = None) -> dict[str, Any]:
    """``{"nodes", "edges", "options"}`` for vis-network (``options.physics.enabled`` off above
    ``PHYSICS_MAX`` nodes, where every node gets a computed position)."""
    from pyvis.network import Network

    style = legend()
    edges = [e for e in edges if e.src != e.dst]
    big = len(nodes) > PHYSICS_MAX if physics is None else not physics
    positions = _positions(nodes, edges) if big else {}
    net = Network(directed=True)
    net.node_ids = _IdList()  # pyvis looks ids up in a list, per node and per edge: a set keeps it linear
    for n in nodes:
        kind = style["nodes"].get(n.kind, {"color": "#999999", "shape": "dot"})
        mark = style["marks"][n.mark]["color"] if n.mark else None
        # a state (covered, uncovered, …) fills the shape, which still tells the kind
        fill = mark if mark and n.mark != "focus" else kind["color"]
        color = {"background": fill, "border": mark or kind["color"],
                 "highlight": {"background": fill, "border": "#000000"}}
        at = positions.get(n.id, (n.x, n.y))
        extra: dict[str, Any] = {} if at[0] is None else {"x": round(at[0], 1), "y": round(at[1], 1)}
        net.add_node(n.id, label=n.label or " ", title=n.title or n.label, shape=kind["shape"], color=color,
                     size=n.size, borderWidth=3 if mark else 1, kind=n.kind, mark=n.mark, groups=list(n.groups),
                     **extra)
    known = set(net.node_map)
    for e in edges:
        if e.src not in known or e.dst not in known:
            continue
        colour = style["edges"].get(e.kind, {"color": "#888888"})["color"]
        net.add_edge(e.src, e.dst, label=e.label, title=e.title or e.label or style["edges"].get(e.kind, {}).get(
            "zh", e.kind), color={"color": colour, "highlight": "#d81b60"}, kind=e.kind, groups=list(e.groups),
                     dashes=e.dashes)
    net.toggle_physics(not big)
    for i, e in enumerate(net.edges):
        e["id"] = f"e{i}"
    options = {"physics": {"enabled": not big, "stabilization": {"iterations": 200}},
               "interaction": {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": big},
               "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.5}}, "smooth": not big,
                         "font": {"size": 10, "align": "middle"}},
               "nodes": {"font": {"size": 12}}, "layout": {"improvedLayout": not big}}
    return {"nodes": net.nodes, "edges": net.edges, "options": options}


class _IdList(list):
    """pyvis's list of node ids, with a set beside it for ``in``."""

    def __init__(self):
        super().__init__()
        self._ids: set = set()

    def append(self, item) -> None:
        self._ids.add(item)
        super().append(item)

    def __contains__(self, item) -> bool:
        return item in self._ids


def _positions(nodes: Sequence[VNode], edges: Sequence[VEdge]) -> dict[str, tuple[float, float]]:
    """Given positions kept, the others from a force layout around them (seeded: the same view
    draws the same)."""
    import networkx as nx

    fixed = {n.id: (n.x, n.y) for n in nodes if n.x is not None and n.y is not None}
    if len(fixed) == len(nodes):
        return fixed
    g = nx.Graph()
    g.add_nodes_from(n.id for n in nodes)
    g.add_edges_from((e.src, e.dst) for e in edges if e.src in g and e.dst in g)
    if fixed:
        scale = max((math.hypot(x, y) for x, y in fixed.values()), default=1.0) or 1.0
        start = {k: (x / scale, y / scale) for k, (x, y) in fixed.items()}
        placed = nx.spring_layout(g, pos=start, fixed=list(start), seed=7, iterations=30)
        return {k: (x * scale, y * scale) for k, (x, y) in placed.items()}
    placed = nx.spring_layout(g, seed=7, iterations=30, scale=SPREAD / 2)
    return {k: (float(x), float(y)) for k, (x, y) in placed.items()}


def spiral(cx: float, cy: float, count: int, step: float = 26.0) -> list[tuple[float, float]]:
    """``count`` points around ``(cx, cy)`` on a sunflower spiral (even spacing, none on the centre).

    >>> [tuple(round(v) for v in p) for p in spiral(0, 0, 2, 18)]
    [(-13, 12), (2, -25)]
    """
    golden = math.pi * (3 - math.sqrt(5))
    return [(cx + step * math.sqrt(i + 1) * math.cos((i + 1) * golden),
             cy + step * math.sqrt(i + 1) * math.sin((i + 1) * golden)) for i in range(count)]


def projected(lat: float, lon: float, lat0: float, lon0: float, scale: float) -> tuple[float, float]:
    """Equirectangular projection about ``(lat0, lon0)``: east is +x, north is −y (screen axes).

    >>> projected(31.1, 121.5, 31.0, 121.5, 1000)
    (0.0, -100.0)
    """
    x = (lon - lon0) * math.cos(math.radians(lat0)) * scale
    return (round(x, 6) + 0.0, round(-(lat - lat0) * scale, 6) + 0.0)

"""The legend: a colour and a shape for every node kind, a colour for every edge kind, and their
labels in Chinese and English, generated from the ontology (a new kind gets a style of its own).

>>> legend()["nodes"]["Enterprise"]["zh"], legend()["edges"]["TRACKS"]["en"]
('企业', 'service record')
>>> len({s["color"] for s in legend()["nodes"].values()}) == len(legend()["nodes"])
True
"""

from __future__ import annotations

from functools import cache
from typing import Any

from ontology.schema import EDGE_KINDS, NODE_KINDS

# distinct on white and from each other (Tableau 20's dark half, then its light half)
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
           "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5")
# vis-network shapes whose label sits below the shape (so every kind reads alike)
SHAPES = ("dot", "diamond", "square", "triangle", "star", "triangleDown", "hexagon")
# the states a view marks on top of a kind's style
MARKS = {
    "covered": {"zh": "已覆盖", "en": "covered", "color": "#2e7d32"},
    "uncovered": {"zh": "未覆盖", "en": "not covered", "color": "#c62828"},
    "untracked": {"zh": "未跟踪", "en": "not tracked", "color": "#ef6c00"},
    "suggested": {"zh": "建议新增", "en": "suggested site", "color": "#6a1b9a"},
    "focus": {"zh": "焦点", "en": "focus", "color": "#111111"},
    "evidence": {"zh": "证据路径", "en": "evidence path", "color": "#d81b60"},
}

# relations a view draws that are no edges of the graph: an org to its ranked candidates
VIEW_EDGES = {
    "candidate": {"zh": "匹配候选", "en": "candidate", "color": "#d81b60"},
    "broker": {"zh": "产学研用候选", "en": "broker candidate", "color": "#00897b"},
}


@cache
def legend() -> dict[str, Any]:
    """``{"nodes": {kind: {zh, en, color, shape}}, "edges": {kind: {zh, en, color}}, "marks": {...}}``."""
    nodes = {name: {"zh": k.zh, "en": k.en, "color": PALETTE[i % len(PALETTE)], "shape": SHAPES[i % len(SHAPES)]}
             for i, (name, k) in enumerate(NODE_KINDS.items())}
    # edges step through the palette 7 at a time (7 and 20 are coprime: 20 kinds before a repeat)
    edges = {name: {"zh": e.zh, "en": e.en, "color": PALETTE[(7 * i + 3) % len(PALETTE)]}
             for i, (name, e) in enumerate(EDGE_KINDS.items())}
    edges |= VIEW_EDGES
    return {"nodes": nodes, "edges": edges, "marks": MARKS}

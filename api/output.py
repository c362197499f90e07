"""Turning store records and reports into JSON-ready dicts (stable keys) and readable text."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from graph.model import Counts, Neighbour, Node, Provenance, SearchHit, WriteResult
from loaders.load import LoadReport
from ontology import EDGE_KINDS, NODE_KINDS, Problem


def provenance_json(p: Provenance | None) -> dict[str, Any] | None:
    return None if p is None else {"source": p.source, "row": p.row, "load_id": p.load_id, "loaded_at": p.loaded_at}


def node_json(node: Node) -> dict[str, Any]:
    return {
        "id": node.id, "kind": node.kind, "name": node.name, "props": dict(node.props),
        "provenance": provenance_json(node.provenance),
    }


def neighbour_json(n: Neighbour) -> dict[str, Any]:
    return {
        "kind": n.edge.kind, "direction": n.direction,
        "other": {"id": n.node.id, "kind": n.node.kind, "name": n.node.name},
        "props": dict(n.edge.props), "provenance": provenance_json(n.edge.provenance),
    }


def counts_json(c: Counts) -> dict[str, Any]:
    return {"nodes": dict(c.nodes), "edges": dict(c.edges)}


def hit_json(h: SearchHit) -> dict[str, Any]:
    return {"id": h.node.id, "kind": h.node.kind, "name": h.node.name, "rank": h.rank, "matched": h.matched}


def result_json(r: WriteResult) -> dict[str, Any]:
    return asdict(r)


def problem_json(p: Problem) -> dict[str, Any]:
    loc = p.location
    return {"file": loc.file, "line": loc.line or None, "column": loc.column or None,
            "severity": p.severity, "message": p.message}


def report_json(r: LoadReport) -> dict[str, Any]:
    return {
        "load_id": r.load_id,
        "rows": r.rows,
        "tables": [{"source": s, "table": t, "rows": n} for s, t, n in r.tables],
        "result": asdict(r.result),
        "warnings": [problem_json(p) for p in r.warnings],
        "skipped": [problem_json(p) for p in r.skipped],
    }


def _label(kind: str) -> str:
    k = NODE_KINDS.get(kind) or EDGE_KINDS.get(kind)
    return f"{kind} {k.zh}" if k else kind


def print_counts(console: Console, c: Counts) -> None:
    for title, data in (("nodes", c.nodes), ("edges", c.edges)):
        table = Table(title=title, title_justify="left")
        table.add_column("kind")
        table.add_column("count", justify="right")
        for kind, n in data.items():
            table.add_row(_label(kind), f"{n:,}")
        table.add_row("total", f"{sum(data.values()):,}", style="bold")
        console.print(table)


def _prov_text(p: Provenance | None) -> str:
    if p is None:
        return ""
    row = f":{p.row}" if p.row is not None else ""
    return f"{p.source}{row} (load {p.load_id}, {p.loaded_at})"


def print_node(console: Console, node: Node, neighbours: list[Neighbour]) -> None:
    console.print(Text(f"{node.name}", style="bold"), Text(f"  {node.id}  {_label(node.kind)}"))
    for k, v in node.props.items():
        console.print(Text(f"  {k}: {v}"))
    console.print(Text(f"  provenance: {_prov_text(node.provenance)}", style="dim"))
    if neighbours:
        table = Table(title="edges", title_justify="left")
        for col in ("edge", "", "other", "props", "provenance"):
            table.add_column(col)
        for n in neighbours:
            arrow = "->" if n.direction == "out" else "<-"
            props = ", ".join(f"{k}={v}" for k, v in n.edge.props.items())
            table.add_row(Text(_label(n.edge.kind)), arrow, Text(f"{n.node.name} ({n.node.id})"), Text(props),
                          Text(_prov_text(n.edge.provenance)))
        console.print(table)


def print_hits(console: Console, hits: list[SearchHit]) -> None:
    table = Table()
    for col in ("id", "kind", "name", "match"):
        table.add_column(col)
    ranks = ("exact", "prefix", "substring")
    for h in hits:
        matched = "" if h.matched == h.node.name else f" via {h.matched}"
        table.add_row(Text(h.node.id), _label(h.node.kind), Text(h.node.name), Text(ranks[h.rank] + matched))
    console.print(table)


def print_report(console: Console, r: LoadReport) -> None:
    res = r.result
    console.print(
        f"load {r.load_id}: {r.rows:,} rows from {len(r.tables)} table(s); "
        f"nodes +{res.nodes_created} ~{res.nodes_updated} ={res.nodes_unchanged}; "
        f"edges +{res.edges_created} ~{res.edges_updated} ={res.edges_unchanged} -{res.edges_deleted}"
    )
    for p in (*r.warnings, *r.skipped):
        console.print(Text(str(p)), style="yellow" if p.severity == "warning" else "red")

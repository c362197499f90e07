"""Turning store records and reports into JSON-ready dicts (stable keys) and readable text."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from api.auth import ApiKey
from graph.model import Counts, Edge, Neighbour, Node, Provenance, SearchHit, WriteResult, Xref
from loaders.load import LoadReport
from loaders.mapping.apply import MappingReport
from ontology import EDGE_KINDS, NODE_KINDS, Problem


def provenance_json(p: Provenance | None) -> dict[str, Any] | None:
    if p is None:
        return None
    meta = p.meta
    return {"source": p.source, "row": p.row, "load_id": p.load_id, "loaded_at": p.loaded_at,
            "dataset": meta.dataset if meta else None, "mapping": meta.mapping if meta else None,
            "mapping_version": meta.version if meta else None}


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


def edge_json(e: Edge) -> dict[str, Any]:
    return {"kind": e.kind, "src": e.src, "dst": e.dst, "props": dict(e.props),
            "provenance": provenance_json(e.provenance)}


def key_json(k: ApiKey) -> dict[str, Any]:
    """An API key as listed: never its secret."""
    return {"id": k.id, "prefix": k.prefix, "role": k.role, "station": k.station,
            "expires": k.expires.isoformat() if k.expires else None, "revoked": k.revoked, "created_at": k.created_at}


def created_key_json(k: ApiKey, secret: str) -> dict[str, Any]:
    """A key just created: the key itself, this once."""
    return {"id": k.id, "key": secret, "role": k.role, "station": k.station,
            "expires": k.expires.isoformat() if k.expires else None}


def counts_json(c: Counts) -> dict[str, Any]:
    return {"nodes": dict(c.nodes), "edges": dict(c.edges)}


def hit_json(h: SearchHit) -> dict[str, Any]:
    return {"id": h.node.id, "kind": h.node.kind, "name": h.node.name, "rank": h.rank, "matched": h.matched}


def load_summary(store, load_id: str) -> dict[str, Any] | None:
    """What the store holds of one load (for the audit trail's ``before`` of an unload)."""
    return next(({"load_id": r.load_id, "nodes": r.nodes, "edges": r.edges} for r in store.loads()
                 if r.load_id == load_id), None)


def result_json(r: WriteResult) -> dict[str, Any]:
    return asdict(r)


def problem_json(p: Problem) -> dict[str, Any]:
    loc = p.location
    return {"file": loc.file, "line": loc.line or None, "column": loc.column or None,
            "severity": p.severity, "message": p.message}


def report_json(r: LoadReport, check: bool = False) -> dict[str, Any]:
    """A load's report; ``check``: of a validation that wrote nothing."""
    return {
        "check": check,
        "load_id": r.load_id,
        "rows": r.rows,
        "tables": [{"source": s, "table": t, "rows": n} for s, t, n in r.tables],
        "result": asdict(r.result),
        "warnings": [problem_json(p) for p in r.warnings],
        "skipped": [problem_json(p) for p in r.skipped],
    }


def text_table(title: str | None, columns: list[str], right: tuple[str, ...] = (), lines: bool = False,
               min_widths: dict[str, int] | None = None) -> Table:
    """A terminal table that wraps long cells instead of cutting them, with no vertical rules, so
    that names stay whole at 80 columns; ``right``: the columns aligned right; ``lines``: a blank
    line between rows (for cells that wrap); ``min_widths``: columns kept at least that wide (by
    default as wide as the longest line of their header, which therefore never folds)."""
    # no padding: the box's blank column rules already keep one space between columns
    table = Table(title=title, title_justify="left", show_lines=lines, box=box.SIMPLE_HEAD, padding=0)
    for col in columns:
        header = max((cell_len(line) for line in col.split("\n")), default=0)
        table.add_column(col, justify="right" if col in right else "left", overflow="fold",
                         min_width=(min_widths or {}).get(col, header))
    return table


def _label(kind: str) -> str:
    k = NODE_KINDS.get(kind) or EDGE_KINDS.get(kind)
    return f"{kind} {k.zh}" if k else kind


def print_counts(console: Console, c: Counts) -> None:
    for title, data in (("nodes", c.nodes), ("edges", c.edges)):
        table = text_table(title, ["kind", "count"], right=("count",))
        for kind, n in data.items():
            table.add_row(_label(kind), f"{n:,}")
        table.add_row("total", f"{sum(data.values()):,}", style="bold")
        console.print(table)


def _prov_text(p: Provenance | None) -> str:
    if p is None:
        return ""
    row = f":{p.row}" if p.row is not None else ""
    via = f", dataset {p.meta.dataset}, mapping {p.meta.mapping} v{p.meta.version}" if p.meta else ""
    return f"{p.source}{row} (load {p.load_id}, {p.loaded_at}{via})"


def print_node(console: Console, node: Node, neighbours: list[Neighbour], xrefs: list[Xref] = ()) -> None:
    console.print(Text(f"{node.name}", style="bold"), Text(f"  {node.id}  {_label(node.kind)}"))
    for k, v in node.props.items():
        console.print(Text(f"  {k}: {v}"))
    console.print(Text(f"  provenance: {_prov_text(node.provenance)}", style="dim"))
    for x in xrefs:
        how = "made this node" if x.status != "merged" else f"merged by {x.rule} ({x.score:.2f})"
        console.print(Text(f"  source record {x.id}: {x.source} {x.key!r} ({x.name}) {how}; "
                           f"{_prov_text(x.provenance)}", style="dim"))
    if neighbours:
        table = text_table("edges", ["edge", "", "other", "props", "provenance"])
        for n in neighbours:
            arrow = "->" if n.direction == "out" else "<-"
            props = ", ".join(f"{k}={v}" for k, v in n.edge.props.items())
            table.add_row(Text(_label(n.edge.kind)), arrow, Text(f"{n.node.name} ({n.node.id})"), Text(props),
                          Text(_prov_text(n.edge.provenance)))
        console.print(table)


def print_hits(console: Console, hits: list[SearchHit]) -> None:
    table = text_table(None, ["id", "kind", "name", "match"])
    ranks = ("exact", "prefix", "substring")
    for h in hits:
        matched = "" if h.matched == h.node.name else f" via {h.matched}"
        table.add_row(Text(h.node.id), _label(h.node.kind), Text(h.node.name), Text(ranks[h.rank] + matched))
    console.print(table)


def _changes(res: WriteResult) -> str:
    """nodes +created ~updated =unchanged; edges +created ~updated =unchanged -deleted"""
    return (f"nodes +{res.nodes_created} ~{res.nodes_updated} ={res.nodes_unchanged}; "
            f"edges +{res.edges_created} ~{res.edges_updated} ={res.edges_unchanged} -{res.edges_deleted}")


def print_report(console: Console, r: LoadReport, check: bool = False) -> None:
    """A load's report; with ``check``, of a validation that wrote nothing."""
    read = f"{r.rows:,} rows from {len(r.tables)} table(s)"
    skipped = f"; {len(r.skipped)} problem(s) would leave rows out" if r.skipped else ""
    console.print(f"check: {read} valid{skipped}; nothing written" if check
                  else f"load {r.load_id}: {read}; {_changes(r.result)}")
    for p in (*r.warnings, *r.skipped):
        console.print(Text(str(p)), style="yellow" if p.severity == "warning" else "red")


# --------------------------------------------------------------------------- mappings and resolution


def xref_json(x: Xref) -> dict[str, Any]:
    return {"id": x.id, "source": x.source, "key": x.key, "name": x.name, "kind": x.kind, "node": x.node,
            "status": x.status, "rule": x.rule, "score": x.score, "matched": list(x.matched),
            "candidates": list(x.candidates),
            "filled": list(x.filled), "aliases": list(x.aliases), "provenance": provenance_json(x.provenance)}


def mapping_report_json(r: MappingReport, check: bool = False) -> dict[str, Any]:
    return {
        "check": check,
        "load_id": r.load_id, "mapping": r.mapping, "version": r.version, "dataset": r.dataset,
        "files": {k: list(v) for k, v in r.files.items()}, "rows": r.rows, "result": asdict(r.result),
        "merged": [xref_json(x) for x in r.merged], "ambiguous": [xref_json(x) for x in r.ambiguous],
        "disappeared": [xref_json(x) for x in r.disappeared],
        "warnings": [problem_json(p) for p in r.warnings], "skipped": [problem_json(p) for p in r.skipped],
        "addresses": dict(r.addresses),
    }


ADDRESS_RULES = {"district": "district name", "former": "former district", "subdistrict": "subdistrict"}


def print_mapping_report(console: Console, r: MappingReport, check: bool = False) -> None:
    """A load's report; with ``check``, what a load would do (nothing was written)."""
    read = f"{sum(r.rows.values()):,} rows from {sum(len(v) for v in r.files.values())} file(s)"
    if check:
        console.print(f"check: mapping {r.mapping} v{r.version} (dataset {r.dataset}): {read}; nothing written")
    else:
        console.print(f"load {r.load_id}: mapping {r.mapping} v{r.version} (dataset {r.dataset}): {read}; "
                      f"{_changes(r.result)}")
    merged = "would be merged" if check else "merged"
    listed = "" if check else "; `biokg resolve --report` lists them"
    console.print(f"entity resolution: {len(r.merged)} record(s) {merged} into existing nodes, "
                  f"{len(r.ambiguous)} ambiguous (kept apart){listed}")
    for x in r.ambiguous:
        console.print(Text(f"  ambiguous {x.id}: {x.name!r} matches {', '.join(x.candidates)}"), style="yellow")
    if r.addresses:
        counts = dict(r.addresses)
        placed = sum(n for how, n in r.addresses if how not in ("none", "ambiguous"))
        by = ", ".join(f"by {ADDRESS_RULES[how]} {n:,}" for how, n in r.addresses if how in ADDRESS_RULES)
        console.print(f"addresses: {placed:,} placed in a district ({by or 'none'}), "
                      f"{counts.get('none', 0):,} naming none, {counts.get('ambiguous', 0):,} naming several")
    if r.disappeared:
        console.print(f"{len(r.disappeared)} record(s) of an earlier load of {r.mapping} are gone from the data "
                      "(kept in the graph):", style="yellow")
        for x in r.disappeared:
            console.print(Text(f"  {x.key} ({x.name}) -> {x.node}"), style="yellow")
    for p in (*r.warnings, *r.skipped):
        console.print(Text(str(p)), style="yellow" if p.severity == "warning" else "red")


def print_xrefs(console: Console, xrefs: list[Xref], names: dict[str, str]) -> None:
    """One line per record: id, status, rule and score, the record, and where it went."""
    for x in xrefs:
        if x.status == "merged":
            how = f" ({x.matched[0]} ~ {x.matched[1]})" if len(x.matched) == 2 and x.matched[0] != x.matched[1] else ""
            where = f"-> {x.node} {names.get(x.node, '')}{how}"
        elif x.candidates:
            where = f"kept as {x.node}; " + ("not " if x.status == "rejected" else "") + "matching " + ", ".join(
                f"{c} {names.get(c, '')}" for c in x.candidates)
        else:
            where = f"-> {x.node}"
        console.print(Text(f"{x.id}  {x.status:<9} {x.rule:<18} {x.score:.2f}  {x.source} {x.key} ({x.name}) {where}"))

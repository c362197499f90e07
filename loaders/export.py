"""Exports of a store: the CSV interchange format and GraphML (RDF lives in ``loaders.rdf_export``).

The CSV export (a folder) and the XLSX export (a book, a sheet per table) are the load format, so
export -> load into an empty store -> export is identical.  Cores build rows or graphs; only the
``write_*`` functions touch files.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any, BinaryIO

import networkx as nx

from graph.interface import Store
from loaders.interchange import FILES, FileSpec
from loaders.sheets import Table, format_value, write_csv_tables, write_xlsx
from ontology import EDGE_KINDS


def _cell(value: Any) -> Any:
    """A stored value as a table cell: numbers stay numbers (XLSX keeps them so), the rest is text."""
    return value if isinstance(value, int | float) and not isinstance(value, bool) else format_value(value)


def _edge_map(store: Store, kind: str, reverse: bool) -> dict[str, list[str]]:
    """node id -> sorted ids at the other end of its ``kind`` edges (outgoing, or incoming if reverse)."""
    out: dict[str, list[str]] = defaultdict(list)
    for e in store.edges(kind):
        if reverse:
            out[e.dst].append(e.src)
        else:
            out[e.src].append(e.dst)
    return {k: sorted(v) for k, v in out.items()}


def _node_table(store: Store, spec: FileSpec) -> Table:
    header = [c.name for c in spec.columns]
    maps = {c.name: _edge_map(store, c.edge, c.reverse) for c in spec.columns if c.role == "edge"}  # type: ignore[arg-type]
    rows = []
    for node in store.nodes(spec.kind):
        row = []
        for c in spec.columns:
            if c.role == "id":
                row.append(node.id)
            elif c.role == "name":
                row.append(node.name)
            elif c.role == "prop":
                row.append(_cell(node.props.get(c.prop)))  # type: ignore[arg-type]
            else:
                targets = maps[c.name].get(node.id, [])
                if c.unresolved_prop:
                    targets = targets + list(node.props.get(c.unresolved_prop, ()))
                row.append(";".join(targets))
        rows.append(row)
    return header, rows


def _edge_table(store: Store, spec: FileSpec) -> Table:
    header = [c.name for c in spec.columns]
    kinds = [k for _, k in spec.directions] if spec.directions else [spec.edge]
    codes = {k: code for code, k in spec.directions}
    rows = []
    for kind in kinds:
        for e in store.edges(kind):  # type: ignore[arg-type]
            row = []
            for c in spec.columns:
                if c.role == "src":
                    row.append(e.src)
                elif c.role == "dst":
                    row.append(e.dst)
                elif c.role == "direction":
                    row.append(codes[kind])  # type: ignore[index]
                else:
                    row.append(_cell(e.props.get(c.prop)))  # type: ignore[arg-type]
            rows.append(row)
    rows.sort(key=lambda row: [format_value(v) for v in row])
    return header, rows


def export_tables(store: Store) -> dict[str, Table]:
    """Every interchange table with its rows (tables without rows included, for a stable layout)."""
    return {spec.name: (_node_table if spec.is_node_file else _edge_table)(store, spec) for spec in FILES}


def write_csv_folder(store: Store, out_dir: Path, bom: bool = False) -> list[Path]:
    """Write the non-empty interchange tables of ``store`` as CSV files into ``out_dir`` (``bom``:
    each starting with the UTF-8 byte-order mark, for Excel); an earlier export's files of tables
    that are empty now are removed."""
    tables = {name: table for name, table in export_tables(store).items() if table[1]}
    return write_csv_tables(tables, out_dir, bom, known=[f.name for f in FILES])


def write_xlsx_book(store: Store, out: BinaryIO) -> list[str]:
    """The non-empty interchange tables of ``store`` as one XLSX book, a sheet per table (the book
    ``biokg load`` reads); the names of the sheets."""
    tables = {name: table for name, table in export_tables(store).items() if table[1]}
    write_xlsx(tables, out)
    return list(tables)


def _graphml_value(value: Any) -> Any:
    return ";".join(map(str, value)) if isinstance(value, (list, tuple)) else value


def to_networkx(store: Store) -> nx.MultiDiGraph:
    """The whole store as a networkx graph with scalar attributes (lists joined by ';')."""
    g = nx.MultiDiGraph()
    for node in store.nodes():
        attrs = {k: _graphml_value(v) for k, v in node.props.items()}
        attrs.update(kind=node.kind, name=node.name)
        if node.provenance:
            attrs.update(source=node.provenance.source, load_id=node.provenance.load_id,
                         loaded_at=node.provenance.loaded_at)
            if node.provenance.row is not None:
                attrs["source_row"] = node.provenance.row
        g.add_node(node.id, **attrs)
    for e in store.edges():
        attrs = {f"edge_{k}" if k == "id" else k: _graphml_value(v) for k, v in e.props.items()}
        attrs["kind"] = e.kind
        if e.provenance:
            attrs.update(source=e.provenance.source, load_id=e.provenance.load_id)
        g.add_edge(e.src, e.dst, key=f"{e.kind}|{e.key}" if EDGE_KINDS[e.kind].key else e.kind, **attrs)
    return g


def write_graphml(store: Store, out: BinaryIO) -> None:
    nx.write_graphml(to_networkx(store), out, encoding="utf-8", prettyprint=True)

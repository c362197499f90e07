"""Exports of a store: the CSV interchange format and GraphML (RDF lives in ``loaders.rdf_export``).

The CSV export (a folder) and the XLSX export (a book, a sheet per table) are the load format, so
export -> load into an empty store -> export is identical.  Cores build rows or graphs; only the
``write_*`` functions touch files.  The rules are per table (``table_rows``) and per record
(``node_attrs``, ``edge_attrs``, ``edge_key``): the whole-file writers here and the streamed exports
of ``loaders.export_stream`` share them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import networkx as nx

from graph.interface import Store
from graph.model import Edge, Node
from loaders.interchange import FILES, FileSpec
from loaders.sheets import Table, format_value, write_csv_tables, write_xlsx
from ontology import EDGE_KINDS, NODE_KINDS, SchemaError


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


def _node_rows(store: Store, spec: FileSpec) -> Iterator[list[Any]]:
    """The rows of a node file, lazily in node id order (the targets of its reference columns are
    read first, one map per column)."""
    maps = {c.name: _edge_map(store, c.edge, c.reverse) for c in spec.columns if c.role == "edge"}  # type: ignore[arg-type]
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
        yield row


def _edge_rows(store: Store, spec: FileSpec) -> list[list[Any]]:
    """The rows of an edge file, sorted by their cells' text (so built whole)."""
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
    return rows


def table_rows(store: Store, spec: FileSpec) -> Iterator[list[Any]]:
    """The rows of one interchange table: a node file's lazily, an edge file's after sorting them."""
    return _node_rows(store, spec) if spec.is_node_file else iter(_edge_rows(store, spec))


def export_table(store: Store, spec: FileSpec) -> Table:
    """One interchange table with its rows (possibly none)."""
    return [c.name for c in spec.columns], list(table_rows(store, spec))


def export_tables(store: Store) -> dict[str, Table]:
    """Every interchange table with its rows (tables without rows included, for a stable layout)."""
    return {spec.name: export_table(store, spec) for spec in FILES}


def write_csv_folder(store: Store, out_dir: Path, bom: bool = False) -> list[Path]:
    """Write the non-empty interchange tables of ``store`` as CSV files into ``out_dir`` (``bom``:
    each starting with the UTF-8 byte-order mark, for Excel); an earlier export's files of tables
    that are empty now are removed."""
    tables = {name: table for name, table in export_tables(store).items() if table[1]}
    return write_csv_tables(tables, out_dir, bom, known=[f.name for f in FILES])


def write_xlsx_book(store: Store, out: BinaryIO) -> list[str]:
    """The non-empty interchange tables of ``store`` as one XLSX book, a sheet per table (the book
    ``biokg load`` reads); the names of the sheets.  The tables are built one at a time."""
    names: list[str] = []

    def tables() -> Iterator[tuple[str, Table]]:
        for spec in FILES:
            table = export_table(store, spec)
            if table[1]:
                names.append(spec.name)
                yield spec.name, table

    write_xlsx(tables(), out)
    return names


def _graphml_value(value: Any) -> Any:
    return ";".join(map(str, value)) if isinstance(value, (list, tuple)) else value


def node_attrs(node: Node) -> dict[str, Any]:
    """A node's GraphML attributes: its properties (lists joined by ';'), kind, name, provenance."""
    attrs = {k: _graphml_value(v) for k, v in node.props.items()}
    attrs.update(kind=node.kind, name=node.name)
    if node.provenance:
        attrs.update(source=node.provenance.source, load_id=node.provenance.load_id,
                     loaded_at=node.provenance.loaded_at)
        if node.provenance.row is not None:
            attrs["source_row"] = node.provenance.row
    return attrs


def edge_attrs(edge: Edge) -> dict[str, Any]:
    """An edge's GraphML attributes: its properties (``id`` as ``edge_id``), kind, provenance."""
    attrs = {f"edge_{k}" if k == "id" else k: _graphml_value(v) for k, v in edge.props.items()}
    attrs["kind"] = edge.kind
    if edge.provenance:
        attrs.update(source=edge.provenance.source, load_id=edge.provenance.load_id)
    return attrs


def edge_key(edge: Edge) -> str:
    """The key of an edge among the parallel edges of its ends (the GraphML edge id)."""
    return f"{edge.kind}|{edge.key}" if EDGE_KINDS[edge.kind].key else edge.kind


_GRAPHML_TYPES: dict[str, type] = {"int": int, "float": float, "bool": bool}  # other types are text


def graphml_keys() -> dict[tuple[str, str], type]:
    """(``node`` | ``edge``, attribute) -> Python type of every attribute ``node_attrs`` and
    ``edge_attrs`` can give, from the ontology's declared properties (the GraphML <key>s)."""
    out: dict[tuple[str, str], type] = {}
    for scope, kinds, rename in (("node", NODE_KINDS.values(), {}), ("edge", EDGE_KINDS.values(), {"id": "edge_id"})):
        for kind in kinds:
            for p in kind.props:
                name = rename.get(p.name, p.name)
                typ = _GRAPHML_TYPES.get(p.type, str)
                if out.setdefault((scope, name), typ) is not typ:
                    raise SchemaError(f"{scope} attribute {name!r} is declared with two types")
    provenance = {"source": str, "load_id": str}
    out.update({("node", k): t for k, t in (("kind", str), ("name", str), *provenance.items(),
                                            ("loaded_at", str), ("source_row", int))})
    out.update({("edge", k): t for k, t in (("kind", str), *provenance.items())})
    return out


def to_networkx(store: Store) -> nx.MultiDiGraph:
    """The whole store as a networkx graph with scalar attributes (lists joined by ';')."""
    g = nx.MultiDiGraph()
    for node in store.nodes():
        g.add_node(node.id, **node_attrs(node))
    for e in store.edges():
        g.add_edge(e.src, e.dst, key=edge_key(e), **edge_attrs(e))
    return g


def write_graphml(store: Store, out: BinaryIO) -> None:
    """The store as GraphML (what ``to_networkx`` holds, as ``networkx.read_graphml`` reads it),
    written as it is read (``loaders.export_stream.graphml_chunks``)."""
    from loaders.export_stream import graphml_chunks  # export_stream builds on this module

    for chunk in graphml_chunks(store):
        out.write(chunk)

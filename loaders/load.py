"""Loading interchange tables into a store: read, validate everything, then write in one transaction.

Nothing is written when any error is found (unless ``skip_invalid``: then valid rows are written
and the others reported).  Re-loading the same files changes nothing.

Memory: tables are parsed one at a time and their raw cells dropped; after validation each file is
written in chunks — its nodes, then its edges — and its rows released.  A file's references point
into itself or into files before it (the order of ``interchange.FILES``), so every edge finds its
ends written.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from graph.interface import Store
from graph.memory import no_cyclic_gc
from graph.model import Edge, Node, Provenance, Replace, WriteResult
from loaders.interchange import FILES, FileSpec, spec_for_name
from loaders.mapping.contributions import Contribution, contributions, keep_contributed, mapping_edges
from loaders.resolve import Resolver
from loaders.rows import Draft, plan_table, read_rows
from loaders.tables import RawTable, discover, read_path
from ontology import LoadError, Location, Problem, field_for_ipc

CHUNK = 20_000
BULK_ROWS = 10_000
Progress = Callable[[int, int], None]  # (rows written so far, total rows)


@dataclass(frozen=True)
class LoadReport:
    load_id: str
    tables: tuple[tuple[str, str, int], ...]  # (source, table, rows)
    result: WriteResult
    warnings: tuple[Problem, ...]
    skipped: tuple[Problem, ...]  # problems of rows left out under skip_invalid

    @property
    def rows(self) -> int:
        return sum(n for _, _, n in self.tables)


def new_load_id(now: datetime) -> str:
    return f"load-{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def _derived_classified_as(node: Node) -> list[Edge]:
    """Patents are classified into fields through their IPC codes."""
    fields = sorted({f for code in node.props.get("ipc", ()) if (f := field_for_ipc(code))})
    return [Edge("CLASSIFIED_AS", node.id, f, {}, node.provenance) for f in fields]


# Edges computed from a node's own properties, per kind: (edge kind, rule).
DERIVED_EDGES = {"Patent": ("CLASSIFIED_AS", _derived_classified_as)}


def read_tables(tables: Iterable[RawTable]) -> tuple[list[Draft], list[tuple[str, str, int]], list[Problem]]:
    """Drafts of every row of ``tables`` (consumed one by one), in load order."""
    problems: list[Problem] = []
    drafts: list[Draft] = []
    seen: list[tuple[str, str, int]] = []
    for table in tables:
        spec = spec_for_name(table.name)
        if spec is None:
            names = ", ".join(f.name for f in FILES)
            message = f"not an interchange table (expected one of {names}); ignored"
            problems.append(Problem(Location(table.source), message, "warning"))
            continue
        plan = plan_table(table, spec, problems)
        if plan is None:
            continue
        rows = read_rows(table, plan, problems)
        drafts += rows
        seen.append((table.source, spec.name, len(rows)))
    order = {f.name: i for i, f in enumerate(FILES)}
    drafts.sort(key=lambda d: order[d.spec.name])  # stable: file order kept within a table
    return drafts, seen, problems


def _ends(d: Draft) -> tuple[str, str]:
    src, dst = (r.resolved for r in d.refs if r.column.role in ("src", "dst"))
    return src, dst  # type: ignore[return-value]


def _edge_duplicates(store: Store, drafts: list[Draft], problems: list[Problem]) -> None:
    """Edge rows must be distinct; a service record id names one record, here and in the store."""
    first: dict[tuple, Draft] = {}
    record_ids: dict[str, Draft] = {}
    for d in drafts:
        if d.spec.is_node_file or d.errors:
            continue
        src, dst = _ends(d)
        edge = Edge(d.edge_kind, src, dst, _edge_props(d))  # type: ignore[arg-type]
        ident = (edge.kind, *sorted((src, dst)), edge.key) if d.edge_kind == "COLLABORATES" else edge.ident
        if ident in first:
            problems.append(Problem(d.loc, f"duplicate of the row at {first[ident].loc}"))
            d.errors += 1
            continue
        first[ident] = d
        rid = d.props.get("id")
        if rid is not None and d.edge_kind == "TRACKS":
            if rid in record_ids:
                problems.append(Problem(d.loc, f"duplicate record id {rid!r} (first at {record_ids[rid].loc})"))
                d.errors += 1
            else:
                record_ids[rid] = d
    if record_ids:
        for rid, stored in store.records_by_id(record_ids).items():
            d = record_ids[rid]
            if _ends(d) != (stored.src, stored.dst):
                problems.append(Problem(d.loc, f"record id {stored.props['id']!r} already exists in the store for "
                                               f"{stored.src} -> {stored.dst}; give this record a new id"))
                d.errors += 1


def _edge_props(d: Draft) -> dict:
    props = dict(d.props)
    for r in d.refs:
        if r.column.role == "prop":
            props[r.column.prop] = r.resolved
    return props


def _node_records(d: Draft, prov: Provenance) -> Node:
    return Node(d.node_id, d.spec.kind, d.name, d.props, prov)  # type: ignore[arg-type]


def _edge_records(d: Draft, node: Node | None, prov: Provenance, existed: bool) -> tuple[list[Edge], list[Replace]]:
    """The edges one valid row writes, and (for a row that was already in the store) the edge sets it
    replaces."""
    spec: FileSpec = d.spec
    if node is None:
        src, dst = _ends(d)
        return [Edge(d.edge_kind, src, dst, _edge_props(d), prov)], []  # type: ignore[arg-type]
    edges = []
    for r in d.refs:
        if r.resolved is None:
            continue
        col = r.column
        edges.append(Edge(col.edge, r.resolved, node.id, {}, prov) if col.reverse  # type: ignore[arg-type]
                     else Edge(col.edge, node.id, r.resolved, {}, prov))  # type: ignore[arg-type]
    derived = DERIVED_EDGES.get(spec.kind)  # type: ignore[arg-type]
    if derived:
        edges += derived[1](node)
    if not existed:  # a new node has no old edges to replace
        return edges, []
    replace = [Replace(node.id, c.edge, "in" if c.reverse else "out")  # type: ignore[arg-type]
               for c in spec.columns if c.role == "edge"]
    if derived:
        replace.append(Replace(node.id, derived[0], "out"))
    return edges, replace


def load_tables(
    store: Store,
    tables: Iterable[RawTable],
    *,
    skip_invalid: bool = False,
    progress: Progress | None = None,
    load_id: str | None = None,
    now: datetime | None = None,
    read_problems: list[Problem] | None = None,
    check: bool = False,
) -> LoadReport:
    """Validate ``tables`` and write them to ``store``; raise LoadError (nothing written) on errors.

    ``read_problems`` is filled by a lazy ``tables`` iterable with files it could not read.
    ``check``: validate exactly as a load does, write nothing.
    """
    now = now or datetime.now(UTC)
    load_id = load_id or new_load_id(now)
    loaded_at = now.isoformat(timespec="seconds")
    with no_cyclic_gc():
        drafts, seen, problems = read_tables(tables)
        problems += read_problems or []
        resolver = Resolver(store, drafts, problems)
        resolver.resolve_all()
        _edge_duplicates(store, drafts, problems)
        skipped_rows: list[Problem] = []
        if any(p.severity == "error" for p in problems):
            if not skip_invalid:
                raise LoadError(problems)
            skipped = {d.node_id for d in drafts if d.errors and d.node_id}
            while hit := resolver.cascade(skipped):
                skipped |= {d.node_id for d in hit if d.node_id}
            skipped_rows = [p for p in problems if p.severity in ("error", "skipped")]
        existed = set(resolver.stored)
        del resolver
        valid = [d for d in drafts if not d.errors]
        del drafts
        if check:
            result = WriteResult()
        else:
            # what mappings added to existing nodes is kept when a node file rewrites them
            rewrites = existed if any(d.spec.is_node_file for d in valid) else set()
            added = contributions(store, rewrites) if rewrites else {}
            result = _write(store, valid, existed, load_id, loaded_at, progress, added)
    warnings = tuple(p for p in problems if p.severity == "warning")
    return LoadReport(load_id, tuple(seen), result, warnings, tuple(sorted(skipped_rows)))


def _write(store: Store, drafts: list[Draft], existed: set[str], load_id: str, loaded_at: str,
           progress: Progress | None, added: dict[str, Contribution]) -> WriteResult:
    """Write file after file: its nodes, then its edges, in chunks; release each file's rows.  Rows
    of nodes that mapping loads were merged into keep what those added (``added``)."""
    total, done = len(drafts), 0
    result = WriteResult()
    # A load as big as what is stored goes in bulk: the embedded store then rebuilds its
    # in-memory graph once afterwards instead of growing it while these rows are still held.
    # (Counting the store costs a query on Neo4j: only a big load asks.)
    bulk = total >= BULK_ROWS and 2 * total >= _size(store)
    with store.batch(bulk=bulk):
        while drafts:
            spec = drafts[0].spec
            end = next((i for i, d in enumerate(drafts) if d.spec is not spec), len(drafts))
            group, drafts[:end] = drafts[:end], []
            provs = [Provenance(d.source, d.line, load_id, loaded_at) for d in group]
            nodes = [_node_records(d, p) for d, p in zip(group, provs, strict=True)] if spec.is_node_file else None
            if nodes is not None and added:
                nodes = _keep_added(store, nodes, added)
            for i in range(0, len(group), CHUNK):
                if nodes is not None:
                    result += store.write(nodes=nodes[i:i + CHUNK])
            for i in range(0, len(group), CHUNK):
                edges: list[Edge] = []
                replace: list[Replace] = []
                for j in range(i, min(i + CHUNK, len(group))):
                    d = group[j]
                    e, r = _edge_records(d, nodes[j] if nodes else None, provs[j], d.node_id in existed)
                    if r and d.node_id in added:  # the mappings' edges there are not the row's to replace
                        e += mapping_edges(store, d.node_id, [(x.edge_kind, x.direction) for x in r])
                    edges += e
                    replace += r
                if edges or replace:
                    result += store.write(edges=edges, replace=replace)
                done += min(CHUNK, len(group) - i)
                if progress:
                    progress(done, total)
    return result


def _size(store: Store) -> int:
    counts = store.counts()
    return sum(counts.nodes.values()) + sum(counts.edges.values())


def _keep_added(store: Store, nodes: list[Node], added: dict[str, Contribution]) -> list[Node]:
    out = []
    for n in nodes:
        current = store.get(n.id) if n.id in added else None
        out.append(keep_contributed(n, current, added[n.id]) if current is not None else n)
    return out


def _read_each(paths: Iterable[Path], problems: list[Problem]) -> Iterator[RawTable]:
    """Tables under ``paths``, read lazily; decoding and CSV errors go to ``problems``."""
    for path in discover(list(paths)):
        try:
            yield from read_path(path)
        except LoadError as exc:
            problems += exc.problems


def load_paths(store: Store, paths: Iterable[Path], **kwargs) -> LoadReport:
    """Load files and folders (CSV/TSV/XLSX) into ``store``, reading one file at a time."""
    read_problems: list[Problem] = []
    return load_tables(store, _read_each(paths, read_problems), read_problems=read_problems, **kwargs)

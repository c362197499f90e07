"""Loading interchange tables into a store: read, validate everything, then write in one transaction.

Nothing is written when any error is found (unless ``skip_invalid``: then valid rows are written
and the others reported).  Re-loading the same files changes nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from graph.interface import Store
from graph.model import Edge, Node, Provenance, Replace, WriteResult
from loaders.interchange import FILES, FileSpec, spec_for_name
from loaders.resolve import Resolver
from loaders.rows import Draft, plan_table, read_rows
from loaders.tables import RawTable, discover, read_path
from ontology import LoadError, Location, Problem, field_for_ipc

CHUNK = 20_000
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


def _edge_duplicates(drafts: list[Draft], problems: list[Problem]) -> None:
    first: dict[tuple, Draft] = {}
    record_ids: dict[str, Draft] = {}
    for d in drafts:
        if d.spec.is_node_file or d.errors:
            continue
        src, dst = (r.resolved for r in d.refs if r.column.role in ("src", "dst"))
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


def _edge_props(d: Draft) -> dict:
    props = dict(d.props)
    for r in d.refs:
        if r.column.role == "prop":
            props[r.column.prop] = r.resolved
    return props


def _records(d: Draft, prov: Provenance) -> tuple[list[Node], list[Edge], list[Replace]]:
    """What one valid row writes."""
    spec: FileSpec = d.spec
    if not spec.is_node_file:
        src, dst = (r.resolved for r in d.refs if r.column.role in ("src", "dst"))
        return [], [Edge(d.edge_kind, src, dst, _edge_props(d), prov)], []  # type: ignore[arg-type]
    node = Node(d.node_id, spec.kind, d.name, d.props, prov)  # type: ignore[arg-type]
    edges = []
    for r in d.refs:
        if r.resolved is None:
            continue
        col = r.column
        edges.append(Edge(col.edge, r.resolved, d.node_id, {}, prov) if col.reverse  # type: ignore[arg-type]
                     else Edge(col.edge, d.node_id, r.resolved, {}, prov))  # type: ignore[arg-type]
    replace = [Replace(d.node_id, c.edge, "in" if c.reverse else "out")  # type: ignore[arg-type]
               for c in spec.columns if c.role == "edge"]
    derived = DERIVED_EDGES.get(spec.kind)  # type: ignore[arg-type]
    if derived:
        edges += derived[1](node)
        replace.append(Replace(d.node_id, derived[0], "out"))  # type: ignore[arg-type]
    return [node], edges, replace


def load_tables(
    store: Store,
    tables: Iterable[RawTable],
    *,
    skip_invalid: bool = False,
    progress: Progress | None = None,
    load_id: str | None = None,
    now: datetime | None = None,
) -> LoadReport:
    """Validate ``tables`` and write them to ``store``; raise LoadError (nothing written) on errors."""
    now = now or datetime.now(UTC)
    load_id = load_id or new_load_id(now)
    loaded_at = now.isoformat(timespec="seconds")
    drafts, seen, problems = read_tables(tables)
    resolver = Resolver(store, drafts, problems)
    resolver.resolve_all()
    _edge_duplicates(drafts, problems)

    skipped_rows: list[Problem] = []
    if any(p.severity == "error" for p in problems):
        if not skip_invalid:
            raise LoadError(problems)
        skipped = {d.node_id for d in drafts if d.errors and d.node_id}
        while True:
            hit = resolver.cascade(skipped)
            if not hit:
                break
            skipped |= {d.node_id for d in hit if d.node_id}
        skipped_rows = [p for p in problems if p.severity in ("error", "skipped")]
    valid = [d for d in drafts if not d.errors]
    result = _write(store, valid, load_id, loaded_at, progress)
    warnings = tuple(p for p in problems if p.severity == "warning")
    return LoadReport(load_id, tuple(seen), result, warnings, tuple(sorted(skipped_rows)))


def _write(store: Store, drafts: list[Draft], load_id: str, loaded_at: str, progress: Progress | None) -> WriteResult:
    total = len(drafts)
    result = WriteResult()
    pending_edges: list[tuple[list[Edge], list[Replace]]] = []
    done = 0
    with store.batch():
        for chunk in _chunks(drafts, CHUNK):
            nodes: list[Node] = []
            edges: list[Edge] = []
            replace: list[Replace] = []
            for d in chunk:
                n, e, r = _records(d, Provenance(d.loc.file, d.loc.line, load_id, loaded_at))
                nodes += n
                edges += e
                replace += r
            if nodes:
                result += store.write(nodes=nodes)
            pending_edges.append((edges, replace))
            done += len(chunk) / 2
            if progress:
                progress(int(done), total)
        # Edges after all nodes: a row may point at a row further down (a station at its core).
        for (edges, replace), chunk in zip(pending_edges, _chunks(drafts, CHUNK), strict=True):
            if edges or replace:
                result += store.write(edges=edges, replace=replace)
            done += len(chunk) / 2
            if progress:
                progress(int(done), total)
    return result


def _chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def read_paths(paths: Iterable[Path]) -> tuple[list[RawTable], list[Problem]]:
    """Read every table under ``paths``; decoding and CSV errors of all files are collected."""
    tables: list[RawTable] = []
    problems: list[Problem] = []
    for path in discover(list(paths)):
        try:
            tables += read_path(path)
        except LoadError as exc:
            problems += exc.problems
    return tables, problems


def load_paths(store: Store, paths: Iterable[Path], **kwargs) -> LoadReport:
    """Load files and folders (CSV/TSV/XLSX) into ``store``."""
    tables, problems = read_paths(paths)
    if any(p.severity == "error" for p in problems) and not kwargs.get("skip_invalid"):
        raise LoadError(problems)
    report = load_tables(store, tables, **kwargs)
    if problems:
        report = LoadReport(report.load_id, report.tables, report.result, report.warnings,
                            tuple(sorted((*report.skipped, *problems))))
    return report

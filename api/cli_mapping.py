"""``biokg load --mapping``, ``biokg mapping check|list`` and ``biokg resolve``: thin commands over
``loaders.mapping``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from api import output
from api.cli_common import JSON, STORE, emit, err, errors_reported, open_configured, out, settings_of
from graph import Store
from ontology import InvalidInput

mapping_app = typer.Typer(no_args_is_help=True, help="Mapping files: how foreign files become nodes and edges.")
SET = typer.Option(None, "--set", metavar="NAME=VALUE", help="A parameter of the mapping (repeatable).")


def parse_sets(pairs: list[str] | None) -> dict[str, str]:
    """``["province=上海", "streets=yes"]`` -> a dict; a pair without '=' is bad input."""
    out_: dict[str, str] = {}
    for pair in pairs or ():
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InvalidInput(f"--set takes NAME=VALUE, got {pair!r}")
        out_[name.strip()] = value.strip()
    return out_


def load_with_mapping(db: Store, mapping: str, data: list[Path], sets: list[str] | None, skip_invalid: bool,
                      as_json: bool, check: bool = False):
    """The body of ``biokg load --mapping``; the report."""
    from loaders.mapping.apply import load_mapping
    from loaders.mapping.registry import load_spec

    file, spec = load_spec(mapping, parse_sets(sets))
    with Progress(TextColumn("loading"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=err, transient=True, disable=as_json or not err.is_terminal) as bar:
        task = bar.add_task("load", total=None)
        report = load_mapping(db, spec, data, skip_invalid=skip_invalid, mapping_file=file.path, check=check,
                              progress=lambda done, total: bar.update(task, completed=done, total=total))
    if as_json:
        emit(output.mapping_report_json(report, check))
    else:
        output.print_mapping_report(out, report, check=check)
    return report


@mapping_app.command("list")
def list_mappings(as_json: bool = JSON) -> None:
    """The mappings that come with biokg (use their names with --mapping)."""
    from loaders.mapping.registry import load_spec, shipped

    with errors_reported(as_json):
        specs = [load_spec(name)[1] for name in shipped()]
        if as_json:
            emit([{"name": s.name, "version": s.version, "dataset": s.dataset, "description": s.description,
                   "params": s.params, "sources": {k: list(v.files) for k, v in s.sources.items()}} for s in specs])
            return
        for s in specs:
            params = ", ".join(f"{k}={v!r}" for k, v in s.params.items())
            out.print(f"{s.name} v{s.version}: {s.description}" + (f" (parameters: {params})" if params else ""))


@mapping_app.command("check")
def check_mapping(
    ctx: typer.Context,
    mapping: str = typer.Argument(..., help="A mapping file (.toml) or the name of a shipped mapping."),
    data: list[Path] | None = typer.Argument(None, help="Files or folders to read through it (optional)."),
    sets: list[str] | None = SET,
    store: str | None = STORE,
    as_json: bool = JSON,
) -> None:
    """Check a mapping against the ontology; with DATA, validate the files exactly as `biokg load
    --mapping` would against the store (references, entity resolution, every value). Nothing is written."""
    from loaders.mapping.apply import load_mapping
    from loaders.mapping.registry import load_spec

    with errors_reported(as_json):
        file, spec = load_spec(mapping, parse_sets(sets))
        report = db = None
        if data:
            db = open_configured(settings_of(ctx), store, ctx)
            report = load_mapping(db, spec, data, mapping_file=file.path, check=True)
        rows = sum(report.rows.values()) if report else 0
        nodes, edges = report.records if report else (0, 0)
        if as_json:
            emit({"mapping": spec.name, "version": spec.version, "file": file.path, "ok": True, "rows": rows,
                  "nodes": nodes, "edges": edges, "merged": len(report.merged) if report else 0,
                  "ambiguous": len(report.ambiguous) if report else 0,
                  "warnings": [output.problem_json(p) for p in report.warnings] if report else []})
            return
        what = (f"; {rows:,} rows make {nodes:,} nodes and {edges:,} edges, validated against {db.path}"
                if db is not None else "")
        out.print(f"{file.path}: mapping {spec.name} v{spec.version} is valid{what}")
        if report:
            output.print_mapping_report(out, report, check=True)


def resolve(
    ctx: typer.Context,
    report: bool = typer.Option(False, "--report", help="List the merges and ambiguous records (the default)."),
    undo: str | None = typer.Option(None, "--undo", metavar="ID", help="Undo one merge (an id from --report)."),
    source: str | None = typer.Option(None, "--source", help="Only the records of this mapping."),
    everything: bool = typer.Option(False, "--all", help="Also the records that made nodes of their own."),
    data: list[Path] | None = typer.Option(None, "--data", help="With --undo: where the source's files are now."),
    store: str | None = STORE,
    as_json: bool = JSON,
) -> None:
    """Entity resolution: list what was merged, or undo a merge (the record gets its own node back)."""
    from loaders.mapping.undo import undo_merge

    with errors_reported(as_json):
        db = open_configured(settings_of(ctx), store, ctx)
        if undo is not None:
            result = undo_merge(db, undo, data or None)
            if as_json:
                emit(output.mapping_report_json(result))
            else:
                out.print(f"undid {undo}; the record has its own node again")
                output.print_mapping_report(out, result)
            return
        xrefs = [x for x in db.xrefs(source=source) if everything or x.status != "new"]
        if as_json:
            emit({"xrefs": [output.xref_json(x) for x in xrefs]})
            return
        targets = {n for x in xrefs for n in (x.node, *x.candidates)}
        names = {n: node.name for n in targets if (node := db.get(n)) is not None}
        output.print_xrefs(out, xrefs, names)
        counts = {s: sum(x.status == s for x in xrefs) for s in ("merged", "ambiguous", "rejected")}
        out.print(", ".join(f"{n} {s}" for s, n in counts.items()) + "; undo a merge with `biokg resolve --undo ID`")

"""The ``biokg`` command line: thin commands over graph/, loaders/ and queries/."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from api import output
from api.cli_assessment import alerts, scorecard
from api.cli_calendar import calendar_app
from api.cli_common import (
    BOM,
    JSON,
    STORE,
    audit_local,
    emit,
    err,
    errors_reported,
    open_configured,
    open_spec,
    out,
    settings_of,
)
from api.cli_dossier import dossier
from api.cli_keys import keys_app
from api.cli_mapping import SET, load_with_mapping, mapping_app, resolve
from api.cli_matching import broker, chain_gaps, match, partners, patents
from api.cli_queries import coverage
from api.cli_view import view
from api.cli_workflow import audit_app, question_app, record_app
from ontology import InvalidInput

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="biokg: a knowledge graph of a regional biomedical ecosystem.")


@app.callback()
def _main(ctx: typer.Context) -> None:
    settings_of(ctx)


@app.command()
def load(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., help="CSV/TSV/XLSX files or folders in the interchange format "
                                                 "(with --mapping: the files or folders the mapping reads)."),
    mapping: str | None = typer.Option(None, "--mapping", help="A mapping file (.toml), or the name of a shipped "
                                                               "mapping (`biokg mapping list`), for foreign files."),
    sets: list[str] | None = SET,
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Write the valid rows, report the rest."),
    check: bool = typer.Option(False, "--check", help="Validate exactly as a load would; write nothing."),
    store: str | None = STORE,
    as_json: bool = JSON,
) -> None:
    """Validate files and load them; nothing is written when any row is invalid."""
    from loaders.load import load_paths

    with errors_reported(as_json):
        db = open_configured(settings_of(ctx), store, ctx)
        if mapping is not None:
            report = load_with_mapping(db, mapping, paths, sets, skip_invalid, as_json, check)
            if not check:
                audit_local(settings_of(ctx), "loads.create", ",".join(map(str, paths))[:500], 201, None,
                            {"load_id": report.load_id, "mapping": mapping,
                             **output.mapping_report_json(report, check).get("result", {})})
            return
        if sets:
            raise InvalidInput("--set gives parameters of a mapping; use it with --mapping")
        with Progress(TextColumn("loading"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=err, transient=True, disable=as_json or not err.is_terminal) as bar:
            task = bar.add_task("load", total=None)
            report = load_paths(db, paths, skip_invalid=skip_invalid, check=check,
                                progress=lambda done, total: bar.update(task, completed=done, total=total))
        if not check:
            audit_local(settings_of(ctx), "loads.create", ",".join(map(str, paths))[:500], 201, None,
                        {"load_id": report.load_id, **output.report_json(report, check).get("result", {})})
        if as_json:
            emit(output.report_json(report, check))
        else:
            output.print_report(out, report, check=check)


@app.command()
def stats(ctx: typer.Context, store: str | None = STORE, as_json: bool = JSON) -> None:
    """Count nodes and edges per kind."""
    with errors_reported(as_json):
        counts = open_configured(settings_of(ctx), store, ctx).counts()
        if as_json:
            emit(output.counts_json(counts))
        else:
            output.print_counts(out, counts)


@app.command()
def show(ctx: typer.Context, node_id: str = typer.Argument(..., metavar="ID"), store: str | None = STORE,
         as_json: bool = JSON) -> None:
    """Show one node, its edges, and where each came from."""
    from queries.terms import existing_node

    with errors_reported(as_json):
        db = open_configured(settings_of(ctx), store, ctx)
        node = existing_node(db, node_id)
        neighbours = db.neighbours(node_id)
        xrefs = db.xrefs(node=node_id)
        if as_json:
            emit({**output.node_json(node), "edges": [output.neighbour_json(n) for n in neighbours],
                  "source_records": [output.xref_json(x) for x in xrefs]})
        else:
            output.print_node(out, node, neighbours, xrefs)


@app.command()
def search(ctx: typer.Context, text: str, kind: list[str] | None = typer.Option(None, "--kind", help="Node kind(s)."),
           limit: int = typer.Option(20, min=1, max=1000), store: str | None = STORE, as_json: bool = JSON) -> None:
    """Find nodes by name or alias (exact > prefix > substring; width and brackets folded)."""
    from ontology import SCHEMA

    with errors_reported(as_json):
        for k in kind or ():
            SCHEMA.node_kind(k)
        hits = open_configured(settings_of(ctx), store, ctx).search(text, kinds=kind or None, limit=limit)
        if as_json:
            emit({"query": text, "hits": [output.hit_json(h) for h in hits]})
        else:
            output.print_hits(out, hits)


EXPORT_FORMATS = ("csv", "xlsx", "ttl", "nt", "jsonld", "graphml")


@app.command()
def export(ctx: typer.Context, out_path: Path = typer.Argument(..., metavar="OUT"),
           fmt: str = typer.Option(..., "--format", help=" | ".join(EXPORT_FORMATS)),
           bom: bool = BOM, store: str | None = STORE) -> None:
    """Export the store: csv (a folder in the interchange format), xlsx (one book, a sheet per table;
    both load again with `biokg load`), ttl, nt, jsonld or graphml (a file)."""
    with errors_reported(False):
        if fmt not in EXPORT_FORMATS:
            raise InvalidInput(f"unknown format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
        db = open_configured(settings_of(ctx), store, ctx)
        if fmt == "csv":
            from loaders.export import write_csv_folder

            paths = write_csv_folder(db, out_path, bom=bom)
            err.print(f"wrote {len(paths)} file(s) to {out_path}")
            return
        from loaders.sheets import write_file

        if fmt == "xlsx":
            from loaders.export import write_xlsx_book

            write_file(out_path, lambda fh: write_xlsx_book(db, fh))
        elif fmt == "graphml":
            from loaders.export import write_graphml

            write_file(out_path, lambda fh: write_graphml(db, fh))
        else:
            from loaders.rdf_export import serialize, to_rdf

            write_file(out_path, lambda fh: fh.write(serialize(to_rdf(db.nodes(), db.edges()), fmt)))
        err.print(f"wrote {out_path}")


@app.command()
def ontology(fmt: str = typer.Option("ttl", "--format", help="ttl | json"),
             part: str = typer.Option("all", "--part", help="all | owl | shapes (for ttl)")) -> None:
    """Print the ontology: OWL and SHACL as Turtle, or the declarations as JSON."""
    with errors_reported(fmt == "json"):
        if fmt == "json":
            from ontology.describe import describe

            emit(describe())
            return
        if fmt != "ttl":
            raise InvalidInput(f"unknown format {fmt!r}; use ttl or json")
        from ontology.rdf import ontology_turtle, shapes_turtle

        parts = {"owl": (ontology_turtle,), "shapes": (shapes_turtle,), "all": (ontology_turtle, shapes_turtle)}
        if part not in parts:
            raise InvalidInput(f"unknown part {part!r}; use all, owl or shapes")
        sys.stdout.write("\n".join(f() for f in parts[part]))


@app.command()
def generate(out_dir: Path = typer.Argument(..., metavar="OUT_DIR"),
             enterprises: int = typer.Option(1000, "--enterprises", min=1),
             seed: int = typer.Option(0, "--seed")) -> None:
    """Write a synthetic region in the interchange format (deterministic for a seed)."""
    from loaders.generate import generate_region, write_region

    with errors_reported(False):
        paths = write_region(generate_region(enterprises, seed=seed), out_dir)
        err.print(f"wrote {len(paths)} file(s) to {out_dir}")


@app.command()
def loads(ctx: typer.Context, store: str | None = STORE, as_json: bool = JSON) -> None:
    """List the loads whose records are in the store."""
    with errors_reported(as_json):
        records = open_configured(settings_of(ctx), store, ctx).loads()
        if as_json:
            emit([{"load_id": r.load_id, "loaded_at": r.loaded_at, "nodes": r.nodes, "edges": r.edges,
                   "dataset": r.meta.dataset if r.meta else None, "mapping": r.meta.mapping if r.meta else None,
                   "mapping_version": r.meta.version if r.meta else None} for r in records])
        else:
            for r in records:
                via = f"  mapping {r.meta.mapping} v{r.meta.version}" if r.meta else ""
                out.print(f"{r.load_id}  {r.loaded_at}  nodes {r.nodes:,}  edges {r.edges:,}{via}")


@app.command()
def unload(ctx: typer.Context, load_id: str, store: str | None = STORE) -> None:
    """Delete everything one load last wrote (and edges left dangling); what its merges added to the
    nodes of other loads is taken back."""
    from loaders.mapping.undo import unload as unload_load

    with errors_reported(False):
        db = open_configured(settings_of(ctx), store, ctx)
        before = output.load_summary(db, load_id)
        result = unload_load(db, load_id)
        audit_local(settings_of(ctx), "loads.delete", load_id, 200, before, None,
                    {"nodes_deleted": result.nodes_deleted, "edges_deleted": result.edges_deleted})
        out.print(f"deleted {result.nodes_deleted:,} nodes and {result.edges_deleted:,} edges")


@app.command()
def init(ctx: typer.Context, store: str | None = STORE) -> None:
    """Prepare a store: on Neo4j, create the constraints and indexes the ontology calls for."""
    with errors_reported(False):
        db = open_configured(settings_of(ctx), store, ctx)  # opening creates what is missing
        made = db.init()
        out.print(f"{db.path}: ready" + (f" (created {', '.join(made)})" if made else ""))


@app.command()
def copy(
    ctx: typer.Context,
    source: str = typer.Option(..., "--from", help="The store to read (file path or Neo4j URI)."),
    target: str = typer.Option(..., "--to", help="The store to write (file path or Neo4j URI)."),
    as_json: bool = JSON,
) -> None:
    """Copy every node and edge, with its provenance, from one store into another (e.g. into Neo4j)."""
    from graph.copy import copy_store

    settings = settings_of(ctx)
    with errors_reported(as_json):
        if source == target:
            raise InvalidInput("--from and --to name the same store")
        src, dst = open_spec(settings, source), open_spec(settings, target)
        ctx.call_on_close(src.close)
        ctx.call_on_close(dst.close)
        with Progress(TextColumn("copying"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=err, transient=True, disable=as_json or not err.is_terminal) as bar:
            task = bar.add_task("copy", total=None)
            result = copy_store(src, dst, progress=lambda done, total: bar.update(task, completed=done, total=total))
        audit_local(settings, "stores.copy", target, 200, None, {"from": source, **output.result_json(result)})
        if as_json:
            emit(output.result_json(result))
        else:
            out.print(f"copied into {target}: {result.nodes_created:,} nodes and {result.edges_created:,} edges "
                      f"created, {result.nodes_updated + result.edges_updated:,} updated, "
                      f"{result.nodes_unchanged + result.edges_unchanged:,} unchanged")


@app.command()
def serve(ctx: typer.Context, host: str | None = typer.Option(None), port: int | None = typer.Option(None),
          workers: int | None = typer.Option(None, "--workers", min=1, max=64,
                                             help="Server processes (each opens the store; default 1)."),
          access_log: bool = typer.Option(True, "--access-log/--no-access-log", help="Log every request."),
          store: str | None = STORE) -> None:
    """Serve the pages and the JSON API (default http://127.0.0.1:8000; the API's docs at /docs)."""
    import os

    from api.server import run

    settings = settings_of(ctx)
    host, port = host or settings.host, port or settings.port
    workers = workers or settings.workers
    with errors_reported(False):
        db = open_configured(settings, store)  # the demo region is loaded once, before any worker starts
    if workers == 1:
        from api.app import create_app

        settings = settings.model_copy(update={"host": host})
        run(create_app(db, settings), host, port, access_log=access_log)
        return
    spec = db.path  # the store chosen, as a file path or URI
    db.close()
    # every worker builds its app from the environment: the same settings, the same store
    os.environ.update({"BIOKG_STORE": spec, "BIOKG_HOST": host, "BIOKG_DATA_DIR": str(settings.data_dir)})
    run("api.app:from_environment", host, port, workers, access_log)


app.command()(resolve)
app.command()(coverage)
app.command()(match)
app.command("chain-gaps")(chain_gaps)
app.command()(broker)
app.command()(patents)
app.command()(partners)
app.command()(scorecard)
app.command()(alerts)
app.command()(dossier)
app.command()(view)
app.add_typer(mapping_app, name="mapping")
app.add_typer(keys_app, name="keys")
app.add_typer(record_app, name="record")
app.add_typer(question_app, name="question")
app.add_typer(audit_app, name="audit")
app.add_typer(calendar_app, name="calendar")


def main() -> None:
    app()

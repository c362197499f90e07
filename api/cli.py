"""The ``biokg`` command line: thin commands over graph/, loaders/ and queries/."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from api import output
from api.settings import Settings
from graph import Store, open_store
from loaders.demo_region import ensure_demo
from ontology import BiokgError, InvalidInput, LoadError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="biokg: a knowledge graph of a regional biomedical ecosystem.")
out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)

STORE = typer.Option(None, "--store", help="A store file path, or a Neo4j URI (bolt://, neo4j://, neo4j+s://; "
                                            "credentials from BIOKG_NEO4J_USER/PASSWORD). Default: BIOKG_STORE, "
                                            "else BIOKG_NEO4J_URI, else the demo store under the user data folder.")
JSON = typer.Option(False, "--json", help="Machine-readable output with stable keys.")


def _settings(ctx: typer.Context) -> Settings:
    if ctx.obj is None:
        ctx.obj = Settings()
    return ctx.obj


def open_spec(settings: Settings, spec: str) -> Store:
    return open_store(spec, user=settings.neo4j_user, password=settings.neo4j_password,
                      database=settings.neo4j_database)


def open_configured(settings: Settings, store: str | None, ctx: typer.Context | None = None) -> Store:
    """The store named on the command line or in settings; else the default one, with the demo region.
    With ``ctx``, the store is closed when the command ends."""
    spec = store or settings.store or settings.neo4j_uri
    if spec:
        opened = open_spec(settings, spec)
    else:
        opened = open_store(settings.default_store)
        if ensure_demo(opened) is not None:
            err.print(f"loaded the demo region into {settings.default_store}")
    if ctx is not None:
        ctx.call_on_close(opened.close)
    return opened


@contextmanager
def _errors(as_json: bool) -> Iterator[None]:
    """Report a BiokgError as one line per problem (or JSON) and exit non-zero."""
    try:
        yield
    except BiokgError as exc:
        problems = exc.problems if isinstance(exc, LoadError) else []
        if as_json:
            _emit({"error": {"code": exc.code, "message": str(exc).splitlines()[-1],
                             "problems": [output.problem_json(p) for p in problems]}})
        else:
            lines = [str(p) for p in problems if p.severity == "error"] if problems else []
            for line in lines or [str(exc)]:
                err.print(line, markup=False)
            if problems:
                err.print(exc.summary, markup=False)  # type: ignore[attr-defined]
        raise typer.Exit(2 if isinstance(exc, (InvalidInput, LoadError)) else 1) from None


def _emit(data: object) -> None:
    """Machine output: plain JSON on stdout (UTF-8, not escaped), past rich's formatting."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@app.callback()
def _main(ctx: typer.Context) -> None:
    _settings(ctx)


@app.command()
def load(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., help="CSV/TSV/XLSX files or folders in the interchange format."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Write the valid rows, report the rest."),
    store: str | None = STORE,
    as_json: bool = JSON,
) -> None:
    """Validate files and load them; nothing is written when any row is invalid."""
    from loaders.load import load_paths

    with _errors(as_json):
        db = open_configured(_settings(ctx), store, ctx)
        with Progress(TextColumn("loading"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=err, transient=True, disable=as_json or not err.is_terminal) as bar:
            task = bar.add_task("load", total=None)
            report = load_paths(db, paths, skip_invalid=skip_invalid,
                                progress=lambda done, total: bar.update(task, completed=done, total=total))
        if as_json:
            _emit(output.report_json(report))
        else:
            output.print_report(out, report)


@app.command()
def stats(ctx: typer.Context, store: str | None = STORE, as_json: bool = JSON) -> None:
    """Count nodes and edges per kind."""
    with _errors(as_json):
        counts = open_configured(_settings(ctx), store, ctx).counts()
        if as_json:
            _emit(output.counts_json(counts))
        else:
            output.print_counts(out, counts)


@app.command()
def show(ctx: typer.Context, node_id: str = typer.Argument(..., metavar="ID"), store: str | None = STORE,
         as_json: bool = JSON) -> None:
    """Show one node, its edges, and where each came from."""
    from ontology import NotFound

    with _errors(as_json):
        db = open_configured(_settings(ctx), store, ctx)
        node = db.get(node_id)
        if node is None:
            hint = db.search(node_id, limit=3)
            extra = f"; did you mean {', '.join(h.node.id for h in hint)}?" if hint else ""
            raise NotFound(f"no node {node_id!r}{extra}")
        neighbours = db.neighbours(node_id)
        if as_json:
            _emit({**output.node_json(node), "edges": [output.neighbour_json(n) for n in neighbours]})
        else:
            output.print_node(out, node, neighbours)


@app.command()
def search(ctx: typer.Context, text: str, kind: list[str] | None = typer.Option(None, "--kind", help="Node kind(s)."),
           limit: int = typer.Option(20, min=1, max=1000), store: str | None = STORE, as_json: bool = JSON) -> None:
    """Find nodes by name or alias (exact > prefix > substring; width and brackets folded)."""
    from ontology import SCHEMA

    with _errors(as_json):
        for k in kind or ():
            SCHEMA.node_kind(k)
        hits = open_configured(_settings(ctx), store, ctx).search(text, kinds=kind or None, limit=limit)
        if as_json:
            _emit({"query": text, "hits": [output.hit_json(h) for h in hits]})
        else:
            output.print_hits(out, hits)


EXPORT_FORMATS = ("csv", "ttl", "nt", "jsonld", "graphml")


@app.command()
def export(ctx: typer.Context, out_path: Path = typer.Argument(..., metavar="OUT"),
           fmt: str = typer.Option(..., "--format", help=" | ".join(EXPORT_FORMATS)),
           store: str | None = STORE) -> None:
    """Export the store: csv (a folder in the interchange format), ttl, nt, jsonld or graphml (a file)."""
    with _errors(False):
        if fmt not in EXPORT_FORMATS:
            raise InvalidInput(f"unknown format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
        db = open_configured(_settings(ctx), store, ctx)
        if fmt == "csv":
            from loaders.export import write_csv_folder

            paths = write_csv_folder(db, out_path)
            err.print(f"wrote {len(paths)} file(s) to {out_path}")
            return
        out_path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "graphml":
            from loaders.export import write_graphml

            with out_path.open("wb") as fh:
                write_graphml(db, fh)
        else:
            from loaders.rdf_export import serialize, to_rdf

            out_path.write_bytes(serialize(to_rdf(db.nodes(), db.edges()), fmt))
        err.print(f"wrote {out_path}")


@app.command()
def ontology(fmt: str = typer.Option("ttl", "--format", help="ttl | json"),
             part: str = typer.Option("all", "--part", help="all | owl | shapes (for ttl)")) -> None:
    """Print the ontology: OWL and SHACL as Turtle, or the declarations as JSON."""
    with _errors(fmt == "json"):
        if fmt == "json":
            from ontology.describe import describe

            _emit(describe())
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

    with _errors(False):
        paths = write_region(generate_region(enterprises, seed=seed), out_dir)
        err.print(f"wrote {len(paths)} file(s) to {out_dir}")


@app.command()
def loads(ctx: typer.Context, store: str | None = STORE, as_json: bool = JSON) -> None:
    """List the loads whose records are in the store."""
    with _errors(as_json):
        records = open_configured(_settings(ctx), store, ctx).loads()
        if as_json:
            _emit([{"load_id": r.load_id, "loaded_at": r.loaded_at, "nodes": r.nodes, "edges": r.edges}
                   for r in records])
        else:
            for r in records:
                out.print(f"{r.load_id}  {r.loaded_at}  nodes {r.nodes:,}  edges {r.edges:,}")


@app.command()
def unload(ctx: typer.Context, load_id: str, store: str | None = STORE) -> None:
    """Delete everything one load wrote (and edges left dangling)."""
    with _errors(False):
        result = open_configured(_settings(ctx), store, ctx).delete_load(load_id)
        out.print(f"deleted {result.nodes_deleted:,} nodes and {result.edges_deleted:,} edges")


@app.command()
def init(ctx: typer.Context, store: str | None = STORE) -> None:
    """Prepare a store: on Neo4j, create the constraints and indexes the ontology calls for."""
    with _errors(False):
        db = open_configured(_settings(ctx), store, ctx)  # opening creates what is missing
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

    settings = _settings(ctx)
    with _errors(as_json):
        if source == target:
            raise InvalidInput("--from and --to name the same store")
        src, dst = open_spec(settings, source), open_spec(settings, target)
        ctx.call_on_close(src.close)
        ctx.call_on_close(dst.close)
        with Progress(TextColumn("copying"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=err, transient=True, disable=as_json or not err.is_terminal) as bar:
            task = bar.add_task("copy", total=None)
            result = copy_store(src, dst, progress=lambda done, total: bar.update(task, completed=done, total=total))
        if as_json:
            _emit(output.result_json(result))
        else:
            out.print(f"copied into {target}: {result.nodes_created:,} nodes and {result.edges_created:,} edges "
                      f"created, {result.nodes_updated + result.edges_updated:,} updated, "
                      f"{result.nodes_unchanged + result.edges_unchanged:,} unchanged")


@app.command()
def serve(ctx: typer.Context, host: str | None = typer.Option(None), port: int | None = typer.Option(None),
          store: str | None = STORE) -> None:
    """Serve the web page and JSON API (default http://127.0.0.1:8000)."""
    import uvicorn

    from api.app import create_app

    settings = _settings(ctx)
    with _errors(False):
        db = open_configured(settings, store)
    uvicorn.run(create_app(db), host=host or settings.host, port=port or settings.port, log_level="info")


def main() -> None:
    app()

"""What every ``biokg`` command shares: the consoles, the common options, opening the configured
store, and turning a BiokgError into one located line per problem and a non-zero exit."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console

from api import output
from api.settings import Settings
from graph import Store, open_store
from loaders.demo_region import ensure_demo
from ontology import BiokgError, FieldErrors, InvalidInput, LoadError

out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)

STORE = typer.Option(None, "--store", help="A store file path, or a Neo4j URI (bolt://, neo4j://, neo4j+s://; "
                                            "credentials from BIOKG_NEO4J_USER/PASSWORD). Default: BIOKG_STORE, "
                                            "else BIOKG_NEO4J_URI, else the demo store under the user data folder.")
JSON = typer.Option(False, "--json", help="Machine-readable output with stable keys.")


def settings_of(ctx: typer.Context) -> Settings:
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
def errors_reported(as_json: bool) -> Iterator[None]:
    """Report a BiokgError as one line per problem (or JSON) and exit non-zero."""
    try:
        yield
    except BiokgError as exc:
        problems = exc.problems if isinstance(exc, LoadError) else []
        if isinstance(exc, FieldErrors):  # fields of a body are options here: body.station is --station
            exc = FieldErrors([{"field": "--" + d["field"].removeprefix("body."), "message": d["message"]}
                               for d in exc.details])
        if as_json:
            emit({"error": {"code": exc.code, "message": str(exc).splitlines()[-1],
                             "details": [output.problem_json(p) for p in problems]}})
        else:
            lines = [str(p) for p in problems if p.severity == "error"] if problems else []
            for line in lines or [str(exc)]:
                err.print(line, markup=False)
            if problems:
                err.print(exc.summary, markup=False)  # type: ignore[attr-defined]
        raise typer.Exit(2 if isinstance(exc, (InvalidInput, LoadError, FieldErrors)) else 1) from None


def write_tables(tables: dict, fmt: str, path: Path, bom: bool, percent: dict | None = None,
                 known: tuple[str, ...] = ()) -> None:
    """Tables of a report as a folder of CSV files (``fmt`` csv) or one XLSX book; says what it wrote."""
    from loaders.sheets import write_csv_tables, write_file, write_xlsx

    if fmt == "csv":
        write_csv_tables(tables, path, bom, known)
        err.print(f"wrote {len(tables)} file(s) to {path}: {', '.join(f'{n}.csv' for n in tables)}")
    else:  # write_xlsx refuses a table too big for a sheet before it writes anything
        write_file(path, lambda fh: write_xlsx(tables, fh, percent))
        err.print(f"wrote {path} (sheets {', '.join(tables)})")


BOM = typer.Option(True, "--bom/--no-bom", help="CSV for people starts with a UTF-8 byte-order mark, so that Excel "
                                                "shows Chinese; --no-bom for machines.")


def audit_local(settings: Settings, action: str, target: str, status: int, before: object = None,
                after: object = None, detail: dict | None = None) -> None:
    """A write of the command line in the audit trail (as ``local:<user>``)."""
    from api.auth import LOCAL
    from graph.ledger import Ledger

    ledger = Ledger(settings.ledger_path)
    try:
        ledger.record(LOCAL.actor, action, target, status, before, after, detail)
    finally:
        ledger.close()


def emit(data: object) -> None:
    """Machine output: plain JSON on stdout (UTF-8, not escaped), past rich's formatting."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")

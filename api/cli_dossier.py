"""``biokg dossier ENTERPRISE``: the enterprise's service file (重点企业服务档案) from the command line.

The command line sees everything (it acts as ``local``): every service record, every question about
the enterprise with its text.  ``--json`` prints the same JSON as ``GET /api/v1/dossier/{enterprise}``
for an admin key.
"""

from __future__ import annotations

import typer

from api.cli_common import JSON, STORE, emit, errors_reported, open_configured, out, settings_of
from ontology.dates import SPELLINGS, day_or_today

AS_OF = typer.Option(None, "--as-of", help=f"The file as it stood at the end of this day ({SPELLINGS}). "
                                           "Default: today.")


def dossier(
    ctx: typer.Context,
    enterprise: str = typer.Argument(..., metavar="ENTERPRISE", help="An enterprise: id or name."),
    as_of: str | None = AS_OF,
    store: str | None = STORE,
    as_json: bool = JSON,
) -> None:
    """The service file of an enterprise: products, key projects, service records, questions, coverage and
    why, the top matches for its needs and 产学研用 brokers."""
    from api.cli_calendar import calendar_of
    from api.cli_workflow import questions_of
    from api.output_dossier import dossier_json, print_dossier
    from queries.dossier import dossier as dossier_of
    from queries.terms import node_id

    with errors_reported(as_json):
        settings = settings_of(ctx)
        day = day_or_today("--as-of", as_of)
        db = open_configured(settings, store, ctx)
        eid = node_id(db, enterprise, ("Enterprise",), "enterprise")
        found = dossier_of(db, eid, day, questions_of(settings, enterprise=eid), calendar_of(settings),
                           question_texts=True)
        emit(dossier_json(found)) if as_json else print_dossier(out, found)

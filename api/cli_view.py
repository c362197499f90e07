"""``biokg view PAGE ARG --out FILE.html``: a page as one standalone file (its data, scripts and
styles inside, a Content-Security-Policy allowing exactly those): to mail, archive or open offline.

A file leaves the server's control, so it holds what an analyst's key would see: figures, ranks and
service records, question counts but no question's text.
"""

from __future__ import annotations

from pathlib import Path

import typer

from api.auth import Principal
from api.cli_common import STORE, errors_reported, open_configured, out, settings_of
from ontology import InvalidInput

VIEWS = ("coverage", "match", "broker", "patents", "dossier")
FILE_READER = Principal("standalone-file", "analyst")


def view(
    ctx: typer.Context,
    page: str = typer.Argument(..., metavar="PAGE", help=f"One of: {', '.join(VIEWS)}."),
    arg: str | None = typer.Argument(None, metavar="ARG", help="coverage: the district; match: the org; "
                                     "dossier: the enterprise; broker and patents: the org (or --field)."),
    field: str | None = typer.Option(None, "--field", help="broker, patents, match: a field (id, key or label)."),
    as_of: str | None = typer.Option(None, "--as-of", help="The day the view is computed for. Default: today."),
    top: int = typer.Option(10, "--top", min=1, max=100, help="Candidates shown (match, broker, patents)."),
    window_days: int = typer.Option(180, "--window-days", min=0, help="coverage: the records' window."),
    radius_km: float = typer.Option(0.0, "--radius-km", min=0, help="coverage: sites this near count as covered."),
    suggest: int = typer.Option(3, "--suggest", min=0, max=100, help="coverage: new sites to propose."),
    output: Path = typer.Option(..., "--out", "-o", help="The HTML file to write."),
    store: str | None = STORE,
) -> None:
    """Write a page (coverage, match, broker, patents, dossier) as one standalone HTML file."""
    from api import routes_views
    from api.deps import Context
    from viz.page import render

    with errors_reported(False):
        if page not in VIEWS:
            raise InvalidInput(f"PAGE {page!r}: use one of {', '.join(VIEWS)}")
        if page in ("coverage", "match", "dossier") and not arg:
            raise InvalidInput(f"ARG: {page} needs its {'district' if page == 'coverage' else 'org'}")
        if page in ("broker", "patents") and not (arg or field):
            raise InvalidInput(f"{page}: give an org (ARG) or --field")
        settings = settings_of(ctx)
        c = Context.of(open_configured(settings, store, ctx), settings)
        who = FILE_READER
        if page == "coverage":
            data = routes_views.coverage_view(arg, as_of, window_days, radius_km, suggest, who, c)
        elif page == "match":
            data = routes_views.match_view(arg, None, field, top, as_of, None, who, c)
        elif page == "broker":
            data = routes_views.broker_view(arg, field, top, as_of, None, who, c)
        elif page == "patents":
            data = routes_views.patents_view(arg, field, top, as_of, None, who, c)
        else:
            data = routes_views.dossier_view(arg, as_of, who, c)
        name = {"coverage": "district", "dossier": "enterprise"}.get(page, "org")
        args = {k: v for k, v in ((name, arg), ("field", field)) if v}
        html = render(page, data["meta"]["title"], args, data=data, standalone=True)
        tmp = output.with_name(output.name + ".part")
        tmp.write_text(html, encoding="utf-8")
        tmp.replace(output)  # a reader never sees half a file
        out.print(f"wrote {output} ({len(html.encode()) // 1024} KiB): {data['meta']['title']}", markup=False)

"""``biokg keys``: create, list and revoke the API's keys (kept in ``BIOKG_LEDGER_FILE``)."""

from __future__ import annotations

import typer

from api import output
from api.cli_common import JSON, STORE, emit, errors_reported, open_configured, out, settings_of
from ontology.dates import SPELLINGS, parse_day

keys_app = typer.Typer(no_args_is_help=True, help="API keys: create (shown once), list, revoke.")


def _ring(ctx: typer.Context):
    from api.auth import KeyRing

    ring = KeyRing(settings_of(ctx).ledger_path)
    ctx.call_on_close(ring.close)
    return ring


@keys_app.command("create")
def create(
    ctx: typer.Context,
    role: str = typer.Option(..., "--role", help="viewer | analyst | station | admin"),
    station: str | None = typer.Option(None, "--station", help="For a station key: the station (id or name)."),
    expires: str | None = typer.Option(None, "--expires", help=f"The last day the key works ({SPELLINGS})."),
    store: str | None = STORE,
    as_json: bool = JSON,
) -> None:
    """Create a key. It is printed this once; only its SHA-256 digest is kept."""
    from queries.terms import node_id

    with errors_reported(as_json):
        day = parse_day("--expires", expires)
        found = node_id(open_configured(settings_of(ctx), store, ctx), station, ("Station",), "--station") \
            if station else None
        key, secret = _ring(ctx).create(role, found, day)
        if as_json:
            emit(output.created_key_json(key, secret))
        else:
            out.print(f"key {key.prefix} ({key.role}{f', {key.station}' if key.station else ''}"
                      f"{f', through {key.expires}' if key.expires else ''}):\n{secret}\n"
                      "Keep it now: it is not shown again.")


@keys_app.command("list")
def list_keys(ctx: typer.Context, as_json: bool = JSON) -> None:
    """The keys: id, role, station, expiry, revoked (never a secret)."""
    with errors_reported(as_json):
        keys = _ring(ctx).keys()
        if as_json:
            emit([output.key_json(k) for k in keys])
            return
        for k in keys:
            state = "revoked" if k.revoked else (f"through {k.expires}" if k.expires else "no expiry")
            out.print(f"{k.prefix}  {k.role:<8} {k.station or '—':<24} {state}  created {k.created_at}")


@keys_app.command("revoke")
def revoke(ctx: typer.Context, key_id: str = typer.Argument(..., metavar="ID"), as_json: bool = JSON) -> None:
    """Revoke a key (its id or prefix): it is refused from the next request on."""
    with errors_reported(as_json):
        key = _ring(ctx).revoke(key_id)
        emit(output.key_json(key)) if as_json else out.print(f"revoked {key.prefix}")

"""The matchmaking commands of ``biokg``: match, chain-gaps, broker, patents, partners."""

from __future__ import annotations

import typer

from api import output_matching as show
from api.cli_common import JSON, STORE, emit, errors_reported, open_configured, out, settings_of
from ontology.dates import SPELLINGS, parse_day
from queries.terms import weights_of

AS_OF = typer.Option(None, "--as-of", help=f"Facts dated up to this day count ({SPELLINGS}). Default: today.")
WEIGHT = typer.Option(None, "--weight", metavar="NAME=VALUE",
                      help="Change one weight of the score (repeatable), e.g. --weight proximity=0.4.")
FIELD = typer.Option(None, "--field", help="A field: id, key or label (抗体药物, antibody).")


def match(
    ctx: typer.Context,
    org: str = typer.Argument(..., metavar="ORG", help="An enterprise or institution: id or name."),
    segment: str | None = typer.Option(None, "--segment", help="A chain segment (id, key or label: 临床CRO)."),
    field: str | None = FIELD,
    top: int = typer.Option(10, "--top", min=1, help="Results per need."),
    as_of: str | None = AS_OF,
    weight: list[str] | None = WEIGHT,
    store: str | None = STORE,
    as_json: bool = JSON,
) -> None:
    """Industry-chain matching: the best providers for each need of ORG, with reasons and evidence."""
    from queries.matching import match as match_of

    with errors_reported(as_json):
        day = parse_day("--as-of", as_of)
        report = match_of(open_configured(settings_of(ctx), store, ctx), org, segment, field, top, day,
                          weights_of(weight))
        emit(show.match_json(report)) if as_json else show.print_match(out, report)


def chain_gaps(
    ctx: typer.Context,
    district: str = typer.Option(..., "--district", help="A district: id, code or name (闵行区, 310112)."),
    field: str = typer.Option(..., "--field", help="A field: id, key or label (抗体药物, antibody)."),
    as_of: str | None = AS_OF,
    store: str | None = STORE,
    as_json: bool = JSON,
) -> None:
    """Chain gaps (补链/延链): the segments of a field's chain with no provider in the district."""
    from queries.chain import chain_gaps as gaps_of

    with errors_reported(as_json):
        report = gaps_of(open_configured(settings_of(ctx), store, ctx), district, field, parse_day("--as-of", as_of))
        emit(show.chain_json(report)) if as_json else show.print_chain(out, report)


def broker(
    ctx: typer.Context,
    org: str | None = typer.Argument(None, metavar="[ORG]", help="An enterprise or institution: id or name."),
    field: str | None = FIELD,
    top: int = typer.Option(10, "--top", min=1),
    as_of: str | None = AS_OF,
    weight: list[str] | None = WEIGHT,
    store: str | None = STORE,
    as_json: bool = JSON,
) -> None:
    """产学研用 brokering: universities, institutes and hospitals for ORG or a field, and who brokers."""
    from queries.brokering import broker as broker_of

    with errors_reported(as_json):
        day = parse_day("--as-of", as_of)
        report = broker_of(open_configured(settings_of(ctx), store, ctx), org, field, top, day, weights_of(weight))
        emit(show.broker_json(report)) if as_json else show.print_broker(out, report)


def patents(
    ctx: typer.Context,
    org: str | None = typer.Argument(None, metavar="[ORG]", help="An enterprise or institution: id or name."),
    field: str | None = FIELD,
    top: int = typer.Option(20, "--top", min=1),
    as_of: str | None = AS_OF,
    weight: list[str] | None = WEIGHT,
    store: str | None = STORE,
    as_json: bool = JSON,
) -> None:
    """Patent supply and demand (闵知惠): transferable patents for ORG or a field, never its own."""
    from queries.patents import patent_matches

    with errors_reported(as_json):
        day = parse_day("--as-of", as_of)
        report = patent_matches(open_configured(settings_of(ctx), store, ctx), org, field, top, day,
                                weights_of(weight))
        emit(show.patents_json(report)) if as_json else show.print_patents(out, report)


def partners(
    ctx: typer.Context,
    station: str = typer.Argument(..., metavar="STATION", help="A station: id or name (闵行中心)."),
    top: int = typer.Option(10, "--top", min=1),
    as_of: str | None = AS_OF,
    weight: list[str] | None = WEIGHT,
    store: str | None = STORE,
    as_json: bool = JSON,
) -> None:
    """Partners for a station: institutions it has no tie to, and stations strong where it is weak."""
    from queries.partners import partners_for_station

    with errors_reported(as_json):
        day = parse_day("--as-of", as_of)
        report = partners_for_station(open_configured(settings_of(ctx), store, ctx), station, top, day,
                                      weights_of(weight))
        emit(show.partners_json(report)) if as_json else show.print_partners(out, report)

"""The coverage report as JSON-ready dicts (stable keys; the CLI and the API share them) and as tables."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from queries.coverage import CoverageReport, DistrictCoverage, Gap, StationScore, Suggestion

RATE_DIGITS = 4


def _rates(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (round(v, RATE_DIGITS) if k.endswith(("_rate", "score")) and v is not None else v)
            for k, v in d.items()}


def coverage_json(report: CoverageReport, suggestions: tuple[Suggestion, ...] | None = None) -> dict[str, Any]:
    """``{"districts": [...], "stations": [...]}``, and ``"suggestions"`` when they were asked for."""
    out: dict[str, Any] = {"districts": [_rates(asdict(d)) for d in report.districts],
                           "stations": [_rates(asdict(s)) for s in report.stations]}
    if suggestions is not None:
        out["suggestions"] = [asdict(s) for s in suggestions]
    return out


def _pct(r: float | None) -> str:
    return "—" if r is None else f"{r:.0%}"


def _share(done: int, total: int, r: float | None) -> str:
    return f"{done}/{total} {_pct(r)}" if total else "—"


def gap_text(g: Gap) -> str:
    """A gap in words, English and Chinese."""
    if g.kind == "no_station":
        return "no station 无工作站"
    what = "药品" if g.lacks == "drug" else "医疗器械"
    return f"{g.station} lacks {g.lacks} 服务范围缺{what} ({g.products} products)"


def print_coverage(console: Console, r: CoverageReport, suggestions: tuple[Suggestion, ...] | None = None) -> None:
    console.print(f"coverage as of {r.as_of} (service records {r.window_days} days back; "
                  f"radius {r.radius_km:g} km)")
    table = Table(title="districts 区", title_justify="left")
    for col in ("district", "stations", "parks", "enterprises", "innovative products", "key projects", "gaps"):
        table.add_column(col, justify="left" if col in ("district", "gaps") else "right")
    for d in r.districts:
        table.add_row(Text(d.name), str(len(d.stations)),
                      _share(d.parks_covered, d.parks_total, d.parks_rate),
                      _share(d.enterprises_covered, d.enterprises_total, d.enterprises_rate),
                      _share(d.innovative_products_tracked, d.innovative_products_total, d.innovative_products_rate),
                      _share(d.key_projects_tracked, d.key_projects_total, d.key_projects_rate),
                      Text("; ".join(map(gap_text, d.gaps)), style="red" if d.gaps else ""))
    console.print(table)
    _print_stations(console, r.stations)
    if r.district is not None:
        for d in r.districts:
            _print_lists(console, d)
    if suggestions is not None:
        _print_suggestions(console, suggestions)


def _print_stations(console: Console, stations: tuple[StationScore, ...]) -> None:
    table = Table(title="stations 工作站 (rank by the mean of their districts' rates)", title_justify="left")
    for col in ("rank", "station", "scope", "parks", "enterprises", "products", "projects", "score",
                "records/month", "targets", "points", "sites"):
        table.add_column(col, justify="left" if col in ("station", "scope") else "right")
    for s in stations:
        core = " [core 核]" if s.type == "core" else ""
        table.add_row(str(s.rank), Text(f"{s.name}{core}"), s.scope, _pct(s.parks_rate),
                      _pct(s.enterprises_rate), _pct(s.innovative_products_rate), _pct(s.key_projects_rate),
                      "—" if s.score is None else f"{s.score:.2f}", f"{s.records_per_month:g}", str(s.targets),
                      str(s.points), str(s.sites))
    console.print(table)


def _print_lists(console: Console, d: DistrictCoverage) -> None:
    for title, ids in (("uncovered parks", d.uncovered_parks), ("uncovered enterprises", d.uncovered_enterprises),
                       ("untracked innovative products", d.untracked_products),
                       ("untracked key projects", d.untracked_projects)):
        console.print(Text(f"{d.name} {title} ({len(ids)}): {', '.join(ids) or '—'}"))


def _print_suggestions(console: Console, suggestions: tuple[Suggestion, ...]) -> None:
    table = Table(title="suggested service-point sites 建议新设服务点 (greedy; gain = newly covered enterprises "
                        "weighted by 1 + innovative products + key projects)", title_justify="left")
    for col in ("#", "site", "kind", "district", "gain", "enterprises"):
        table.add_column(col, justify="right" if col in ("#", "gain", "enterprises") else "left")
    for i, s in enumerate(suggestions, 1):
        table.add_row(str(i), Text(f"{s.name} ({s.site})"), s.kind, Text(s.district or "—"), str(s.gain),
                      str(len(s.enterprises)))
    console.print(table if suggestions else "no site would newly cover an enterprise")

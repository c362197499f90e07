"""The coverage report as JSON-ready dicts (stable keys; the CLI and the API share them) and as tables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.text import Text

from api.output import text_table
from loaders.sheets import Table
from queries.coverage import CoverageReport, DistrictCoverage, Gap, StationScore, Suggestion
from queries.questions import ServiceLevel

RATE_DIGITS = 4


def _rates(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (round(v, RATE_DIGITS) if k.endswith(("_rate", "score")) and v is not None else v)
            for k, v in d.items()}


def coverage_json(report: CoverageReport, suggestions: tuple[Suggestion, ...] | None = None,
                  levels: Mapping[str, ServiceLevel] | None = None) -> dict[str, Any]:
    """``{"as_of", "window_days", "radius_km", "district", "districts": [...], "stations": [...]}``,
    and ``"suggestions"`` when they were asked for; with ``levels``, each station's question
    service level (``questions``) joins its scorecard."""
    stations = [_rates(asdict(s)) for s in report.stations]
    if levels is not None:
        for s in stations:
            level = levels.get(s["id"])
            s["questions"] = _rates(asdict(level)) if level else None
    out: dict[str, Any] = {"as_of": report.as_of.isoformat(), "window_days": report.window_days,
                           "radius_km": report.radius_km, "district": report.district,
                           "districts": [_rates(asdict(d)) for d in report.districts], "stations": stations}
    if suggestions is not None:
        out["suggestions"] = [asdict(s) for s in suggestions]
    return out


_DISTRICT_COLUMNS = ("parks_total", "parks_covered", "parks_rate", "enterprises_total", "enterprises_covered",
                     "enterprises_rate", "innovative_products_total", "innovative_products_tracked",
                     "innovative_products_rate", "key_projects_total", "key_projects_tracked", "key_projects_rate")
_STATION_COLUMNS = ("parks_rate", "enterprises_rate", "innovative_products_rate", "key_projects_rate", "score",
                    "records", "records_per_month", "targets", "points", "sites", "member_stations")
_LISTS = ("uncovered_parks", "uncovered_enterprises", "untracked_products", "untracked_projects")
# a station's question service level, where the ledger is at hand (``queries.questions.ServiceLevel``)
_QUESTION_COLUMNS = ("asked", "open", "overdue", "decided", "within", "within_rate", "median_working_days")
PERCENT = {"districts": [c for c in _DISTRICT_COLUMNS if c.endswith("_rate")],
           "stations": [c for c in _STATION_COLUMNS if c.endswith("_rate")] + ["questions_within_rate"]}


def coverage_tables(report: CoverageReport, suggestions: tuple[Suggestion, ...] | None = None,
                    levels: Mapping[str, ServiceLevel] | None = None) -> dict[str, Table]:
    """The report as tables for a spreadsheet (the keys of the JSON as headers): districts, the
    station scorecard (with ``levels``, each station's questions: ``questions_*``), one row per
    uncovered or untracked item, and the suggestions when asked."""
    districts = (["id", "name", "stations", *_DISTRICT_COLUMNS, "gaps"],
                 [[d.id, d.name, list(d.stations), *(getattr(d, c) for c in _DISTRICT_COLUMNS),
                   "; ".join(map(gap_text, d.gaps))] for d in report.districts])
    asked = [f"questions_{c}" for c in _QUESTION_COLUMNS] if levels is not None else []
    stations = (["rank", "id", "name", "type", "scope", "parent", "districts", *_STATION_COLUMNS, *asked],
                [[s.rank, s.id, s.name, s.type, s.scope, s.parent, list(s.districts),
                  *(getattr(s, c) for c in _STATION_COLUMNS),
                  *([getattr(levels.get(s.id), c, None) for c in _QUESTION_COLUMNS] if levels is not None else [])]
                 for s in report.stations])
    missing = (["district", "district_name", "list", "id", "name"],
               [[d.id, d.name, what, n.id, n.name] for d in report.districts for what in _LISTS
                for n in getattr(d, what)])
    tables = {"districts": districts, "stations": stations, "uncovered": missing}
    if suggestions is not None:
        tables["suggestions"] = (["order", "site", "name", "kind", "district", "gain", "enterprises",
                                  "enterprise_names"],
                                 [[i, x.site, x.name, x.kind, x.district, x.gain, [e.id for e in x.enterprises],
                                   [e.name for e in x.enterprises]] for i, x in enumerate(suggestions, 1)])
    return tables


def _five_days(level: ServiceLevel | None) -> str:
    if level is None or not level.escalated:
        return "—"
    return f"{pct(level.within_rate)}" + (f" ({level.overdue})" if level.overdue else "")


def pct(r: float | None) -> str:
    """A rate as a whole percentage, or — where there is none."""
    return "—" if r is None else f"{r:.0%}"


def _share(done: int, total: int, r: float | None) -> str:
    """Counts over the rate, on two lines: narrow enough for city-scale counts at 80 columns."""
    return f"{done}/{total}\n{pct(r)}" if total else "—"


def gap_text(g: Gap) -> str:
    """A gap in words, English and Chinese."""
    if g.kind == "no_station":
        return "no station 无工作站"
    what = "药品" if g.lacks == "drug" else "医疗器械"
    return f"{g.station} lacks {g.lacks} 服务范围缺{what} ({g.products} products)"


def print_coverage(console: Console, r: CoverageReport, suggestions: tuple[Suggestion, ...] | None = None,
                   levels: Mapping[str, ServiceLevel] | None = None) -> None:
    console.print(f"coverage as of {r.as_of} (service records {r.window_days} days back; "
                  f"radius {r.radius_km:g} km)")
    cols = ["district\n区", "stations\n工作站", "parks\n园区", "enterprises\n企业", "innovative\nproducts\n创新产品",
            "key\nprojects\n重点项目", "gaps\n缺口"]
    table = text_table("districts 区: covered or tracked / total, and the rate", cols, right=tuple(cols[1:6]),
                       lines=True, min_widths={cols[0]: 10})
    for d in r.districts:
        table.add_row(Text(d.name), str(len(d.stations)),
                      _share(d.parks_covered, d.parks_total, d.parks_rate),
                      _share(d.enterprises_covered, d.enterprises_total, d.enterprises_rate),
                      _share(d.innovative_products_tracked, d.innovative_products_total, d.innovative_products_rate),
                      _share(d.key_projects_tracked, d.key_projects_total, d.key_projects_rate),
                      Text("; ".join(map(gap_text, d.gaps)), style="red" if d.gaps else ""))
    console.print(table)
    _print_stations(console, r.stations, levels or {})
    if r.district is not None:
        for d in r.districts:
            _print_lists(console, d)
    if suggestions is not None:
        _print_suggestions(console, suggestions)


STATION_COLUMNS = ["#", "station\n工作站", "parks", "ent.", "prod.", "proj.", "score", "rec/mo", "tgts", "pts", "5 wd"]


def _print_stations(console: Console, stations: tuple[StationScore, ...], levels: Mapping[str, ServiceLevel]) -> None:
    table = text_table("stations 工作站: the rates of the districts they serve", STATION_COLUMNS,
                       right=tuple(STATION_COLUMNS[2:]), lines=True, min_widths={STATION_COLUMNS[1]: 20})
    for s in stations:
        core = " [core 核]" if s.type == "core" else ""
        table.add_row(str(s.rank), Text(f"{s.name}{core}\n({s.scope})"), pct(s.parks_rate),
                      pct(s.enterprises_rate), pct(s.innovative_products_rate), pct(s.key_projects_rate),
                      "—" if s.score is None else f"{s.score:.2f}", f"{s.records_per_month:g}", str(s.targets),
                      f"{s.points}/{s.sites}", _five_days(levels.get(s.id)))
    console.print(table)
    console.print("# rank by the mean of the rates (score), then records per month, then targets; equal figures "
                  "share a rank · ent. enterprises covered · prod. innovative products tracked · proj. key projects "
                  "tracked · rec/mo service records per month · tgts distinct targets · pts service points / sites · "
                  "5 wd escalated questions answered within five working days (overdue now)",
                  style="dim", soft_wrap=False)


def _print_lists(console: Console, d: DistrictCoverage) -> None:
    for title, items in (("uncovered parks", d.uncovered_parks), ("uncovered enterprises", d.uncovered_enterprises),
                         ("untracked innovative products", d.untracked_products),
                         ("untracked key projects", d.untracked_projects)):
        listed = "; ".join(f"{n.name} ({n.id})" for n in items)
        console.print(Text(f"{d.name} {title} ({len(items)}): {listed or '—'}"), soft_wrap=False)


def _print_suggestions(console: Console, suggestions: tuple[Suggestion, ...]) -> None:
    console.print("suggested service-point sites 建议新设服务点 (greedy; gain = newly covered enterprises weighted "
                  "by 1 + innovative products + key projects)", soft_wrap=False)
    table = text_table(None,
                       ["#", "site", "kind", "district", "gain", "enterprises"], right=("#", "gain", "enterprises"),
                       min_widths={"site": 20})
    for i, s in enumerate(suggestions, 1):
        table.add_row(str(i), Text(f"{s.name} ({s.site})"), s.kind, Text(s.district or "—"), str(s.gain),
                      str(len(s.enterprises)))
    console.print(table if suggestions else "no site would newly cover an enterprise")

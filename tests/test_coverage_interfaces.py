"""Coverage through the command line and the HTTP API, and on the demo region."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from helpers import api_client
from test_coverage import AS_OF, D1, D2, D3
from typer.testing import CliRunner

from api.cli import app
from graph import EmbeddedStore
from graph.copy import copy_store
from queries.coverage import coverage, suggest_sites

DEMO_AS_OF = date(2026, 11, 20)  # the demo's service records lead up to this day
GUIDANCE_WITHOUT_STATION = {"黄浦区", "静安区", "虹口区", "杨浦区", "崇明区"}


def run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_cli_json_has_the_report_keys_and_the_hand_computed_answers(hand_file):
    got = run("coverage", "--store", hand_file, "--as-of", AS_OF.isoformat(), "--json")
    assert got.exit_code == 0, got.output
    body = json.loads(got.stdout)
    assert set(body) == {"as_of", "window_days", "radius_km", "district", "districts", "stations"}
    assert (body["as_of"], body["window_days"], body["radius_km"], body["district"]) == ("2026-06-30", 180, 0.0, None)
    d = {x["id"]: x for x in body["districts"]}
    assert d[D1]["uncovered_enterprises"] == [{"id": "ent:e10", "name": "企业10"}, {"id": "ent:e4", "name": "企业4"}]
    assert d[D1]["enterprises_rate"] == 0.6667 and d[D1]["uncovered_parks"] == [{"id": "park:p2", "name": "P2园"}]
    assert d[D2]["gaps"] == [{"kind": "scope", "station": "station:s2", "lacks": "device", "products": 2}]
    assert d[D3]["gaps"] == [{"kind": "no_station", "station": None, "lacks": None, "products": 0}]
    assert set(d[D1]) == {
        "id", "name", "stations", "parks_total", "parks_covered", "parks_rate", "enterprises_total",
        "enterprises_covered", "enterprises_rate", "innovative_products_total", "innovative_products_tracked",
        "innovative_products_rate", "key_projects_total", "key_projects_tracked", "key_projects_rate",
        "uncovered_parks", "uncovered_enterprises", "untracked_products", "untracked_projects", "gaps"}
    assert [(s["id"], s["rank"], s["score"]) for s in body["stations"]] == [
        ("station:c", 1, 0.7917), ("station:s1", 2, 0.7917), ("station:s2", 3, 0.5)]


def test_cli_options_reach_the_query(hand_file):
    args = ("coverage", "--store", hand_file, "--as-of", "2026-06-30", "--json")
    wide = json.loads(run(*args, "--window-days", "181", "--radius-km", "10").stdout)
    d = {x["id"]: x for x in wide["districts"]}
    assert d[D1]["uncovered_enterprises"] == [{"id": "ent:e4", "name": "企业4"}]
    assert d[D2]["untracked_products"] == [{"id": "prod:5", "name": "器械5"}]
    one = json.loads(run(*args, "--district", "浦东新区", "--suggest", "3").stdout)
    assert [x["id"] for x in one["districts"]] == [D2] and [s["id"] for s in one["stations"]] == ["station:s2"]
    assert one["suggestions"] == []  # 浦东's enterprises are all covered
    picks = json.loads(run(*args, "--suggest", "2").stdout)["suggestions"]
    assert picks == [
        {"site": "park:p2", "name": "P2园", "kind": "Park", "district": D1, "gain": 1,
         "enterprises": [{"id": "ent:e10", "name": "企业10"}]},
        {"site": "park:p4", "name": "P4园", "kind": "Park", "district": D3, "gain": 1,
         "enterprises": [{"id": "ent:e7", "name": "企业7"}]}]


def test_cli_text_tables(hand_file):
    got = CliRunner().invoke(app, ["coverage", "--store", hand_file, "--as-of", "2026-06-30", "--suggest", "1"],
                             env={"COLUMNS": "200"})
    assert got.exit_code == 0
    lines = got.stdout.splitlines()
    assert any("黄浦区" in line and "无工作站" in line for line in lines)
    assert any("P2园" in line and "park:p2" in line for line in lines)


def _subsequence(name: str, text: str) -> bool:
    chars = iter(text)
    return all(c in chars for c in name)


def test_cli_tables_stay_whole_at_80_columns(demo_store, tmp_path):
    """At 80 columns nothing is cut: no line is wider, no cell ends in an ellipsis, and every
    district's and station's name is in its row whole (wrapped within its column, so its
    characters come in order, with other columns' figures between the pieces)."""
    from rich.cells import cell_len

    path = tmp_path / "demo.sqlite"
    with EmbeddedStore(path) as s:
        copy_store(demo_store, s)
    got = CliRunner().invoke(app, ["coverage", "--store", str(path), "--as-of", DEMO_AS_OF.isoformat(),
                                   "--suggest", "3"], env={"COLUMNS": "80"})
    assert got.exit_code == 0, got.output
    assert max(cell_len(line) for line in got.stdout.splitlines()) <= 80
    assert "…" not in got.stdout
    # rows are separated by blank lines (the first follows the header's rule); a row starts with its
    # name (districts) or its rank (stations)
    blocks = ["".join(b.split()) for b in re.split(r"\n\s*\n", got.stdout)]
    report = coverage(demo_store, as_of=DEMO_AS_OF)
    for name in [d.name for d in report.districts] + [s.name for s in report.stations]:
        starts = re.compile(r"(^|─)\d*" + re.escape(name[:2]))
        assert any(_subsequence(name, b[m.start():]) for b in blocks if (m := starts.search(b))), name


@pytest.mark.parametrize(("args", "code", "message"), [
    (("--as-of", "2026-02-30"), 2, "--as-of: '2026-02-30' is not a real date (day is out of range for month)"),
    (("--district", "朝阳区"), 1, "no District named '朝阳区'"),
    (("--window-days", "-3"), 2, "Invalid value for '--window-days'"),
])
def test_cli_bad_input_is_named(hand_file, args, code, message):
    got = CliRunner().invoke(app, ["coverage", "--store", hand_file, *args], env={"COLUMNS": "200"})
    assert got.exit_code == code
    assert message in got.output


def test_http_endpoint_matches_the_cli(hand_file):
    client = api_client(EmbeddedStore(hand_file))
    http = client.get("/api/v1/coverage", params={"as_of": "2026-06-30", "radius_km": 5, "suggest": 5})
    assert http.status_code == 200
    cli = json.loads(run("coverage", "--store", hand_file, "--as-of", "2026-06-30", "--radius-km", "5",
                         "--suggest", "5", "--json").stdout)
    assert http.json() == cli
    plain = client.get("/api/v1/coverage", params={"as_of": "2026-06-30"}).json()
    assert set(plain) == {"as_of", "window_days", "radius_km", "district", "districts", "stations"}
    missing = client.get("/api/v1/coverage", params={"district": "朝阳区"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/coverage", params={"radius_km": -1}).status_code == 400


def test_demo_region_shows_the_districts_the_guidance_gives_no_station(demo_store):
    report = coverage(demo_store, as_of=DEMO_AS_OF)
    no_station = {d.name for d in report.districts if any(g.kind == "no_station" for g in d.gaps)}
    assert no_station == GUIDANCE_WITHOUT_STATION
    for d in report.districts:
        assert bool(d.stations) == (d.name not in GUIDANCE_WITHOUT_STATION)
        if d.name in GUIDANCE_WITHOUT_STATION:
            assert d.parks_total + d.enterprises_total > 0 and d.enterprises_covered == 0
    # 闵行: the core (闵行中心) and its station; both rank on 闵行's rates, the station has two points
    minhang = {s.id: s for s in report.stations if "district:310112" in s.districts}
    assert minhang["station:minhang-core"].member_stations == 1 and minhang["station:minhang"].points == 2
    assert minhang["station:minhang"].parent == "station:minhang-core"
    assert sorted(s.rank for s in report.stations) == list(range(1, len(report.stations) + 1))


def test_demo_report_is_the_same_on_neo4j(demo_store, neo4j_server):
    target = neo4j_server.fresh_store()
    try:
        copy_store(demo_store, target)
        for radius in (0, 3):
            assert coverage(target, as_of=DEMO_AS_OF, radius_km=radius) == coverage(
                demo_store, as_of=DEMO_AS_OF, radius_km=radius)
            for district in (None, "闵行区"):
                assert suggest_sites(target, 4, district, DEMO_AS_OF, 180, radius) == suggest_sites(
                    demo_store, 4, district, DEMO_AS_OF, 180, radius)
    finally:
        target.close()

"""The yearly assessment (考核评估) of a hand-built history, derived by hand below, on both backends.

Three districts, four stations:

  闵行 D1  core K (sited at park ZZ, the district's only park: D1's parks rate is 1 every year) and
           station A (PART_OF K); both serve D1, so they share D1's rates
  浦东 D2  station B; park PD, uncovered (parks rate 0)
  徐汇 D3  station C; park XH, uncovered (parks rate 0)

Each district has two enterprises, each owning one innovative product (device II, national):
ent:11/prod:11 and ent:12/prod:12 in D1, ent:21/prod:21 … in D2, ent:31/prod:31 … in D3.  No key
projects (that rate is None), so a score is the mean of the parks, enterprises and products rates.
A tracking record of a product covers its owner too (the station serves the district).

Records (the window of year Y is Y-01-01 … Y-12-31):

  2023-12-31 C tracks prod:32   (the day before 2024: never counts)
  2024-01-01 C tracks prod:31   (2024's first day)     2024-05-01 K tracks prod:11
  2024-06-01 A tracks prod:12                          2024-12-31 B tracks prod:21 (2024's last day)
  2025-02-01 K tracks prod:11   2025-02-02 K tracks prod:12
  2025-04-01 B tracks prod:21   2025-04-02 B visits ent:22 (covers it; tracks nothing)
  2026-03-01 A tracks prod:11
  2027-01-01 B tracks prod:21   (after 2026: never counts)

By hand (rates parks/enterprises/products, score, records):

  2024 (window 365 days): D1 1/1/1 → K, A 1.0 (1 record each, 1 target each)
                          D2 0/.5/.5 → B 1/3 (1 record); D3 0/.5/.5 → C 1/3 (1 record)
       ranks: A 1, K 1 (equal on all three), B 3, C 3 (equal): last rank 3, B and C last
  2025 (364 days): D1 1/1/1 → K 1.0 (2 records), A 1.0 (0 records): K 1, A 2
                   D2 0/1/.5 → B .5 (2 records): 3;  D3 0/0/0 → C 0.0: 4, C alone last
  2026 (364 days): D1 1/.5/.5 → A 2/3 (1 record): 1, K 2/3 (0 records): 2
                   D2 0/0/0 → B 0.0, D3 0/0/0 → C 0.0, no records: 3 and 3, both last

  C: last 2024, 2025, 2026: flagged.  B: last 2024 and 2026, not 2025: not flagged.

Questions (a Monday–Friday calendar; due = the 5th working day after the escalation):

  q1 B asked and escalated Mon 2025-03-03 (due 03-10), answered Thu 03-06: 3 working days, within
  q2 B asked and escalated Mon 2025-06-02 (due 06-09), answered Wed 06-11: 7 working days, late
  q3 C asked and escalated Mon 2025-12-29 (due Mon 2026-01-05), unanswered: not yet decided at the
     end of 2025; asked in 2025, so not in 2026's figures
  q4 C asked and escalated Fri 2024-11-01 (due 11-08), never answered: overdue at the end of 2024
  q5 K asked Mon 2026-02-02, answered 02-03, never escalated
  q6 a station that does not exist (2025): in no station's figures
"""

from __future__ import annotations

from datetime import date

import pytest

from ontology import InvalidInput
from ontology.questions import Question, Step
from ontology.workdays import WorkCalendar
from queries import assessment
from queries.assessment import YearFigures, YearRank, histories_of, scorecard_years
from queries.questions import ServiceLevel
from tests.helpers import edge, node

D1, D2, D3 = "district:310112", "district:310115", "district:310104"
K, A, B, C = "station:k", "station:a", "station:b", "station:c"
YEARS = (2024, 2025, 2026)
CAL = WorkCalendar(loaded_years=range(2023, 2028))  # every year known, no holidays: Monday to Friday


def history():
    nodes = [
        node(D1, "District", "闵行区", code="310112", type="district"),
        node(D2, "District", "浦东新区", code="310115", type="district"),
        node(D3, "District", "徐汇区", code="310104", type="district"),
        node(K, "Station", "闵行中心", type="core", scope="both"),
        node(A, "Station", "闵行站", type="station", scope="both"),
        node(B, "Station", "浦东站", type="station", scope="both"),
        node(C, "Station", "徐汇站", type="station", scope="both"),
        node("park:zz", "Park", "紫竹园"),
        node("park:pd", "Park", "浦东园"),
        node("park:xh", "Park", "徐汇园"),
    ]
    edges = [edge("SERVES", K, D1), edge("SERVES", A, D1), edge("SERVES", B, D2), edge("SERVES", C, D3),
             edge("PART_OF", A, K), edge("SITED_AT", K, "park:zz"),
             edge("IN_DISTRICT", "park:zz", D1), edge("IN_DISTRICT", "park:pd", D2),
             edge("IN_DISTRICT", "park:xh", D3)]
    for d, district in ((1, D1), (2, D2), (3, D3)):
        for i in (1, 2):
            nodes += [node(f"ent:{d}{i}", "Enterprise", f"企业{d}{i}"),
                      node(f"prod:{d}{i}", "Product", f"器械{d}{i}", type="device", device_class="II",
                           innovation_channel="national")]
            edges += [edge("IN_DISTRICT", f"ent:{d}{i}", district), edge("OWNS", f"ent:{d}{i}", f"prod:{d}{i}")]
    records = [("r1", C, "prod:32", "2023-12-31", "tracking"), ("r2", C, "prod:31", "2024-01-01", "tracking"),
               ("r3", K, "prod:11", "2024-05-01", "tracking"), ("r4", A, "prod:12", "2024-06-01", "tracking"),
               ("r5", B, "prod:21", "2024-12-31", "tracking"), ("r6", K, "prod:11", "2025-02-01", "tracking"),
               ("r7", K, "prod:12", "2025-02-02", "tracking"), ("r8", B, "prod:21", "2025-04-01", "tracking"),
               ("r9", B, "ent:22", "2025-04-02", "visit"), ("r10", A, "prod:11", "2026-03-01", "tracking"),
               ("r11", B, "prod:21", "2027-01-01", "tracking")]
    edges += [edge("TRACKS", s, t, id=i, date=d, type=kind) for i, s, t, d, kind in records]
    return nodes, edges


def _question(qid: str, station: str, asked: str, *steps: tuple[str, str]) -> Question:
    q = Question(qid, station, "ent:11", "registration", "…", date.fromisoformat(asked), ())
    for seq, (action, day) in enumerate(steps, 1):
        q = q.then(Step(seq, action, date.fromisoformat(day), to="inst:smpa" if action == "escalate" else None))
    return q


QUESTIONS = [
    _question("q1", B, "2025-03-03", ("escalate", "2025-03-03"), ("answer", "2025-03-06")),
    _question("q2", B, "2025-06-02", ("escalate", "2025-06-02"), ("answer", "2025-06-11")),
    _question("q3", C, "2025-12-29", ("escalate", "2025-12-29")),
    _question("q4", C, "2024-11-01", ("escalate", "2024-11-01")),
    _question("q5", K, "2026-02-02", ("answer", "2026-02-03")),
    _question("q6", "station:gone", "2025-05-05", ("escalate", "2025-05-05")),
]


@pytest.fixture
def hist(store):
    store.write(*history())
    return store


def _figures(a, year):
    return {f.station: f for f in a.figures if f.year == year}


def test_ranks_per_year_and_the_flagged_station(hist):
    a = scorecard_years(hist, [2026, 2024, 2025])  # any order
    assert a.years == YEARS
    assert [(f.year, f.station, f.rank, f.last) for f in a.figures] == [
        (2024, A, 1, False), (2024, K, 1, False), (2024, B, 3, True), (2024, C, 3, True),
        (2025, K, 1, False), (2025, A, 2, False), (2025, B, 3, False), (2025, C, 4, True),
        (2026, A, 1, False), (2026, K, 2, False), (2026, B, 3, True), (2026, C, 3, True)]
    assert {f.ranked for f in a.figures} == {4}
    assert a.flagged == (C,)
    h = {x.station: x for x in a.histories}
    assert list(h) == [A, B, C, K]
    assert h[C].ranks == (YearRank(2024, 3, 4, True), YearRank(2025, 4, 4, True), YearRank(2026, 3, 4, True))
    assert (h[C].flagged, h[C].last_years, h[C].run, h[C].name) == (True, YEARS, 3, "徐汇站")
    assert (h[B].flagged, h[B].last_years, h[B].run) == (False, (2024, 2026), 1)
    assert [r.rank for r in h[B].ranks] == [3, 3, 3]
    assert (h[K].flagged, h[K].last_years, h[K].run) == (False, (), 0)
    assert [r.rank for r in h[K].ranks] == [1, 1, 2]


def test_figures_of_each_year(hist):
    a = scorecard_years(hist, YEARS)
    y24, y25, y26 = (_figures(a, y) for y in YEARS)
    k = y24[K]
    assert (k.name, k.parks_rate, k.enterprises_rate, k.innovative_products_rate, k.key_projects_rate) == (
        "闵行中心", 1.0, 1.0, 1.0, None)
    assert (k.score, k.records, k.targets, k.records_per_month) == (1.0, 1, 1, round(1 / (365 / 30.4375), 2))
    # C: the record of 2023-12-31 does not count, the one of 2024-01-01 does
    c = y24[C]
    assert (c.parks_rate, c.enterprises_rate, c.innovative_products_rate, c.records) == (0.0, .5, .5, 1)
    assert c.score == pytest.approx(1 / 3) and y24[B].score == c.score
    assert y24[B].records == 1  # 2024-12-31 counts
    # 2025: B's visit covers ent:22 and tracks nothing
    b = y25[B]
    assert (b.enterprises_rate, b.innovative_products_rate, b.score, b.records, b.targets) == (1.0, .5, .5, 2, 2)
    assert (y25[K].records, y25[K].records_per_month) == (2, round(2 / (364 / 30.4375), 2))
    assert (y25[A].records, y25[A].score) == (0, 1.0)
    assert (y25[C].score, y25[C].records) == (0.0, 0)
    # 2026: the record of 2027-01-01 does not count
    assert (y26[A].score, y26[K].score) == (pytest.approx(2 / 3), pytest.approx(2 / 3))
    assert (y26[B].score, y26[B].records, y26[C].score) == (0.0, 0, 0.0)
    assert all(f.questions is None for f in a.figures)  # no calendar: no question figures


def test_service_levels_per_year(hist):
    a = scorecard_years(hist, YEARS, QUESTIONS, CAL)
    y24, y25, y26 = (_figures(a, y) for y in YEARS)
    zero = {"asked": 0, "open": 0, "escalated": 0, "answered": 0, "overdue": 0, "decided": 0, "within": 0,
            "within_rate": None, "median_working_days": None}
    assert y25[B].questions == ServiceLevel(B, asked=2, open=0, escalated=2, answered=2, overdue=0, decided=2,
                                            within=1, within_rate=.5, median_working_days=5.0)
    assert y25[C].questions == ServiceLevel(C, **{**zero, "asked": 1, "open": 1, "escalated": 1})
    assert y24[C].questions == ServiceLevel(C, **{**zero, "asked": 1, "open": 1, "escalated": 1, "overdue": 1,
                                                  "decided": 1, "within_rate": 0.0})
    assert y26[C].questions == ServiceLevel(C, **zero)  # q3 was asked in 2025
    assert y26[K].questions == ServiceLevel(K, **{**zero, "asked": 1, "answered": 1})
    assert y24[A].questions == y25[A].questions == ServiceLevel(A, **zero)  # a station without questions
    assert y24[B].questions == ServiceLevel(B, **zero)
    # the service level does not move the rank
    assert [(f.station, f.rank) for f in a.figures] == [(f.station, f.rank) for f in scorecard_years(hist, YEARS).figures]


def test_runs_must_be_consecutive_years(hist):
    # 2024 and 2026 without 2025: two last years, but not running
    a = scorecard_years(hist, [2024, 2026])
    c = next(h for h in a.histories if h.station == C)
    assert (c.last_years, c.run, c.flagged, a.flagged) == ((2024, 2026), 1, False, ())
    assert scorecard_years(hist, [2024, 2025]).flagged == ()  # two running years are not three
    assert scorecard_years(hist, [2023, 2024, 2025, 2026]).flagged == (C,)


def test_a_year_before_the_history(hist):
    # 2023: C's record of 2023-12-31 counts (D3 0/.5/.5 = 1/3, one record); D1 1/0/0 = 1/3, no record;
    # D2 0/0/0: C 1, A and K 2, B 4 and last
    a = scorecard_years(hist, [2023])
    assert [(f.station, f.rank, f.last) for f in a.figures] == [(C, 1, False), (A, 2, False), (K, 2, False),
                                                                 (B, 4, True)]


def test_a_year_with_every_station_tied_has_no_last(store):
    # two stations serving one district, nothing to rank them by: both first, neither last
    store.write([node(D1, "District", "闵行区", code="310112", type="district"),
                 node(A, "Station", "闵行站", type="station", scope="both"),
                 node(K, "Station", "闵行中心", type="core", scope="both"), node("ent:1", "Enterprise", "企业1")],
                [edge("SERVES", A, D1), edge("SERVES", K, D1), edge("IN_DISTRICT", "ent:1", D1)])
    a = scorecard_years(store, YEARS)
    assert {(f.station, f.rank, f.ranked, f.last) for f in a.figures} == {(A, 1, 2, False), (K, 1, 2, False)}
    assert a.flagged == () and all(h.last_years == () for h in a.histories)
    assert assessment.last_rank([1, 1, 1]) is None and assessment.last_rank([1]) is None


def test_a_station_absent_one_year_breaks_the_run():
    def fig(year, station, last):
        return YearFigures(year, station, station, 2 if last else 1, 2, last, None, None, None, None, None, 0, 0.0,
                           0, None)

    figures = [fig(2024, "s:x", True), fig(2025, "s:y", True), fig(2026, "s:x", True), fig(2027, "s:x", True),
               fig(2028, "s:x", True), fig(2024, "s:y", False)]
    h = {x.station: x for x in histories_of(figures)}
    assert (h["s:x"].last_years, h["s:x"].run, h["s:x"].flagged) == ((2024, 2026, 2027, 2028), 3, True)
    assert [r.year for r in h["s:x"].ranks] == [2024, 2026, 2027, 2028]
    figures = [f for f in figures if f.year != 2027]
    assert histories_of(figures)[0].flagged is False


@pytest.mark.parametrize("years, message", [
    ([], "at least one year"), ([2024, 2025, 2024], "2024 given more than once"), ([1999], "1999"),
    ([2101], "2101"), (["2024"], "'2024'"), ([True], "True"), ("2024", "expected a list"), (2024, "expected a list"),
])
def test_bad_years(years, message):
    with pytest.raises(InvalidInput, match="^years: .*" + message):
        scorecard_years(None, years)  # type: ignore[arg-type]  # checked before the store is read


def test_questions_need_a_calendar(hist):
    with pytest.raises(InvalidInput, match="^calendar: "):
        scorecard_years(hist, [2025], QUESTIONS)
    assert all(f.questions == ServiceLevel(f.station, 0, 0, 0, 0, 0, 0, 0, None, None)
               for f in scorecard_years(hist, [2025], (), CAL).figures)  # a calendar and no questions: zeros


def test_doctests():
    import doctest

    assert doctest.testmod(assessment).failed == 0


# ---------------------------------------------------------------------------------- the command


def _cli():
    import typer

    from api.cli_assessment import alerts, scorecard

    app = typer.Typer()  # registered as `biokg scorecard` and `biokg alerts` by api.cli
    app.command()(scorecard)
    app.command()(alerts)
    return app


@pytest.fixture
def hist_file(tmp_path):
    from graph import EmbeddedStore

    path = tmp_path / "hist.sqlite"
    with EmbeddedStore(path) as s:
        s.write(*history())
    return str(path), {"BIOKG_DATA_DIR": str(tmp_path / "data")}


def test_the_scorecard_command(hist_file, monkeypatch):
    import json

    from typer.testing import CliRunner

    from api.cli_assessment import assessment_json
    from graph import EmbeddedStore

    path, env = hist_file
    run = CliRunner().invoke
    # the ledger beside the store has no questions yet; the calendar is the official one
    plain = run(_cli(), ["scorecard", "--years", "2024", "2025", "2026", "--store", path, "--json"], env=env)
    assert plain.exit_code == 0, plain.output
    body = json.loads(plain.stdout)
    assert (body["years"], body["flagged"], len(body["figures"])) == ([2024, 2025, 2026], [C], 12)
    assert all(f["questions"]["asked"] == 0 for f in body["figures"])
    assert body["histories"][2] == {"station": C, "name": "徐汇站", "flagged": True, "last_years": [2024, 2025, 2026],
                                    "run": 3, "ranks": [{"year": 2024, "rank": 3, "ranked": 4, "last": True},
                                                        {"year": 2025, "rank": 4, "ranked": 4, "last": True},
                                                        {"year": 2026, "rank": 3, "ranked": 4, "last": True}]}
    assert body["figures"][2]["score"] == 0.3333  # rounded as in coverage

    monkeypatch.setattr("api.cli_workflow.questions_of", lambda settings, *only: QUESTIONS)
    monkeypatch.setattr("api.cli_calendar.calendar_of", lambda settings: CAL)
    # --years repeated, in any order
    got = run(_cli(), ["scorecard", "--years", "2026", "--years", "2024", "2025", "--store", path, "--json"], env=env)
    assert got.exit_code == 0, got.output
    with EmbeddedStore(path) as s:
        assert json.loads(got.stdout) == assessment_json(scorecard_years(s, YEARS, QUESTIONS, CAL))
    b25 = next(f for f in json.loads(got.stdout)["figures"] if f["year"] == 2025 and f["station"] == B)
    assert (b25["questions"]["within_rate"], b25["questions"]["median_working_days"]) == (.5, 5.0)

    text = run(_cli(), ["scorecard", "--years", "2024", "2025", "2026", "--store", path], env=env)
    assert text.exit_code == 0, text.output
    words = " ".join(text.stdout.split())
    assert "2025 年度考核" in words and "3/4*" in words and " 1/2 " in words  # B's 2025 questions: 1 of 2 in time
    assert "de-listed 连续三年末位): 徐汇站 (station:c)" in words

    for args, message in ((["--years", "2024", "2024"], "years: 2024 given more than once"),
                          (["--years", "1999"], "years: 1999 is not a year from 2000 to 2100")):
        bad = run(_cli(), ["scorecard", *args, "--store", path], env=env)
        assert (bad.exit_code, bad.stderr.strip()) == (2, message)
    assert run(_cli(), ["scorecard", "--store", path], env=env).exit_code == 2  # --years is required

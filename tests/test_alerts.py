"""Alerts of a hand-built region as of Tue 2026-06-30 (window 180 days: 2026-01-01 … 2026-06-30;
horizon 14 days; questions due within 2 working days), derived by hand below, on both backends.

Stations: core C (闵行中心, serves no district itself); S1 (闵行站, PART_OF C) serves 闵行 D1;
S2 (浦东站, PART_OF C) serves 浦东 D2; S3 (徐汇站, no core) serves 徐汇 D3.  Scopes: S1 → D1,
S2 → D2, C → D1 and D2, S3 → D3, everything → D1, D2, D3.

Products (innovative: device II national, unless said) and key projects; ``until`` = last + 180:

  prod:a  D1 (ent:a)  S1 tracking 2026-01-11 (170 days ago), and one dated 2026-07-03 (after as_of:
                      not known)  → until 07-10, 10 days left: lapsing
  prod:b  D1 (ent:b)  S1 tracking 2025-12-12 (200 days ago) → until 06-10, -20: lapsed
  prod:c  D2 (ent:c)  never tracked (S2 visited it yesterday: a visit is no tracking) → lapsed
  prod:d  D2 (ent:d)  S2 tracking 2026-06-29 (yesterday) → nothing
  prod:g  D2 (ent:d)  S2 tracking 2026-01-15 (166 days ago) → until 07-14 = as_of + 14: still
                      tracked on the horizon's last day → nothing
  prod:e  D1 (ent:e)  a drug (not innovative), S1 tracking 2026-01-06 (175 days ago)
  kp:1    municipal, for prod:e, by ent:e: no record of its own, tracked through prod:e
                      → until 07-05, 5 days left: lapsing
  prod:f  D3 (ent:f)  no record of its own; kp:2 (district level: not counted itself), for prod:f,
                      by ent:f: S3 tracking 2026-01-09 (172 days ago) → until 07-08, 8: lapsing
  prod:h  D3 (ent:g)  S3 tracking 2026-01-01 (180 days ago: the window's first day) → until 06-30,
                      0 days left: lapsing
  kp:3    national, by ent:g: S3 tracking yesterday → nothing

Parks (records of any type, by any station, in the window):

  P1 D1: ent:a, prod:a tracked 170 days ago              → served
  P2 D1: ent:b, prod:b tracked 200 days ago; S1's point SP2 is sited here → quiet (covered), last 12-12
  P3 D2: nothing at all                                  → quiet, never served
  P4 D2: S2 visited the park itself 2026-05-31           → served
  P5 D2: ent:d, prod:d tracked yesterday                 → served
  P6 D1: ent:e, prod:e tracked 175 days ago              → served (through a product)
  P7 D3: ent:f, kp:2 (which ent:f undertakes) tracked 172 days ago → served (through a key project)
  P8 D3: ent:h, consulted 2025-01-01 (before the window) and 2026-07-10 (after as_of) → quiet, last 2025-01-01

Questions (Monday to Friday; due = the 5th working day after the escalation):

  qa S1 escalated Wed 06-24 → due Wed 07-01, 1 working day left     → alert
  qb S2 escalated Mon 06-15 → due Mon 06-22: overdue, 6 working days (06-23 … 06-30) → alert, -6
  qc S1 escalated Tue 06-30 → due Tue 07-07, 5 working days left    → no alert
  qd S3 escalated Wed 06-24 → due 07-01                             → alert (S3's scope only)
  qe S1 escalated 06-15, answered 06-19                             → no alert
  qf S2 escalated Tue 06-23 → due Tue 06-30 (today), 0 left         → alert
  qg S1 asked and escalated 07-01 (after as_of)                     → no alert
  qh S1 escalated 06-24, answered 07-01 (after as_of: still escalated as of 06-30) → alert
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ontology import InvalidInput, NotFound
from ontology.questions import Question, Step
from ontology.workdays import WorkCalendar
from queries import alerts as alerts_module
from queries.alerts import Lapse, QuestionAlert, QuietPark, alerts
from tests.helpers import edge, node

AS_OF = date(2026, 6, 30)
D1, D2, D3 = "district:310112", "district:310115", "district:310104"
C, S1, S2, S3 = "station:c", "station:s1", "station:s2", "station:s3"
CAL = WorkCalendar(loaded_years=range(2025, 2028))  # every year known, no holidays: Monday to Friday
INNOVATIVE = {"type": "device", "device_class": "II", "innovation_channel": "national"}


def region():
    nodes = [
        node(D1, "District", "闵行区", code="310112", type="district"),
        node(D2, "District", "浦东新区", code="310115", type="district"),
        node(D3, "District", "徐汇区", code="310104", type="district"),
        node(C, "Station", "闵行中心", type="core", scope="both"),
        node(S1, "Station", "闵行站", type="station", scope="both"),
        node(S2, "Station", "浦东站", type="station", scope="both"),
        node(S3, "Station", "徐汇站", type="station", scope="both"),
        node("sp:2", "ServicePoint", "P2服务点"),
        *(node(f"park:p{i}", "Park", f"P{i}园") for i in range(1, 9)),
        *(node(f"ent:{x}", "Enterprise", f"企业{x}") for x in "abcdefgh"),
        *(node(f"prod:{x}", "Product", f"器械{x}", **INNOVATIVE) for x in "abcdfgh"),
        node("prod:e", "Product", "药e", type="drug"),
        node("kp:1", "KeyProject", "项目1", level="municipal"),
        node("kp:2", "KeyProject", "项目2", level="district"),
        node("kp:3", "KeyProject", "项目3", level="national"),
    ]
    edges = [edge("SERVES", S1, D1), edge("SERVES", S2, D2), edge("SERVES", S3, D3),
             edge("PART_OF", S1, C), edge("PART_OF", S2, C), edge("PART_OF", "sp:2", S1),
             edge("SITED_AT", "sp:2", "park:p2")]
    where = {"park:p1": D1, "park:p2": D1, "park:p3": D2, "park:p4": D2, "park:p5": D2, "park:p6": D1,
             "park:p7": D3, "park:p8": D3, "ent:a": D1, "ent:b": D1, "ent:c": D2, "ent:d": D2, "ent:e": D1,
             "ent:f": D3, "ent:g": D3, "ent:h": D3}
    edges += [edge("IN_DISTRICT", n, d) for n, d in where.items()]
    edges += [edge("LOCATED_IN", e, p) for e, p in (("ent:a", "park:p1"), ("ent:b", "park:p2"), ("ent:d", "park:p5"),
                                                    ("ent:e", "park:p6"), ("ent:f", "park:p7"), ("ent:h", "park:p8"))]
    edges += [edge("OWNS", e, p) for e, p in (("ent:a", "prod:a"), ("ent:b", "prod:b"), ("ent:c", "prod:c"),
                                              ("ent:d", "prod:d"), ("ent:d", "prod:g"), ("ent:e", "prod:e"),
                                              ("ent:f", "prod:f"), ("ent:g", "prod:h"))]
    edges += [edge("FOR_PRODUCT", "kp:1", "prod:e"), edge("FOR_PRODUCT", "kp:2", "prod:f"),
              edge("UNDERTAKEN_BY", "kp:1", "ent:e"), edge("UNDERTAKEN_BY", "kp:2", "ent:f"),
              edge("UNDERTAKEN_BY", "kp:3", "ent:g")]
    records = [(S1, "prod:a", "2026-01-11", "tracking"), (S1, "prod:a", "2026-07-03", "tracking"),
               (S1, "prod:b", "2025-12-12", "tracking"), (S2, "prod:c", "2026-06-29", "visit"),
               (S2, "prod:d", "2026-06-29", "tracking"), (S2, "prod:g", "2026-01-15", "tracking"),
               (S1, "prod:e", "2026-01-06", "tracking"), (S3, "kp:2", "2026-01-09", "tracking"),
               (S3, "prod:h", "2026-01-01", "tracking"), (S3, "kp:3", "2026-06-29", "tracking"),
               (S2, "park:p4", "2026-05-31", "visit"), (S3, "ent:h", "2025-01-01", "consultation"),
               (S3, "ent:h", "2026-07-10", "consultation")]
    edges += [edge("TRACKS", s, t, id=f"r{i}", date=d, type=kind) for i, (s, t, d, kind) in enumerate(records, 1)]
    return nodes, edges


def _question(qid: str, station: str, asked: str, *steps: tuple[str, str]) -> Question:
    q = Question(qid, station, "ent:a", "registration", "…", date.fromisoformat(asked), ())
    for seq, (action, day) in enumerate(steps, 1):
        q = q.then(Step(seq, action, date.fromisoformat(day), to="inst:smpa" if action == "escalate" else None))
    return q


QUESTIONS = [
    _question("qa", S1, "2026-06-24", ("escalate", "2026-06-24")),
    _question("qb", S2, "2026-06-15", ("escalate", "2026-06-15")),
    _question("qc", S1, "2026-06-30", ("escalate", "2026-06-30")),
    _question("qd", S3, "2026-06-24", ("escalate", "2026-06-24")),
    _question("qe", S1, "2026-06-15", ("escalate", "2026-06-15"), ("answer", "2026-06-19")),
    _question("qf", S2, "2026-06-23", ("escalate", "2026-06-23")),
    _question("qg", S1, "2026-07-01", ("escalate", "2026-07-01")),
    _question("qh", S1, "2026-06-24", ("escalate", "2026-06-24"), ("answer", "2026-07-01")),
]


@pytest.fixture
def hand(store):
    store.write(*region())
    return store


def _lapse(kind, id_, name, districts, last, until, left):
    return Lapse(kind, id_, name, districts, last and date.fromisoformat(last), until and date.fromisoformat(until),
                 left)


PROD_A = _lapse("Product", "prod:a", "器械a", (D1,), "2026-01-11", "2026-07-10", 10)
PROD_B = _lapse("Product", "prod:b", "器械b", (D1,), "2025-12-12", "2026-06-10", -20)
PROD_C = _lapse("Product", "prod:c", "器械c", (D2,), None, None, None)
KP_1 = _lapse("KeyProject", "kp:1", "项目1", (D1,), "2026-01-06", "2026-07-05", 5)
PROD_F = _lapse("Product", "prod:f", "器械f", (D3,), "2026-01-09", "2026-07-08", 8)
PROD_H = _lapse("Product", "prod:h", "器械h", (D3,), "2026-01-01", "2026-06-30", 0)
P2 = QuietPark("park:p2", "P2园", (D1,), True, 1, date(2025, 12, 12))
P3 = QuietPark("park:p3", "P3园", (D2,), False, 0, None)
P8 = QuietPark("park:p8", "P8园", (D3,), False, 1, date(2025, 1, 1))


def _q(qid, station, escalated, due, overdue, left):
    return QuestionAlert(qid, station, "ent:a", "registration", date.fromisoformat(escalated), "inst:smpa",
                         date.fromisoformat(due), False, overdue, left)


QA = _q("qa", S1, "2026-06-24", "2026-07-01", False, 1)
QB = _q("qb", S2, "2026-06-15", "2026-06-22", True, -6)
QD = _q("qd", S3, "2026-06-24", "2026-07-01", False, 1)
QF = _q("qf", S2, "2026-06-23", "2026-06-30", False, 0)
QH = _q("qh", S1, "2026-06-24", "2026-07-01", False, 1)


def test_everything(hand):
    a = alerts(hand, AS_OF, questions=QUESTIONS, calendar=CAL)
    assert (a.station, a.stations, a.districts) == (None, (C, S1, S2, S3), (D3, D1, D2))
    assert (a.window_days, a.horizon_days, a.due_within) == (180, 14, 2)
    assert a.lapsed == (PROD_C, PROD_B)  # never tracked first, then by the day it lapsed
    assert a.lapsing == (PROD_H, KP_1, PROD_F, PROD_A)
    assert a.questions == (QB, QF, QA, QD, QH)
    assert a.quiet_parks == (P3, P8, P2)


def test_a_member_station_sees_its_own_district(hand):
    a = alerts(hand, AS_OF, "闵行站", QUESTIONS, CAL)  # by name
    assert (a.station, a.stations, a.districts) == (S1, (S1,), (D1,))
    assert (a.lapsed, a.lapsing, a.questions, a.quiet_parks) == ((PROD_B,), (KP_1, PROD_A), (QA, QH), (P2,))
    s2 = alerts(hand, AS_OF, S2, QUESTIONS, CAL)
    assert (s2.districts, s2.lapsed, s2.lapsing, s2.questions, s2.quiet_parks) == ((D2,), (PROD_C,), (), (QB, QF), (P3,))


def test_the_core_sees_its_members(hand):
    a = alerts(hand, AS_OF, C, QUESTIONS, CAL)
    assert (a.station, a.stations, a.districts) == (C, (C, S1, S2), (D1, D2))
    assert (a.lapsed, a.lapsing, a.questions, a.quiet_parks) == ((PROD_C, PROD_B), (KP_1, PROD_A), (QB, QF, QA, QH),
                                                                 (P3, P2))
    s3 = alerts(hand, AS_OF, S3, QUESTIONS, CAL)  # a station outside the core
    assert (s3.stations, s3.districts, s3.lapsed, s3.lapsing, s3.questions, s3.quiet_parks) == (
        (S3,), (D3,), (), (PROD_H, PROD_F), (QD,), (P8,))


def test_horizon_and_window(hand):
    # a horizon of 4 days: only what leaves the window by 07-04 (prod:h on 06-30)
    assert alerts(hand, AS_OF, horizon_days=4).lapsing == (PROD_H,)
    # no horizon: nothing is lapsing; a window of 169 days: prod:a (170 days ago) has lapsed
    a = alerts(hand, AS_OF, S1, horizon_days=0, window_days=169)
    assert a.lapsing == ()
    assert [(x.id, x.tracked_until, x.days_left) for x in a.lapsed] == [
        ("prod:b", date(2026, 5, 30), -31), ("kp:1", date(2026, 6, 24), -6), ("prod:a", date(2026, 6, 29), -1)]
    # no questions, no calendar: no question alerts
    assert alerts(hand, AS_OF).questions == ()
    # due within 5 working days: qc (07-07) too
    assert [q.id for q in alerts(hand, AS_OF, S1, QUESTIONS, CAL, due_within=5).questions] == ["qa", "qh", "qc"]


def test_a_later_day_sees_later_records(hand):
    # on 07-11 S1's tracking of 07-03 is known: prod:a is tracked again (until 12-30)
    a = alerts(hand, date(2026, 7, 11), S1)
    assert "prod:a" not in {x.id for x in a.lapsed + a.lapsing}
    # kp:1 (until 07-05) and prod:b have lapsed
    assert [(x.id, x.days_left) for x in a.lapsed] == [("prod:b", -31), ("kp:1", -6)]


@pytest.mark.parametrize("kwargs, error, message", [
    ({"station": "无此站"}, NotFound, "^station: no Station named"),
    ({"station": D1}, InvalidInput, "^station: 'district:310112' is a District"),
    ({"horizon_days": 181}, InvalidInput, "^horizon_days: 181 is longer than the window"),
    ({"window_days": -1}, InvalidInput, "^window_days must be"),
    ({"due_within": True}, InvalidInput, "^due_within must be"),
    ({"questions": QUESTIONS}, InvalidInput, "^calendar: "),
])
def test_bad_input(hand, kwargs, error, message):
    with pytest.raises(error, match=message):
        alerts(hand, AS_OF, **kwargs)


def test_as_of_is_a_date(hand):
    with pytest.raises(InvalidInput, match="^as_of must be a date"):
        alerts(hand, "2026-06-30")  # type: ignore[arg-type]


def test_doctests():
    import doctest

    assert doctest.testmod(alerts_module).failed == 0


# ---------------------------------------------------------------------------------- the command


def test_the_alerts_command(tmp_path, monkeypatch):
    import json

    import typer
    from typer.testing import CliRunner

    from api.cli_assessment import alerts as alerts_command
    from api.cli_assessment import scorecard
    from graph import EmbeddedStore

    path = str(tmp_path / "alerts.sqlite")
    with EmbeddedStore(path) as s:
        s.write(*region())
    env = {"BIOKG_DATA_DIR": str(tmp_path / "data")}
    app = typer.Typer()  # registered as `biokg scorecard` and `biokg alerts` by api.cli
    app.command()(scorecard)
    app.command("alerts")(alerts_command)
    run = CliRunner().invoke

    # the ledger beside the store has no questions yet
    plain = run(app, ["alerts", "--as-of", "2026-06-30", "--store", path, "--json"], env=env)
    assert plain.exit_code == 0, plain.output
    body = json.loads(plain.stdout)
    assert list(body) == ["as_of", "station", "stations", "districts", "window_days", "horizon_days", "due_within",
                          "lapsed", "lapsing", "questions", "quiet_parks"]
    assert (body["as_of"], body["station"], body["questions"]) == ("2026-06-30", None, [])
    assert body["lapsing"][0] == {"kind": "Product", "id": "prod:h", "name": "器械h", "districts": [D3],
                                  "last_tracked": "2026-01-01", "tracked_until": "2026-06-30", "days_left": 0}

    monkeypatch.setattr("api.cli_workflow.questions_of", lambda settings, *only: QUESTIONS)
    monkeypatch.setattr("api.cli_calendar.calendar_of", lambda settings: CAL)
    core = run(app, ["alerts", "--as-of", "2026/6/30", "--station", "闵行中心", "--store", path, "--json"], env=env)
    assert core.exit_code == 0, core.output
    body = json.loads(core.stdout)
    assert (body["station"], body["districts"]) == (C, [D1, D2])
    assert [x["id"] for x in body["lapsing"]] == ["kp:1", "prod:a"]
    assert [x["id"] for x in body["lapsed"]] == ["prod:c", "prod:b"]
    assert [(q["id"], q["due"], q["working_days_left"]) for q in body["questions"]] == [
        ("qb", "2026-06-22", -6), ("qf", "2026-06-30", 0), ("qa", "2026-07-01", 1), ("qh", "2026-07-01", 1)]
    assert [(p["id"], p["last_record"]) for p in body["quiet_parks"]] == [("park:p3", None), ("park:p2", "2025-12-12")]
    narrow = run(app, ["alerts", "--as-of", "2026-06-30", "--station", S1, "--horizon-days", "4", "--store", path,
                       "--json"], env=env)
    assert [x["id"] for x in json.loads(narrow.stdout)["lapsing"]] == []

    text = run(app, ["alerts", "--as-of", "2026-06-30", "--station", S1, "--store", path], env=env)
    assert text.exit_code == 0, text.output
    words = " ".join(text.stdout.split())
    assert "lapsing within 14 days 即将脱离跟踪 (2)" in words and "器械a (prod:a)" in words
    assert "P2园 (park:p2)" in words and "qh" in words and "P3园" not in words

    bad = run(app, ["alerts", "--station", "无此站", "--store", path], env=env)
    assert (bad.exit_code, bad.stderr.startswith("station: no Station named '无此站'")) == (1, True)
    bad = run(app, ["alerts", "--as-of", "yesterday", "--store", path], env=env)
    assert (bad.exit_code, bad.stderr.startswith("--as-of: ")) == (2, True)
    bad = run(app, ["alerts", "--horizon-days", "200", "--store", path], env=env)
    assert (bad.exit_code, bad.stderr.startswith("horizon_days: 200 is longer than the window")) == (2, True)


# ---------------------------------------------------------------------------------- random regions


def reference(nodes, edges, as_of: date, window: int, horizon: int, station: str | None):
    """The module's semantics written out plainly over the lists of nodes and edges: the lapsed, the
    lapsing and the quiet parks of the scope."""
    props = {n.id: n.props for n in nodes}
    kind = {n.id: n.kind for n in nodes}
    name = {n.id: n.name for n in nodes}

    def targets(src, k):
        return {e.dst for e in edges if e.src == src and e.kind == k}

    def sources(dst, k):
        return {e.src for e in edges if e.dst == dst and e.kind == k}

    if station is None:
        scope = {d for d in kind if kind[d] == "District"}
    else:
        mine, grown = {station}, True
        while grown:
            more = {s for m in mine for s in sources(m, "PART_OF") if kind[s] == "Station"}
            grown, mine = not more <= mine, mine | more
        scope = {d for s in mine for d in targets(s, "SERVES")}
    known = [e for e in edges if e.kind == "TRACKS" and date.fromisoformat(e.props["date"]) <= as_of]

    def days(xs, tracking=True):
        return [date.fromisoformat(r.props["date"]) for r in known
                if r.dst in xs and (not tracking or r.props["type"] == "tracking")]

    items = []
    for p in (x for x in kind if kind[x] == "Product"):
        q = props[p]
        if q["type"] in ("device", "ivd") and q.get("device_class") in ("II", "III") and q.get(
                "innovation_channel") in ("national", "shanghai"):
            where = {d for o in sources(p, "OWNS") for d in targets(o, "IN_DISTRICT")}
            items.append(("Product", p, where, {p} | sources(p, "FOR_PRODUCT")))
    for k in (x for x in kind if kind[x] == "KeyProject"):
        if props[k]["level"] in ("national", "municipal"):
            where = {d for o in targets(k, "UNDERTAKEN_BY") for d in targets(o, "IN_DISTRICT")}
            items.append(("KeyProject", k, where, {k} | targets(k, "FOR_PRODUCT")))
    lapsed, lapsing = [], []
    start = as_of - timedelta(days=window)
    for k, i, where, counted in items:
        if not where & scope:
            continue
        last = max(days(counted), default=None)
        until = last + timedelta(days=window) if last else None
        x = Lapse(k, i, name[i], tuple(sorted(where & scope)), last, until, until and (until - as_of).days)
        if last is None or last < start:
            lapsed.append(x)
        elif until < as_of + timedelta(days=horizon):
            lapsing.append(x)
    quiet = []
    centres = {e.dst for e in edges if e.kind == "SITED_AT"}
    for p in (x for x in kind if kind[x] == "Park" and targets(x, "IN_DISTRICT") & scope):
        ents = {e for e in sources(p, "LOCATED_IN") if kind[e] == "Enterprise"}
        served = {p} | ents | {t for e in ents for t in targets(e, "OWNS") | sources(e, "UNDERTAKEN_BY")}
        last = max(days(served, tracking=False), default=None)
        if last is None or last < start:
            quiet.append(QuietPark(p, name[p], tuple(sorted(targets(p, "IN_DISTRICT") & scope)), p in centres,
                                   len(ents), last))

    def order(x):
        return (x.tracked_until or date.min, x.id)

    return (tuple(sorted(lapsed, key=order)), tuple(sorted(lapsing, key=order)),
            tuple(sorted(quiet, key=lambda p: (p.last_record or date.min, p.id))))


@pytest.mark.parametrize("seed", range(6))
def test_random_regions_against_a_plain_reading(store, seed):
    import random

    from tests.test_coverage_random import AS_OF as DAY
    from tests.test_coverage_random import random_region

    nodes, edges = random_region(seed)
    rng = random.Random(seed)
    edges = [e for e in edges if e.kind != "TRACKS" or rng.random() < .5]  # sparser: more lapses, quieter parks
    store.write(nodes, edges)
    for station in (None, "station:0", "station:1", "station:2"):
        for window, horizon in ((180, 14), (90, 30), (60, 45)):
            a = alerts(store, DAY, station, window_days=window, horizon_days=horizon)
            assert (a.lapsed, a.lapsing, a.quiet_parks) == reference(nodes, edges, DAY, window, horizon, station), (
                station, window, horizon)

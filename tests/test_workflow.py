"""The station's day: service records and enterprise questions from the command line and the API,
their states (a hypothesis state machine against a model written out again here), scoping of the
private questions, service levels on the real calendar, and the hash-chained audit trail."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from api.settings import Settings
from graph import EmbeddedStore
from graph.ledger import Actor, Ledger
from graph.question_book import QuestionBook
from loaders.demo_region import ensure_demo
from ontology import Conflict, InvalidInput
from ontology.questions import Question, Step
from ontology.workdays import WorkCalendar
from queries.questions import service_levels, state_of

SECRET = "专利许可备案的商业秘密 7f3a"  # a question text that must never leak
MH_ENT = "enterprise:syn000002"  # 闵行 (district:310112)
PD_ENT = "enterprise:syn000001"  # 浦东 (district:310115)


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """The demo region with keys: admin, analyst, viewer, 闵行 station, 闵行中心 (its core), 浦东 station."""
    folder = tmp_path_factory.mktemp("office")
    store = EmbeddedStore(folder / "demo.sqlite")
    ensure_demo(store)
    app = create_app(store, Settings(data_dir=folder))
    ring = app.state.biokg.keys
    keys = {"admin": ring.create("admin")[1], "analyst": ring.create("analyst")[1],
            "viewer": ring.create("viewer")[1], "minhang": ring.create("station", "station:minhang")[1],
            "core": ring.create("station", "station:minhang-core")[1],
            "pudong": ring.create("station", "station:pudong")[1]}
    yield store, app, keys, folder
    store.close()


def _client(app, keys, who: str | None) -> TestClient:
    return TestClient(app, headers={"Authorization": f"Bearer {keys[who]}"} if who else {})


def _ask(app, keys, who="minhang", **kw):
    body = {"station": "station:minhang", "enterprise": MH_ENT, "category": "知识产权", "text": SECRET,
            "date": "2026-09-25", **kw}
    return _client(app, keys, who).post("/api/v1/questions", json=body)


# ---------------------------------------------------------------------------------- the states

ACTIONS = ("answer", "escalate", "close", "reopen")
# the closed loop of the guidance, written out again: (state, action) -> next state
MODEL = {("open", "answer"): "answered", ("open", "escalate"): "escalated", ("escalated", "answer"): "answered",
         ("answered", "close"): "closed", ("answered", "reopen"): "open", ("closed", "reopen"): "open"}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(ACTIONS), st.integers(-2, 6)), max_size=20))
def test_random_steps_follow_the_closed_loop(steps):
    q = Question("q", "station:a", "ent:x", "other", "…", date(2026, 3, 2), ())
    state, day, taken = "open", q.asked, 0
    for action, gap in steps:
        when = day + timedelta(days=gap)
        s = Step(taken + 1, action, when, to="inst:smpa" if action == "escalate" else None)
        legal = (state, action) in MODEL
        if not legal:
            with pytest.raises(Conflict):
                q.then(s)
            continue
        if when < day:
            with pytest.raises(InvalidInput):
                q.then(s)
            continue
        q = q.then(s)
        state, day, taken = MODEL[(state, action)], when, taken + 1
        assert q.state_before() == state and len(q.steps) == taken
    view = state_of(q, WorkCalendar(), day)
    assert view.state == state
    # invariants: an answer is dated; overdue only while escalated; a due day only after an escalation
    assert (view.answered_at is not None) == (state in ("answered", "closed") and view.escalated_at is not None
                                              or state in ("answered", "closed") and view.answered_at is not None)
    assert not view.overdue or view.state == "escalated"
    assert (view.due is None) == (view.escalated_at is None)
    assert view.closed_at is None or view.state == "closed"


def test_the_book_is_idempotent_and_audits_each_step(tmp_path):
    ledger = Ledger(tmp_path / "l.sqlite")
    book, me = QuestionBook(ledger), Actor(None, "local", "ana")
    q, new = book.ask("station:a", "ent:x", "registration", "怎么排期?", date(2026, 3, 2), me)
    again, new_again = book.ask("station:a", "ent:x", "registration", "怎么排期?", date(2026, 3, 2), me)
    assert new and not new_again and again == q
    first = book.step(q.id, "escalate", date(2026, 3, 2), me, "转市局", "inst:smpa", ("station:a", "inst:smpa"))
    repeat = book.step(q.id, "escalate", date(2026, 3, 2), me, "转市局", "inst:smpa", ("station:a", "inst:smpa"))
    assert first.changed and not repeat.changed and len(book.get(q.id).steps) == 1
    with pytest.raises(Conflict):
        book.step(q.id, "close", date(2026, 3, 3), me)
    assert len(book.get(q.id).steps) == 1  # the refused step left nothing
    entries = ledger.entries()
    assert [(e.action, e.status) for e in entries] == [("questions.create", 201), ("questions.create", 200),
                                                       ("questions.escalate", 200), ("questions.escalate", 200)]
    assert entries[2].before["state"] == "open" and entries[2].after["state"] == "escalated"
    assert entries[2].after["last_step"]["path"] == ["station:a", "inst:smpa"]
    assert ledger.verify().ok


# ---------------------------------------------------------------------------------- the calendar

def test_due_days_and_service_levels_on_the_official_calendar():
    cal = WorkCalendar()
    # State Council, 2025 arrangement: 1/28-2/4 off, Sun 1/26 and Sat 2/8 worked.  Escalated on Fri 1/24:
    # Sun 1/26 (1), Mon 1/27 (2), then Wed 2/5 (3), Thu 2/6 (4), Fri 2/7 (5)
    a = Question("qa", "station:a", "ent:x", "other", "…", date(2025, 1, 24), (
        Step(1, "escalate", date(2025, 1, 24), to="inst:smpa"), Step(2, "answer", date(2025, 2, 7))))
    # 2026: Fri 9/25-Sun 9/27 Mid-Autumn off; 10/1-10/7 off, Sat 10/10 worked. Escalated Thu 9/24:
    # Mon 9/28 (1), Tue 9/29 (2), Wed 9/30 (3), Thu 10/8 (4), Fri 10/9 (5); answered Sat 10/10: late
    b = Question("qb", "station:a", "ent:y", "other", "…", date(2026, 9, 24), (
        Step(1, "escalate", date(2026, 9, 24), to="inst:smpa"), Step(2, "answer", date(2026, 10, 10))))
    # escalated Mon 2026-11-30, not answered: due Mon 12/7; not yet overdue on 12/7, overdue on 12/8
    c = Question("qc", "station:a", "ent:z", "other", "…", date(2026, 11, 30), (
        Step(1, "escalate", date(2026, 11, 30), to="inst:smpa"),))
    sa, sb = state_of(a, cal, date(2026, 12, 31)), state_of(b, cal, date(2026, 12, 31))
    assert (sa.due, sa.within, sa.working_days) == (date(2025, 2, 7), True, 5)
    assert (sb.due, sb.within, sb.working_days) == (date(2026, 10, 9), False, 6)
    assert state_of(c, cal, date(2026, 12, 7)).overdue is False
    assert state_of(c, cal, date(2026, 12, 8)).overdue is True
    level = service_levels([a, b, c], cal, date(2026, 12, 8))["station:a"]
    assert (level.asked, level.open, level.overdue, level.decided, level.within) == (3, 1, 1, 3, 1)
    assert level.within_rate == pytest.approx(1 / 3) and level.median_working_days == 5.5
    # escalated Mon 2026-12-28: the fifth working day lies in 2027, which has no official data yet
    d = Question("qd", "station:a", "ent:z", "other", "…", date(2026, 12, 28), (
        Step(1, "escalate", date(2026, 12, 28), to="inst:smpa"),))
    sd = state_of(d, cal, date(2026, 12, 28))
    assert (sd.due, sd.due_provisional) == (date(2027, 1, 4), True)


# ---------------------------------------------------------------------------------- over HTTP

def test_a_question_from_intake_to_closed_over_http(office):
    store, app, keys, _ = office
    made = _ask(app, keys, date="2026-09-24")
    assert made.status_code == 201, made.text
    qid = made.json()["id"]
    mh = _client(app, keys, "minhang")
    assert _ask(app, keys, date="2026-09-24").status_code == 200  # the same question again: no second one
    up = mh.post(f"/api/v1/questions/{qid}/escalate", json={"to": "上海市药品监督管理局", "date": "2026-09-24"})
    assert up.status_code == 200 and up.json()["path"] == ["station:minhang", "station:minhang-core", "inst:smpa"]
    assert up.json()["due"] == "2026-10-09"
    late = mh.get("/api/v1/questions", params={"overdue": "true", "as_of": "2026-10-12"}).json()
    assert qid in [r["id"] for r in late["data"]]
    assert qid not in [r["id"] for r in mh.get("/api/v1/questions", params={"overdue": "true",
                                                                             "as_of": "2026-10-09"}).json()["data"]]
    bad = mh.post(f"/api/v1/questions/{qid}/close", json={"date": "2026-10-09"})
    assert bad.status_code == 409 and bad.json()["error"]["code"] == "conflict"
    not_agency = mh.post(f"/api/v1/questions/{qid}/escalate", json={"to": "复旦大学"})
    assert not_agency.status_code in (409, 422)
    core = _client(app, keys, "core")  # the core gathers its member station's questions
    done = core.post(f"/api/v1/questions/{qid}/answer", json={"date": "2026-10-10", "note": "市局答复"})
    assert done.status_code == 200 and done.json()["within"] is False and done.json()["working_days"] == 6
    assert mh.post(f"/api/v1/questions/{qid}/close", json={"date": "2026-10-12"}).json()["state"] == "closed"
    again = mh.post(f"/api/v1/questions/{qid}/reopen", json={"date": "2026-10-13", "note": "企业追问"})
    assert again.json()["state"] == "open" and again.json()["escalated_at"] is None
    steps = mh.get(f"/api/v1/questions/{qid}").json()["steps"]
    assert [s["action"] for s in steps] == ["escalate", "answer", "close", "reopen"]
    assert steps[1]["key_id"] == keys["core"][4:12] and steps[0]["role"] == "station"


def test_questions_stay_private(office):
    store, app, keys, _ = office
    qid = _ask(app, keys, date="2026-09-28", text=SECRET + " (private)").json()["id"]
    pd = _client(app, keys, "pudong")
    assert pd.get(f"/api/v1/questions/{qid}").status_code == 404  # out of scope: as if it did not exist
    assert pd.post(f"/api/v1/questions/{qid}/answer", json={}).status_code == 404
    assert SECRET not in pd.get("/api/v1/questions").text
    assert _ask(app, keys, who="pudong").status_code == 403  # a station takes questions for itself only
    analyst = _client(app, keys, "analyst")
    assert analyst.get("/api/v1/questions").status_code == 403
    levels = analyst.get("/api/v1/service-levels", params={"as_of": "2026-12-01"})
    assert levels.status_code == 200 and SECRET not in levels.text
    assert "station:minhang" in [r["station"] for r in levels.json()["data"]]
    # the service level joins the station scorecard of the coverage report, for those who see scorecards
    cov = analyst.get("/api/v1/coverage", params={"district": "闵行", "as_of": "2026-10-31"})
    figures = {s["id"]: s["questions"] for s in cov.json()["stations"]}
    assert figures["station:minhang"]["asked"] >= 1 and SECRET not in cov.text
    assert figures["station:minhang"] == next(r for r in analyst.get(
        "/api/v1/service-levels", params={"as_of": "2026-10-31", "since": "2026-05-04"}).json()["data"]
        if r["station"] == "station:minhang")
    assert _client(app, keys, "viewer").get("/api/v1/coverage", params={"district": "闵行"}).json()["stations"] == []
    assert _client(app, keys, "viewer").get("/api/v1/questions").status_code == 403
    assert TestClient(app).get("/api/v1/questions").status_code == 401
    admin = _client(app, keys, "admin")
    for url, params in (("/api/v1/search", {"q": "专利许可备案"}), (f"/api/v1/entities/{MH_ENT}", {}),
                        (f"/api/v1/entities/{MH_ENT}/neighbours", {}), ("/api/v1/subgraph", {"ids": MH_ENT}),
                        ("/api/v1/export", {"format": "jsonld"}), ("/api/v1/export", {"format": "csv"})):
        answer = admin.get(url, params=params)
        assert answer.status_code == 200, (url, answer.text)
        assert SECRET not in answer.text and qid not in answer.text, url
    assert store.get(qid) is None and not store.search(SECRET)


def test_a_record_counts_for_coverage_at_once_from_the_command_line(office, tmp_path):
    store, app, keys, folder = office
    env = {"BIOKG_STORE": str(store.path), "BIOKG_DATA_DIR": str(folder)}
    admin = _client(app, keys, "admin")

    def covered() -> int:
        report = admin.get("/api/v1/coverage", params={"district": "闵行", "as_of": "2026-11-30"}).json()
        return report["districts"][0]["enterprises_covered"]

    before = covered()
    uncovered = admin.get("/api/v1/coverage", params={"district": "闵行", "as_of": "2026-11-30"}).json()
    target = uncovered["districts"][0]["uncovered_enterprises"][0]["id"]
    run = CliRunner().invoke(cli, ["record", "add", "--station", "闵行区工作站", "--target", target,
                                   "--type", "走访", "--date", "2026-11-30", "--note", "上门", "--json"], env=env)
    assert run.exit_code == 0, run.output
    assert json.loads(run.stdout)["created"] is True and covered() == before + 1
    repeat = CliRunner().invoke(cli, ["record", "add", "--station", "station:minhang", "--target", target,
                                      "--type", "visit", "--date", "2026-11-30", "--note", "上门", "--json"], env=env)
    assert json.loads(repeat.stdout)["created"] is False and covered() == before + 1
    bad = CliRunner().invoke(cli, ["record", "add", "--station", "nowhere", "--target", target, "--type", "visit"],
                             env=env)
    assert bad.exit_code == 2 and "station" in bad.output


def test_the_cli_question_commands_and_their_json(office):
    store, app, keys, folder = office
    env = {"BIOKG_STORE": str(store.path), "BIOKG_DATA_DIR": str(folder)}
    run = CliRunner().invoke
    added = run(cli, ["question", "add", "--station", "station:pudong", "--enterprise", PD_ENT, "--category",
                      "registration", "--text", "注册检验排期?", "--date", "2025-01-24"], env=env)
    assert added.exit_code == 0, added.output
    qid = added.stdout.strip()
    up = run(cli, ["question", "escalate", qid, "--to", "inst:cde-yrd", "--date", "2025-01-24", "--json"], env=env)
    assert json.loads(up.stdout)["due"] == "2025-02-07"
    listed = run(cli, ["question", "list", "--station", "浦东新区工作站", "--overdue", "--as-of", "2025-02-10",
                       "--json"], env=env)
    data = json.loads(listed.stdout)
    assert data["count"] == 1 and {"id", "station", "enterprise", "category", "state", "escalated_at", "due",
                                   "answered_at", "overdue"} <= set(data["data"][0])
    assert run(cli, ["question", "close", qid, "--date", "2025-02-10"], env=env).exit_code == 1  # 409: a conflict
    assert run(cli, ["question", "list", "--state", "pending"], env=env).exit_code == 2
    api = _client(app, keys, "pudong").get("/api/v1/questions", params={"overdue": "true", "as_of": "2025-02-10"})
    assert [r["id"] for r in api.json()["data"]] == [qid]
    assert api.json()["data"][0] == data["data"][0]  # the CLI's JSON is the API's
    # the service level joins the scorecard of `biokg coverage`: JSON, the text table and the sheets
    cov = json.loads(run(cli, ["coverage", "--district", "浦东", "--as-of", "2025-02-10", "--json"], env=env).stdout)
    pudong = next(s for s in cov["stations"] if s["id"] == "station:pudong")["questions"]
    assert (pudong["asked"], pudong["overdue"], pudong["decided"], pudong["within_rate"]) == (1, 1, 1, 0.0)
    table = run(cli, ["coverage", "--district", "浦东", "--as-of", "2025-02-10"], env={**env, "COLUMNS": "200"})
    assert "5 wd" in table.stdout and "0% (1)" in table.stdout
    sheets = folder / "cov-csv"
    assert run(cli, ["coverage", "--district", "浦东", "--as-of", "2025-02-10", "--format", "csv", "--out",
                     str(sheets), "--no-bom"], env=env).exit_code == 0
    import csv

    rows = {r["id"]: r for r in csv.DictReader((sheets / "stations.csv").open(encoding="utf-8"))}
    assert rows["station:pudong"]["questions_overdue"] == "1"


# ---------------------------------------------------------------------------------- audit

def test_every_write_is_audited_and_the_chain_detects_tampering(office, tmp_path):
    store, app, keys, folder = office
    env = {"BIOKG_STORE": str(store.path), "BIOKG_DATA_DIR": str(folder)}
    run = CliRunner().invoke
    assert run(cli, ["audit", "verify"], env=env).exit_code == 0
    trail = json.loads(run(cli, ["audit", "--json"], env=env).stdout)["data"]
    actions = {e["action"] for e in trail}
    assert {"keys.create", "questions.create", "questions.escalate", "questions.answer", "questions.close",
            "questions.reopen", "records.create"} <= actions
    assert all(e["prev"] == p["hash"] for p, e in zip(trail, trail[1:], strict=False))
    refused = [e for e in trail if e["status"] == 409]
    assert refused and refused[0]["after"] is None
    # tamper with a copy of the ledger: an edited entry, a deleted one, one deleted from the end
    for how in ("edit", "delete", "truncate"):
        copy = tmp_path / f"{how}.sqlite"
        src = sqlite3.connect(folder / "ledger.sqlite")
        src.backup(dst := sqlite3.connect(copy))
        src.close()
        dst.executescript("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;")
        if how == "edit":
            dst.execute("UPDATE audit SET status=201 WHERE seq=(SELECT min(seq) FROM audit WHERE status=409)")
        elif how == "delete":
            dst.execute("DELETE FROM audit WHERE seq=3")
        else:
            dst.execute("DELETE FROM audit WHERE seq=(SELECT max(seq) FROM audit)")
        dst.commit()
        dst.close()
        checked = run(cli, ["audit", "verify", "--json"], env={**env, "BIOKG_LEDGER_FILE": str(copy)})
        assert checked.exit_code == 1, how
        assert json.loads(checked.stdout)["ok"] is False, how
    conn = sqlite3.connect(folder / "ledger.sqlite")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM audit WHERE seq=1")
    conn.close()  # and its transaction with it: the ledger is shared with the tests after this one
    since = json.loads(run(cli, ["audit", "--since", "2999-01-01", "--json"], env=env).stdout)
    assert since["count"] == 0


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=8), st.integers(0, 7))
def test_any_single_edit_breaks_the_chain(tmp_path, targets, victim):
    ledger = Ledger(":memory:")
    for i, t in enumerate(targets):
        ledger.record(Actor(None, "local", "t"), "records.create", t, 201, None, {"n": i})
    assert ledger.verify().ok
    seq = victim % len(targets) + 1
    ledger.conn.executescript("DROP TRIGGER audit_no_update;")
    ledger.conn.execute("UPDATE audit SET after=? WHERE seq=?", ('{"n":-1}', seq))
    problems = ledger.verify().problems
    assert problems and problems[0][0] == seq


class QuestionBookMachine(RuleBasedStateMachine):
    """Random steps through the ledger-backed book: it agrees with the model after every step, a refused
    step writes nothing (no step, no audit entry), and the trail always verifies."""

    def __init__(self):
        super().__init__()
        self.ledger = Ledger(":memory:")
        self.book, self.me = QuestionBook(self.ledger), Actor(None, "local", "t")
        self.model: dict[str, tuple[str, date, int]] = {}  # id -> (state, last day, steps)
        self.entries = 0

    @rule(n=st.integers(0, 3))
    def ask(self, n):
        q, new = self.book.ask("station:a", f"ent:{n}", "other", "?", date(2026, 3, 2), self.me)
        self.entries += 1
        assert new == (q.id not in self.model)
        self.model.setdefault(q.id, ("open", q.asked, 0))

    @precondition(lambda self: self.model)
    @rule(data=st.data(), action=st.sampled_from(ACTIONS), gap=st.integers(-1, 4))
    def take(self, data, action, gap):
        qid = data.draw(st.sampled_from(sorted(self.model)))
        state, last, steps = self.model[qid]
        day = last + timedelta(days=gap)
        to = "inst:smpa" if action == "escalate" else None
        try:
            done = self.book.step(qid, action, day, self.me, "n", to)
        except (Conflict, InvalidInput):
            assert (state, action) not in MODEL or day < last
            return
        self.entries += 1
        assert (state, action) in MODEL or not done.changed
        if done.changed:
            self.model[qid] = (MODEL[(state, action)], day, steps + 1)

    @invariant()
    def agrees(self):
        for qid, (state, _, steps) in self.model.items():
            q = self.book.get(qid)
            assert (q.state_before(), len(q.steps)) == (state, steps)
        assert len(self.ledger.entries(limit=10_000)) == self.entries
        assert self.ledger.verify().ok


QuestionBookMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)
test_the_book_agrees_with_the_model = QuestionBookMachine.TestCase


# ---------------------------------------------------------------------------------- after a second reading

def test_a_core_sees_its_members_questions_and_members_not_each_others(tmp_path):
    from helpers import edge, node

    store = EmbeddedStore(tmp_path / "s.sqlite")
    store.write([node("district:310112", "District", "闵行区", code="310112", type="district"),
                 node("district:310115", "District", "浦东新区", code="310115", type="district"),
                 node("ent:mh", "Enterprise", "闵行企业"), node("ent:pd", "Enterprise", "浦东企业"),
                 node("station:core", "Station", "核", type="core", scope="both"),
                 node("station:mh", "Station", "闵行站", type="station", scope="both"),
                 node("station:pd", "Station", "浦东站", type="station", scope="both")],
                [edge("SERVES", "station:mh", "district:310112"), edge("SERVES", "station:pd", "district:310115"),
                 edge("PART_OF", "station:mh", "station:core"), edge("PART_OF", "station:pd", "station:core"),
                 edge("IN_DISTRICT", "ent:mh", "district:310112"), edge("IN_DISTRICT", "ent:pd", "district:310115")])
    app = create_app(store, Settings(data_dir=tmp_path))
    ring = app.state.biokg.keys
    keys = {s: ring.create("station", f"station:{s}")[1] for s in ("core", "mh", "pd")}

    def ask(who: str, station: str, enterprise: str) -> str:
        made = _client(app, keys, who).post("/api/v1/questions", json={
            "station": station, "enterprise": enterprise, "category": "other", "text": f"{who}?", "date": "2026-11-02"})
        assert made.status_code == 201, made.text
        return made.json()["id"]

    by_core, by_pd = ask("core", "station:core", "ent:mh"), ask("pd", "station:pd", "ent:pd")
    seen = {who: {r["id"] for r in _client(app, keys, who).get("/api/v1/questions").json()["data"]} for who in keys}
    assert seen == {"core": {by_core, by_pd}, "mh": set(), "pd": {by_pd}}
    assert _client(app, keys, "mh").post(f"/api/v1/questions/{by_pd}/answer", json={}).status_code == 404
    assert _client(app, keys, "core").post(f"/api/v1/questions/{by_pd}/answer", json={}).status_code == 200
    store.close()


def test_reopening_does_not_take_a_late_answer_back():
    cal = WorkCalendar()
    q = Question("q", "station:a", "ent:x", "other", "…", date(2026, 3, 2), (
        Step(1, "escalate", date(2026, 3, 2), to="inst:smpa"),  # due Mon 3/9
        Step(2, "answer", date(2026, 3, 12)), Step(3, "reopen", date(2026, 3, 12)),
        Step(4, "answer", date(2026, 3, 12))))
    level = service_levels([q], cal, date(2026, 3, 31))["station:a"]
    assert (level.escalated, level.decided, level.within, level.within_rate) == (1, 1, 0, 0.0)
    assert level.median_working_days == 8  # 3/3 … 3/12: eight working days


def test_question_ids_tell_nothing_and_the_trail_keeps_no_text(tmp_path):
    me = Actor(None, "local", "t")
    ids = []
    for name in ("a", "b"):
        ledger = Ledger(tmp_path / f"{name}.sqlite")
        book = QuestionBook(ledger)
        q, _ = book.ask("station:a", "ent:x", "other", SECRET, date(2026, 3, 2), me)
        assert book.ask("station:a", "ent:x", "other", SECRET, date(2026, 3, 2), me)[0].id == q.id
        book.step(q.id, "answer", date(2026, 3, 2), me, "答复")
        ids.append(q.id)
        trail = json.dumps([e.after for e in ledger.entries()], ensure_ascii=False)
        assert SECRET not in trail and "text_sha256" in trail
        ledger.close()
    assert ids[0] != ids[1]  # random: the same question in two ledgers has two ids


def test_the_trail_refuses_a_swapped_entry_and_a_kept_head_finds_a_cut_end(tmp_path):
    ledger = Ledger(tmp_path / "l.sqlite")
    for i in range(4):
        ledger.record(Actor(None, "local", "t"), "records.create", "s", 201, None, {"n": i})
    head = ledger.verify().head
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        ledger.conn.execute("INSERT OR REPLACE INTO audit SELECT * FROM audit WHERE seq=2")
    # whoever can rewrite the file: drop the triggers, cut the last entry, set the counter back
    ledger.conn.executescript("DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq=4; "
                              "UPDATE sqlite_sequence SET seq=3 WHERE name='audit';")
    assert ledger.verify().ok  # unseen by the chain alone …
    cut = ledger.verify(head)
    assert not cut.ok and cut.problems[0][0] == 4  # … but not against the head kept from before
    with pytest.raises(InvalidInput, match="SEQ:HASH"):
        ledger.verify("garbage")


def test_a_day_not_yet_come_is_refused(office):
    store, app, keys, folder = office
    late = (date.today() + timedelta(days=30)).isoformat()
    answer = _ask(app, keys, date=late)
    assert answer.status_code == 422 and answer.json()["error"]["details"][0]["field"] == "body.date"
    env = {"BIOKG_STORE": str(store.path), "BIOKG_DATA_DIR": str(folder)}
    run = CliRunner().invoke(cli, ["record", "add", "--station", "station:minhang", "--target", MH_ENT,
                                   "--type", "visit", "--date", late], env=env)
    assert run.exit_code == 2 and "--date" in run.output and "not come yet" in run.output


def test_an_old_keys_file_is_chained_once_by_servers_starting_together(tmp_path):
    import subprocess
    import sys

    old = tmp_path / "keys.sqlite"
    with sqlite3.connect(old) as db:
        db.executescript("CREATE TABLE audit (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, key_id TEXT, role TEXT NOT "
                         "NULL, action TEXT NOT NULL, target TEXT NOT NULL, status INTEGER NOT NULL, detail TEXT NOT "
                         "NULL);")
        db.executemany("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       [(i, f"2026-11-0{i}T00:00:00+00:00", "abcd1234", "station", "records.create", "station:mh",
                         201, json.dumps({"id": f"r{i}"})) for i in range(1, 6)])
    code = f"from graph.ledger import Ledger; Ledger({str(old)!r}).close()"
    procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(4)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0, 0]
    ledger = Ledger(old)
    triggers = {r[0] for r in ledger.conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
    assert triggers == {"audit_no_update", "audit_no_delete", "audit_appends_only"}
    entries = ledger.entries()
    assert [e.after for e in entries] == [None] * 5 and [e.detail["id"] for e in entries] == [f"r{i}" for i in
                                                                                             range(1, 6)]
    assert ledger.verify().ok
    ledger.close()


def test_the_head_of_an_empty_trail_and_a_head_in_capitals(tmp_path):
    from graph.ledger import GENESIS

    ledger = Ledger(tmp_path / "l.sqlite")
    assert ledger.verify(f"0:{GENESIS}").ok
    ledger.record(Actor(None, "local", "t"), "records.create", "s", 201)
    head = ledger.verify().head
    assert ledger.verify(head.upper()).ok and ledger.verify(f"0:{GENESIS}").ok
    with pytest.raises(InvalidInput):
        ledger.verify("²:" + "0" * 64)


def test_a_station_gone_from_the_store_shows_to_no_one(office):
    from queries.network import in_scope_of

    store = office[0]
    assert in_scope_of(store, "station:minhang")("station:no-longer") is False
    assert in_scope_of(store, "station:minhang-core")("station:minhang") is True  # a member


def test_a_stations_day_over_http_on_each_backend(store, tmp_path):
    """The day over the API on the embedded store and on Neo4j: a visit moves coverage, a question goes
    up through the core and comes back answered, the dossier and the alerts show it, all audited."""
    from helpers import edge, node, small_region

    nodes, edges = small_region()
    store.write(nodes + [node("station:core", "Station", "闵行中心", type="core", scope="both"),
                         node("inst:agency", "Institution", "上海市药品监督管理局", type="agency")],
                edges + [edge("SERVES", "station:core", "district:310112"),
                         edge("PART_OF", "station:mh", "station:core"),
                         edge("IN_DISTRICT", "ent:b", "district:310112")])
    app = create_app(store, Settings(data_dir=tmp_path))
    ring = app.state.biokg.keys
    mh = TestClient(app, headers={"Authorization": f"Bearer {ring.create('station', 'station:mh')[1]}"})
    admin = TestClient(app, headers={"Authorization": f"Bearer {ring.create('admin')[1]}"})

    def covered() -> int:
        return mh.get("/api/v1/coverage", params={"district": "闵行区", "as_of": "2026-11-20"}).json()[
            "districts"][0]["enterprises_covered"]

    before = covered()
    made = mh.post("/api/v1/records", json={"station": "闵行工作站", "target": "ent:b", "date": "2026-11-20",
                                            "type": "走访"})
    assert made.status_code == 201 and covered() == before + 1
    qid = mh.post("/api/v1/questions", json={"station": "station:mh", "enterprise": "ent:b", "category": "注册",
                                             "text": "型检排期?", "date": "2026-11-20"}).json()["id"]
    up = mh.post(f"/api/v1/questions/{qid}/escalate", json={"to": "上海市药品监督管理局", "date": "2026-11-20"})
    assert up.json()["path"] == ["station:mh", "station:core", "inst:agency"] and up.json()["due"] == "2026-11-27"
    late = mh.get("/api/v1/questions", params={"overdue": "true", "as_of": "2026-11-30"}).json()["data"]
    assert [r["id"] for r in late] == [qid]
    alerts = mh.get("/api/v1/alerts", params={"as_of": "2026-11-30"}).json()
    assert [q["id"] for q in alerts["questions"]] == [qid] and alerts["questions"][0]["overdue"] is True
    assert mh.post(f"/api/v1/questions/{qid}/answer", json={"date": "2026-11-30"}).json()["within"] is False
    assert mh.post(f"/api/v1/questions/{qid}/close", json={"date": "2026-11-30"}).json()["state"] == "closed"
    file = mh.get("/api/v1/dossier/ent:b", params={"as_of": "2026-11-30"}).json()
    assert made.json()["id"] in [r["id"] for r in file["records"]]
    assert file["questions"]["by_state"]["closed"] == 1
    trail = [e["action"] for e in admin.get("/api/v1/audit").json()["data"] if e["actor"] != f"local:{_user()}"]
    assert trail == ["records.create", "questions.create", "questions.escalate", "questions.answer",
                     "questions.close"]


def _user() -> str:
    from api.auth import LOCAL

    return LOCAL.actor.name

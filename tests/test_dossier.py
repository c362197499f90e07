"""The enterprise's service file (重点企业服务档案): checked by hand against the demo CSVs (read here, not
through the loader), its coverage against a re-derivation from those files, and over HTTP who sees
which records, question counts and texts; the command line prints what the API answers an admin."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from helpers import small_region
from typer.testing import CliRunner

from api.app import create_app
from api.cli_common import settings_of
from api.cli_dossier import dossier as dossier_command
from api.models_dossier import DossierOut
from api.output_dossier import dossier_json
from api.settings import Settings
from graph import EmbeddedStore
from loaders.demo_region import ensure_demo
from ontology import InvalidInput, NotFound
from ontology.questions import Question, Step
from queries.dossier import dossier

DEMO = Path(__file__).resolve().parents[1] / "loaders" / "demo"
AS_OF = date(2026, 11, 20)
ENT = "enterprise:syn000336"  # 曦森智能医疗科技（演示）: 5 products, a municipal key project, records of 松江
SECRET = "曦森想问创新通道材料的细节（机密）"


def rows(name: str, part: str = "synthetic") -> list[dict[str, str]]:
    with open(DEMO / part / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _list(cell: str) -> list[str]:
    return sorted(x for x in cell.split(";") if x)


def _targets(ent: str) -> tuple[list[dict], list[dict], set[str]]:
    products = sorted((p for p in rows("products") if p["owner"] == ent), key=lambda p: p["id"])
    projects = sorted((k for k in rows("key_projects") if k["enterprise"] == ent), key=lambda k: k["id"])
    return products, projects, {ent, *(p["id"] for p in products), *(k["id"] for k in projects)}


def expected_coverage(ent: str, as_of: date = AS_OF, window_days: int = 180) -> tuple[bool | None, list[str]]:
    """Coverage from the CSVs: its park has a station or a service point, or a station of its district
    has a record for it, a product or a key project of it in the window."""
    e = next(r for r in rows("enterprises") if r["id"] == ent)
    if not e["district"]:
        return None, []
    sites = {s["site"] for s in rows("stations", "real") if s["site"]} | {
        p["site"] for p in rows("service_points", "real")}
    serving = {s["id"] for s in rows("stations", "real") if s["district"] == e["district"]}
    _, _, targets = _targets(ent)
    start, end = (as_of - timedelta(days=window_days)).isoformat(), as_of.isoformat()
    recent = [r for r in rows("service_records") if r["target"] in targets and r["station"] in serving
              and start <= r["date"] <= end]
    why = (["park"] if e["park"] and e["park"] in sites else []) + (["record"] if recent else [])
    return bool(why), why


@pytest.fixture
def fresh(tmp_path):
    """A demo store of its own (the tests write records) and settings with their own ledger."""
    store = EmbeddedStore(tmp_path / "demo.sqlite")
    ensure_demo(store)
    settings = Settings(data_dir=tmp_path / "data", host="127.0.0.1")
    settings.data_dir.mkdir()
    app = create_app(store, settings)
    ring = app.state.biokg.keys
    keys = {"admin": ring.create("admin")[1], "analyst": ring.create("analyst")[1], "viewer": ring.create("viewer")[1],
            "songjiang": ring.create("station", "station:songjiang")[1],
            "minhang": ring.create("station", "station:minhang")[1]}
    yield store, settings, TestClient(app), keys
    store.close()


def get(client: TestClient, key: str | None, ent: str = ENT, as_of: date = AS_OF):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return client.get(f"/api/v1/dossier/{ent}", params={"as_of": as_of.isoformat()}, headers=headers)


def post(client: TestClient, key: str, url: str, body: dict) -> dict:
    answer = client.post(url, json=body, headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


# ---------------------------------------------------------------------------------- the query


def test_one_enterprise_by_hand_from_the_csvs(demo_store):
    d = dossier(demo_store, "曦森智能医疗科技（演示）股份有限公司", AS_OF)  # by its exact name
    e = next(r for r in rows("enterprises") if r["id"] == ENT)
    assert (d.enterprise.id, d.enterprise.name, d.enterprise.uscc) == (ENT, e["name"], e["uscc"])
    assert [x.id for x in d.enterprise.districts] == [e["district"]] and d.enterprise.parks == ()
    assert list(d.enterprise.fields) == _list(e["fields"])

    products, projects, targets = _targets(ENT)
    assert len(products) == 5 and len(projects) == 1
    assert [(p.id, p.type, p.device_class, p.stage, p.innovation_channel, p.registration_no, list(p.fields))
            for p in d.products] == [
        (p["id"], p["type"], p["device_class"] or None, p["stage"], p["innovation_channel"],
         p["registration_no"] or None, _list(p["field"])) for p in products]
    # innovative: a device or IVD of class II/III in the national or Shanghai channel — only SY-989型
    assert [p.id for p in d.products if p.innovative] == ["product:syn0000447"]
    assert all(p.tracked is None for p in d.products if not p.innovative)

    start = (AS_OF - timedelta(days=180)).isoformat()
    records = [r for r in rows("service_records") if r["target"] in targets and r["date"] <= AS_OF.isoformat()]
    records.sort(key=lambda r: (-date.fromisoformat(r["date"]).toordinal(), r["id"]))
    assert [(r.id, r.station, r.target, r.date.isoformat(), r.type, r.note) for r in d.records] == [
        (r["id"], r["station"], r["target"], r["date"], r["type"], r["note"] or None) for r in records]
    assert len(d.records) == 7 and d.records_withheld == 0

    # the key project: municipal (counted), for SY-989型, tracked by 松江's record of 2026-07-30
    k = projects[0]
    tracking = {r["target"] for r in records if r["type"] == "tracking" and r["date"] >= start}
    assert tracking == {k["id"]}
    assert [(x.id, x.level, x.product.id if x.product else None, x.counted, x.tracked) for x in d.projects] == [
        (k["id"], "municipal", k["product"], True, True)]
    # the product is tracked through the record of its key project
    assert next(p for p in d.products if p.innovative).tracked is True

    covered, why = expected_coverage(ENT)
    assert (d.coverage.covered, list(d.coverage.why)) == (covered, why) == (True, ["record"])
    assert d.coverage.district is not None and d.coverage.district.id == "district:310117"
    assert list(d.coverage.records) == [r["id"] for r in records if r["date"] >= start] == ["record:syn0000234"]


def test_coverage_agrees_with_the_files_for_many_enterprises(demo_store):
    # a station's park, a service point's park, records of the district's station, none of those
    for e in rows("enterprises")[::9]:
        d = dossier(demo_store, e["id"], AS_OF)
        covered, why = expected_coverage(e["id"])
        assert (d.coverage.covered, list(d.coverage.why)) == (covered, why), e["id"]
        assert bool(d.coverage.why) == d.coverage.covered  # the reasons explain the coverage report's verdict


def test_a_park_with_a_service_point_covers(demo_store):
    d = dossier(demo_store, "enterprise:syn000001", AS_OF)  # in 张江, where 浦东's service point is
    assert "park" in d.coverage.why and [p.id for p in d.coverage.parks] == ["park:zhangjiang"]
    assert d.coverage.covered is True


def test_matches_and_brokers_are_the_queries_essentials(demo_store):
    from queries.brokering import broker
    from queries.matching import match

    d = dossier(demo_store, ENT, AS_OF, top=2)
    m = match(demo_store, ENT, top=2, as_of=AS_OF)
    b = broker(demo_store, org=ENT, top=2, as_of=AS_OF)
    assert [(x.id, x.name, x.score, x.segment, x.reasons) for x in d.matches.results] == [
        (r.id, r.name, r.score, r.segment, tuple(t.text for t in r.reasons)) for r in m.results]
    assert [(x.id, x.score, x.reasons) for x in d.brokers.results] == [
        (r.id, r.score, tuple(t.text for t in r.reasons)) for r in b.results]
    assert d.matches.results and d.brokers.results and d.matches.empty_reason is None


def test_no_need_and_no_field_are_an_empty_list_and_why(demo_store, tmp_path):
    d = dossier(demo_store, "enterprise:syn000383", AS_OF)  # states no need, owns no product implying one
    assert d.matches.results == () and "states no need" in (d.matches.empty_reason or "")
    with EmbeddedStore(tmp_path / "s.sqlite") as s:
        s.write(*small_region())
        c = dossier(s, "ent:c", AS_OF)  # no field, no product, no district
    assert c.matches.results == () and c.brokers.results == () and "states no field" in c.brokers.empty_reason
    assert (c.coverage.covered, c.coverage.district, c.products, c.records) == (None, None, (), ())


def test_withheld_records_and_questions(demo_store):
    q1 = Question("question:1", "station:songjiang", ENT, "registration", SECRET, date(2026, 11, 2), (
        Step(1, "escalate", date(2026, 11, 3), to="inst:smpa"),))  # due five working days later: overdue
    q2 = Question("question:2", "station:songjiang", ENT, "quality", "另一个问题", date(2026, 11, 4), (
        Step(1, "answer", date(2026, 11, 5)),))
    later = Question("question:3", "station:songjiang", ENT, "other", "以后才问", date(2026, 12, 1), ())
    other = Question("question:4", "station:songjiang", "enterprise:syn000001", "other", "别家", date(2026, 11, 1), ())
    d = dossier(demo_store, ENT, AS_OF, [q1, q2, later, other], records_visible=lambda s: s != "station:songjiang")
    assert d.records == () and d.records_withheld == 7 and d.coverage.records == ()
    assert d.coverage.covered is True and d.coverage.why == ("record",)  # the verdict stands; the ids are withheld
    assert (d.questions.total, dict(d.questions.by_state), d.questions.overdue) == (
        2, {"open": 0, "escalated": 1, "answered": 1, "closed": 0}, 1)
    assert d.question_items is None
    items = dossier(demo_store, ENT, AS_OF, [q1, q2], question_texts=True).question_items
    assert [(i.id, i.state, i.due, i.overdue, i.text) for i in items] == [
        ("question:1", "escalated", date(2026, 11, 10), True, SECRET), ("question:2", "answered", None, False, "另一个问题")]


def test_bad_names_and_parameters(demo_store):
    with pytest.raises(NotFound):
        dossier(demo_store, "没有这家企业", AS_OF)
    with pytest.raises(InvalidInput, match="Station"):
        dossier(demo_store, "station:songjiang", AS_OF)
    with pytest.raises(InvalidInput, match="top"):
        dossier(demo_store, ENT, AS_OF, top=0)


def test_the_same_on_every_backend(store, demo_store):
    ensure_demo(store)
    q = Question("question:1", "station:songjiang", ENT, "registration", SECRET, date(2026, 11, 2), ())
    for ent in (ENT, "enterprise:syn000001", "enterprise:syn000383"):
        assert dossier_json(dossier(store, ent, AS_OF, [q], question_texts=True)) == dossier_json(
            dossier(demo_store, ent, AS_OF, [q], question_texts=True)), ent


# ---------------------------------------------------------------------------------- over HTTP


def _questions(client: TestClient, key: str) -> None:
    q = post(client, key, "/api/v1/questions", {"station": "station:songjiang", "enterprise": ENT,
                                                "category": "registration", "text": SECRET, "date": "2026-11-02"})
    post(client, key, f"/api/v1/questions/{q['id']}/escalate", {"to": "inst:smpa", "date": "2026-11-03"})
    q = post(client, key, "/api/v1/questions", {"station": "station:songjiang", "enterprise": ENT,
                                                "category": "quality", "text": "另一个问题", "date": "2026-11-04"})
    post(client, key, f"/api/v1/questions/{q['id']}/answer", {"date": "2026-11-05", "note": "已答复"})


def test_a_record_added_through_the_api_appears(fresh):
    _, _, client, keys = fresh
    before = get(client, keys["songjiang"]).json()
    body = {"station": "station:songjiang", "target": "product:syn0000304", "date": "2026-11-19", "type": "visit",
            "note": "档案测试走访"}
    written = post(client, keys["songjiang"], "/api/v1/records", body)
    after = get(client, keys["admin"]).json()
    assert len(after["records"]) == len(before["records"]) + 1 == 8
    assert after["records"][0] == {"id": written["id"], "station": "station:songjiang",
                                   "target": "product:syn0000304", "date": "2026-11-19", "type": "visit",
                                   "note": "档案测试走访"}
    assert written["id"] in after["coverage"]["records"]


def test_who_sees_what(fresh):
    _, _, client, keys = fresh
    _questions(client, keys["songjiang"])
    answers = {who: get(client, key) for who, key in {**keys, "anonymous": None}.items()}
    assert all(a.status_code == 200 for a in answers.values()), {w: a.text for w, a in answers.items()}
    body = {who: a.json() for who, a in answers.items()}
    for b in body.values():
        DossierOut(**b)  # the documented shape, nothing more

    counted = {"total": 2, "by_state": {"open": 0, "escalated": 1, "answered": 1, "closed": 0}, "overdue": 1}
    # admin and the enterprise's own station: every record, the counts and the texts
    for who in ("admin", "songjiang"):
        b = body[who]
        assert len(b["records"]) == 7 and b["records_withheld"] == 0 and b["questions_withheld"] is False
        assert {k: b["questions"][k] for k in counted} == counted
        assert [i["text"] for i in b["questions"]["items"]] == [SECRET, "另一个问题"]
        assert b["questions"]["items"][0]["overdue"] is True and b["questions"]["items"][0]["due"] == "2026-11-10"
    # a station of another district: none of 松江's records, no question of 松江's (counts in its own scope)
    b = body["minhang"]
    assert b["records"] == [] and b["records_withheld"] == 7 and b["coverage"]["records"] == []
    assert b["questions"]["total"] == 0 and b["questions"]["items"] == []
    # an analyst: every record and the counts, no text
    b = body["analyst"]
    assert len(b["records"]) == 7 and {k: b["questions"][k] for k in counted} == counted
    assert b["questions"]["items"] is None
    # a viewer, and the anonymous reader (on loopback): neither records nor questions
    for who in ("viewer", "anonymous"):
        b = body[who]
        assert b["records"] == [] and b["records_withheld"] == 7
        assert b["questions"] is None and b["questions_withheld"] is True
    # the text never leaks to a caller out of scope
    for who in ("minhang", "analyst", "viewer", "anonymous"):
        assert SECRET not in answers[who].text and "另一个问题" not in answers[who].text
    # everyone reads the same products, projects, coverage verdict and leads
    same = ("enterprise", "products", "key_projects", "matches", "brokers")
    assert all({k: b[k] for k in same} == {k: body["admin"][k] for k in same} for b in body.values())
    assert {b["coverage"]["covered"] for b in body.values()} == {True}


def test_errors_over_http(fresh):
    _, _, client, keys = fresh
    viewer = keys["viewer"]
    for answer, status, code in ((get(client, viewer, "没有这家企业"), 404, "not_found"),
                                 (get(client, viewer, "station:songjiang"), 400, "invalid_input"),
                                 (client.get(f"/api/v1/dossier/{ENT}", params={"as_of": "2026-02-30"},
                                             headers={"Authorization": f"Bearer {viewer}"}), 400, "invalid_input"),
                                 (client.get(f"/api/v1/dossier/{ENT}", headers={"Authorization": "Bearer bkg_nope"}),
                                  401, "unauthorized")):
        assert answer.status_code == status and answer.json()["error"]["code"] == code, answer.text


def test_the_route_is_documented(fresh):
    _, _, client, _ = fresh
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/dossier/{enterprise}"]["get"]
    assert operation["x-biokg-right"] == "read"


# ---------------------------------------------------------------------------------- the command line


def _cli() -> typer.Typer:
    """``biokg`` when it has the command; else a one-command app around it."""
    from api.cli import app

    if any(c.name == "dossier" for c in app.registered_commands):
        return app
    local = typer.Typer()

    @local.callback()
    def _main(ctx: typer.Context) -> None:
        settings_of(ctx)

    local.command("dossier")(dossier_command)
    return local


def test_the_cli_json_is_the_apis_for_an_admin(fresh):
    store, settings, client, keys = fresh
    _questions(client, keys["songjiang"])
    post(client, keys["songjiang"], "/api/v1/records", {"station": "station:songjiang", "target": ENT,
                                                         "date": "2026-11-18", "type": "consultation"})
    env = {"BIOKG_DATA_DIR": str(settings.data_dir), "BIOKG_STORE": None, "BIOKG_NEO4J_URI": None}
    out = CliRunner().invoke(_cli(), ["dossier", ENT, "--as-of", "2026/11/20", "--json", "--store", store.path],
                             env=env, catch_exceptions=False)
    assert out.exit_code == 0, out.output
    cli = json.loads(out.stdout)
    assert cli == get(client, keys["admin"]).json()
    assert cli == dossier_json(dossier(store, ENT, AS_OF, client.app.state.biokg.questions.questions(),
                                       question_texts=True))
    assert [i["text"] for i in cli["questions"]["items"]] == [SECRET, "另一个问题"] and len(cli["records"]) == 8


def test_the_cli_summary(fresh):
    store, settings, client, keys = fresh
    _questions(client, keys["songjiang"])
    env = {"BIOKG_DATA_DIR": str(settings.data_dir), "COLUMNS": "100"}
    out = CliRunner().invoke(_cli(), ["dossier", "曦森智能医疗科技（演示）股份有限公司", "--as-of", "2026-11-20",
                                      "--store", store.path], env=env, catch_exceptions=False)
    assert out.exit_code == 0, out.output
    text = out.stdout
    for expected in ("enterprise:syn000336", "product:syn0000447", "key_project:syn00008", "2026-07-30",
                     "covered", "overdue 1", SECRET[:4]):
        assert expected in text, expected
    missing = CliRunner().invoke(_cli(), ["dossier", "没有这家企业", "--store", store.path], env=env)
    assert missing.exit_code == 1 and "没有这家企业" in missing.output

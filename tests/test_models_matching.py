"""The HTTP models of the matchmaking answers describe their JSON exactly: the JSON of each query on the
demo region (results and empty answers) validates and dumps back to itself, key for key; its JSON
schema requires every key the JSON has and allows no other; an extra or a missing key is refused."""

from __future__ import annotations

import copy
import inspect
import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

import api.models
import api.models_matching as mm
from api.models_matching import BrokerOut, ChainOut, MatchOut, PartnersOut, PatentsOut
from api.output_matching import broker_json, chain_json, match_json, partners_json, patents_json
from queries.brokering import Broker, BrokerReport, broker
from queries.chain import ChainReport, ChainSegment, Nearby, chain_gaps
from queries.coverage_facts import Named
from queries.matching import Match, MatchReport, Need, Why, match
from queries.org_records import EdgeFact
from queries.partners import Partner, PartnersReport, Peer, partners_for_station
from queries.patents import PatentMatch, PatentReport, patent_matches
from queries.scoring import Evidence, Reason

DAY = date(2026, 11, 20)  # the demo's service records lead up to this day
LONG_AGO = date(2000, 1, 1)
ORG = "翊杉生物技术（演示）有限公司"  # enterprise:syn000001, whose fields are cell therapy only

# (name, model, the JSON of a query on the demo store, whether its list of results is empty)
Case = tuple[str, type[BaseModel], Callable[[Any], dict], bool]
CASES: list[Case] = [
    ("match-by-name", MatchOut, lambda s: match_json(match(s, ORG, as_of=DAY)), False),
    ("match-by-id", MatchOut, lambda s: match_json(match(s, "enterprise:syn000002", as_of=DAY)), False),
    ("match-segment-field", MatchOut,
     lambda s: match_json(match(s, "enterprise:syn000002", segment="segment:drug.cdmo", field="抗体", top=3,
                                as_of=DAY)), False),
    ("match-every-provider", MatchOut,  # top=None: every provider, without evidence
     lambda s: match_json(match(s, "enterprise:syn000002", segment="segment:drug.cdmo", top=None, as_of=DAY)), False),
    ("match-none", MatchOut,
     lambda s: match_json(match(s, "enterprise:syn000002", segment="segment:drug.pharmacy", as_of=DAY)), True),
    ("chain-minhang-antibody", ChainOut, lambda s: chain_json(chain_gaps(s, "闵行", "抗体", as_of=DAY)), False),
    ("chain-all-gaps", ChainOut, lambda s: chain_json(chain_gaps(s, "district:lingang", "field:tcm", as_of=DAY)),
     False),
    ("chain-device", ChainOut, lambda s: chain_json(chain_gaps(s, "district:310101", "field:imaging", as_of=DAY)),
     False),
    ("broker-org", BrokerOut, lambda s: broker_json(broker(s, "enterprise:syn000001", as_of=DAY)), False),
    ("broker-field", BrokerOut, lambda s: broker_json(broker(s, field="抗体", as_of=DAY)), False),
    ("broker-org-field", BrokerOut,
     lambda s: broker_json(broker(s, "enterprise:syn000002", field="field:antibody", top=3, as_of=DAY)), False),
    ("broker-everyone", BrokerOut, lambda s: broker_json(broker(s, field="抗体", top=None, as_of=DAY)), False),
    ("broker-long-ago", BrokerOut, lambda s: broker_json(broker(s, field="抗体", as_of=LONG_AGO)), False),
    ("patents-field", PatentsOut, lambda s: patents_json(patent_matches(s, field="抗体", as_of=DAY)), False),
    ("patents-org-field", PatentsOut,
     lambda s: patents_json(patent_matches(s, "enterprise:syn000002", field="抗体", top=5, as_of=DAY)), False),
    ("patents-org-none", PatentsOut, lambda s: patents_json(patent_matches(s, ORG, as_of=DAY)), True),
    ("patents-field-none", PatentsOut,
     lambda s: patents_json(patent_matches(s, field="field:cell_therapy", as_of=DAY)), True),
    ("patents-long-ago", PatentsOut, lambda s: patents_json(patent_matches(s, field="抗体", as_of=LONG_AGO)), True),
    ("partners-core", PartnersOut, lambda s: partners_json(partners_for_station(s, "闵行中心", as_of=DAY)), False),
    ("partners-station", PartnersOut,
     lambda s: partners_json(partners_for_station(s, "station:baoshan", top=30, as_of=DAY)), False),
    ("partners-top-1", PartnersOut, lambda s: partners_json(partners_for_station(s, "station:xuhui", top=1,
                                                                                  as_of=LONG_AGO)), False),
]
RESULTS = {MatchOut: "results", ChainOut: "segments", BrokerOut: "results", PatentsOut: "results",
           PartnersOut: "institutions"}


def wire(data: dict) -> dict:
    """The JSON as a client reads it."""
    return json.loads(json.dumps(data, ensure_ascii=False))


def exact(model: type[BaseModel], data: dict) -> BaseModel:
    """``data`` validates (as Python and, strictly, as JSON) and dumps back to itself, key for key."""
    parsed = model.model_validate(data)
    assert parsed.model_dump(mode="json") == data
    assert model.model_validate_json(json.dumps(data), strict=True).model_dump(mode="json") == data
    return parsed


@pytest.fixture(scope="module")
def answers(demo_store) -> dict[str, tuple[type[BaseModel], dict]]:
    return {name: (model, wire(ask(demo_store))) for name, model, ask, _ in CASES}


@pytest.mark.parametrize(("name", "empty"), [(c[0], c[3]) for c in CASES])
def test_demo_answers_validate_and_dump_back_exactly(answers, name, empty):
    model, data = answers[name]
    assert (not data[RESULTS[model]]) == empty  # the case gives the answer it is meant to
    exact(model, data)
    conforms(model, data)


# --- the schemas: a small validator for what pydantic emits (what schemathesis checks each response against)


def _resolve(schema: dict, defs: dict) -> dict:
    while "$ref" in schema or ("allOf" in schema and len(schema["allOf"]) == 1):
        schema = defs[schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else schema["allOf"][0]
    return schema


def _errors(schema: dict, defs: dict, value: Any, where: str) -> list[str]:
    schema = _resolve(schema, defs)
    if "anyOf" in schema:
        tried = [_errors(s, defs, value, where) for s in schema["anyOf"]]
        return [] if any(not e for e in tried) else [f"{where}: no alternative fits: {tried}"]
    kind = schema.get("type")
    checks = {"object": lambda v: isinstance(v, dict), "array": lambda v: isinstance(v, list),
              "string": lambda v: isinstance(v, str), "null": lambda v: v is None,
              "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
              "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
              "boolean": lambda v: isinstance(v, bool)}
    if kind not in checks:
        return [f"{where}: schema without a known type: {schema}"]
    if not checks[kind](value):
        return [f"{where}: {value!r} is not of type {kind}"]
    out: list[str] = []
    if kind == "array":
        for i, x in enumerate(value):
            out += _errors(schema["items"], defs, x, f"{where}[{i}]")
    if kind == "object":
        props, extra = schema.get("properties", {}), schema.get("additionalProperties", True)
        if props:  # a model: every key the JSON has is required, none other allowed
            if set(schema.get("required", ())) != set(value) or set(props) != set(value) or extra is not False:
                out.append(f"{where}: keys {sorted(value)} but required {sorted(schema.get('required', ()))}, "
                           f"properties {sorted(props)}, additionalProperties {extra}")
        for k, x in value.items():
            sub = props.get(k, extra if isinstance(extra, dict) else None)
            if sub is not None:
                out += _errors(sub, defs, x, f"{where}.{k}")
    return out


def conforms(model: type[BaseModel], data: dict) -> None:
    for mode in ("validation", "serialization"):  # FastAPI's OpenAPI uses the serialization one for responses
        schema = model.model_json_schema(mode=mode)
        assert _errors(schema, schema.get("$defs", {}), data, model.__name__) == []


def test_the_schemas_require_every_key_and_allow_no_other():
    for model in mm.RESPONSE_MODELS:
        schema = model.model_json_schema(mode="serialization")
        for name, sub in [(model.__name__, schema), *schema.get("$defs", {}).items()]:
            if "properties" in sub:
                assert set(sub["required"]) == set(sub["properties"]), name
                assert sub["additionalProperties"] is False, name


def test_the_response_models_reach_every_model_of_the_module():
    mine = {n for n, c in inspect.getmembers(mm, inspect.isclass)
            if issubclass(c, BaseModel) and c is not BaseModel and c.__module__ == mm.__name__}
    reached = {n for m in mm.RESPONSE_MODELS for n in (m.__name__, *m.model_json_schema().get("$defs", {}))}
    assert reached == mine
    for n in mine:
        assert getattr(mm, n).model_config.get("extra") == "forbid", n


def test_no_model_name_clashes_with_api_models():
    """The OpenAPI schema names its components after the classes: two of one name would be renamed."""
    theirs = {n for n, c in inspect.getmembers(api.models, inspect.isclass) if issubclass(c, BaseModel)}
    mine = {n for n, c in inspect.getmembers(mm, inspect.isclass) if c.__module__ == mm.__name__}
    assert not (mine & theirs)


# --- every nullable value and an int where a float goes: reports the demo does not give


def _evidence() -> tuple[Evidence, ...]:
    return (Evidence(("a", "b"), (EdgeFact("COLLABORATES", "a", "b", None, None, "2024-01-01"),
                                  EdgeFact("IN_FIELD", "a", "b", "x.csv", "L-1")), None),
            Evidence(("a",), (), "gcp_drug = true"))


REASONS = (Reason("credit", "信用等级B"),)


def _reports() -> list[tuple[type[BaseModel], dict]]:
    named = Named("x:1", "一")
    return [
        (MatchOut, match_json(MatchReport("e:1", "企业", DAY, (
            Need("segment:drug.cdmo", None, (Why("stated", "登记的需求"), Why("stage_rule", "产品", "p:1"))),),
            (Match("e:2", "企业2", "segment:drug.cdmo", None, 1, {"field": 1, "ties": 0.5}, REASONS, _evidence()),)))),
        (ChainOut, chain_json(ChainReport(named, "field:imaging", "device", (
            ChainSegment("segment:device.design", "设计", "upstream", 0, (),
                         (Nearby(named, 2, None), Nearby(named, 1, 3))),), ("segment:device.design",)))),
        (BrokerOut, broker_json(BrokerReport(None, ("field:antibody",), DAY, (
            Broker("inst:1", "大学", "university", 0, {"gcp": 0}, (), _evidence(), None),)))),
        (PatentsOut, patents_json(PatentReport(None, ("field:antibody",), DAY, (
            PatentMatch("CN1A", "专利", None, None, (), 0.5, {"field": 1.0}, REASONS, ()),)))),
        (PartnersOut, partners_json(PartnersReport(named, (), 0, (("field:antibody", 3),), (
            Partner("e:3", "企业3", "Enterprise", None, 0.25, {}, (), _evidence()),), (Peer(named, (), (), 0),)))),
    ]


@pytest.mark.parametrize("index", range(5))
def test_nulls_and_whole_numbers_validate(index):
    model, data = _reports()[index]
    data = wire(data)
    exact(model, data)
    conforms(model, data)


# --- the negative cases


def _first(data: dict, *path: str | int) -> dict:
    for p in path:
        data = data[p]
    return data


@pytest.mark.parametrize(("name", "path"), [
    ("match-by-name", ()),
    ("match-by-name", ("org",)),
    ("match-by-name", ("needs", 0, "why", 0)),
    ("match-by-name", ("results", 0, "evidence", 0, "edges", 0)),
    ("match-by-name", ("results", 0, "reasons", 0)),
    ("chain-minhang-antibody", ("segments", 1, "nearest", 0)),
    ("broker-field", ("results", 0, "station")),
    ("patents-field", ("results", 0, "applicants", 0)),
    ("partners-core", ("demand", 0)),
    ("partners-core", ("stations", 0)),
])
def test_an_extra_or_a_missing_key_is_refused(answers, name, path):
    model, data = answers[name]
    extra = copy.deepcopy(data)
    _first(extra, *path)["unexpected"] = 1
    with pytest.raises(ValidationError, match="unexpected"):
        model.model_validate(extra)
    missing = copy.deepcopy(data)
    target = _first(missing, *path)
    del target[next(iter(target))]
    with pytest.raises(ValidationError, match="Field required"):
        model.model_validate(missing)


def test_a_wrong_type_is_refused_where_the_json_says_so(answers):
    model, data = answers["match-by-name"]
    wrong = copy.deepcopy(data)
    wrong["results"][0]["score"] = str(wrong["results"][0]["score"])  # lax Python validation would take it
    with pytest.raises(ValidationError):
        model.model_validate_json(json.dumps(wrong), strict=True)
    wrong["results"][0]["score"] = None
    with pytest.raises(ValidationError):
        model.model_validate(wrong)

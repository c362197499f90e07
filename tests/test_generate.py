"""The synthetic region generator: determinism, identifiers, references, enums, ratios, base mode.

Check digits are recomputed here from the standards (GB 32100-2015, GB 11714-1997) rather than with
the functions the generator uses, and rows are turned into nodes and edges here, independently of
the loaders, then validated with graph.validate.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.model import Edge, Node
from graph.validate import check_edge, check_node
from loaders.generate import BASE_FILES, FIELDS, RATIOS, UNMAPPED_IPC, generate_region, write_region
from loaders.interchange import FILE_BY_NAME, FILES, prop_decl
from ontology import ENUMS, FIELD_BY_ID, SEGMENT_BY_ID, field_for_ipc
from ontology.identifiers import check_patent_number, check_product_registration

N = 3000
AS_OF = "2026-06-30"
MARK = "（演示）"


@pytest.fixture(scope="module")
def region() -> dict[str, list[dict[str, str]]]:
    return generate_region(N, seed=7, as_of=AS_OF)


# --- independent implementations of the check characters ------------------------------------------

GB32100_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
GB32100_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def gb32100_valid(code: str) -> bool:
    if len(code) != 18 or any(c not in GB32100_CHARS for c in code):
        return False
    total = sum(GB32100_CHARS.index(c) * w for c, w in zip(code[:17], GB32100_WEIGHTS, strict=True))
    check = 31 - total % 31
    return GB32100_CHARS[0 if check == 31 else check] == code[17]


def gb11714_valid(code9: str) -> bool:
    """Organisation code: 8 characters (digits 0-9, letters A=10 … Z=35) and a check character."""
    value = {**{str(d): d for d in range(10)}, **{chr(65 + i): 10 + i for i in range(26)}}
    total = sum(value[c] * w for c, w in zip(code9[:8], (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - total % 11
    return code9[8] == {10: "X", 11: "0"}.get(check, str(check))


def test_check_char_implementations_on_published_examples():
    assert gb11714_valid("D2143569X")  # the worked example of GB 11714
    assert gb32100_valid("91350100M000100Y43")  # the worked example of GB 32100
    assert not gb32100_valid("91350100M000100Y44")


# --- rows -> nodes and edges (independent of the loaders) --------------------------------------------

def _typed(prop, text: str):
    if prop.type in ("str_list", "enum_list"):
        return [p for p in text.split(";") if p]
    if prop.type == "bool":
        assert text in ("true", "false"), text
        return text == "true"
    if prop.type == "float":
        return float(text)
    if prop.type == "int":
        return int(text)
    return text


def to_graph(rows: dict[str, list[dict[str, str]]]) -> tuple[list[Node], list[tuple[Edge, list]]]:
    """Nodes of the node files; edges with [(referenced id, node kinds its column allows)]."""
    nodes, edges = [], []
    for spec in FILES:
        for r in rows.get(spec.name, ()):
            if spec.is_node_file:
                props, name = {}, ""
                for c in spec.columns:
                    cell = r.get(c.name, "")
                    if c.role == "name":
                        name = cell
                    elif c.role == "prop" and cell:
                        props[c.prop] = _typed(prop_decl(spec, c), cell)
                    elif c.role == "edge" and cell:
                        for ref in cell.split(";") if c.multi else [cell]:
                            e = Edge(c.edge, ref, r["id"]) if c.reverse else Edge(c.edge, r["id"], ref)
                            edges.append((e, [(ref, c.refs)]))
                nodes.append(Node(r["id"], spec.kind, name, props))
            else:
                kind = spec.edge or dict(spec.directions)[r["direction"]]
                ends, props, refs = {}, {}, {}
                for c in spec.columns:
                    cell = r.get(c.name, "")
                    if c.role in ("src", "dst"):
                        ends[c.role], refs[c.role] = cell, c.refs
                    elif c.role == "prop" and cell:
                        props[c.prop] = _typed(prop_decl(spec, c, kind), cell)
                e = Edge(kind, ends["src"], ends["dst"], props)
                edges.append((e, [(e.src, refs["src"]), (e.dst, refs["dst"])]))
    return nodes, edges


def validate_all(rows, base=None) -> None:
    nodes, edges = to_graph(rows)
    base_nodes, _ = to_graph(base or {})
    kind_of = {f: "Field" for f in FIELD_BY_ID} | {s: "Segment" for s in SEGMENT_BY_ID}
    for node in base_nodes + nodes:
        assert node.id not in kind_of, f"duplicate id {node.id}"
        kind_of[node.id] = node.kind
    for node in nodes:
        check_node(node)
    for edge, refs in edges:
        check_edge(edge, kind_of.get)  # endpoints exist and have kinds the edge kind allows
        for ref, allowed in refs:
            assert kind_of[ref] in allowed, (edge, ref, allowed)


def test_every_row_is_a_valid_node_or_edge(region):
    validate_all(region)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 60), st.integers(0, 10**6))
def test_small_regions_validate(n, seed):
    validate_all(generate_region(n, seed=seed, as_of=AS_OF))


# --- determinism ---------------------------------------------------------------------------------------

def test_same_seed_same_rows_other_seed_other_rows():
    a, b, c = generate_region(400, seed=3), generate_region(400, seed=3), generate_region(400, seed=4)
    assert a == b
    assert list(a) == list(b)
    assert a["enterprises"] != c["enterprises"] and a["patents"] != c["patents"]


NOT_GENERATED = ("subdistricts", "rankings")  # real-data tables (mappings load them)


def test_files_are_the_interchange_files_in_order(region):
    assert list(region) == [f.name for f in FILES if f.name not in NOT_GENERATED]
    for name, rows in region.items():
        cols = [c.name for c in FILE_BY_NAME[name].columns]
        assert all(list(r) == cols for r in rows), name
        assert all(isinstance(v, str) for r in rows for v in r.values()), name


def test_write_region_round_trips(tmp_path):
    rows = generate_region(50, seed=1)
    paths = write_region(rows, tmp_path)
    assert [p.stem for p in paths] == [name for name in rows if rows[name]]
    for p in paths:
        with p.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            assert reader.fieldnames == [c.name for c in FILE_BY_NAME[p.stem].columns]
            assert list(reader) == rows[p.stem]


# --- identifiers -----------------------------------------------------------------------------------------

def test_usccs_are_valid_unique_and_carry_the_district(region):
    codes = {r["id"]: r["code"] or "310115" for r in region["districts"]}  # Lingang: Pudong's code
    usccs = [r["uscc"] for r in region["enterprises"]]
    assert len(set(usccs)) == len(usccs)
    for r in region["enterprises"]:
        u = r["uscc"]
        assert gb32100_valid(u), u
        assert u[:2] == "91" and u[2:8] == codes[r["district"]], (u, r["district"])
        assert gb11714_valid(u[8:17]), u


def test_patent_numbers(region):
    ids = [r["id"] for r in region["patents"]]
    assert len(set(ids)) == len(ids)
    for r in region["patents"]:
        assert re.fullmatch(r"CN1\d{8}A|CN2\d{8}U", r["id"]) and check_patent_number(r["id"]) is None, r["id"]
        assert r["application_date"] < AS_OF


@pytest.mark.parametrize("field", list(FIELDS))
def test_field_ipc_codes_map_to_their_field(field):
    assert [field_for_ipc(c) for c in FIELDS[field][1]] == [field] * len(FIELDS[field][1])


def test_most_patents_map_to_a_field_some_do_not(region):
    assert all(field_for_ipc(c) is None for c in UNMAPPED_IPC)
    mapped = [any(field_for_ipc(c) for c in r["ipc"].split(";")) for r in region["patents"]]
    assert 0.7 < sum(mapped) / len(mapped) < 0.97


def test_products(region):
    stages = Counter(r["stage"] for r in region["products"])
    assert set(stages) == set(ENUMS["product_stage"].codes)
    assert set(Counter(r["type"] for r in region["products"])) == {"drug", "device", "ivd"}
    for r in region["products"]:
        assert (r["device_class"] == "") == (r["type"] == "drug"), r
        assert bool(r["registration_no"]) == (r["stage"] == "approved"), r
        if r["registration_no"]:
            assert check_product_registration(r["type"], r["device_class"] or None, r["registration_no"]) is None, r
        if r["innovation_channel"] != "none":
            assert r["device_class"] in ("II", "III"), r
    channels = Counter(r["innovation_channel"] for r in region["products"])
    assert channels["none"] > 0.8 * len(region["products"]) and channels["national"] and channels["shanghai"]
    assert any(r["designations"] for r in region["products"])


def test_every_enum_cell_is_a_code(region):
    for spec in FILES:
        for c in spec.columns:
            if c.role != "prop":
                continue
            decl = prop_decl(spec, c, "PROVIDES" if spec.directions else None)
            if decl.enum is None:
                continue
            codes = set(ENUMS[decl.enum].codes)
            for r in region.get(spec.name, ()):
                cells = r[c.name].split(";") if decl.type == "enum_list" else [r[c.name]]
                assert all(v in codes for v in cells if v), (spec.name, c.name, r[c.name])
    assert {r["direction"] for r in region["capabilities"]} == {"provides", "needs"}


def test_synthetic_names_are_marked_and_enterprise_names_unique(region):
    for name in ("enterprises", "parks", "institutions", "stations", "service_points", "key_projects", "products"):
        assert all(MARK in r["name"] for r in region[name]), name
    assert all(MARK in r["title"] for r in region["patents"])
    names = [r["name"] for r in region["enterprises"]]
    assert len(set(names)) == len(names)


# --- sizes and shapes --------------------------------------------------------------------------------------

def test_ratios(region):
    for name, ratio in RATIOS.items():
        target = N * ratio * (RATIOS["products"] if name == "key_projects" else 1)
        assert 0.7 * target <= len(region[name]) <= 1.3 * target, (name, len(region[name]), target)
    clinical_drugs = sum(1 for r in region["products"] if r["type"] == "drug" and r["stage"] == "clinical")
    assert 0.35 * clinical_drugs <= len(region["trials"]) <= 0.65 * clinical_drugs
    per_enterprise = sum(map(len, region.values())) / N
    assert 13.3 < per_enterprise < 16.3  # about 1,000,000 rows at 70,000 enterprises
    assert len(region["districts"]) == 17
    served = {r["district"] for r in region["stations"]}
    assert len(served) == 12 and len(region["stations"]) == 13
    assert sum(1 for r in region["stations"] if r["parent"]) == 1


def test_patents_per_organisation_are_heavy_tailed(region):
    per_org = Counter(a for r in region["patents"] for a in r["applicants"].split(";"))
    counts = sorted(per_org.values(), reverse=True)
    top = counts[: max(1, len(counts) // 100)]
    assert sum(top) > 0.15 * sum(counts)
    assert counts[0] >= 100 and counts[len(counts) // 2] <= 5
    ents = [per_org.get(r["id"], 0) for r in region["enterprises"]]
    assert sum(1 for x in ents if x <= 5) > 0.6 * len(ents)
    kinds = {r["id"]: r["type"] for r in region["institutions"]}
    academic = [per_org[i] for i, t in kinds.items() if t in ("university", "research_institute")]
    assert sum(academic) / len(academic) > 5 * sum(ents) / len(ents)


def test_consistency_of_projects_trials_records_collaborations(region):
    owner = {r["id"]: r["owner"] for r in region["products"]}
    for r in region["key_projects"]:
        assert r["enterprise"] == owner[r["product"]]
    inst = {r["id"]: r for r in region["institutions"]}
    products = {r["id"]: r for r in region["products"]}
    for r in region["trials"]:
        assert inst[r["site"]]["type"] == "hospital" and inst[r["site"]]["gcp_drug"] == "true"
        assert products[r["product"]]["type"] == "drug" and products[r["product"]]["stage"] == "clinical"
    station_district = {r["id"]: r["district"] for r in region["stations"]}
    district = {r["id"]: r["district"] for r in region["enterprises"] + region["parks"]}
    district |= {p: district[o] for p, o in owner.items() if o in district}
    district |= {r["id"]: district.get(r["product"]) for r in region["key_projects"]}
    own = sum(station_district[r["station"]] == district.get(r["target"]) for r in region["service_records"])
    assert own > 0.7 * len(region["service_records"])
    lo = (date.fromisoformat(AS_OF).replace(year=2024)).isoformat()
    assert all(lo <= r["date"] <= AS_OF for r in region["service_records"])
    assert {r["type"] for r in region["service_records"]} == {"tracking", "visit", "consultation", "training"}
    park = {r["id"]: r["park"] for r in region["enterprises"]}
    field = {r["id"]: r["fields"].split(";")[0] for r in region["enterprises"]}
    field |= {r["id"]: (r["fields"].split(";") or [""])[0] for r in region["institutions"]}
    clustered = sum(1 for r in region["collaborations"]
                    if park.get(r["a"]) and park.get(r["a"]) == park.get(r["b"])
                    or field.get(r["a"]) and field.get(r["a"]) == field.get(r["b"]))
    assert clustered > 0.5 * len(region["collaborations"])
    assert all(r["a"] != r["b"] for r in region["collaborations"])
    assert set(Counter(r["type"] for r in region["collaborations"])) == set(ENUMS["collaboration_type"].codes)


def test_coverage_gaps_exist(region):
    served = {r["district"] for r in region["stations"]}
    unserved = {r["district"] for r in region["enterprises"]} - served
    assert unserved  # enterprises in districts without a station


# --- base mode -------------------------------------------------------------------------------------------

BASE = {
    "districts": [
        {"id": "district:310112", "name": "闵行区", "code": "310112", "type": "district"},
        {"id": "district:310115", "name": "浦东新区", "code": "310115", "type": "district"},
    ],
    "parks": [
        {"id": "park:real-1", "name": "园区一", "district": "district:310112", "fields": "field:antibody"},
        {"id": "park:real-2", "name": "园区二", "district": "district:310115", "fields": ""},
    ],
    "institutions": [
        {"id": "inst:h1", "name": "医院一", "type": "hospital", "district": "district:310112", "grade": "3A",
         "gcp_drug": "true", "gcp_device": "true"},
        {"id": "inst:h2", "name": "医院二", "type": "hospital", "district": "district:310115", "gcp_drug": "false"},
        {"id": "inst:u1", "name": "大学一", "type": "university", "district": "district:310115",
         "fields": "field:imaging"},
    ],
    "stations": [{"id": "station:mh", "name": "闵行站", "district": "district:310112", "type": "core",
                  "scope": "both"}],
    "service_points": [{"id": "sp:1", "name": "服务点一", "station": "station:mh", "site": "park:real-1"}],
}


def test_base_mode_reuses_base_ids_and_emits_no_base_file():
    rows = generate_region(500, seed=2, base=BASE)
    assert not set(BASE_FILES) & set(rows)
    assert {r["district"] for r in rows["enterprises"]} <= {"district:310112", "district:310115"}
    assert {r["park"] for r in rows["enterprises"]} <= {"", "park:real-1", "park:real-2"}
    assert {r["site"] for r in rows["trials"]} == {"inst:h1"}
    assert {r["station"] for r in rows["service_records"]} == {"station:mh"}
    orgs = {r["id"] for r in rows["enterprises"]} | {"inst:h1", "inst:h2", "inst:u1"}
    assert {a for r in rows["patents"] for a in r["applicants"].split(";")} <= orgs
    assert any("inst:u1" in r["applicants"] for r in rows["patents"])
    for r in rows["enterprises"]:
        assert r["uscc"][2:8] == r["district"][-6:] and gb32100_valid(r["uscc"])
    validate_all(rows, base=BASE)

"""The declarations hold together, and match the domain facts they encode."""

from __future__ import annotations

import csv

from graph.validate import RESERVED
from ontology import (
    EDGE_KINDS,
    ENUMS,
    FIELD_BY_ID,
    FIELDS,
    NODE_KINDS,
    SEGMENT_BY_ID,
    SEGMENTS,
    SHENWAN_SEGMENTS,
    STAGE_NEEDS,
    ancestors,
    children,
    inferred_needs,
)
from ontology.describe import describe


def test_every_kind_field_segment_and_enum_value_has_both_labels():
    labelled = [*NODE_KINDS.values(), *EDGE_KINDS.values(), *FIELDS, *SEGMENTS]
    labelled += [v for e in ENUMS.values() for v in e.values]
    assert all(item.zh.strip() and item.en.strip() for item in labelled)
    for kind in [*NODE_KINDS.values(), *EDGE_KINDS.values()]:
        assert all(p.zh and p.en for p in kind.props)


def test_references_inside_the_declarations_resolve():
    for e in EDGE_KINDS.values():
        assert set(e.sources) | set(e.targets) <= set(NODE_KINDS), e.name
        assert set(e.key) <= {p.name for p in e.props}, e.name
    for kind in [*NODE_KINDS.values(), *EDGE_KINDS.values()]:
        for p in kind.props:
            assert p.enum is None or p.enum in ENUMS
            assert p.name not in RESERVED, f"{kind.name}.{p.name} clashes with a store attribute"
    for f in FIELDS:
        assert f.parent is None or f.parent in FIELD_BY_ID
    for rule in STAGE_NEEDS:
        assert set(rule.segments) <= set(SEGMENT_BY_ID)
        assert rule.stage in ENUMS["product_stage"].codes
    for segments in SHENWAN_SEGMENTS.values():
        assert set(segments) <= set(SEGMENT_BY_ID)


def test_enum_spellings_are_unambiguous():
    for enum in ENUMS.values():
        for v in enum.values:
            for spelling in (v.value, v.zh, v.en, *v.aliases):
                assert enum.parse(spelling) == v.value, (enum.name, spelling)


def test_field_tree_from_the_seeds():
    assert children("field:biologic") == ("field:antibody", "field:vaccine", "field:gene_therapy", "field:cell_therapy")
    assert ancestors("field:cardio_implant") == ("field:implant", "field:device")
    device_fields = {f.zh for f in FIELDS if f.parent == "field:device"}
    for named in ("分子诊断试剂及配套检测设备", "医学影像设备", "植介入器械", "高端康复辅助器具", "手术治疗设备", "生命支持设备",
                  "微创诊疗器械"):
        assert named in device_fields  # the key fields listed in the 2024 station guidance


def test_chains_and_positions():
    drug = [s for s in SEGMENTS if s.chain == "drug"]
    device = [s for s in SEGMENTS if s.chain == "device"]
    assert len(drug) == 14 and len(device) == 10
    order = {"upstream": 0, "midstream": 1, "downstream": 2}
    for chain in (drug, device):
        positions = [order[s.position] for s in sorted(chain, key=lambda s: s.order)]
        assert positions == sorted(positions)  # upstream segments come first in each chain


def test_stage_rules_from_the_design():
    assert "segment:drug.clinical" in inferred_needs("drug", "clinical")
    assert inferred_needs("device", "submitted") == ("segment:device.type_testing", "segment:device.regulatory")
    assert inferred_needs("drug", None) == ()


def test_shenwan_table_covers_every_pharma_class_in_the_real_list(shared_data):
    with open(shared_data / "cn-listed-companies" / "sw_industry_2021.csv", encoding="utf-8-sig") as fh:
        rows = [r for r in csv.DictReader(fh) if r["新版一级行业"] == "医药生物"]
    assert len(rows) == 476  # 医药生物 companies in the Shenwan list (SOURCE.txt)
    level3 = {r["新版三级行业"] for r in rows}
    assert level3 <= set(SHENWAN_SEGMENTS), level3 - set(SHENWAN_SEGMENTS)
    assert SHENWAN_SEGMENTS["医疗研发外包"] == ("segment:drug.discovery", "segment:drug.preclinical",
                                          "segment:drug.clinical")
    assert SHENWAN_SEGMENTS["原料药"] == ("segment:drug.api",)
    assert "segment:drug.distribution" in SHENWAN_SEGMENTS["医药流通"]


def test_describe_is_plain_data():
    import json

    data = json.loads(json.dumps(describe(), ensure_ascii=False))
    assert {k["name"] for k in data["node_kinds"]} == set(NODE_KINDS)
    assert next(e for e in data["edge_kinds"] if e["name"] == "COLLABORATES")["symmetric"] is True

"""References by name: every reference column of an interchange file, and every edge end of a
mapping, resolves an id, a name, an alias or (districts) a division code — of this load or of the
store — through one resolver; unknown names get the nearest known ones, shared names are errors
naming every id.  On both backends."""

from __future__ import annotations

import pytest
from test_load import tables

from graph.references import NodeNames, References
from loaders.load import load_tables
from loaders.mapping.apply import load_mapping
from loaders.mapping.spec import parse_mapping
from ontology import LoadError

BASE = {
    "districts": "id,name,code,type,aliases\ndistrict:310112,闵行区,310112,district,闵行\n"
                 "district:310115,浦东新区,310115,district,浦东\n",
    "parks": "id,name,district,aliases\npark:zj,张江生物医药基地,district:310115,张江药谷\n"
             "park:zizhu,紫竹高新区,district:310112,\n",
    "stations": "id,name,district,aliases\nstation:mh,闵行区工作站,district:310112,闵行站\n",
}


@pytest.fixture
def region(store):
    load_tables(store, tables(BASE))
    return store


def problems(store, files) -> list[str]:
    with pytest.raises(LoadError) as info:
        load_tables(store, tables(files))
    return [str(p) for p in info.value.problems if p.severity == "error"]


def test_an_ordinary_spreadsheet_names_districts_and_parks_already_in_the_store(region):
    """所属区 = 闵行区 (name), 闵行 (alias), 310112 (division code); 园区 = 张江药谷 (alias) and
    紫竹高新区 (name): each resolves to the node the first load made."""
    load_tables(region, tables({"enterprises": "编号,名称,所属区,所在园区\n"
                                               "ent:1,一号（演示）有限公司,闵行区,紫竹高新区\n"
                                               "ent:2,二号（演示）有限公司,闵行,\n"
                                               "ent:3,三号（演示）有限公司,310112,\n"
                                               "ent:4,四号（演示）有限公司,浦东新区,张江药谷\n"}))
    def ends(node_id):
        return sorted((n.edge.kind, n.node.id) for n in region.neighbours(node_id, direction="out"))

    assert ends("ent:1") == [("IN_DISTRICT", "district:310112"), ("LOCATED_IN", "park:zizhu")]
    assert ends("ent:2") == ends("ent:3") == [("IN_DISTRICT", "district:310112")]
    assert ends("ent:4") == [("IN_DISTRICT", "district:310115"), ("LOCATED_IN", "park:zj")]


def test_every_reference_column_takes_names(region):
    """Not only districts: an owner, a station, a service record's target, an edge file's ends."""
    load_tables(region, tables({
        "enterprises": "id,name,aliases\nent:a,澜启生物（演示）有限公司,澜启\nent:b,沐衡医疗（演示）有限公司,\n",
        "products": "id,name,type,owner\nprod:1,示例抗体（演示）,drug,澜启\n",
        "service_records": "id,station,target,date,type\nsr:1,闵行站,示例抗体（演示）,2026-05-01,tracking\n",
        "collaborations": "a,b,type\n澜启,沐衡医疗（演示）有限公司,supply\n",
    }))
    assert [n.node.id for n in region.neighbours("prod:1", edge_kinds=["OWNS"])] == ["ent:a"]
    (record,) = region.neighbours("prod:1", edge_kinds=["TRACKS"])
    assert record.node.id == "station:mh" and record.edge.props["id"] == "sr:1"
    assert [n.node.id for n in region.neighbours("ent:a", edge_kinds=["COLLABORATES"])] == ["ent:b"]


def test_an_unknown_name_gets_the_nearest_known_ones(region):
    assert problems(region, {"enterprises": "id,name,district,park\n"
                                            "ent:1,一号,闵兴区,\nent:2,二号,浦东新区,张江药股\n"}) == [
        "enterprises.csv:2:3: district: no District named '闵兴区'; did you mean 闵行区?",
        "enterprises.csv:3:4: park: no Park named '张江药股'; did you mean 张江生物医药基地?",
    ]


def test_a_name_two_nodes_share_is_an_error_naming_both(region):
    load_tables(region, tables({"parks": "id,name,district\npark:a,生命科学园,闵行区\npark:b,生命科学园,浦东新区\n"}))
    assert problems(region, {"enterprises": "id,name,park\nent:1,一号,生命科学园\n"}) == [
        "enterprises.csv:2:3: park: '生命科学园' names several Park nodes: park:a (生命科学园), "
        "park:b (生命科学园); use an id"]
    load_tables(region, tables({"enterprises": "id,name,park\nent:1,一号,park:a\n"}))  # an id is never ambiguous


def test_a_name_of_the_wrong_kind_is_not_taken(region):
    """闵行区工作站 is a Station's name: a park column does not resolve it (and says what it is not)."""
    assert problems(region, {"enterprises": "id,name,park\nent:1,一号,闵行区工作站\n"}) == [
        "enterprises.csv:2:3: park: no Park named '闵行区工作站'"]
    assert problems(region, {"enterprises": "id,name,park\nent:1,一号,station:mh\n"}) == [
        "enterprises.csv:2:3: park: 'station:mh' is a Station, expected Park"]


MAPPING = '''
[mapping]
name = "sites-by-name"
version = "1"

[sources.list]
file = "list.csv"

[[nodes]]
source = "list"
kind = "Enterprise"
id = "co:{名称}"
name = "{名称}"

[[nodes.edges]]
kind = "LOCATED_IN"
to = "{园区}"

[[nodes.edges]]
kind = "IN_DISTRICT"
to = "{区}"
'''


def test_mappings_resolve_names_with_the_same_resolver(region, tmp_path):
    (tmp_path / "list.csv").write_text("名称,园区,区\n一号（演示）有限公司,张江药谷,浦东\n二号（演示）有限公司,紫竹高新区,闵兴区\n",
                                       encoding="utf-8")
    spec = parse_mapping(MAPPING, "sites.toml")
    with pytest.raises(LoadError) as info:
        load_mapping(region, spec, [tmp_path])
    assert [p.message for p in info.value.problems if p.severity == "error"] == [
        "no District named '闵兴区'; did you mean 闵行区?"]
    (tmp_path / "list.csv").write_text("名称,园区,区\n一号（演示）有限公司,张江药谷,浦东\n", encoding="utf-8")
    load_mapping(region, spec, [tmp_path])
    assert sorted((n.edge.kind, n.node.id) for n in region.neighbours("co:一号（演示）有限公司")) == [
        ("IN_DISTRICT", "district:310115"), ("LOCATED_IN", "park:zj")]


def test_resolution_order_and_folding():
    """An id wins over a name; names are compared in search form (width, brackets, spaces)."""
    nodes = {"Park": [NodeNames("park:x", "Park", "园区（一）", ("X园",)), NodeNames("park:y", "Park", "park:x")]}
    refs = References(lambda i: "Park" if i in ("park:x", "park:y") else None, lambda k: nodes.get(k, []))
    assert refs.resolve("park:x", ("Park",)).id == "park:x"  # the id, not park:y's odd name
    assert refs.resolve("园区(一)", ("Park",)).id == "park:x"
    assert refs.resolve(" x园 ", ("Park",)).id == "park:x"
    assert refs.resolve("抗体药物", ("Field",)).id == "field:antibody"
    assert refs.resolve("抗体药", ("Field",)).message == "unknown field '抗体药'; did you mean 抗体药物 or 药品?"


def test_a_reload_that_renames_a_node_frees_its_old_name(region):
    """ent:a was 张江生物; this load renames it and gives the name to ent:b: the name is ent:b's now."""
    load_tables(region, tables({"enterprises": "id,name\nent:a,张江生物（演示）\n"}))
    load_tables(region, tables({"enterprises": "id,name\nent:a,张江生物科技（演示）\nent:b,张江生物（演示）\n",
                                "products": "id,name,type,owner\nprod:1,一号药（演示）,drug,张江生物（演示）\n"}))
    assert [n.node.id for n in region.neighbours("prod:1", edge_kinds=["OWNS"])] == ["ent:b"]


def test_a_name_of_an_allowed_kind_beats_an_id_of_another():
    """A mapping key or a node id that happens to be written like a district's code (310112) does
    not hide the district."""
    district = NodeNames("district:310112", "District", "闵行区", (), "310112")
    refs = References(lambda i: "Enterprise" if i == "310112" else None, lambda k: [district] if k == "District" else [])
    assert refs.resolve("310112", ("District",)).id == "district:310112"
    assert refs.resolve("310112", ("Park",)).message == "'310112' is an Enterprise, expected Park"

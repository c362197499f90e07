"""Loading through a mapping, on every backend: merges keep what others said, reloads update what
the source owns and report what disappeared, errors write nothing, unload and undo take merges back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers import P, edge, node

from graph.model import LoadMeta, Provenance
from loaders.mapping.apply import load_mapping
from loaders.mapping.spec import parse_mapping
from loaders.mapping.undo import undo_merge, unload
from ontology import InvalidInput, LoadError

MAPPING = """
[mapping]
name = "test-orgs"
version = "3"
dataset = "test-dataset"

[sources.companies]
file = "companies.csv"

[sources.sites]
file = "sites.csv"

[[nodes]]
source = "companies"
kind = "Enterprise"
id = "co:{code}"
name = "{name}"
props.province = "{province}"
props.scale = { column = "scale", map = { "大" = "large", "小" = "small" }, missing = "keep" }
props.credit = "{credit}"

[[nodes.edges]]
kind = "PROVIDES"
to = "{segment}"

[[nodes]]
source = "sites"
kind = "Institution"
id = "site:{site}"
name = "{site}"
props.type = "hospital"

[[nodes.edges]]
kind = "COLLABORATES"
from = "co:{company}"
props.type = "clinical_trial"
props.date = "{date}"
"""

COMPANIES = """code,name,province,scale,credit,segment
1,君实生物-U,上海,大,B,CRO
2,示例生物（演示）有限公司,上海,小,,原料药
"""
SITES = """site,company,date
中山医院,1,2023-02-14
华山医院（演示）,2,2023-02-15
"""
T1 = datetime(2026, 3, 1, tzinfo=UTC)
T2 = datetime(2026, 4, 1, tzinfo=UTC)


@pytest.fixture
def world(store):
    """A store where another source already has the hospital and the company the mapping names."""
    store.write([
        node("inst:zs", "Institution", "复旦大学附属中山医院", type="hospital", grade="3A", aliases=["中山医院"]),
        node("ent:js", "Enterprise", "上海君实生物医药科技股份有限公司", province="上海", credit="A"),
        node("district:310104", "District", "徐汇区", code="310104", type="district"),
    ], [edge("IN_DISTRICT", "inst:zs", "district:310104")])
    return store


def files(tmp_path: Path, companies: str = COMPANIES, sites: str = SITES) -> list[Path]:
    (tmp_path / "companies.csv").write_text(companies, encoding="utf-8")
    (tmp_path / "sites.csv").write_text(sites, encoding="utf-8")
    return [tmp_path]


def load(store, data: Path, now=T1, **kwargs):
    """Load ``data`` through MAPPING, kept as m.toml beside the data (as a user's mapping would be)."""
    mapping = data / "m.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return load_mapping(store, parse_mapping(MAPPING, str(mapping)), [data], now=now, load_id=f"L{now:%m}",
                        mapping_file=str(mapping), **kwargs)


def test_merges_keep_what_others_said_and_record_what_they_add(world, tmp_path):
    files(tmp_path)
    report = load(world, tmp_path)
    assert {(x.key, x.node, x.status, x.rule) for x in report.xrefs} == {
        ("co:1", "ent:js", "merged", "short_name"), ("co:2", "co:2", "new", "new"),
        ("site:中山医院", "inst:zs", "merged", "name"), ("site:华山医院（演示）", "site:华山医院（演示）", "new", "new"),
    }
    js = world.get("ent:js")
    # its own name and values stay; the mapping filled the scale it lacked and kept the credit it had
    assert js.name == "上海君实生物医药科技股份有限公司" and js.props["credit"] == "A" and js.props["scale"] == "large"
    assert js.props["aliases"] == ["君实生物-U"] and js.provenance == P
    assert [str(w) for w in report.warnings] == [
        f"{tmp_path / 'companies.csv'}:2:1: warning: credit: 'B' given here differs from 'A' that 'ent:js' already "
        "has; that value is kept"]
    (merge,) = [x for x in report.xrefs if x.key == "co:1"]
    assert merge.filled == ("scale",) and merge.aliases == ("君实生物-U",)
    assert merge.matched == ("君实生物-U", "上海君实生物医药科技股份有限公司")  # the names the rule matched
    zs = world.get("inst:zs")
    assert zs.props == {"type": "hospital", "grade": "3A", "aliases": ["中山医院"]} and zs.provenance == P
    # edges land on the merged nodes, with the mapping's provenance
    (provides,) = world.neighbours("ent:js", edge_kinds=["PROVIDES"])
    assert provides.node.id == "segment:drug.discovery"
    assert provides.edge.provenance == Provenance(str(tmp_path / "companies.csv"), 2, "L03", T1.isoformat(
        timespec="seconds"), LoadMeta("test-dataset", "test-orgs", "3", str(tmp_path / "m.toml"),
                                      (str(tmp_path / "companies.csv"), str(tmp_path / "sites.csv")), ()))
    trial = world.neighbours("inst:zs", edge_kinds=["COLLABORATES"])
    assert [(n.node.id, n.edge.props["date"]) for n in trial] == [("ent:js", "2023-02-14")]
    new = world.get("site:华山医院（演示）")
    assert new.provenance.source == str(tmp_path / "sites.csv") and new.provenance.row == 3
    assert [n.node.id for n in world.neighbours("co:2", edge_kinds=["PROVIDES"])] == ["segment:drug.api"]


def test_loading_again_changes_nothing(world, tmp_path):
    files(tmp_path)
    first = load(world, tmp_path)
    before = (world.counts(), world.xrefs(), world.get("ent:js"), world.get("co:2"))
    again = load(world, tmp_path, now=T2)
    assert again.result.changed == 0 and again.disappeared == ()
    assert (world.counts(), world.xrefs(), world.get("ent:js"), world.get("co:2")) == before
    assert {x.provenance.load_id for x in world.xrefs()} == {first.load_id}


def test_a_newer_export_updates_adds_and_reports_what_disappeared(world, tmp_path):
    files(tmp_path)
    load(world, tmp_path)
    newer = COMPANIES.replace("1,君实生物-U,上海,大,B,CRO", "1,君实生物-U,上海,小,B,CRO").replace(
        "2,示例生物（演示）有限公司,上海,小,,原料药\n", "3,另一示例（演示）有限公司,北京,,,CDMO\n")
    report = load(world, files(tmp_path, newer)[0], now=T2)
    assert world.get("ent:js").props["scale"] == "small"  # the mapping owns the scale it filled in
    assert world.get("co:3").props == {"province": "北京"}
    assert [x.key for x in report.disappeared] == ["co:2"]
    assert world.get("co:2") is not None  # reported, not deleted
    assert report.result.nodes_created == 1 and report.result.nodes_updated == 1


def test_any_error_writes_nothing_and_every_error_is_located(world, tmp_path):
    before = (world.counts(), world.xrefs())
    bad = COMPANIES.replace("2,示例生物（演示）有限公司,上海,小,,原料药", "2,示例生物（演示）有限公司,上海,巨大,,原料药")
    bad_sites = SITES + "华东医院,9,2023-02-16\n"
    with pytest.raises(LoadError) as info:
        load(world, files(tmp_path, bad, bad_sites)[0])
    problems = [str(p).removeprefix(str(tmp_path) + "/") for p in info.value.problems if p.severity == "error"]
    assert problems == [
        "companies.csv:3:4: scale: '巨大' is not a valid enterprise scale (one of large, medium, small, micro); "
        "did you mean 'large'?",
        "sites.csv:3:2: no Enterprise or Institution with id 'co:2'",  # its row was bad
        "sites.csv:4:2: no Enterprise or Institution with id 'co:9'",
    ]
    assert (world.counts(), world.xrefs()) == before


def test_skip_invalid_writes_the_rest(world, tmp_path):
    bad = COMPANIES.replace("小,,原料药", "巨大,,原料药")
    report = load(world, files(tmp_path, bad)[0], skip_invalid=True)
    assert world.get("co:2") is None and world.get("site:华山医院（演示）") is not None
    assert [p.location.line for p in report.skipped] == [3, 3]  # the bad cell, and the edge that named its row
    assert world.neighbours("site:华山医院（演示）", edge_kinds=["COLLABORATES"]) == []


def test_unload_takes_back_what_the_merges_added(world, tmp_path):
    files(tmp_path)
    report = load(world, tmp_path)
    result = unload(world, report.load_id)
    assert result.nodes_deleted == 2  # co:2 and the new hospital
    js = world.get("ent:js")
    assert js.props == {"province": "上海", "credit": "A"} and js.provenance == P
    assert world.neighbours("ent:js") == [] and world.xrefs() == []
    assert world.get("inst:zs").props == {"type": "hospital", "grade": "3A", "aliases": ["中山医院"]}


def test_undoing_a_merge_gives_the_record_its_own_node_for_good(world, tmp_path):
    files(tmp_path)
    report = load(world, tmp_path)
    (merge,) = [x for x in report.xrefs if x.key == "co:1"]
    again = undo_merge(world, merge.id, now=T2)
    split = world.get("co:1")
    assert split.name == "君实生物-U" and split.props == {"province": "上海", "scale": "large", "credit": "B"}
    assert [n.node.id for n in world.neighbours("co:1", edge_kinds=["PROVIDES"])] == ["segment:drug.discovery"]
    assert [n.node.id for n in world.neighbours("co:1", edge_kinds=["COLLABORATES"])] == ["inst:zs"]
    js = world.get("ent:js")
    assert js.props == {"province": "上海", "credit": "A"} and world.neighbours("ent:js") == []
    (x,) = [x for x in again.xrefs if x.key == "co:1"]
    assert (x.status, x.node, x.candidates) == ("rejected", "co:1", ("ent:js",))
    later = load(world, tmp_path, now=datetime(2026, 5, 1, tzinfo=UTC))
    assert later.result.changed == 0 and world.get("co:1") is not None  # it stays apart
    with pytest.raises(InvalidInput, match="rejected, not merged"):
        undo_merge(world, merge.id)


def test_a_name_two_nodes_answer_to_is_ambiguous_and_kept_apart(world, tmp_path):
    # without its alias 中山医院, 复旦大学附属中山医院 answers to it no better than 厦门大学附属中山医院
    world.write([node("inst:zs", "Institution", "复旦大学附属中山医院", type="hospital", grade="3A"),
                 node("inst:xm", "Institution", "厦门大学附属中山医院", type="hospital")])
    report = load(world, files(tmp_path)[0])
    (x,) = report.ambiguous
    assert (x.key, x.candidates) == ("site:中山医院", ("inst:xm", "inst:zs"))
    assert world.get("site:中山医院").props == {"type": "hospital"}
    assert world.neighbours("inst:zs", edge_kinds=["COLLABORATES"]) == []


def test_reloading_interchange_files_keeps_what_mappings_added(store, tmp_path):
    """The demo region loaded again must not drop the alias, values and edges a mapping merged in."""
    from loaders.load import load_tables
    from loaders.tables import read_csv

    tables = {
        "districts": "id,name,code\ndistrict:310104,徐汇区,310104\n",
        "institutions": "id,name,type,district,aliases\ninst:zs,复旦大学附属中山医院,hospital,district:310104,中山医院\n",
        "enterprises": "id,name,province,credit,fields\nent:js,上海君实生物医药科技股份有限公司,上海,A,field:antibody\n",
    }

    def interchange():
        return load_tables(store, [read_csv(t.encode(), f"{n}.csv") for n, t in tables.items()], load_id="L-csv")

    interchange()
    mapping = MAPPING + '\n[[nodes.edges]]\nkind = "IN_FIELD"\nto = "field:cell_therapy"\n'  # sites get a field
    files(tmp_path)
    spec = parse_mapping(mapping.replace('props.type = "hospital"', 'props.type = "hospital"\nprops.city = "上海市"'),
                         "m.toml")
    load_mapping(store, spec, [tmp_path], now=T1)
    before = (store.get("ent:js"), store.get("inst:zs"), store.neighbours("ent:js"), store.neighbours("inst:zs"))
    assert before[0].props["scale"] == "large" and before[1].props["city"] == "上海市"
    again = interchange()
    assert again.result.changed == 0
    assert (store.get("ent:js"), store.get("inst:zs"), store.neighbours("ent:js"), store.neighbours("inst:zs")) == before
    # a changed row still replaces what the row itself said
    tables["enterprises"] = tables["enterprises"].replace("field:antibody", "field:vaccine")
    interchange()
    fields = sorted(n.node.id for n in store.neighbours("ent:js", edge_kinds=["IN_FIELD"]))
    assert "field:vaccine" in fields and "field:antibody" not in fields
    assert store.get("ent:js").props["scale"] == "large"


MAJORITY = """
[mapping]
name = "test-sites"
version = "1"

[sources.rows]
file = "rows.csv"

[[nodes]]
source = "rows"
kind = "Institution"
id = "site:{site}"
name = "{site}"
props.type = "hospital"
props.city = "{city}"
props.province = "{province}"
majority = ["city"]
"""


def test_majority_props_take_what_most_rows_give_and_a_tie_the_first(store, tmp_path):
    """A: 无锡 once, 南京 twice -> 南京 (not the first row's 无锡); B: 苏州 then 常州, once each -> 苏州
    (the first); province is not voted on: A keeps its first row's 江苏 and the 天津 of its second row
    is reported."""
    (tmp_path / "rows.csv").write_text("site,city,province\nA医院,无锡市,江苏\nA医院,天津市,天津\nA医院,南京市,江苏\n"
                                       "A医院,南京市,江苏\nB医院,苏州市,江苏\nB医院,常州市,江苏\n", encoding="utf-8")
    report = load_mapping(store, parse_mapping(MAJORITY, "sites.toml"), [tmp_path])
    assert store.get("site:A医院").props["city"] == "南京市" and store.get("site:A医院").props["province"] == "江苏"
    assert store.get("site:B医院").props["city"] == "苏州市"
    assert [p.message.replace(str(tmp_path) + "/", "") for p in report.warnings if "province" in p.message] == [
        "province: '天津' differs from '江苏' given for 'site:A医院' at rows.csv:2:1; the first is kept"]


def test_majority_names_single_valued_props_of_its_rule():
    with pytest.raises(LoadError, match="majority names single-valued props"):
        parse_mapping(MAJORITY.replace('majority = ["city"]', 'majority = ["aliases"]'), "sites.toml")


# --- a register (distinct = true) with addresses (match = "address") -----------------------------------------

REGISTER = """
[mapping]
name = "test-register"
version = "1"
dataset = "test-register"

[sources.filings]
file = "filings.csv"

[[nodes]]
source = "filings"
kind = "Institution"
id = "filed:{no}"
name = "{name}"
distinct = true
props.type = "hospital"

[[nodes.edges]]
kind = "IN_DISTRICT"
to = "{address}"
match = "address"
"""
FILINGS = """no,name,address
1,复旦大学附属中山医院,上海市徐汇区枫林路180号
2,示例医院（演示）,上海市卢湾区重庆南路149号
3,示例医院（演示）,上海市静安区A路、上海市徐汇区B路
4,中山医院,上海市某路1号
5,又一医院（演示）,上海市静安区徐汇区路口
6,第五医院（演示）,上海市静安区C路
"""


def test_a_register_merges_once_into_a_node_and_places_its_rows_by_their_addresses(world, tmp_path):
    world.write([node("district:310101", "District", "黄浦区", code="310101", type="district", province="上海"),
                 node("district:310106", "District", "静安区", code="310106", type="district", province="上海"),
                 node("inst:h5", "Institution", "第五医院（演示）", type="hospital")],
                [edge("IN_DISTRICT", "inst:h5", "district:310101")])
    (tmp_path / "filings.csv").write_text(FILINGS, encoding="utf-8")
    spec = parse_mapping(REGISTER, "register.toml")
    report = load_mapping(world, spec, [tmp_path], now=T1, load_id="L1")
    status = {x.key: (x.status, x.node) for x in report.xrefs}
    assert status == {
        "filed:1": ("ambiguous", "filed:1"),  # which of the two is inst:zs, no rule can say
        "filed:2": ("new", "filed:2"),
        "filed:3": ("new", "filed:3"),  # the same name as filing 2: two filings, two institutions
        "filed:4": ("ambiguous", "filed:4"),  # 中山医院 is inst:zs too: two filings, one node
        "filed:5": ("new", "filed:5"),
        "filed:6": ("merged", "inst:h5"),
    }
    district = {i: [n.node.id for n in world.neighbours(i, edge_kinds=["IN_DISTRICT"])]
                for i in ("filed:1", "filed:2", "filed:3", "filed:4", "filed:5", "inst:h5")}
    assert district == {"filed:1": ["district:310104"], "filed:2": ["district:310101"], "filed:3": ["district:310106"],
                        "filed:4": [], "filed:5": [], "inst:h5": ["district:310101"]}
    assert report.addresses == (("district", 3), ("former", 1), ("none", 1), ("ambiguous", 1))
    warnings = [p.message for p in report.warnings]
    assert warnings == [
        "placed in 黄浦区: the address '上海市卢湾区重庆南路149号' names 卢湾区, a former district merged into 黄浦区 in 2011",
        "the address '上海市静安区徐汇区路口' names several districts (静安区, 徐汇区): no district given",
        "the address places 'inst:h5' in district:310106, but it is in 黄浦区; that district is kept",
    ]
    again = load_mapping(world, spec, [tmp_path], now=T2, load_id="L2")
    assert again.result.changed == 0 and again.addresses == report.addresses


def test_a_register_decides_alike_whatever_the_order_of_its_rows(world, tmp_path):
    spec = parse_mapping(REGISTER, "register.toml")
    decided = []
    for order in (FILINGS, FILINGS.replace("1,复旦大学附属中山医院", "X").replace("4,中山医院", "1,复旦大学附属中山医院")
                  .replace("X", "4,中山医院")):
        (tmp_path / "filings.csv").write_text(order, encoding="utf-8")
        plan = load_mapping(world, spec, [tmp_path], now=T1, load_id="L1", check=True)
        decided.append(sorted((x.name, x.status) for x in plan.xrefs))
    assert decided[0] == decided[1]
    assert ("中山医院", "ambiguous") in decided[0] and ("复旦大学附属中山医院", "ambiguous") in decided[0]


def test_match_address_ends_at_a_district():
    bad = REGISTER.replace('kind = "IN_DISTRICT"', 'kind = "LOCATED_IN"')
    with pytest.raises(LoadError) as info:
        parse_mapping(bad, "register.toml")
    assert 'match = "address" places an address in a District' in str(info.value)


def test_a_newer_register_keeps_its_records_apart_from_the_nodes_earlier_ones_made(world, tmp_path):
    (tmp_path / "filings.csv").write_text(FILINGS, encoding="utf-8")
    spec = parse_mapping(REGISTER, "register.toml")
    load_mapping(world, spec, [tmp_path], now=T1, load_id="L1")
    newer = FILINGS.replace("no,name,address\n", "no,name,address\n0,示例医院（演示）,上海市某路2号\n")
    (tmp_path / "filings.csv").write_text(newer, encoding="utf-8")  # a new filing first, of a name filed before
    report = load_mapping(world, spec, [tmp_path], now=T2, load_id="L2")
    status = {x.key: (x.status, x.node) for x in report.xrefs}
    assert status["filed:0"] == ("new", "filed:0") and status["filed:2"] == ("new", "filed:2")


def test_a_node_only_the_register_placed_moves_with_its_address(world, tmp_path):
    """A newer list with another address moves the node this mapping placed (its own district is
    replaced, or dropped when the address names none); a district another source gave stays."""
    world.write([node("district:310101", "District", "黄浦区", code="310101", type="district", province="上海"),
                 node("district:310106", "District", "静安区", code="310106", type="district", province="上海")])
    spec = parse_mapping(REGISTER, "register.toml")
    (tmp_path / "filings.csv").write_text("no,name,address\n2,示例医院（演示）,上海市卢湾区重庆南路149号\n"
                                          "9,复旦大学附属中山医院,上海市静安区某路9号\n", encoding="utf-8")
    load_mapping(world, spec, [tmp_path], now=T1, load_id="L1")

    def districts(i):
        return [n.node.id for n in world.neighbours(i, edge_kinds=["IN_DISTRICT"])]

    assert districts("filed:2") == ["district:310101"] and districts("inst:zs") == ["district:310104"]
    for address, want in (("上海市静安区某路1号", ["district:310106"]), ("上海市某路1号", [])):
        (tmp_path / "filings.csv").write_text(f"no,name,address\n2,示例医院（演示）,{address}\n"
                                              "9,复旦大学附属中山医院,上海市静安区某路9号\n", encoding="utf-8")
        report = load_mapping(world, spec, [tmp_path], now=T2, load_id="L2")
        assert districts("filed:2") == want, address
        assert districts("inst:zs") == ["district:310104"]  # the world's, kept (and the difference reported)
        assert any("that district is kept" in p.message for p in report.warnings)

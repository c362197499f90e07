"""The shipped mappings on the real datasets in ../shared/data: counts computed independently from the
files, and facts checked by hand against them."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from graph import EmbeddedStore
from loaders.demo_region import ensure_demo
from loaders.mapping.apply import load_mapping
from loaders.mapping.registry import load_spec, shipped
from ontology import SHENWAN_SEGMENTS

ORDER = ("cn-admin-divisions", "cn-universities", "fudan-hospital-ranking", "cde-clinical-trials-sample",
         "nmpa-drug-approval-numbers", "cn-listed-companies", "cfdi-drug-trial-institutions")
PHARMA_INDUSTRIES = {"化学制药", "生物制药", "中成药", "医疗保健", "医药商业"}


def run(store, name: str, data: Path, **params):
    file, spec = load_spec(name, params)
    return load_mapping(store, spec, [data / name], mapping_file=file.path)


def rows(path: Path, header=True, encoding="utf-8-sig") -> list:
    with path.open(encoding=encoding, newline="") as fh:
        return list(csv.DictReader(fh) if header else csv.reader(fh))


@pytest.fixture(scope="module")
def region(shared_data, tmp_path_factory):
    """The demo region with all seven datasets loaded through their mappings (each report kept)."""
    store = EmbeddedStore(tmp_path_factory.mktemp("real") / "real.sqlite")
    ensure_demo(store)
    reports = {name: run(store, name, shared_data) for name in ORDER}
    yield store, reports
    store.close()


# datasets that arrived for later issues and have no mapping yet (each named by the issue that loads it)
WITHOUT_MAPPING = {"holiday-cn": "issue 15 (a calendar, not graph data)"}


def test_every_dataset_has_a_shipped_mapping(shared_data):
    folders = {p.name for p in shared_data.iterdir() if p.is_dir()}
    assert folders - set(WITHOUT_MAPPING) == set(ORDER) <= set(shipped())


def test_loading_everything_again_changes_nothing(region, shared_data):
    store, _ = region
    before = store.counts()
    for name in ORDER:
        again = run(store, name, shared_data)
        assert again.result.changed == 0 and again.disappeared == (), name
    assert store.counts() == before


# --- administrative divisions ------------------------------------------------------------------------------

def test_shanghai_has_exactly_its_16_districts(shared_data):
    store = EmbeddedStore(":memory:")
    report = run(store, "cn-admin-divisions", shared_data)
    codes = ["310101", "310104", "310105", "310106", "310107", "310109", "310110", "310112", "310113", "310114",
             "310115", "310116", "310117", "310118", "310120", "310151"]
    assert [n.props["code"] for n in store.nodes("District")] == codes
    assert report.result.nodes_created == 16 and store.counts().nodes.get("Subdistrict") is None
    pudong = store.get("district:310115")
    assert (pudong.name, pudong.props["province"], pudong.props["aliases"]) == ("浦东新区", "上海", ["浦东"])


def test_any_province_and_its_streets(shared_data):
    areas = rows(shared_data / "cn-admin-divisions" / "areas.csv")
    streets = [r for r in rows(shared_data / "cn-admin-divisions" / "streets.csv") if r["provinceCode"] == "32"]
    store = EmbeddedStore(":memory:")
    run(store, "cn-admin-divisions", shared_data, province="32", streets="yes")
    assert {n.props["code"] for n in store.nodes("District")} == {r["code"] for r in areas if r["provinceCode"] == "32"}
    assert {n.props["province"] for n in store.nodes("District")} == {"江苏"}
    assert store.counts().nodes["Subdistrict"] == len(streets) == store.counts().edges["IN_DISTRICT"]
    first = streets[0]
    (up,) = store.neighbours(f"subdistrict:{first['code']}", edge_kinds=["IN_DISTRICT"])
    assert up.node.id == f"district:{first['areaCode']}" and store.get(f"subdistrict:{first['code']}").name == first["name"]


def test_demo_districts_get_their_province_and_keep_the_rest(region):
    store, reports = region
    node = store.get("district:310112")
    assert node.props["province"] == "上海" and node.props["aliases"] == ["闵行"]
    assert node.provenance.source == "biokg-demo/real/districts.csv"  # merged: the demo still made it
    assert {x.rule for x in reports["cn-admin-divisions"].xrefs} == {"id"}


# --- listed companies -----------------------------------------------------------------------------------------

def test_listed_companies_cover_exactly_the_biomedical_listings(shared_data):
    folder = shared_data / "cn-listed-companies"
    shenwan = {r["股票代码"]: r for r in rows(folder / "sw_industry_2021.csv")}
    expected = {r["ts_code"] for r in rows(folder / "tushare_stock_basic.csv")
                if (shenwan.get(r["ts_code"], {}).get("新版一级行业") == "医药生物")
                or (r["ts_code"] not in shenwan and r["industry"] in PHARMA_INDUSTRIES)}
    expected |= {c for c, r in shenwan.items() if r["交易所"] in ("港股", "美股") and r["新版一级行业"] == "医药生物"}
    store = EmbeddedStore(":memory:")
    report = run(store, "cn-listed-companies", shared_data)
    codes = [c for n in store.nodes("Enterprise") for c in n.props["stock_codes"]]
    assert sorted(codes) == sorted(expected)  # every listing once, on one node
    assert store.counts().nodes["Enterprise"] == len(expected) - len(report.merged)
    js = store.get("stock:688180.SH")
    assert (js.name, js.props["province"], js.props["stock_codes"], js.props["aliases"]) == (
        "君实生物", "上海", ["688180.SH", "1877.HK"], ["君实生物-U"])
    provides = lambda i: sorted(n.node.id for n in store.neighbours(i, edge_kinds=["PROVIDES"]))  # noqa: E731
    assert provides("stock:603259.SH") == sorted(SHENWAN_SEGMENTS["医疗研发外包"])  # 药明康德, a CRO
    assert provides("stock:603259.SH") == ["segment:drug.clinical", "segment:drug.discovery",
                                           "segment:drug.preclinical"]
    assert provides("stock:688131.SH") == ["segment:drug.api"]  # 皓元医药 makes APIs
    assert provides("stock:601607.SH") == ["segment:device.distribution", "segment:drug.distribution"]  # 上海医药
    # with a province, only that province's A-shares
    shanghai = EmbeddedStore(":memory:")
    run(shanghai, "cn-listed-companies", shared_data, province="上海")
    assert {n.props.get("province") for n in shanghai.nodes("Enterprise")} == {"上海"}


# --- hospitals and their ranks ------------------------------------------------------------------------------

def _ranks(store, node_id, specialty, list_, year):
    return [n.edge.props for n in store.neighbours(node_id, edge_kinds=["RANKED"])
            if n.node.id == specialty and n.edge.props["list"] == list_ and n.edge.props["year"] == year]


def test_a_shanghai_hospital_gets_its_specialty_ranks(region):
    store, _ = region
    # fudan_ranking_flat.csv: 2021,specialty_reputation,心血管病,2,复旦大学附属中山医院,9.316
    assert _ranks(store, "inst:zs-hospital", "specialty:cardiology", "reputation", 2021) == [
        {"list": "reputation", "year": 2021, "rank": 2, "score": 9.316}]
    # 2021,comprehensive,全科医学,1,复旦大学附属中山医院,,80.00,11.67,91.67
    assert _ranks(store, "inst:zs-hospital", "specialty:general_practice", "comprehensive", 2021) == [
        {"list": "comprehensive", "year": 2021, "rank": 1, "score": 91.67, "sci": 11.67}]
    # 2009,comprehensive,综合排名,8,复旦大学附属中山医院,,32.63,5.02,37.65
    assert _ranks(store, "inst:zs-hospital", "specialty:overall", "comprehensive", 2009)[0]["rank"] == 8
    # 2021,specialty_reputation,病理科,nominated,复旦大学附属中山医院
    assert _ranks(store, "inst:zs-hospital", "specialty:pathology", "reputation", 2021) == [
        {"list": "reputation", "year": 2021, "nominated": True}]
    # the department of 2009-2017 called 传染科 is the specialty 传染感染: 华山医院 ranked 1st in 2017
    assert _ranks(store, "inst:huashan", "specialty:infectious_diseases", "reputation", 2017)[0]["rank"] == 1


def test_run_together_tied_names_are_split(region, shared_data):
    store, _ = region
    # 2011,specialty_reputation,内分泌,nominated,复旦大学附属中山医院中山大学附属第三医院
    assert _ranks(store, "inst:zs-hospital", "specialty:endocrinology", "reputation", 2011) == [
        {"list": "reputation", "year": 2011, "nominated": True}]
    third = store.search("中山大学附属第三医院", kinds=["Institution"], limit=1)[0].node
    assert _ranks(store, third.id, "specialty:endocrinology", "reputation", 2011)[0]["nominated"] is True


def test_renamed_hospitals_are_one_node_with_their_old_names(region):
    store, _ = region
    # 长海医院 ranked as 第二军医大学长海医院 (2009-2016), 海军军医大学长海医院 and 海军军医大学第一附属医院
    node = store.get("inst:changhai")
    years = {n.edge.props["year"] for n in store.neighbours("inst:changhai", edge_kinds=["RANKED"])}
    assert {2009, 2017, 2021} <= years and "第二军医大学长海医院" in node.props["aliases"]


def test_every_ranking_row_is_an_edge_of_its_hospital(region, shared_data):
    """Each row (a sample of every 37th) is a RANKED edge of the node its hospital name became."""
    from loaders.mapping.expr import Context
    from ontology import SPECIALTIES

    store, reports = region
    node_of = {x.key: x.node for x in reports["fudan-hospital-ranking"].xrefs}
    _, spec = load_spec("fudan-hospital-ranking")
    ctx = Context(spec.params, spec.tables)
    (_, split), = spec.sources["ranking"].derive
    specialty = {label: s.id for s in SPECIALTIES for label in (s.zh, *s.aliases)}
    lists = {"specialty_reputation": "reputation", "comprehensive": "comprehensive"}
    checked = 0
    for r in rows(shared_data / "fudan-hospital-ranking" / "fudan_ranking_flat.csv")[::37]:
        for name in split(r, ctx):
            node = node_of[f"hospital:{spec.tables['renames'].get(name, name)}"]
            assert _ranks(store, node, specialty[r["department"]], lists[r["list"]], int(r["year"])), (r, node)
            checked += 1
    assert checked > 300


# --- universities -------------------------------------------------------------------------------------------------

def test_shanghai_universities_with_coordinates(shared_data):
    listed = json.loads((shared_data / "cn-universities" / "china_mainland_universities.json").read_text())
    places = json.loads((shared_data / "cn-universities" / "university_location.json").read_text())
    store = EmbeddedStore(":memory:")
    report = run(store, "cn-universities", shared_data)
    assert len(listed["上海"]["all"]) == 66 == len(report.xrefs) == store.counts().nodes["Institution"]
    fudan = store.get("university:复旦大学")
    assert (fudan.props["lat"], fudan.props["lon"]) == tuple(places["复旦大学"]) == (31.301868, 121.510766)
    assert {n.props["type"] for n in store.nodes("Institution")} == {"university"}


def test_universities_merge_into_the_demo_institutions(region):
    store, reports = region
    merged = {x.name: x.node for x in reports["cn-universities"].merged}
    assert merged["复旦大学"] == "inst:fudan" and merged["复旦大学医学院"] == "inst:fudan-smc"  # an alias of the demo's
    assert merged["海军军医大学"] == "inst:nmu"
    assert store.get("inst:fudan").props["lat"] == 31.3  # the demo's value stays (and the difference is reported)


# --- clinical trials ---------------------------------------------------------------------------------------------

def test_trials_make_drugs_sponsors_sites_and_collaborations(shared_data):
    trials = rows(shared_data / "cde-clinical-trials-sample" / "trial_info.csv", header=False, encoding="utf-8")
    sites = rows(shared_data / "cde-clinical-trials-sample" / "trial_site_info.csv", header=False, encoding="utf-8")
    store = EmbeddedStore(":memory:")
    run(store, "cde-clinical-trials-sample", shared_data)
    lead = {t[0]: (t[4].split("/")[0].strip(), t[7]) for t in trials}
    assert store.counts().nodes["Product"] == len(set(lead.values()))
    assert len(trials) == 46 and len(sites) == 257
    drug = "drug:迈威（上海）生物科技股份有限公司:9MW1911注射液"  # CTR20230380
    owners = [n.node.name for n in store.neighbours(drug, edge_kinds=["OWNS"])]
    assert owners == ["迈威（上海）生物科技股份有限公司"]
    shanghai = {s[1] for s in sites if s[0] == "CTR20230380" and s[3] == "上海市"}
    assert shanghai == {"上海市同济医院"}
    on_site = {n.node.name: n.edge.props for n in store.neighbours(drug, edge_kinds=["TRIAL_SITE"])}
    assert on_site["上海市同济医院"] == {"date": "2023-02-14", "trials": ["CTR20230380"]}
    assert len(on_site) == len({s[1] for s in sites if s[0] == "CTR20230380"})
    ties = {n.node.name: n.edge.props for n in store.neighbours("sponsor:迈威（上海）生物科技股份有限公司",
                                                                  edge_kinds=["COLLABORATES"])}
    assert ties["上海市同济医院"] == {"type": "clinical_trial", "date": "2023-02-14", "evidence": "药物临床试验登记 CTR20230380"}
    site = store.get("site:上海市同济医院")  # 同济大学附属同济医院, another site of the sample, is the same hospital
    assert site.props == {"type": "hospital", "gcp_drug": True, "province": "上海", "city": "上海市",
                          "aliases": ["同济大学附属同济医院"]}


def test_trial_sites_resolve_to_the_demo_hospitals(region):
    store, reports = region
    merged = {x.name: x.node for x in reports["cde-clinical-trials-sample"].merged}
    assert merged["上海市同济医院"] == merged["同济大学附属同济医院"] == "inst:tongji-hospital"
    assert merged["复旦大学附属中山医院"] == "inst:zs-hospital"
    # CTR20230367 (HRS-2261片, lead sponsor 成都盛迪医药) and CTR20230359 (KIN-3248片) ran at 中山医院
    drugs = {n.node.name for n in store.neighbours("inst:zs-hospital", edge_kinds=["TRIAL_SITE"])}
    assert {"HRS-2261片", "KIN-3248片"} <= drugs
    assert store.get("inst:zs-hospital").props["grade"] == "3A"  # what the demo said stays


def test_sites_of_one_province_only(shared_data):
    store = EmbeddedStore(":memory:")
    run(store, "cde-clinical-trials-sample", shared_data, site_province="上海市")
    sites = rows(shared_data / "cde-clinical-trials-sample" / "trial_site_info.csv", header=False, encoding="utf-8")
    names = {s[1] for s in sites if s[3] == "上海市"}
    assert len(names) == 12 and {"上海市同济医院", "同济大学附属同济医院"} <= names  # one hospital, two names
    assert store.counts().nodes["Institution"] == 11


# --- approval numbers --------------------------------------------------------------------------------------------

def test_every_approval_number_is_a_product(shared_data):
    folder = shared_data / "nmpa-drug-approval-numbers"
    codes = set()
    for f in sorted(folder.glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            codes |= set(re.findall(r"(?:国药准字)?[HZSBTFJ][HSZCJ]?\d{8}", json.loads(line)["code"]))
    store = EmbeddedStore(":memory:")
    run(store, "nmpa-drug-approval-numbers", shared_data)
    assert {n.props["registration_no"] for n in store.nodes("Product")} == codes and len(codes) == 4925
    kit = store.get("nmpa:国药准字S20080007")
    assert (kit.name, kit.props["type"], kit.props["stage"]) == ("丙型肝炎病毒抗体诊断试剂盒(酶联免疫法)", "ivd", "approved")
    resolor = store.get("nmpa:H20171268")
    assert resolor.props["aliases"] == ["Prucalopride Succinate Tablets", "力洛", "Resolor"]
    assert [n.node.id for n in store.neighbours("nmpa:H20171268", edge_kinds=["IN_FIELD"])] == ["field:chemical_drug"]
    assert [n.node.id for n in store.neighbours("nmpa:S20160004", edge_kinds=["IN_FIELD"])] == ["field:biologic"]


# --- the same on Neo4j ---------------------------------------------------------------------------------------

@pytest.mark.slow
def test_neo4j_loads_the_real_datasets_like_the_embedded_store(shared_data, neo4j_server, tmp_path):
    from dataclasses import replace

    from loaders.export import export_tables

    stores = [EmbeddedStore(tmp_path / "e.sqlite"), neo4j_server.fresh_store()]
    try:
        reports = []
        for store in stores:
            ensure_demo(store)
            reports.append([run(store, name, shared_data).result for name in
                            ("cde-clinical-trials-sample", "fudan-hospital-ranking", "cn-universities")])
        assert reports[0] == reports[1]
        assert export_tables(stores[0]) == export_tables(stores[1])
        xrefs = [[replace(x, provenance=None) for x in s.xrefs()] for s in stores]
        assert xrefs[0] == xrefs[1] and len(xrefs[0]) > 600
    finally:
        for s in stores:
            s.close()


def test_a_trial_site_takes_the_province_and_city_most_of_its_trials_give(region, shared_data):
    """东南大学附属中大医院 is a site of four trials: 江苏/无锡市, 天津/天津市, 江苏/南京市, 江苏/南京市
    (trial_site_info.csv rows 23, 24, 82 and 122); most say 江苏 and 南京市 — not the first row's city."""
    sites = [r for r in rows(shared_data / "cde-clinical-trials-sample" / "trial_site_info.csv", header=False)
             if r[1] == "东南大学附属中大医院"]
    assert [(r[3], r[4]) for r in sites] == [("江苏省", "无锡市"), ("天津市", "天津市"), ("江苏省", "南京市"),
                                           ("江苏省", "南京市")]
    store, _ = region
    (node,) = [n for n in store.nodes("Institution") if "东南大学附属中大医院" in (n.name, *n.props.get("aliases", ()))]
    assert (node.props["province"], node.props["city"]) == ("江苏", "南京市")


# --- drug GCP filings (CFDI) ------------------------------------------------------------------------------------

CFDI = "cfdi-drug-trial-institutions"
_SITES = re.compile(r"[、，,；;/]")
SHANGHAI_DISTRICTS = {"310101": "黄浦区", "310104": "徐汇区", "310105": "长宁区", "310106": "静安区", "310107": "普陀区",
                      "310109": "虹口区", "310110": "杨浦区", "310112": "闵行区", "310113": "宝山区", "310114": "嘉定区",
                      "310115": "浦东新区", "310116": "金山区", "310117": "松江区", "310118": "青浦区", "310120": "奉贤区",
                      "310151": "崇明区"}


def _filings(shared_data) -> list[dict]:
    return rows(shared_data / CFDI / "drug_trial_institutions.csv", encoding="utf-8")


def _named_district(address: str) -> str | None:
    """This test's own reading: the one district whose full name the first campus of a Shanghai address
    writes (the list's Shanghai addresses name districts in full or not at all)."""
    first = _SITES.split("".join(address.split()))[0]
    named = [code for code, name in SHANGHAI_DISTRICTS.items() if name in first]
    assert len(named) <= 1, address
    return named[0] if named else None


def test_every_shanghai_filing_is_placed_in_the_district_its_address_names(shared_data):
    store = EmbeddedStore(":memory:")
    run(store, "cn-admin-divisions", shared_data, streets="yes")
    report = run(store, CFDI, shared_data, province="上海市")
    shanghai = [r for r in _filings(shared_data) if r["areaName"].strip() == "上海市"]
    assert len(shanghai) == 74 and report.rows == {"filings": 74}
    placed = {}
    for r in shanghai:
        node = f"cfdi:{r['recordNo']}"
        districts = [n.node.id for n in store.neighbours(node, edge_kinds=["IN_DISTRICT"])]
        placed[r["compName"].strip()] = districts
        expected = _named_district(r["address"])
        assert districts == ([f"district:{expected}"] if expected else []), (r["compName"], r["address"])
    assert sum(bool(d) for d in placed.values()) == 53 and dict(report.addresses) == {"district": 53, "none": 21}
    # by hand: the first of two campuses is the main one, and a later one never places it
    assert placed["复旦大学附属妇产科医院"] == ["district:310110"]  # 杨浦院区 first, 黄浦院区 second
    assert placed["复旦大学附属肿瘤医院"] == []  # 东安路270号 names none; 浦东 is the second campus
    assert placed["上海中医药大学附属曙光医院"] == []


def test_every_filing_is_a_gcp_site_with_its_number_year_and_published_text(shared_data):
    store = EmbeddedStore(":memory:")
    report = run(store, CFDI, shared_data)
    filings = _filings(shared_data)
    assert report.result.nodes_created == len(filings) == 2039 and not report.merged  # distinct: no row merges
    nodes = {n.id: n for n in store.nodes("Institution")}
    cdc = [r for r in filings if "疾病预防控制中心" in r["compName"].split("（")[0]]
    assert {nodes[f"cfdi:{r['recordNo']}"].props["type"] for r in cdc} == {"agency"} and len(cdc) == 25
    assert sum(n.props["type"] == "hospital" for n in nodes.values()) == len(filings) - len(cdc)
    for r in filings[::50]:
        node = nodes[f"cfdi:{r['recordNo']}"]
        assert node.props["gcp_drug"] is True and node.props["gcp_drug_filing"] == r["recordNo"]
        assert node.props["gcp_drug_year"] == int(r["recordNo"][7:11])
        assert (node.props["filed_name"], node.props["filed_address"]) == (r["compName"].strip(), r["address"].strip())
    # names as published, cleaned for matching: a Latin O among the numerals, names side by side
    o940 = next(n for n in nodes.values() if "九四" in n.name)
    assert (o940.name, o940.props["filed_name"]) == ("中国人民解放军联勤保障部队第九四〇医院", "中国人民解放军联勤保障部队第九四O医院")
    tianshui = next(n for n in nodes.values() if n.name == "天水市中西医结合医院")
    assert tianshui.props["aliases"] == ["天水市第二人民医院", "天水市麦积区人民医院"]
    assert nodes["cfdi:药临床机构备字2020000962"].props["address"] == "威海市光明路51号"  # ５１号, folded


def test_the_filings_round_trip_through_the_interchange_format(shared_data, tmp_path):
    """Everything a filing says has its interchange column: export, load into an empty store, export."""
    from loaders.export import export_tables
    from loaders.load import load_tables
    from loaders.sheets import csv_bytes
    from loaders.tables import read_csv

    store = EmbeddedStore(":memory:")
    run(store, "cn-admin-divisions", shared_data)
    run(store, CFDI, shared_data, province="上海市")
    first = {name: csv_bytes(t) for name, t in export_tables(store).items()}
    fresh = EmbeddedStore(tmp_path / "fresh.sqlite")
    load_tables(fresh, [read_csv(data, f"{name}.csv", name) for name, data in first.items()])
    assert {name: csv_bytes(t) for name, t in export_tables(fresh).items()} == first
    assert fresh.get("cfdi:药临床机构备字2020000080").props == store.get("cfdi:药临床机构备字2020000080").props


def test_the_filings_merge_into_the_demo_hospitals(region, shared_data):
    """Each of the demo's hospitals is the filing whose name (or a name it carries in brackets) is the
    demo's name or alias, compared here as plain strings; it takes that filing and keeps its own name."""
    store, reports = region
    demo = rows(Path("loaders/demo/real/institutions.csv").resolve(), encoding="utf-8")
    by_name = {}
    for r in _filings(shared_data):
        for name in re.split(r"[（）()]", "".join(r["compName"].split())):
            by_name.setdefault(name, r)
    merged = {x.node: x for x in reports[CFDI].merged}
    hospitals = [h for h in demo if h["type"] == "hospital"]
    assert len(hospitals) == 24
    for h in hospitals:
        names = [h["name"], *filter(None, h["aliases"].split(";"))]
        filing = next(by_name[n] for n in names if n in by_name)
        node = store.get(h["id"])
        assert merged[h["id"]].key == f"cfdi:{filing['recordNo']}" == f"cfdi:{h['gcp_drug_filing']}", h["name"]
        assert node.name == h["name"] and node.props["gcp_drug"] is True
        assert node.props["gcp_drug_filing"] == filing["recordNo"]
        if filing["compName"].strip() != h["name"]:
            assert filing["compName"].strip().replace("(", "（").replace(")", "）") in node.props["aliases"]


@pytest.mark.slow
def test_neo4j_places_and_merges_the_filings_like_the_embedded_store(shared_data, neo4j_server, tmp_path):
    from dataclasses import replace

    from loaders.export import export_tables

    stores = [EmbeddedStore(tmp_path / "e.sqlite"), neo4j_server.fresh_store()]
    try:
        reports = []
        for store in stores:
            ensure_demo(store)
            loads = [run(store, "cn-admin-divisions", shared_data, streets="yes"), run(store, CFDI, shared_data)]
            again = run(store, CFDI, shared_data)
            assert again.result.changed == 0 and again.disappeared == ()
            reports.append([(r.result, r.addresses, len(r.merged), len(r.ambiguous), len(r.warnings)) for r in loads])
        assert reports[0] == reports[1] and reports[0][1][1] == (("district", 53), ("none", 1986))
        assert export_tables(stores[0]) == export_tables(stores[1])
        xrefs = [[replace(x, provenance=None) for x in s.xrefs()] for s in stores]
        assert xrefs[0] == xrefs[1]
    finally:
        for s in stores:
            s.close()

"""The bundled demo region: real facts hold, synthetic records are marked and reproducible."""

from __future__ import annotations

import csv
import io
from importlib import resources

from loaders.demo_region import demo_tables
from loaders.generate_demo import demo_synthetic
from loaders.interchange import FILE_BY_NAME
from loaders.load import load_tables

GUIDANCE_DISTRICTS = {"浦东新区", "徐汇区", "长宁区", "普陀区", "宝山区", "闵行区", "嘉定区", "金山区", "松江区", "奉贤区",
                      "青浦区", "临港新片区"}  # the addressees of 沪药监械注〔2024〕25号
NO_STATION = {"黄浦区", "静安区", "虹口区", "杨浦区", "崇明区"}


def test_demo_loads_cleanly(tmp_path):
    from graph import EmbeddedStore

    with EmbeddedStore(tmp_path / "demo.sqlite") as store:
        report = load_tables(store, demo_tables())
        assert report.warnings == () and report.skipped == ()
        assert report.rows > 5000


def test_districts_are_the_sixteen_with_their_codes_and_lingang(demo_store):
    districts = {n.props.get("code"): n.name for n in demo_store.nodes("District")}
    assert sorted(c for c in districts if c) == ["310101", "310104", "310105", "310106", "310107", "310109", "310110",
                                                 "310112", "310113", "310114", "310115", "310116", "310117", "310118",
                                                 "310120", "310151"]
    assert districts["310112"] == "闵行区" and districts[None] == "临港新片区"


def test_stations_follow_the_guidance(demo_store):
    served = {}
    for station in demo_store.nodes("Station"):
        [district] = demo_store.neighbours(station.id, edge_kinds=["SERVES"])
        served.setdefault(district.node.name, []).append(station)
    assert set(served) == GUIDANCE_DISTRICTS
    assert not NO_STATION & set(served)
    assert all(s.props["scope"] == "both" for ss in served.values() for s in ss)
    core = demo_store.get("station:minhang-core")
    assert core.props["type"] == "core" and core.name == "闵行中心"
    parts = demo_store.neighbours("station:minhang-core", edge_kinds=["PART_OF"], direction="in")
    assert [(p.node.id, p.node.kind) for p in parts] == [("station:minhang", "Station")]


def test_hospital_specialties_match_the_fudan_ranking(demo_store, shared_data):
    """Independent check: recompute the 2021 top-10 specialties from the ranking file."""
    with open(shared_data / "fudan-hospital-ranking" / "fudan_ranking_flat.csv", encoding="utf-8-sig") as fh:
        rows = [r for r in csv.DictReader(fh) if r["year"] == "2021" and r["list"] == "specialty_reputation"
                and r["rank"] != "nominated" and int(r["rank"]) <= 10]
    for hospital_id, ranking_name in (("inst:zs-hospital", "复旦大学附属中山医院"), ("inst:huashan", "复旦大学附属华山医院"),
                                      ("inst:ruijin", "上海交通大学医学院附属瑞金医院")):
        expected = {r["department"] for r in rows if r["hospital_name"] == ranking_name}
        assert set(demo_store.get(hospital_id).props["specialties"]) == expected
    assert "心血管病" in demo_store.get("inst:zs-hospital").props["specialties"]


def test_synthetic_records_are_marked(demo_store):
    for kind in ("Enterprise", "Product", "Patent", "KeyProject"):
        nodes = list(demo_store.nodes(kind))
        assert nodes, kind
        for n in nodes:
            assert "（演示）" in n.name, n
            assert n.provenance.source.startswith("biokg-demo/synthetic/"), n
    for patent in demo_store.nodes("Patent"):  # numbers far beyond any published today
        assert patent.id[:4] in ("CN19", "CN29"), patent.id


def test_checked_in_synthetic_files_are_what_the_generator_makes():
    folder = resources.files("loaders") / "demo" / "synthetic"
    fresh = demo_synthetic()
    names = sorted(e.name.removesuffix(".csv") for e in folder.iterdir() if e.name.endswith(".csv"))
    assert names == sorted(k for k, v in fresh.items() if v)
    for name in names:
        columns = [c.name for c in FILE_BY_NAME[name].columns]
        on_disk = list(csv.DictReader(io.StringIO((folder / f"{name}.csv").read_text(encoding="utf-8"), newline="")))
        assert on_disk == [{c: r.get(c, "") for c in columns} for r in fresh[name]], (
            f"{name}.csv differs: run `python -m loaders.generate_demo`")


DISTRICT_NAMES = {"黄浦": "310101", "徐汇": "310104", "长宁": "310105", "静安": "310106", "普陀": "310107",
                  "虹口": "310109", "杨浦": "310110", "闵行": "310112", "宝山": "310113", "嘉定": "310114",
                  "浦东": "310115", "金山": "310116", "松江": "310117", "青浦": "310118", "奉贤": "310120",
                  "崇明": "310151"}


def _readme_districts() -> dict[str, tuple[str, str, str]]:
    """The demo README's table of where each institution is: id -> (district, address, source)."""
    text = (resources.files("loaders") / "demo" / "README.md").read_text(encoding="utf-8")
    section = text.split("## Where each institution is", 1)[1].split("\n## ", 1)[0]
    rows = [line.split(" | ") for line in section.splitlines() if line.startswith("| inst:")]
    return {r[0].removeprefix("| "): (r[1], r[2], r[3].removesuffix(" |")) for r in rows}


def test_every_real_institution_has_a_cited_district():
    """Each row of real/institutions.csv is in the README's table with its source, and its district
    is the one the table gives; the rows the table leaves empty are the only ones without."""
    cited = _readme_districts()
    with (resources.files("loaders") / "demo" / "real" / "institutions.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["id"] for r in rows} == set(cited)
    for r in rows:
        district, _, source = cited[r["id"]]
        assert source, r["id"]
        want = "" if district == "—" else f"district:{DISTRICT_NAMES[district]}"
        assert r["district"] == want, r["id"]
    assert sum(1 for d, _, _ in cited.values() if d == "—") == 6
    assert cited["inst:chest"][0] == "徐汇"  # 淮海西路241号


def test_cited_filings_exist_and_their_addresses_agree(shared_data):
    """Every CFDI filing the table cites is in the official list; where the filed address names a
    district, it is the district the demo gives (an independent check of the table)."""
    with (shared_data / "cfdi-drug-trial-institutions" / "drug_trial_institutions.csv").open(encoding="utf-8") as fh:
        filings = {r["recordNo"]: r for r in csv.DictReader(fh)}
    checked = 0
    for inst, (district, _, source) in _readme_districts().items():
        if "药临床机构备字" not in source:
            continue
        number = "药临床机构备字" + source.split("药临床机构备字", 1)[1][:10]
        filing = filings[number]
        assert filing["areaName"] == "上海市", inst
        first = filing["address"].split("、")[0].split("，")[0].split("/")[0].split("；")[0]
        named = [d for d in DISTRICT_NAMES if d in first]
        if named:
            assert named == [district], (inst, first)
            checked += 1
    assert checked >= 12


def test_drug_gcp_flags_are_the_filings_the_table_cites():
    """A demo hospital's gcp_drug is true exactly when it has a CFDI filing number, and that number is
    the one the README's table cites for it; only hospitals carry one."""
    cited = _readme_districts()
    with (resources.files("loaders") / "demo" / "real" / "institutions.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        filing, source = r["gcp_drug_filing"], cited[r["id"]][2]
        assert (r["gcp_drug"] == "true") == bool(filing), r["id"]
        assert not filing or (r["type"] == "hospital" and f"CFDI {filing}" in source), r["id"]
    assert sum(bool(r["gcp_drug_filing"]) for r in rows) == sum(r["type"] == "hospital" for r in rows) == 24

"""Loading interchange tables: located errors, nothing half written, idempotence, references."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from helpers import uscc

from loaders.load import load_paths, load_tables
from loaders.tables import read_csv, read_xlsx
from ontology import LoadError

GOOD_USCC = uscc("91310112MA1FL1MM2")
BAD_USCC = GOOD_USCC[:-1] + ("0" if GOOD_USCC[-1] != "0" else "1")

REGION = {
    "districts": "id,name,code,type\ndistrict:310112,闵行区,310112,district\ndistrict:310115,浦东新区,310115,\n",
    "parks": "id,name,district,lat,lon,fields\npark:zizhu,紫竹高新区,闵行区,31.02,121.45,抗体药物;细胞治疗\n"
             "park:zj,张江科学城,310115,31.20,121.60,\n",
    "enterprises": "id,name,uscc,district,park,scale,fields,credit,listed,aliases\n"
                   f"ent:a,澜启生物（演示）有限公司,{GOOD_USCC},district:310112,park:zizhu,small,antibody,A,否,澜启\n"
                   "ent:b,示例器械（演示）有限公司,,district:310115,park:zj,medium,器械,B,是,\n",
    "institutions": "id,name,type,district,grade,gcp_drug,gcp_device,specialties\n"
                    "inst:h,示例医院（演示）,hospital,district:310112,三甲,是,否,心血管病;消化病\n",
    "products": "id,name,type,device_class,field,owner,stage,registration_no,innovation_channel,designations\n"
                "prod:1,示例抗体（演示）,drug,,antibody,ent:a,clinical,,,罕见病\n"
                "prod:2,示例支架（演示）,device,III,cardio_implant,ent:b,approved,国械注准20213070123,national,\n",
    "patents": "id,title,ipc,applicants,application_date,status,transferable\n"
               "CN115123456A,一种抗体,C07K16/28;A61P35/00,澜启;某大学,2024/3/5,审中,是\n",
    "stations": "id,name,district,type,scope,parent,site\n"
                "station:core,闵行中心,district:310112,core,both,,\n"
                "station:mh,闵行工作站,district:310112,station,both,station:core,park:zizhu\n",
    "service_records": "id,station,target,date,type,note\n"
                       "sr:1,station:mh,prod:2,2024-06-01,跟踪,\"第一次\n跟踪\"\n"
                       "sr:2,station:mh,ent:a,2024年7月1日,visit,\n",
}


def tables(files: dict[str, str], suffix: str = ".csv"):
    return [read_csv(text.encode("utf-8"), f"{name}{suffix}", name) for name, text in files.items()]


def test_a_region_loads_with_its_edges(store):
    report = load_tables(store, tables(REGION))
    assert report.rows == 14
    c = store.counts()
    assert {k: c.nodes[k] for k in ("District", "Park", "Enterprise", "Institution", "Product", "Patent", "Station")} \
        == {"District": 2, "Park": 2, "Enterprise": 2, "Institution": 1, "Product": 2, "Patent": 1, "Station": 2}
    assert store.get("district:310115").props["type"] == "district"  # default for a blank cell
    park = {n.edge.kind: n.node.id for n in store.neighbours("park:zj", direction="out")}
    assert park == {"IN_DISTRICT": "district:310115"}  # district given by division code
    assert store.get("inst:h").props == {"type": "hospital", "grade": "3A", "gcp_drug": True, "gcp_device": False,
                                         "specialties": ["心血管病", "消化病"]}
    owners = [n.node.id for n in store.neighbours("prod:2", edge_kinds=["OWNS"])]
    assert owners == ["ent:b"]
    assert store.get("prod:1").props["designations"] == ["rare_disease"]
    patent = store.neighbours("CN115123456A", direction="out")
    assert {(n.edge.kind, n.node.id) for n in patent} == {("APPLIED_BY", "ent:a"), ("CLASSIFIED_AS", "field:antibody")}
    assert store.get("CN115123456A").props["applicant_names"] == ["某大学"]
    assert [str(w) for w in report.warnings] == [
        "patents.csv:2:4: warning: applicants: '某大学' matches no organisation; kept as applicant_names"]
    record = store.neighbours("prod:2", edge_kinds=["TRACKS"])[0].edge
    assert record.props == {"id": "sr:1", "date": "2024-06-01", "type": "tracking", "note": "第一次\n跟踪"}
    assert record.provenance.source == "service_records.csv" and record.provenance.row == 2
    assert store.neighbours("station:mh", edge_kinds=["PART_OF"])[0].node.id == "station:core"


def test_loading_twice_changes_nothing(store):
    load_tables(store, tables(REGION))
    before = (list(store.nodes()), list(store.edges()), store.loads())
    again = load_tables(store, tables(REGION))
    assert again.result.changed == 0
    assert (list(store.nodes()), list(store.edges()), store.loads()) == before


def test_one_bad_uscc_writes_nothing_and_is_located(store):
    files = dict(REGION, enterprises=REGION["enterprises"].replace(GOOD_USCC, BAD_USCC))
    before = store.counts()
    with pytest.raises(LoadError) as info:
        load_tables(store, tables(files))
    errors = [str(p) for p in info.value.problems if p.severity == "error"]
    assert errors == [f"enterprises.csv:2:3: uscc: USCC '{BAD_USCC}' fails the GB 32100-2015 check: "
                      f"last character should be '{GOOD_USCC[-1]}'"]
    assert store.counts() == before


def test_all_problems_are_reported_at_once_with_locations(store):
    files = {
        "districts": REGION["districts"],
        "parks": "id,name,district,lat\npark:1,园区一,黄埔区,31.1\npark:1,园区一again,district:310112,91\n",
        "products": "id,name,type,device_class,stage,registration_no\n"
                    "prod:1,X,devise,III,clinicl,\nprod:2,Y,drug,,approved,国械注准20213070123\n",
        "enterprises": "id,name,park\nent:1,E,park:nowhere\nent:2,F,district:310112\n",
        "key_projects": "id,name,level,product\nkp:1,K,国家级,prod:2\n",
        "service_records": "id,station,target,date\nsr:1,station:none,ent:1,2024-02-30\n",
    }
    with pytest.raises(LoadError) as info:
        load_tables(store, tables(files))
    errors = [str(p) for p in info.value.problems if p.severity == "error"]
    assert errors == sorted(errors)
    assert errors == [
        "enterprises.csv:2:3: park: no Park with id 'park:nowhere'",
        "enterprises.csv:3:3: park: 'district:310112' is a District, expected Park",
        "parks.csv:2:3: district: no District named '黄埔区'",
        "parks.csv:3:1: duplicate id 'park:1' (first defined at parks.csv:2)",
        "parks.csv:3:4: lat: 91.0 is outside -90..90",
        "products.csv:2:3: type: 'devise' is not a valid product type (one of drug, device, ivd); did you mean 'device'?",
        "products.csv:2:5: stage: 'clinicl' is not a valid product stage (one of research, preclinical, clinical, "
        "submitted, approved); did you mean 'clinical'?",
        "products.csv:3:6: registration_no: registration number '国械注准20213070123' is a device number but the "
        "product is a drug",
        "service_records.csv:1: required column(s) missing: type (columns of service_records: id, station, target, "
        "date, type, note)",
    ]


def test_skip_invalid_writes_the_rest_and_cascades(store):
    files = dict(REGION, parks=REGION["parks"].replace("park:zj,张江科学城,310115,31.20", "park:zj,张江科学城,310115,310"))
    report = load_tables(store, tables(files), skip_invalid=True)
    assert store.get("park:zj") is None
    assert store.get("ent:b") is None  # in the skipped park
    assert store.get("prod:2") is None  # owned by the skipped enterprise
    assert store.get("ent:a") is not None and store.get("prod:1") is not None
    skipped = [str(p) for p in report.skipped]
    assert "parks.csv:3:4: lat: 310.0 is outside -90..90" in skipped
    assert any(s.startswith("enterprises.csv:3:5: skipped: park: 'park:zj' refers to a skipped row") for s in skipped)
    assert any(s.startswith("products.csv:3:6: skipped: owner: 'ent:b'") for s in skipped)


def test_reloading_a_changed_row_replaces_its_edges(store):
    load_tables(store, tables(REGION))
    moved = REGION["enterprises"].replace("district:310112,park:zizhu,small,antibody", "district:310112,,small,")
    result = load_tables(store, tables({"enterprises": moved})).result
    assert store.neighbours("ent:a", edge_kinds=["LOCATED_IN", "IN_FIELD"]) == []
    assert result.edges_deleted == 2 and result.nodes_unchanged == 2


def test_later_loads_refer_to_what_is_stored(store):
    load_tables(store, tables(REGION))
    more = {"service_records": "id,station,target,date,type\nsr:9,station:mh,inst:h,2024-08-01,consultation\n"}
    report = load_tables(store, tables(more))
    assert report.result.edges_created == 1
    bad = {"service_records": "id,station,target,date,type\nsr:10,station:mh,district:310112,2024-08-01,visit\n"}
    with pytest.raises(LoadError, match="'district:310112' is a District, expected Enterprise or Product"):
        load_tables(store, tables(bad))


def test_duplicate_records_and_ids_clashing_with_the_store(store):
    load_tables(store, tables(REGION))
    dup = {"service_records": "id,station,target,date,type\nsr:1,station:mh,ent:b,2024-08-01,visit\n"
                              "sr:1,station:mh,ent:a,2024-08-02,visit\n",
           "parks": "id,name,district\nent:a,园区,district:310112\n"}
    with pytest.raises(LoadError) as info:
        load_tables(store, tables(dup))
    errors = [str(p) for p in info.value.problems if p.severity == "error"]
    assert errors == ["parks.csv:2:1: id 'ent:a' already exists in the store as an Enterprise",
                      "service_records.csv:2: record id 'sr:1' already exists in the store for station:mh -> "
                      "prod:2; give this record a new id",
                      "service_records.csv:3: duplicate record id 'sr:1' (first at service_records.csv:2)"]


def test_chinese_headers_file_names_and_unknown_columns(store):
    files = {
        "区县": "编号,名称,区划代码\ndistrict:310112,闵行区,310112\n",
        "园区": "编号,名称,所属区,领域,备用列\npark:x,星火园区,闵行区,基因治疗,xyz\n",
        "readme": "text\nhello\n",
    }
    report = load_tables(store, tables(files))
    assert [n.node.id for n in store.neighbours("park:x", edge_kinds=["IN_FIELD"])] == ["field:gene_therapy"]
    assert sorted(str(w) for w in report.warnings) == [
        "readme.csv: warning: not an interchange table (expected one of districts, subdistricts, parks, enterprises, "
        "institutions, products, patents, stations, service_points, key_projects, capabilities, collaborations, "
        "trials, rankings, service_records); ignored",
        "园区.csv:1:5: warning: column '备用列' is not part of parks; ignored",
    ]


def test_capabilities_pick_their_edge_kind(store):
    load_tables(store, tables(REGION))
    caps = {"capabilities": "org,direction,segment,field\nent:a,provides,drug.clinical,antibody\n"
                            "ent:a,需求,原料药,\ninst:h,提供,segment:drug.clinical,\n"}
    load_tables(store, tables(caps))
    got = sorted((n.edge.kind, n.node.id, n.edge.props.get("field")) for n in store.neighbours("ent:a", direction="out",
                                                                                                 node_kinds=["Segment"]))
    assert got == [("NEEDS", "segment:drug.api", None), ("PROVIDES", "segment:drug.clinical", "field:antibody")]


def test_xlsx_book_loads_like_the_csv_folder(store, tmp_path):
    load_tables(store, tables(REGION))
    expected = (list(store.nodes()), [(e.kind, e.src, e.dst, dict(e.props)) for e in store.edges()])
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, text in REGION.items():
        sheet = book.create_sheet(name)
        for row in read_csv(text.encode(), name).header, *[cells for _, cells in read_csv(text.encode(), name).rows]:
            sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    from graph import EmbeddedStore

    other = EmbeddedStore(tmp_path / "xlsx.sqlite")
    report = load_tables(other, read_xlsx(buf.getvalue(), "region.xlsx"))
    assert report.rows == 14
    got_edges = [(e.kind, e.src, e.dst, dict(e.props)) for e in other.edges()]
    assert [(n.id, n.kind, n.name, dict(n.props)) for n in other.nodes()] == \
        [(n.id, n.kind, n.name, dict(n.props)) for n in expected[0]]
    assert got_edges == expected[1]
    assert other.get("prod:1").provenance.source == "region.xlsx[products]"
    other.close()


def test_load_paths_reads_folders_and_reports_every_broken_file(store, tmp_path):
    (tmp_path / "districts.csv").write_text(REGION["districts"], encoding="gb18030")
    (tmp_path / "parks.csv").write_bytes(b"id,name,district\npark:1,\xff\xfe\xfa\xfb,x\n")
    (tmp_path / "notes.md").write_text("ignored", encoding="utf-8")
    with pytest.raises(LoadError) as info:
        load_paths(store, [tmp_path])
    assert [p.location.file for p in info.value.problems] == [str(tmp_path / "parks.csv")]
    with pytest.raises(LoadError, match="no such file or folder"):
        load_paths(store, [Path(tmp_path / "missing")])


def test_a_record_id_cannot_move_to_another_target(store):
    load_tables(store, tables(REGION))
    moved = {"service_records": "id,station,target,date,type\nsr:1,station:mh,ent:b,2024-06-01,tracking\n"}
    with pytest.raises(LoadError) as info:
        load_tables(store, tables(moved))
    assert [str(p) for p in info.value.problems] == [
        "service_records.csv:2: record id 'sr:1' already exists in the store for station:mh -> prod:2; "
        "give this record a new id"]
    same = {"service_records": "id,station,target,date,type\nsr:1,station:mh,prod:2,2024-06-02,tracking\n"}
    assert load_tables(store, tables(same)).result.edges_updated == 1  # same record, new date


# --- addresses fill an empty district (loaders/address.py) ---------------------------------------------------

ADDRESSED = {
    "districts": "id,name,code,type,province,aliases\n"
                 "district:310101,黄浦区,310101,district,上海,黄浦\ndistrict:310106,静安区,310106,district,上海,静安\n"
                 "district:310113,宝山区,310113,district,上海,宝山\n",
    "subdistricts": "id,name,code,district\nsubdistrict:310113101,罗店镇,310113101,宝山区\n",
    "enterprises": "id,name,注册地址,district\n"
                   "ent:1,甲（演示）,上海市卢湾区重庆南路149号,\n"           # a former district
                   "ent:2,乙（演示）,上海市 罗店镇罗溪路１２１号,\n"          # a town of the load, spaces, full width
                   "ent:3,丙（演示）,上海市宝山路778号,\n"                 # a road: no district
                   "ent:4,丁（演示）,上海市宝山区罗店镇,静安区\n",          # a district given: the address is kept only
    "parks": "id,name,address\npark:1,园（演示）,上海市静安区某路1号\n",   # no district column at all
}


def test_an_address_fills_an_empty_district_and_says_how(store):
    report = load_tables(store, tables(ADDRESSED))
    district = {e: [n.node.id for n in store.neighbours(e, edge_kinds=["IN_DISTRICT"])]
                for e in ("ent:1", "ent:2", "ent:3", "ent:4", "park:1")}
    assert district == {"ent:1": ["district:310101"], "ent:2": ["district:310113"], "ent:3": [],
                        "ent:4": ["district:310106"], "park:1": ["district:310106"]}
    assert [str(p) for p in report.warnings] == [  # in load order: parks before enterprises
        "parks.csv:2:3: warning: district: 静安区, placed by the address, which names 静安区",
        "enterprises.csv:2:3: warning: district: 黄浦区, placed by the address, which names 卢湾区, a former district "
        "merged into 黄浦区 in 2011",
        "enterprises.csv:3:3: warning: district: 宝山区, placed by the address, which names 罗店镇, a subdistrict of 宝山区",
        "enterprises.csv:4:3: warning: district: none; the address names no district",
    ]
    assert store.get("ent:2").props["address"] == "上海市 罗店镇罗溪路１２１号"  # kept as written
    again = load_tables(store, tables(ADDRESSED))
    assert again.result.changed == 0


def test_a_park_whose_address_names_no_district_is_an_error_and_nothing_is_written(store):
    files = {**ADDRESSED, "parks": "id,name,address\npark:1,园（演示）,上海市某路1号\npark:2,园二（演示）,\n"}
    before = store.counts()
    with pytest.raises(LoadError) as info:
        load_tables(store, tables(files))
    assert [str(p) for p in info.value.problems if p.severity == "error"] == [
        "parks.csv:2:3: district is required, and the address names no district",
        "parks.csv:3:3: district is required (or an address that names one)",
    ]
    assert store.counts() == before
    check = load_tables(store, tables({**ADDRESSED}), check=True)  # check finds what load finds, writes nothing
    assert len(check.warnings) == 4 and store.counts() == before

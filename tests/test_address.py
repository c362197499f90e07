"""Addresses to districts (loaders/address.py): real addresses of the CFDI filing list
(../shared/data/cfdi-drug-trial-institutions), each answer derived by hand from the address and the
division codes (../shared/data/cn-admin-divisions/areas.csv, streets.csv); and the properties that
must hold for any address."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loaders.address import FORMER, District, Divisions, Town, place

# A hand-built Shanghai: the districts and towns the cases below need, as areas.csv and streets.csv
# give them (310101 黄浦区 … 310117 松江区; 310113101 罗店镇 …).
SHANGHAI = [District(f"district:{code}", name, (short,), "上海", code=code) for code, name, short in (
    ("310101", "黄浦区", "黄浦"), ("310104", "徐汇区", "徐汇"), ("310105", "长宁区", "长宁"), ("310106", "静安区", "静安"),
    ("310107", "普陀区", "普陀"), ("310109", "虹口区", "虹口"), ("310110", "杨浦区", "杨浦"), ("310112", "闵行区", "闵行"),
    ("310113", "宝山区", "宝山"), ("310114", "嘉定区", "嘉定"), ("310115", "浦东新区", "浦东"), ("310116", "金山区", "金山"),
    ("310117", "松江区", "松江"),
)]
TOWNS = [Town(f"subdistrict:{code}", name, f"district:{code[:6]}") for code, name in (
    ("310113101", "罗店镇"), ("310115104", "高桥镇"), ("310115132", "周浦镇"), ("310115136", "康桥镇"),
    ("310117103", "佘山镇"), ("310116101", "朱泾镇"), ("310114004", "嘉定镇街道"), ("310105002", "江苏路街道"),
    ("310104004", "湖南路街道"),
)]
HAND = Divisions.of(SHANGHAI, TOWNS)


def _d(code: str) -> str:
    return f"district:{code}"


# (address as filed, or as noted, district, how, others): answers by hand
CASES = [
    # 上海市肺科医院, 药临床机构备字2019000080: the district named
    ("上海市杨浦区政民路507号", _d("310110"), "district", ()),
    # 上海国际医学中心: 上海 without 市, the district, then a town of it
    ("上海浦东新区康桥镇康新公路4358号1号楼、2号楼", _d("310115"), "district", ()),
    # 上海市第七人民医院: district and town agree
    ("上海市浦东新区高桥镇大同路358号", _d("310115"), "district", ()),
    # 复旦大学附属妇产科医院: two campuses; the first (杨浦院区) is the main one, 黄浦 is kept
    ("上海市杨浦区沈阳路128号（杨浦院区）；上海市黄浦区方斜路419号、大林路358号（3-5层）、方斜路566号、肇周路413号、"
     "方斜路588号（黄浦院区建筑集群）", _d("310110"), "district", (_d("310101"),)),
    # 复旦大学附属中山医院: four campuses, the first names no district; the third is in 松江
    ("上海市枫林路180号/斜土路1609号/松江区佘山镇刘家山村456号/医学院路111号", None, "none", (_d("310117"),)),
    # 复旦大学附属肿瘤医院: the first campus (东安路, 徐汇) names none; a later one names 浦东: no guess
    ("上海市东安路270号，上海市浦东新区康新公路4333号", None, "none", (_d("310115"),)),
    # 上海中医药大学附属曙光医院: two campuses, no district named
    ("上海市普安路185号、上海市张衡路528号", None, "none", ()),
    # 上海市第十人民医院: a road, no district
    ("上海市延长中路301号", None, "none", ()),
    # The list names no former district in an address; these are filed addresses written with the
    # district of their day: 瑞金医院卢湾分院 (重庆南路149号, 卢湾 until 2011), 闸北中心医院 (中华新路619号,
    # 闸北 until 2015), 周浦医院 (南汇 until 2009; its town agrees)
    ("上海市卢湾区重庆南路149号，重庆南路182号", _d("310101"), "former", ()),
    ("上海市闸北区中华新路619号", _d("310106"), "former", ()),
    ("上海市南汇区周浦镇周园路1500号", _d("310115"), "former", ()),
    # and with the district left out: the town places them (上海市宝山区罗店医院, 上海市第七人民医院,
    # 上海市第六人民医院金山分院)
    ("上海市罗店镇罗溪路121号", _d("310113"), "subdistrict", ()),
    ("上海市高桥镇大同路358号", _d("310115"), "subdistrict", ()),
    # a short form opening a road is no district: 宝山路 is in 静安, 浦东南路 a road of 浦东
    ("上海市宝山路778号", None, "none", ()),
    ("上海市浦东南路1118号", None, "none", ()),
    ("上海市浦东即墨路150号", _d("310115"), "district", ()),
    # another province: its 普陀区 is not Shanghai's
    ("浙江省舟山市普陀区东港街道", None, "none", ()),
    # a district name and a town of another district disagree
    ("上海市徐汇区罗店镇", None, "ambiguous", ()),
    # a second campus in brackets after a site that names its district (written in the list's manner)
    ("上海市徐汇区宛平南路600号(闵行区沪闵路3210号)", _d("310104"), "district", (_d("310112"),)),
    # roads and streets named after provinces and cities are no province (江苏路街道 is in 长宁, 北京西路 in 静安)
    ("上海市江苏路街道愚园路1号", _d("310105"), "subdistrict", ()),
    ("上海市北京西路1号静安区", _d("310106"), "district", ()),
    ("上海市湖南路街道", _d("310104"), "subdistrict", ()),
    # a city or county of elsewhere, whatever district or town names follow (双鸭山市宝山区, 黑龙江; 信丰县嘉定镇, 江西)
    ("双鸭山市宝山区新兴大街", None, "none", ()),
    ("黑龙江省双鸭山市宝山区新兴大街", None, "none", ()),
    ("黑龙江省宝山区", None, "none", ()),
    ("信丰县嘉定镇安康路", None, "none", ()),
    ("上海市嘉定区嘉定镇城北路1号", _d("310114"), "district", ()),
    ("上海市嘉定镇城北路1号", _d("310114"), "subdistrict", ()),
]


@pytest.mark.parametrize(("address", "district", "how", "others"), CASES)
def test_real_addresses_by_hand(address, district, how, others):
    found = place(address, HAND)
    assert (found.district, found.how, found.others) == (district, how, others)


def test_a_district_takes_its_province_from_its_record_or_its_code():
    """The demo's districts.csv names no province: the division codes (31…) say 上海, and 临港新片区, which has
    none, is in the province all the others are in; a province written 上海市 is 上海."""
    from loaders.address import district_of

    demo = Divisions.of([district_of("district:310107", "普陀区", {"code": "310107", "aliases": ["普陀"]}),
                         district_of("district:lingang", "临港新片区", {"aliases": ["临港"]}),
                         district_of("district:310106", "静安区", {"code": "310106", "province": "上海市"})])
    assert {d.province for d in demo.districts.values()} == {"上海"}
    assert place("普陀区东港街道", demo, "浙江省").how == "none"  # not Shanghai's 普陀区
    assert place("上海市静安区某路1号", demo).district == place("静安区某路1号", demo).district == "district:310106"
    assert place("上海市临港新片区环湖西二路888号", demo).district == "district:lingang"


def test_the_province_a_record_gives_reads_an_address_that_names_none():
    zhoushan = Divisions.of([*SHANGHAI, District("district:330903", "普陀区", ("普陀",), "浙江", "舟山市", "330903")])
    assert place("普陀区东港街道", zhoushan).how == "ambiguous"  # Shanghai's or Zhoushan's
    assert place("普陀区东港街道", zhoushan, "浙江省").district == "district:330903"
    assert place("普陀区兰溪路164号", zhoushan, "上海").district == "district:310107"
    assert place("上海市普陀区兰溪路164号", zhoushan, "浙江").district == "district:310107"  # the address says


def test_the_result_says_how():
    assert place("上海市卢湾区重庆南路149号", HAND).note == "names 卢湾区, a former district merged into 黄浦区 in 2011"
    assert place("上海市罗店镇罗溪路121号", HAND).note == "names 罗店镇, a subdistrict of 宝山区"
    assert place("上海市徐汇区罗店镇", HAND).candidates == ("徐汇区", "宝山区")
    assert all(f.source.strip() and f.year for f in FORMER)  # each former district with its source


# --- every province: the divisions file read here by this test's own reader ------------------------------------


@pytest.fixture(scope="module")
def china(shared_data: Path) -> Divisions:
    folder = shared_data / "cn-admin-divisions"

    def rows(name):
        with (folder / name).open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    provinces = {r["code"]: re.sub("(壮族自治区|回族自治区|维吾尔自治区|自治区|省|市)$", "", r["name"])
                 for r in rows("provinces.csv")}
    cities = {r["code"]: r["name"] for r in rows("cities.csv")}
    districts = []
    for r in rows("areas.csv"):
        city = cities[r["cityCode"]]
        short = (re.sub("(新区|区)$", "", r["name"]),) if re.fullmatch(".{2,}区", r["name"]) else ()
        districts.append(District(f"district:{r['code']}", r["name"], short, provinces[r["provinceCode"]],
                                  None if city in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划") else city,
                                  r["code"]))
    towns = [Town(f"subdistrict:{r['code']}", r["name"], f"district:{r['areaCode']}") for r in rows("streets.csv")]
    return Divisions.of(districts, towns)


NATIONAL = [
    # (the row's province, its address as filed): district, how, others
    # 首都医科大学附属北京地坛医院: 北京's 朝阳区, not a district of 辽宁's 朝阳市
    ("北京市", "北京市朝阳区京顺东街8号", _d("110105"), "district", ()),
    # 长春中医药大学附属医院: the address names the city, the row the province
    ("吉林省", "长春市朝阳区工农大路1478号", _d("220104"), "district", ()),
    # 南京医科大学眼科医院: 南京's 鼓楼区, not 徐州's
    ("江苏省", "江苏省南京市鼓楼区汉中路138号", _d("320106"), "district", ()),
    # 福建医科大学孟超肝胆医院: two campuses of 福州, the city carried to the second
    ("福建省", "福州市仓山区建新镇金塘路66号、福州市鼓楼区西洪路312号", _d("350104"), "district", (_d("350102"),)),
    # 长沙市第三医院: 中国 and the province written twice
    ("湖南省", "中国湖南省长沙市天心区劳动西路176号", _d("430103"), "district", ()),
    # 会同县人民医院: only the town; 林城镇 (431225100) is 会同县's, the other 林城镇 is in 浙江
    ("湖南省", "林城镇改河街208号", _d("431225"), "subdistrict", ()),
    # 东莞市松山湖中心医院: 东莞 has no districts; of the ten 石龙镇 one is 东莞's
    ("广东省", "广东省东莞市石龙镇祥龙路1号", _d("441900"), "subdistrict", ()),
    # 新疆维吾尔自治区人民医院白鸟湖医院: the bracket says where the 开发区 is
    ("新疆维吾尔自治区", "乌鲁木齐市经济技术开发区（头屯河区）韶山街北巷100号", _d("650106"), "district", ()),
    # 吉林市: a city named like its province
    ("吉林省", "吉林省吉林市龙潭区遵义东路52号", _d("220203"), "district", ()),
    # 泽州县人民医院: 晋城市城区, and 泽州县 in the hospital's name: two districts, no guess
    ("山西省", "山西省晋城市城区新市西街317号泽州县人民医院", None, "ambiguous", ()),
    # no province, no city: four districts are called 鼓楼区
    ("", "鼓楼区中山路321号", None, "ambiguous", ()),
]


@pytest.mark.parametrize(("province", "address", "district", "how", "others"), NATIONAL)
def test_real_addresses_of_every_province(china, province, address, district, how, others):
    found = place(province + address, china)
    assert (found.district, found.how, found.others) == (district, how, others)


# --- properties ---------------------------------------------------------------------------------------------

ADDRESSES = [c[0] for c in CASES]
PREFIXES = ["", "上海市", "上海", "中国上海市", "中国上海", "上海市上海市"]
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@st.composite
def respelled(draw, addresses=ADDRESSES):
    """An address with a Shanghai prefix added, spaces put anywhere and digits made full-width."""
    address = draw(st.sampled_from(addresses))
    text = draw(st.sampled_from(PREFIXES)) + address
    if draw(st.booleans()):
        text = text.translate(_FULL_WIDTH)
    spots = draw(st.lists(st.integers(0, len(text)), max_size=5))
    for spot in sorted(spots, reverse=True):
        text = text[:spot] + draw(st.sampled_from([" ", "\u3000", "\t", "  "])) + text[spot:]
    return address, text


@settings(max_examples=300, deadline=None)
@given(respelled())
def test_a_prefix_spaces_or_full_width_digits_never_change_the_answer(pair):
    address, text = pair
    assert place(text, HAND) == place(address, HAND)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="上海市浦东新区黄浦卢湾罗店镇路号、，/ 0123456789（）", max_size=40))
def test_any_text_gets_an_answer_and_never_a_district_it_does_not_name(text):
    found = place(text, HAND)
    assert found.how in ("district", "former", "subdistrict", "none", "ambiguous")
    if found.district is not None:
        named = HAND.districts[found.district]
        folded = "".join(text.split())
        assert named.name in folded or any(a in folded for a in named.aliases) or found.how != "district"
        assert found.matched in folded


def test_a_province_given_or_written_is_the_same_answer_for_every_filing(china, shared_data):
    """The mapping writes a row's province before its address, the interchange path passes the record's
    province: for each of the 2,039 filings both answer alike (and so with the province written twice)."""
    with (shared_data / "cfdi-drug-trial-institutions" / "drug_trial_institutions.csv").open(encoding="utf-8") as fh:
        filings = list(csv.DictReader(fh))
    for r in filings:
        province, address = r["areaName"].strip(), r["address"]
        written = place(province + address, china)
        assert place(address, china, province) == written == place(province + province + address, china), address


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_spaces_and_full_width_digits_never_change_an_answer_anywhere(china, data):
    province, address, *_ = data.draw(st.sampled_from(NATIONAL))
    text = address.translate(_FULL_WIDTH) if data.draw(st.booleans()) else address
    for spot in sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=4)), reverse=True):
        text = text[:spot] + " " + text[spot:]
    assert place(province + text, china) == place(province + address, china)


def test_doctests():
    import doctest

    import loaders.address
    import ontology.identifiers
    import ontology.segments

    for module in (loaders.address, ontology.identifiers, ontology.segments):
        assert doctest.testmod(module).failed == 0

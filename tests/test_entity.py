"""Entity resolution: what names say, when two records are one organisation, and the decisions the
index makes (merge only a clear best match, report ambiguity)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loaders.entity.evaluate import evaluate, read_pairs
from loaders.entity.index import EntityIndex
from loaders.entity.match import Entity, compare
from loaders.entity.names import company_name, fold, generic, institution_name

PAIRS = Path(__file__).parent / "data" / "resolution_pairs.csv"


def org(name: str, *aliases: str, id_: str | None = None, province: str | None = None, uscc: str | None = None):
    return Entity(id_ or name, "Enterprise", (name, *aliases), None, province, uscc)


def inst(name: str, *aliases: str, id_: str | None = None, type_: str = "hospital", province: str | None = None):
    return Entity(id_ or name, "Institution", (name, *aliases), type_, province)


# --- what names say -------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "core", "places", "legal"), [
    ("上海君实生物医药科技股份有限公司", "君实生物医药科技", {"上海"}, "股份有限公司"),
    ("迈威（上海）生物科技股份有限公司", "迈威生物科技", {"上海"}, "股份有限公司"),
    ("迈威(上海)生物科技股份有限公司", "迈威生物科技", {"上海"}, "股份有限公司"),
    ("康龙化成（北京）新药技术股份有限公司", "康龙化成新药技术", {"北京"}, "股份有限公司"),
    ("上海复星医药（集团）股份有限公司", "复星医药", {"上海"}, "股份有限公司"),
    ("上海医药集团股份有限公司", "上海医药", set(), "集团股份有限公司"),  # the place is the brand here
    ("江苏豪森药业集团有限公司", "豪森药业", {"江苏"}, "集团有限公司"),
    ("君实生物-U", "君实生物", set(), None),
    ("*ST国华", "国华", set(), None),
    ("C德力佳", "德力佳", set(), None),
    ("泰邦生物(退市)", "泰邦生物", set(), None),
    ("Almac Pharma Services Limited", "almacpharmaservices", set(), "limited"),
])
def test_company_names_come_apart(name, core, places, legal):
    c = company_name(name)
    assert (c.core, set(c.places), c.legal) == (core, places, legal)


def test_a_branch_is_marked_and_keeps_its_whole_name():
    c = company_name("珠海联邦制药股份有限公司中山分公司")
    assert c.branch and c.legal is None and c.core.endswith("中山分公司")


@pytest.mark.parametrize(("name", "parent", "place", "core", "suffix"), [
    ("复旦大学附属中山医院", "复旦大学", None, "中山", "医院"),
    ("中山医院", None, None, "中山", "医院"),
    ("上海交通大学医学院附属第九人民医院", "上海交通大学", None, "第九人民", "医院"),
    ("上海市第一人民医院", None, "上海", "第一人民", "医院"),
    ("西安交通大学医学院第一附属医院", "西安交通大学", None, "第一", "医院"),
    ("海军军医大学第一附属医院", "海军军医大学", None, "第一", "医院"),
    ("第二军医大学长海医院", "海军军医大学", None, "长海", "医院"),  # the university's name now
    ("上海第二医科大学附属瑞金医院", "上海交通大学", None, "瑞金", "医院"),
    ("上海市（复旦大学附属）公共卫生临床中心", "复旦大学", "上海", "公共卫生临床", "中心"),
    ("上海交通大学医学院附属上海儿童医学中心", "上海交通大学", "上海", "儿童", "医学中心"),
    ("中国人民解放军北部战区总医院", None, None, "北部战区总", "医院"),  # 中国人民解放军 before a theatre is dropped
])
def test_hospital_names_come_apart(name, parent, place, core, suffix):
    h = institution_name(name)
    assert h.hospital and (h.parent, h.place, h.core, h.suffix) == (parent, place, core, suffix)


def test_bracketed_and_joined_other_names_are_alternates():
    h = institution_name("上海市东方医院（同济大学附属东方医院）")
    assert h.main == "上海市东方医院" and h.alternates == ("同济大学附属东方医院",)
    assert institution_name("武汉市第三医院暨武汉大学附属同仁医院").alternates == ("武汉大学附属同仁医院",)
    assert institution_name("浙江农林大学暨阳学院").alternates == ()  # 暨阳 is a name, not "also"
    assert institution_name("山东第一医科大学附属肿瘤医院（山东省肿瘤防治研究院、山东省肿瘤医院）").alternates == (
        "山东省肿瘤防治研究院", "山东省肿瘤医院")


@pytest.mark.parametrize(("core", "expected"), [
    ("第一人民", True), ("肿瘤", True), ("口腔", True), ("中医", True), ("中山", False), ("瑞金", False),
    ("徐汇区中心", False), ("长海", False),
])
def test_generic_hospital_cores(core, expected):
    assert generic(core) is expected


_CJK = st.text(alphabet="复旦大学附属中山医院上海市（）()有限公司 　Ａａ", max_size=20)


@settings(max_examples=300, deadline=None)
@given(_CJK)
def test_folding_is_idempotent_and_ignores_width_and_brackets(text):
    assert fold(fold(text)) == fold(text)
    assert fold(text.replace("（", "(").replace("）", ")")) == fold(text)
    cjk = text.replace("Ａ", "").replace("ａ", "")  # spaces between Latin words are kept (as one)
    assert fold(cjk) == fold(cjk.replace(" ", "").replace("　", ""))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["复旦大学附属中山医院", "上海君实生物医药科技股份有限公司", "中国科学院上海药物研究所"]),
       st.sampled_from(["", " ", "　"]))
def test_a_name_always_matches_its_own_variants(name, pad):
    variant = pad + name.replace("(", "（") + pad
    kind = "Enterprise" if name.endswith("公司") else "Institution"
    found = compare(Entity("a", kind, (name,)), Entity("b", kind, (variant,)))
    assert found is not None and found.rule == "name"


# --- when two records are one -----------------------------------------------------------------------------

@pytest.mark.parametrize(("a", "b", "rule"), [
    (org("君实生物-U", province="上海"), org("上海君实生物医药科技股份有限公司"), "short_name"),
    (org("复星医药", province="上海"), org("上海复星医药（集团）股份有限公司"), "normalised"),
    (org("君实生物"), org("君实生物-U", province="上海"), "normalised"),
    (org("x", uscc="91310115MA1H8A9X1L"), org("y", uscc="91310115MA1H8A9X1L"), "uscc"),
    (inst("复旦大学附属中山医院"), inst("中山医院"), "hospital_core"),
    (inst("上海市同济医院"), inst("同济大学附属同济医院"), "hospital_core"),
    (inst("北京大学第一医院"), inst("北京医科大学第一医院"), "hospital_qualified"),
    (inst("中国医学大学附属盛京医院"), inst("中国医科大学附属盛京医院"), "fuzzy"),
    (inst("中国科学院上海药物研究所", type_="research_institute"), inst("上海药物研究所", type_="research_institute"),
     "parent"),
    (inst("上海市胸科医院"), inst("上海市胸科医院（暨上海交通大学附属胸科医院）"), "name"),
    (org("BioDuro LLC"), org("BioDuro, LLC"), "name"),
    (org("Kinnjiu Biopharma Limited"), org("Kinnjiu Biopharma Ltd."), "normalised"),
])
def test_matches_and_their_rules(a, b, rule):
    assert compare(a, b).rule == rule
    assert compare(b, a).rule == rule  # symmetric


@pytest.mark.parametrize(("a", "b"), [
    (org("恒瑞医药", province="江苏"), org("上海恒瑞医药有限公司")),  # a regional subsidiary
    (org("先声药业"), org("江苏先声药业有限公司")),  # a place-named company needs a short name with a known place
    (org("复星医药", province="上海"), org("上海复星医药产业发展有限公司")),
    (org("x", uscc="91310115MA1H8A9X1L"), org("x", uscc="91310000132200821H")),  # same name, two USCCs
    (org("珠海联邦制药股份有限公司中山分公司"), org("珠海联邦制药股份有限公司")),
    (inst("复旦大学附属中山医院"), inst("厦门大学附属中山医院")),
    (inst("中山医院", "复旦大学附属中山医院"), inst("厦门大学附属中山医院")),  # an alias cannot lift a veto
    (inst("上海市同济医院"), inst("华中科技大学同济医学院附属同济医院")),  # Wuhan
    (inst("南京医科大学附属口腔医院"), inst("南京市口腔医院")),  # a generic core needs the same qualifier
    (inst("上海市儿童医院"), inst("上海交通大学医学院附属上海儿童医学中心")),
    (inst("复旦大学", type_="university"), inst("复旦大学附属中山医院")),
    (inst("浙江工业大学", type_="university"), inst("浙江工商大学", type_="university")),
    (inst("黔南民族职业技术学院", type_="university"), inst("黔东南民族职业技术学院", type_="university")),
    (org("上海医药"), inst("上海医药工业研究院", type_="research_institute")),
    (inst("复旦大学附属中山医院", province="上海"), inst("复旦大学附属中山医院", province="福建")),
])
def test_conflicts_veto_a_match(a, b):
    assert compare(a, b) is None and compare(b, a) is None


# --- decisions of the index -------------------------------------------------------------------------------

def test_one_clear_match_merges_and_the_names_it_brings_count_later():
    index = EntityIndex([inst("复旦大学附属中山医院", "中山医院", id_="inst:zs"), inst("复旦大学附属华山医院", id_="inst:hs")])
    decision = index.resolve(inst("中山医院", id_="site:1"))
    assert (decision.status, decision.node, decision.rule) == ("merged", "inst:zs", "name")
    index.alias("inst:zs", ["Zhongshan Hospital"])
    assert index.resolve(inst("Zhongshan Hospital", id_="x")).node == "inst:zs"


def test_two_matching_nodes_are_ambiguous_and_nothing_merges():
    index = EntityIndex([inst("复旦大学附属中山医院", id_="inst:zs"), inst("厦门大学附属中山医院", id_="inst:xm")])
    decision = index.resolve(inst("中山医院", id_="site:1"))
    assert decision.status == "ambiguous" and decision.node is None
    assert decision.candidates == ("inst:xm", "inst:zs")


def test_a_better_rule_wins_over_a_weaker_one():
    index = EntityIndex([org("君实生物", id_="a", province="上海"),
                         org("上海君实生物医药科技股份有限公司", id_="b")])
    decision = index.resolve(org("君实生物", id_="x", province="上海"))
    assert (decision.status, decision.node, decision.rule) == ("merged", "a", "name")


def test_a_shared_uscc_merges_whatever_the_names():
    index = EntityIndex([org("上海君实生物医药科技股份有限公司", id_="a", uscc="91310000MA1FL1MM2T"),
                         org("君实生物", id_="b", province="上海")])
    decision = index.resolve(org("JS Pharma", id_="x", uscc="91310000MA1FL1MM2T"))
    assert (decision.status, decision.node, decision.rule) == ("merged", "a", "uscc")


def test_nothing_alike_is_new_and_excluded_nodes_are_not_candidates():
    index = EntityIndex([inst("复旦大学附属中山医院", id_="inst:zs")])
    assert index.resolve(inst("北京协和医院", id_="x")).status == "new"
    assert index.resolve(inst("中山医院", id_="x"), exclude=["inst:zs"]).status == "new"


# --- the labelled set -----------------------------------------------------------------------------------------

def test_labelled_pairs_meet_the_precision_and_recall_goals():
    """At least 150 hand-labelled pairs of names from the real datasets (tests/data/resolution_pairs.csv);
    the goals of the issue: precision >= 0.99, recall >= 0.90 (the figures are in BENCHMARKS.md)."""
    rows = read_pairs(PAIRS.read_text(encoding="utf-8"))
    assert len(rows) >= 150
    assert sum(r["same"] == "1" for r in rows) >= 60 and sum(r["same"] == "0" for r in rows) >= 60
    result = evaluate(rows)
    wrong = [f"{o.pair['a']} | {o.pair['b']} ({'merged' if o.predicted else 'missed'})" for o in result.errors()]
    assert result.precision >= 0.99, wrong
    assert result.recall >= 0.90, wrong


HOLDOUT = Path(__file__).parent / "data" / "resolution_pairs_holdout.csv"


def test_pairs_labelled_after_the_rules_meet_the_goals():
    """The held-out set (issue 12): at least 100 pairs from the real datasets, labelled before the
    rules were changed for them, covering the named kinds of hard cases; precision >= 0.99 and
    recall >= 0.90 (the figures, as found and now, are in BENCHMARKS.md)."""
    rows = read_pairs(HOLDOUT.read_text(encoding="utf-8"))
    assert len(rows) >= 100 and not {(r["a"], r["b"]) for r in rows} & {
        (r["a"], r["b"]) for r in read_pairs(PAIRS.read_text(encoding="utf-8"))}
    categories = {r["category"] for r in rows}
    assert {"stock_short_vs_full", "hospital_punctuation", "renamed_military", "renamed_hospital",
            "affiliated_naming", "hard_negative"} <= categories
    result = evaluate(rows)
    wrong = [f"{o.pair['a']} | {o.pair['b']} ({'merged' if o.predicted else 'missed'})" for o in result.errors()]
    assert result.precision >= 0.99, wrong
    assert result.recall >= 0.90, wrong


@pytest.mark.parametrize(("a", "b"), [
    ("中国人民解放军307医院", "中国人民解放军三〇七医院"),  # numerals
    ("中国人民解放军联勤保障部队第九四O医院", "中国人民解放军联勤保障部队第940医院"),  # a Latin O for 〇
    ("陆军军医大学第一附属医院", "中国人民解放军陆军军医大学第一附属医院"),
    ("中山大学附属第六医院·广东省胃肠肛门医院", "中山大学附属第六医院（广东省胃肠肛门医院）"),  # side by side
    ("深圳市精神卫生中心／深圳市康宁医院", "深圳市康宁医院"),
    ("中国人民解放军总医院第一附属医院（304）", "中国人民解放军总医院第一附属（304）医院"),
    ("天津医科大学代谢病医院", "天津医科大学朱宪彝纪念医院(代谢病医院)"),  # the alternate takes the university
    ("广东省中医医院", "广东省中医院"), ("中南大学湘雅二院", "中南大学湘雅二医院"),
    ("上海市第六人民医院", "上海交通大学医学院附属第六人民医院"),  # a municipality's numbered 人民医院
    ("第二军医大学长海医院", "上海长海医院"),
    ("上海长海医院", "海军军医大学第一附属医院"),  # the curated table: 长海 is the first affiliated hospital
])
def test_names_written_differently_are_one_hospital(a, b):
    assert compare(inst(a, id_="a"), inst(b, id_="b")) is not None


@pytest.mark.parametrize(("a", "b", "why"), [
    ("中国人民解放军总医院第一附属医院（304）", "中国人民解放军总医院第一附属医院（305）", "two unit numbers"),
    ("南京市第一医院", "南京医科大学第一附属医院", "the university's first hospital is not the city's"),
    ("天津市口腔医院", "天津医科大学口腔医院", "a city's specialty hospital is not the university's"),
    ("中国医学科学院阜外医院", "云南省阜外心血管病医院", "the academy's hospital and a provincial namesake"),
    ("汕头大学·香港中文大学联合汕头国际眼科中心", "汕头大学医学院第一附属医院", "one name with a dot in it"),
    ("海军军医大学第一附属医院", "海军军医大学第二附属医院", "two numbers of one university"),
    ("上海长海医院", "海军军医大学第二附属医院", "the table names 长海 the first, not the second"),
    ("复旦大学附属中山医院（青浦分院）", "复旦大学附属中山医院", "a branch in brackets is a branch"),
    ("上海交通大学医学院附属瑞金医院（卢湾分院）", "上海交通大学医学院附属瑞金医院", "a branch in brackets is a branch"),
    ("上海市第六人民医院（东院）", "上海市第六人民医院", "a campus, filed apart"),
])
def test_and_these_are_not(a, b, why):
    assert compare(inst(a, id_="a"), inst(b, id_="b")) is None, why


def test_the_curated_table_cites_a_source_for_every_row_and_wins_over_places():
    from loaders.entity.renames import RENAMES

    assert len(RENAMES) >= 20 and all(r.source.strip() and r.old != r.new for r in RENAMES)
    # the table says 广州军区武汉总医院 became 中部战区总医院 (in 武汉, not 广州): a stated province agrees
    found = compare(inst("广州军区武汉总医院", id_="a"), inst("中国人民解放军中部战区总医院", id_="b", province="湖北"))
    assert found is not None and found.rule == "renamed"
    academy = compare(inst("中国医学科学院皮肤病医院", id_="a", province="江苏"), inst("中国医学科学院皮肤病医院（研究所）", id_="b"))
    assert academy is not None  # filed in 江苏, the academy's seat (北京) does not veto it
    # but what records state does veto the table: a province, a type
    assert compare(inst("东方肝胆外科医院", id_="a", province="北京"),
                   inst("海军军医大学第三附属医院（上海东方肝胆外科医院）", id_="b", province="上海")) is None
    assert compare(inst("广州医学院第一附属医院", id_="a"), inst("广州医科大学附属第一医院", id_="b", type_="university")) is None
    assert compare(org("中新药业", province="广东"), org("达仁堂", province="天津")) is None
    assert compare(org("中新药业", province="天津"), org("达仁堂", province="天津")).rule == "renamed"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="中国人民解放军第三〇七九四O医院陆军·／（）() 上海市", max_size=24))
def test_institution_folding_is_idempotent(text):
    from loaders.entity.names import institution_fold

    assert institution_fold(institution_fold(text)) == institution_fold(text)

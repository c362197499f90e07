"""Cell parsers, identifiers and IPC: hand-checked cases and property-based round trips."""

from __future__ import annotations

from datetime import date

import pytest
from helpers import USCC_CHARS, independent_uscc_check
from hypothesis import given
from hypothesis import strategies as st

from loaders.sheets import format_value
from loaders.values import parse_bool, parse_date, split_list
from ontology import ENUMS, field_for_ipc
from ontology.identifiers import (
    check_patent_number,
    check_product_registration,
    check_uscc,
    cn_application_check,
    normalise_ipc,
    parse_registration,
    uscc_check_char,
)

# Real codes published by the companies themselves (hand-checked against the standard).
REAL_USCCS = ["914403001922038216", "9144030071526726XG"]  # 华为技术有限公司, 腾讯科技（深圳）有限公司


@pytest.mark.parametrize("code", REAL_USCCS)
def test_real_usccs_pass(code):
    assert check_uscc(code) is None


@given(st.text(alphabet=USCC_CHARS, min_size=2, max_size=2), st.text(alphabet="0123456789", min_size=6, max_size=6),
       st.text(alphabet=USCC_CHARS, min_size=9, max_size=9))
def test_uscc_check_char_matches_an_independent_implementation(dept, area, org):
    body = dept + area + org
    assert uscc_check_char(body) == independent_uscc_check(body)
    assert check_uscc(body + independent_uscc_check(body)) is None


@given(st.data())
def test_uscc_detects_every_single_character_change(data):
    body = data.draw(st.text(alphabet=USCC_CHARS, min_size=2, max_size=2)) + "310112" + \
        data.draw(st.text(alphabet=USCC_CHARS, min_size=9, max_size=9))
    code = body + independent_uscc_check(body)
    pos = data.draw(st.integers(0, 17))
    if 2 <= pos < 8:
        replacement = data.draw(st.sampled_from("0123456789").filter(lambda c: c != code[pos]))
    else:
        replacement = data.draw(st.sampled_from(USCC_CHARS).filter(lambda c: c != code[pos]))
    changed = code[:pos] + replacement + code[pos + 1:]
    assert check_uscc(changed) is not None


@pytest.mark.parametrize(("code", "reason"), [
    ("91310000MA1FL1MM2", "must have 18 characters"),
    ("91310000MA1FL1MO21", "contains 'O'"),
    ("9131AB00MA1FL1MM21", "6-digit division code"),
])
def test_uscc_shape_errors(code, reason):
    assert reason in check_uscc(code)


@pytest.mark.parametrize(("number", "kind", "cls"), [
    ("国药准字S20063025", "drug", None),  # rabies antiserum, from the NMPA list in shared/data
    ("H20171268", "drug", None),  # imported chemical drug
    ("HC20181010", "drug", None),
    ("国械注准20213070123", "device", "III"),
    ("沪械注准20202010123", "device", "II"),
    ("国械注进20193010123", "device", "III"),
    ("沪闵械备20180012号", "device", "I"),
])
def test_registration_numbers(number, kind, cls):
    reg = parse_registration(number)
    assert (reg.kind, reg.device_class) == (kind, cls)


def test_registration_cross_checks():
    assert parse_registration("S99999999S99999999") is None  # a real malformed row in the NMPA data
    assert "product is a drug" in check_product_registration("drug", None, "国械注准20213070123")
    assert "class III but device_class is II" in check_product_registration("device", "II", "国械注准20213070123")
    assert check_product_registration("ivd", "III", "国械注准20213400123") is None
    assert check_product_registration("ivd", None, "国药准字S20080007") is None  # IVD registered as a drug


def test_patent_numbers():
    assert check_patent_number("CN115123456A") is None
    assert check_patent_number("CN218765432U") is None
    assert check_patent_number("US11234567B2") is None
    assert check_patent_number("WO2021123456A1") is None
    digits = "202110123456"
    good = f"{digits}.{cn_application_check(digits)}"
    assert check_patent_number(good) is None and check_patent_number("ZL" + good) is None
    wrong = f"{digits}.{(int(cn_application_check(digits).replace('X', '10')) + 1) % 10}"
    assert "check digit" in check_patent_number(wrong)
    assert "no known format" in check_patent_number("专利123")


@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.integers(0, 11), st.integers(1, 9))
def test_cn_application_check_detects_single_digit_changes(digits, pos, delta):
    changed = digits[:pos] + str((int(digits[pos]) + delta) % 10) + digits[pos + 1:]
    assert cn_application_check(changed) != cn_application_check(digits)


@pytest.mark.parametrize(("code", "field"), [
    ("C07K16/28", "field:antibody"),
    ("A61K 39/395", "field:antibody"),  # antibody subgroup beats the vaccine main group
    ("A61K39/12", "field:vaccine"),
    ("C12N15/86", "field:gene_therapy"),
    ("C12Q1/6886", "field:molecular_diagnostics"),
    ("C12Q1/70", None),
    ("A61B5/055", "field:imaging"),
    ("A61B5/372", "field:bci"),
    ("A61B5/38", None),
    ("A61B34/37", "field:medical_robot"),  # under A61B34/30 by indentation, not by digits
    ("A61B34/20", "field:surgical"),
    ("A61F2/915", "field:cardio_implant"),
    ("A61F2/30", "field:implant"),
    ("A61P35/00", None),
])
def test_ipc_to_field(code, field):
    assert field_for_ipc(code) == field


def test_normalise_ipc():
    assert normalise_ipc("ａ61k 39 / 395") == "A61K39/395"
    assert normalise_ipc("A61K0039/00") == "A61K39/00"
    assert normalise_ipc("not ipc") is None


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)), st.sampled_from(["iso", "slash", "zh"]))
def test_dates_parse_in_every_accepted_form(day, form):
    text = {"iso": day.isoformat(), "slash": f"{day.year}/{day.month}/{day.day}",
            "zh": f"{day.year}年{day.month}月{day.day}日"}[form]
    assert parse_date(text) == day.isoformat()


@pytest.mark.parametrize("bad", ["2024-02-30", "2024-13-01", "24-1-1", "yesterday", "2024.1.1.1", "45356"])
def test_bad_dates(bad):
    with pytest.raises(ValueError):
        parse_date(bad)


item = st.text(alphabet=st.characters(blacklist_characters=";；、", blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
               min_size=1, max_size=8)


@given(st.lists(item, max_size=6, unique=True))
def test_list_cells_round_trip(values):
    values = [v.strip() for v in values if v.strip()]
    assert split_list(format_value(values)) == list(dict.fromkeys(values))


def test_list_separators():
    assert split_list("抗体；细胞治疗、基因治疗; ;抗体") == ["抗体", "细胞治疗", "基因治疗"]


@pytest.mark.parametrize(("text", "value"), [("true", True), ("是", True), ("1", True), ("FALSE", False),
                                             ("否", False), ("0", False)])
def test_booleans(text, value):
    assert parse_bool(text) is value
    assert parse_bool(format_value(value)) is value


def test_enum_labels_and_suggestions():
    stage = ENUMS["product_stage"]
    assert [stage.parse(x) for x in ("临床", "Clinical", "已上市", "preclinical")] == [
        "clinical", "clinical", "approved", "preclinical"]
    assert stage.parse("clinicl") is None and stage.nearest("clinicl") == "clinical"
    assert ENUMS["device_class"].parse("Ⅲ类") == "III"

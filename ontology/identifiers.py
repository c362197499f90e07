"""Checkers and parsers for the identifiers of the domain.

- USCC (统一社会信用代码), GB 32100-2015: 18 characters, check character over the first 17.
- NMPA registration numbers for drugs (国药准字H20203456, imported H20150174) and devices
  (国械注准20213070123, 沪械注准20202010123, 沪闵械备20180012号).
- Patent numbers: publication numbers (CN115123456A, US11234567B2, WO2021123456A1) and Chinese
  application numbers with their check digit (202110123456.7, ZL202110123456.7).
- IPC symbols (A61K 39/395 -> A61K39/395).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_VALUE = {c: i for i, c in enumerate(USCC_CHARS)}
_USCC_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$", re.ASCII)


def uscc_check_char(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters.

    >>> uscc_check_char("91310000MA1FL1MM2")  # doctest: +SKIP
    """
    total = sum(_USCC_VALUE[c] * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def check_uscc(value: str) -> str | None:
    """None when ``value`` is a well-formed USCC, else the reason."""
    if len(value) != 18:
        return f"USCC {value!r} must have 18 characters, has {len(value)}"
    if not _USCC_SHAPE.fullmatch(value):
        bad = [c for c in value if c not in USCC_CHARS]
        if bad:
            return f"USCC {value!r} contains {bad[0]!r}, which is not allowed (I, O, S, V, Z never occur)"
        return f"USCC {value!r}: characters 3-8 must be the 6-digit division code"
    expected = uscc_check_char(value[:17])
    if value[17] != expected:
        return f"USCC {value!r} fails the GB 32100-2015 check: last character should be {expected!r}"
    return None


_PROVINCE = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_DRUG_NO = re.compile(r"^(?:国药准字)?([HZSBTFJ])([HSZCJ]?)(\d{8})$", re.ASCII)
_DEVICE_REG = re.compile(rf"^([国{_PROVINCE}])械注([准进许])(\d{{4}})([123])(\d{{2}})(\d{{4}})$", re.ASCII)
_DEVICE_FILING = re.compile(rf"^([国{_PROVINCE}])([\u4e00-\u9fff]{{0,3}})械备(\d{{8}})号?$", re.ASCII)


@dataclass(frozen=True)
class Registration:
    """What a registration number says: ``kind`` drug or device, and the device class it implies."""

    kind: str
    device_class: str | None = None


def parse_registration(value: str) -> Registration | None:
    """Parse an NMPA registration or filing number; None when it has no known format.

    >>> parse_registration("国械注准20213070123")
    Registration(kind='device', device_class='III')
    >>> parse_registration("国药准字S20063025")
    Registration(kind='drug', device_class=None)
    """
    if _DRUG_NO.fullmatch(value):
        return Registration("drug")
    m = _DEVICE_REG.fullmatch(value)
    if m:
        return Registration("device", {"1": "I", "2": "II", "3": "III"}[m.group(4)])
    if _DEVICE_FILING.fullmatch(value):
        return Registration("device", "I")
    return None


def check_registration(value: str) -> str | None:
    if parse_registration(value) is None:
        return (
            f"registration number {value!r} has no known format "
            "(drugs 国药准字H20203456 or H20150174; "
            "devices 国械注准20213070123, 沪械注准20202010123, 沪闵械备20180012号)"
        )
    return None


def check_product_registration(product_type: str, device_class: str | None, value: str) -> str | None:
    """Cross-check a product's registration number against its type and device class."""
    reg = parse_registration(value)
    if reg is None:
        return check_registration(value)
    if product_type == "drug" and reg.kind != "drug":
        return f"registration number {value!r} is a device number but the product is a drug"
    if product_type == "device" and reg.kind != "device":
        return f"registration number {value!r} is a drug number but the product is a device"
    if reg.kind == "device" and device_class and reg.device_class != device_class:
        return f"registration number {value!r} is for class {reg.device_class} but device_class is {device_class}"
    return None


_PUBLICATION = re.compile(r"^(?:CN\d{7,9}[ABCUSY]\d?|[A-Z]{2}\d{5,12}[A-Z]\d?)$", re.ASCII)
_CN_APPLICATION = re.compile(r"^(?:CN|ZL)?(\d{12})\.([\dX])$", re.ASCII)


def cn_application_check(digits12: str) -> str:
    """Check digit of a 12-digit Chinese patent application number (weights 2..9, 2..5; mod 11)."""
    weights = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
    total = sum(int(d) * w for d, w in zip(digits12, weights, strict=True)) % 11
    return "X" if total == 10 else str(total)


def check_patent_number(value: str) -> str | None:
    """None for a publication number (CN115123456A) or a valid CN application number."""
    if _PUBLICATION.fullmatch(value):
        return None
    m = _CN_APPLICATION.fullmatch(value)
    if m:
        expected = cn_application_check(m.group(1))
        if m.group(2) != expected:
            return f"patent application number {value!r}: check digit should be {expected!r}"
        return None
    return (
        f"patent number {value!r} has no known format "
        "(publication CN115123456A / US11234567B2, or application 202110123456.7)"
    )


_IPC = re.compile(r"^([A-H]\d{2}[A-Z])\s*(\d{1,4})(?:\s*/\s*(\d{1,6}))?$", re.ASCII)


@lru_cache(maxsize=1 << 16)  # a region repeats the same few thousand IPC codes
def normalise_ipc(value: str) -> str | None:
    """Canonical IPC symbol without spaces, or None when it is not one.

    >>> normalise_ipc("a61k 39/395")
    'A61K39/395'
    """
    m = _IPC.fullmatch(unicodedata.normalize("NFKC", value).strip().upper())
    if not m:
        return None
    subclass, group, sub = m.groups()
    return f"{subclass}{int(group)}/{sub}" if sub is not None else f"{subclass}{int(group)}"


def check_ipc(value: str) -> str | None:
    if normalise_ipc(value) != value:
        return f"IPC symbol {value!r} is not canonical (expected like A61K39/395)"
    return None


_DIVISION = re.compile(r"^[1-9]\d{5}$", re.ASCII)


def check_division_code(value: str) -> str | None:
    if not _DIVISION.fullmatch(value):
        return f"division code {value!r} must be 6 digits (e.g. 310112)"
    return None


_STREET = re.compile(r"^[1-9]\d{8}$", re.ASCII)


def check_street_code(value: str) -> str | None:
    if not _STREET.fullmatch(value):
        return f"street code {value!r} must be 9 digits (e.g. 310112001)"
    return None


_GCP_DRUG_FILING = re.compile(r"^药临床机构备字(20[1-9]\d)\d{6}$")


def check_gcp_drug_filing(value: str) -> str | None:
    """None for a CFDI drug clinical-trial institution filing number (备字 + filing year + 6 digits).

    >>> check_gcp_drug_filing("药临床机构备字2020000073") is None, check_gcp_drug_filing("2020000073") is None
    (True, False)
    """
    if not _GCP_DRUG_FILING.fullmatch(value):
        return f"drug GCP filing number {value!r} must be like 药临床机构备字2020000073"
    return None


# A-shares (600519.SH, 000001.SZ, 830799.BJ), Hong Kong (1877.HK), US (BGNE.O, HUYA.N), others (F99.SG, 4502.T)
_STOCK = re.compile(r"^(?:\d{6}\.(?:SH|SZ|BJ)|\d{4,5}\.HK|[A-Z0-9]{1,6}\.(?:O|N|A|SG|T|L))$", re.ASCII)


def check_stock_code(value: str) -> str | None:
    """None for a stock code with its exchange suffix.

    >>> check_stock_code("688180.SH") is None, check_stock_code("688180") is None
    (True, False)
    """
    if not _STOCK.fullmatch(value):
        return (f"stock code {value!r} has no known format "
                "(688180.SH, 000001.SZ, 830799.BJ, 1877.HK, BGNE.O)")
    return None

"""The field taxonomy (领域) and the IPC groups that indicate each field.

From the seeds: antibody drugs, novel vaccines (incl. mRNA), gene therapy, cell therapy are the
biologics singled out; molecular diagnostics, imaging, implants, rehabilitation, surgery, life
support, minimally invasive devices, robots and brain-computer interfaces the devices; AI drug
discovery comes from the Minhang plan (AI制药).  Chemical drugs and TCM are added so that real
products and listed companies have a home.

IPC patterns: ``A61H`` is a whole subclass; ``A61K39`` a main group (any subgroup); ``C12Q1/68`` a subgroup and the codes
that extend its digits (/6806, /686 …); ``A61B34/30-37`` a range of subgroups.  IPC nests
subgroups by indentation, not by digits (A61B34/32 sits under A61B34/30), so a subgroup whose
children carry other digits is declared as a range.  A code goes to the most specific pattern
that contains it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from ontology.identifiers import normalise_ipc


@dataclass(frozen=True)
class Field:
    id: str
    zh: str
    en: str
    parent: str | None
    domain: str  # drug | device
    ipc: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


def _f(key: str, zh: str, en: str, parent: str | None, domain: str, ipc=(), aliases=()) -> Field:
    return Field(
        f"field:{key}", zh, en, f"field:{parent}" if parent else None, domain, tuple(ipc), tuple(aliases)
    )


FIELDS: tuple[Field, ...] = (
    _f("drug", "药品", "Drugs", None, "drug", aliases=("药", "药物")),
    _f("biologic", "生物制品", "Biologics", "drug", "drug", ["C07K14", "A61K38"], ["生物药"]),
    _f("antibody", "抗体药物", "Antibody drugs", "biologic", "drug", ["C07K16", "A61K39/395"], ["抗体", "单抗", "ADC"]),
    _f("vaccine", "新型疫苗", "Novel vaccines", "biologic", "drug", ["A61K39"], ["疫苗", "mRNA疫苗", "mRNA"]),
    _f("gene_therapy", "基因治疗", "Gene therapy", "biologic", "drug", ["A61K48", "C12N15"], ["基因疗法"]),
    _f("cell_therapy", "细胞治疗", "Cell therapy", "biologic", "drug", ["A61K35", "C12N5"], ["细胞疗法", "CAR-T"]),
    _f("chemical_drug", "化学药", "Chemical drugs", "drug", "drug", ["A61K31", "C07D"], ["化药", "化学制药", "小分子"]),
    _f("tcm", "中药", "Traditional Chinese medicine", "drug", "drug", ["A61K36"], ["中成药", "中药饮片"]),
    _f("ai_drug_discovery", "AI药物研发", "AI drug discovery", "drug", "drug", ["G16C20/50", "G16C20/70", "G16B"], ["AI制药"]),
    _f("device", "医疗器械", "Medical devices", None, "device", aliases=("器械",)),
    _f(
        "molecular_diagnostics", "分子诊断试剂及配套检测设备", "Molecular diagnostics reagents and instruments",
        "device", "device", ["C12Q1/68"], ["分子诊断", "体外诊断", "IVD"],
    ),
    _f("imaging", "医学影像设备", "Medical imaging", "device", "device", ["A61B5/055", "A61B6", "A61B8"], ["医学影像", "影像设备"]),
    _f(
        "implant", "植介入器械", "Implantable and interventional devices", "device", "device",
        ["A61F2", "A61M25"], ["植介入", "植入器械", "介入器械"],
    ),
    _f(
        "cardio_implant", "心脑血管植介入器械", "Cardio- and cerebrovascular implants", "implant", "device",
        ["A61F2/24", "A61F2/82-97", "A61F2/01"], ["心脑血管植介入", "心血管介入"],
    ),
    _f("rehabilitation", "高端康复辅助器具", "High-end rehabilitation aids", "device", "device", ["A61H"], ["康复器械", "康复辅助器具"]),
    _f("surgical", "手术治疗设备", "Surgical equipment", "device", "device", ["A61B17", "A61B18", "A61B34"], ["手术设备"]),
    _f("life_support", "生命支持设备", "Life support", "device", "device", ["A61M16", "A61M1"], ["生命支持"]),
    _f("minimally_invasive", "微创诊疗器械", "Minimally invasive devices", "device", "device", ["A61B1"], ["微创器械", "内窥镜"]),
    _f("medical_robot", "医疗机器人", "Medical robots", "device", "device", ["A61B34/30-37"], ["手术机器人"]),
    _f(
        "bci", "脑机接口与类脑智能", "Brain-computer interface and brain-inspired intelligence", "device", "device",
        ["A61B5/369-375"], ["脑机接口", "类脑智能", "BCI"],
    ),
)

FIELD_BY_ID: dict[str, Field] = {f.id: f for f in FIELDS}


def children(field_id: str) -> tuple[str, ...]:
    return tuple(f.id for f in FIELDS if f.parent == field_id)


def ancestors(field_id: str) -> tuple[str, ...]:
    """Parent, grandparent … of a field (nearest first)."""
    out = []
    parent = FIELD_BY_ID[field_id].parent
    while parent:
        out.append(parent)
        parent = FIELD_BY_ID[parent].parent
    return tuple(out)


@dataclass(frozen=True)
class _IpcPattern:
    subclass: str  # "A61B"
    group: int | None  # main group 5 of A61B5; None = the whole subclass
    low: Decimal | None  # subgroup range [low, high) as decimal fractions; None = the whole main group
    high: Decimal | None
    field: str

    @property
    def width(self) -> Decimal:
        if self.group is None:
            return Decimal(1000)
        return Decimal(10) if self.low is None else self.high - self.low  # type: ignore[operator]

    def contains(self, group: int, value: Decimal) -> bool:
        if self.group is None:
            return True
        return self.group == group and (self.low is None or self.low <= value < self.high)  # type: ignore[operator]


def _subgroup(digits: str) -> Decimal:
    return Decimal("0." + digits)


def _pattern(text: str, field_id: str) -> _IpcPattern:
    subclass, rest = text[:4], text[4:]
    if not rest:
        return _IpcPattern(subclass, None, None, None, field_id)
    group, _, sub = rest.partition("/")
    if not sub:
        return _IpcPattern(subclass, int(group), None, None, field_id)
    lo, _, hi = sub.partition("-")
    hi = hi or lo
    step = Decimal(1).scaleb(-len(hi))
    return _IpcPattern(subclass, int(group), _subgroup(lo), _subgroup(hi) + step, field_id)


@lru_cache(maxsize=1)
def _patterns() -> dict[str, list[_IpcPattern]]:
    table: dict[str, list[_IpcPattern]] = {}
    for f in FIELDS:
        for text in f.ipc:
            p = _pattern(text, f.id)
            table.setdefault(p.subclass, []).append(p)
    for pats in table.values():
        pats.sort(key=lambda p: p.width)  # most specific first
    return table


@lru_cache(maxsize=1 << 16)
def field_for_ipc(code: str) -> str | None:
    """The most specific field whose IPC pattern contains ``code`` (canonical or not).

    >>> field_for_ipc("A61B 34/32")
    'field:medical_robot'
    >>> field_for_ipc("A61B34/10")
    'field:surgical'
    >>> field_for_ipc("A01B1/00") is None
    True
    """
    canonical = normalise_ipc(code)
    if canonical is None:
        return None
    head, _, sub = canonical.partition("/")
    group, value = int(head[4:]), (_subgroup(sub) if sub else Decimal(0))
    for p in _patterns().get(head[:4], ()):
        if p.contains(group, value):
            return p.field
    return None

"""Industry-chain segments (产业链环节), the Shenwan class table and the stage -> needs rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Segment:
    id: str
    chain: str  # drug | device
    position: str  # upstream | midstream | downstream
    order: int
    zh: str
    en: str
    aliases: tuple[str, ...] = ()


def _chain(chain: str, rows: list[tuple[str, str, str, str, tuple[str, ...]]]) -> tuple[Segment, ...]:
    return tuple(
        Segment(f"segment:{chain}.{key}", chain, pos, i, zh, en, aliases)
        for i, (key, pos, zh, en, aliases) in enumerate(rows, start=1)
    )


SEGMENTS: tuple[Segment, ...] = _chain(
    "drug",
    [
        ("discovery", "upstream", "药物发现/研发外包", "Drug discovery / CRO", ("药物发现", "CRO", "研发外包")),
        ("preclinical", "upstream", "临床前研究", "Preclinical research", ("临床前", "药理毒理")),
        ("api", "upstream", "原料药及中间体", "API and intermediates", ("原料药", "API", "中间体")),
        ("reagents", "upstream", "科研试剂及耗材", "Research reagents and consumables", ("试剂耗材",)),
        ("equipment", "upstream", "制药设备", "Pharmaceutical equipment", ("制药装备",)),
        ("clinical", "midstream", "临床研究(CRO/SMO、GCP机构)", "Clinical research (CRO/SMO, GCP sites)", ("临床研究", "临床CRO", "SMO", "临床试验")),
        ("cdmo", "midstream", "CDMO/合同生产", "CDMO / contract manufacturing", ("CDMO", "CMO", "合同生产")),
        ("manufacturing", "midstream", "药品生产", "Manufacturing", ("生产制造", "药品制造")),
        ("testing", "midstream", "检验检测", "Testing and inspection", ("药品检验", "检测")),
        ("regulatory", "midstream", "注册申报", "Regulatory affairs", ("注册", "注册代理", "药品注册")),
        ("distribution", "downstream", "医药流通", "Distribution", ("流通", "配送")),
        ("pharmacy", "downstream", "药店零售", "Pharmacy", ("药店", "零售药店")),
        ("market_access", "downstream", "市场准入", "Market access", ("医保准入", "准入")),
        ("clinical_use", "downstream", "临床使用", "Clinical use", ("医院使用",)),
    ],
) + _chain(
    "device",
    [
        ("components", "upstream", "零部件与材料", "Components and materials", ("原材料", "零部件")),
        ("design", "upstream", "产品设计研发", "Design and development", ("设计开发", "器械研发")),
        ("contract_manufacturing", "midstream", "医疗器械委托生产", "Contract manufacturing", ("器械CDMO", "委托生产")),
        ("manufacturing", "midstream", "医疗器械生产", "Manufacturing", ("器械生产",)),
        ("type_testing", "midstream", "注册检验", "Type testing", ("型式检验", "注册检验", "器械检验")),
        ("clinical_evaluation", "midstream", "临床评价", "Clinical evaluation", ("器械临床试验", "临床评价")),
        ("regulatory", "midstream", "器械注册申报", "Regulatory", ("器械注册",)),
        ("distribution", "downstream", "器械流通", "Distribution", ("器械经营",)),
        ("clinical_use", "downstream", "器械临床使用", "Clinical use", ()),
        ("maintenance", "downstream", "维修与售后", "Maintenance and service", ("售后维修",)),
    ],
)

SEGMENT_BY_ID: dict[str, Segment] = {s.id: s for s in SEGMENTS}

# Shenwan 2021 level-3 classes (医药生物) -> segments they PROVIDE.  Level-2 names are the fallback
# when a source only carries level 2.
SHENWAN_SEGMENTS: dict[str, tuple[str, ...]] = {
    "医疗研发外包": ("segment:drug.discovery", "segment:drug.preclinical", "segment:drug.clinical"),
    "原料药": ("segment:drug.api",),
    "化学制剂": ("segment:drug.manufacturing",),
    "中药Ⅲ": ("segment:drug.manufacturing",),
    "疫苗": ("segment:drug.manufacturing",),
    "血液制品": ("segment:drug.manufacturing",),
    "其他生物制品": ("segment:drug.manufacturing",),
    "体外诊断": ("segment:device.manufacturing",),
    "医疗耗材": ("segment:device.manufacturing",),
    "医疗设备": ("segment:device.manufacturing",),
    "医院": ("segment:drug.clinical_use", "segment:device.clinical_use"),
    "诊断服务": ("segment:device.clinical_use",),
    "其他医疗服务": ("segment:drug.clinical_use",),
    "医药流通": ("segment:drug.distribution", "segment:device.distribution"),
    "线下药店": ("segment:drug.pharmacy",),
    "互联网药店": ("segment:drug.pharmacy",),
    # level 2
    "化学制药": ("segment:drug.manufacturing",),
    "中药Ⅱ": ("segment:drug.manufacturing",),
    "生物制品": ("segment:drug.manufacturing",),
    "医疗器械": ("segment:device.manufacturing",),
    "医药商业": ("segment:drug.distribution", "segment:device.distribution"),
}


@dataclass(frozen=True)
class NeedRule:
    """A product of ``product_types`` at ``stage`` needs these segments (in its own field)."""

    product_types: tuple[str, ...]
    stage: str
    segments: tuple[str, ...]
    zh: str


_DEVICES = ("device", "ivd")
STAGE_NEEDS: tuple[NeedRule, ...] = (
    NeedRule(("drug",), "research", ("segment:drug.discovery", "segment:drug.reagents"), "研发阶段需要药物发现服务和科研试剂"),
    NeedRule(("drug",), "preclinical", ("segment:drug.preclinical", "segment:drug.api", "segment:drug.cdmo"), "临床前阶段需要药理毒理研究、原料药和CDMO"),
    NeedRule(("drug",), "clinical", ("segment:drug.clinical", "segment:drug.cdmo"), "临床阶段需要临床CRO/SMO、GCP机构和临床样品生产"),
    NeedRule(("drug",), "submitted", ("segment:drug.regulatory", "segment:drug.testing"), "申报阶段需要注册服务和注册检验"),
    NeedRule(("drug",), "approved", ("segment:drug.distribution", "segment:drug.market_access"), "上市后需要流通和市场准入"),
    NeedRule(_DEVICES, "research", ("segment:device.design", "segment:device.components"), "研发阶段需要设计开发和零部件材料"),
    NeedRule(_DEVICES, "preclinical", ("segment:device.type_testing", "segment:device.contract_manufacturing"), "临床前阶段需要注册检验和样机委托生产"),
    NeedRule(_DEVICES, "clinical", ("segment:device.clinical_evaluation",), "临床阶段需要临床评价和试验机构"),
    NeedRule(_DEVICES, "submitted", ("segment:device.type_testing", "segment:device.regulatory"), "申报阶段需要注册检验和注册服务"),
    NeedRule(_DEVICES, "approved", ("segment:device.distribution", "segment:device.maintenance"), "上市后需要流通和售后维修"),
)


def inferred_needs(product_type: str, stage: str | None) -> tuple[str, ...]:
    """Segments a product of this type at this stage needs.

    >>> inferred_needs("ivd", "submitted")
    ('segment:device.type_testing', 'segment:device.regulatory')
    """
    for rule in STAGE_NEEDS:
        if product_type in rule.product_types and rule.stage == stage:
            return rule.segments
    return ()


@dataclass(frozen=True)
class TypeRule:
    """An institution of ``institution_type`` (with the property ``flag`` true, when given) provides
    ``segment`` by its type, without a PROVIDES edge."""

    institution_type: str
    flag: str | None
    segment: str
    zh: str

    def applies(self, institution_type: str | None, flag_of: Callable[[str], Any]) -> bool:
        """Whether an institution of this type, whose properties ``flag_of`` reads, provides by it.

        >>> TYPE_PROVIDES[0].applies("hospital", {"gcp_drug": True}.get)
        True
        """
        return institution_type == self.institution_type and (self.flag is None or flag_of(self.flag) is True)


# What a type clearly implies.  A GCP filing is the legal condition for hosting trials of its kind
# (药物/医疗器械临床试验机构备案); testing labs are the registration-testing bodies; every hospital
# is where approved drugs and devices are used.  Universities and institutes do research, but that
# is not a service one can buy, so they provide segments only by their PROVIDES edges.
TYPE_PROVIDES: tuple[TypeRule, ...] = (
    TypeRule("hospital", "gcp_drug", "segment:drug.clinical", "已备案药物临床试验机构，可承接药物临床试验"),
    # CDCs (疾病预防控制中心) file as drug trial sites too: the vaccine trials are run by them
    TypeRule("agency", "gcp_drug", "segment:drug.clinical", "已备案药物临床试验机构（疾控机构），可承接疫苗等药物临床试验"),
    TypeRule("hospital", "gcp_device", "segment:device.clinical_evaluation", "已备案医疗器械临床试验机构，可承接器械临床试验"),
    TypeRule("hospital", None, "segment:drug.clinical_use", "医院是药品的临床使用方"),
    TypeRule("hospital", None, "segment:device.clinical_use", "医院是医疗器械的临床使用方"),
    TypeRule("testing_lab", None, "segment:drug.testing", "检验检测机构承担药品检验"),
    TypeRule("testing_lab", None, "segment:device.type_testing", "检验检测机构承担医疗器械注册检验"),
)

# Segments sold as services to others (the third parties a station brings in: CROs, testing,
# registration agents, CDMOs).
SERVICE_SEGMENTS: tuple[str, ...] = (
    "segment:drug.discovery", "segment:drug.preclinical", "segment:drug.clinical", "segment:drug.cdmo",
    "segment:drug.testing", "segment:drug.regulatory", "segment:device.design",
    "segment:device.contract_manufacturing", "segment:device.type_testing", "segment:device.clinical_evaluation",
    "segment:device.regulatory",
)


def type_rules(segment: str) -> tuple[TypeRule, ...]:
    """The rules by which a type provides ``segment``.

    >>> [(r.institution_type, r.flag) for r in type_rules("segment:drug.clinical")]
    [('hospital', 'gcp_drug'), ('agency', 'gcp_drug')]
    """
    return tuple(r for r in TYPE_PROVIDES if r.segment == segment)

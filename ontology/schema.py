"""The declarations: enumerations, node kinds and edge kinds of DESIGN.md, once.

Everything else — validation in the stores and loaders, the interchange columns, OWL and SHACL,
Neo4j constraints, API enums and view styles — is derived from ``SCHEMA``.
"""

from __future__ import annotations

from ontology.fields import FIELD_BY_ID
from ontology.identifiers import (
    check_division_code,
    check_gcp_drug_filing,
    check_ipc,
    check_patent_number,
    check_registration,
    check_stock_code,
    check_street_code,
    check_uscc,
)
from ontology.model import EdgeKind, Enumeration, EnumValue, NodeKind, Prop, Schema
from ontology.segments import SEGMENT_BY_ID
from ontology.specialties import SPECIALTY_BY_ID


def _enum(name: str, zh: str, en: str, *values: tuple) -> Enumeration:
    return Enumeration(name, zh, en, tuple(EnumValue(v[0], v[1], v[2], tuple(v[3:])) for v in values))


ENUMS: dict[str, Enumeration] = {
    e.name: e
    for e in (
        _enum("district_type", "区划类型", "district type",
              ("district", "区", "district", "市辖区", "县"),
              ("special_area", "特殊区域", "special area", "新片区", "功能区")),
        _enum("institution_type", "机构类型", "institution type",
              ("university", "高校", "university", "大学", "高等院校", "学院"),
              ("research_institute", "科研院所", "research institute", "研究所", "研究院", "科研机构"),
              ("hospital", "医院", "hospital", "医疗机构"),
              ("agency", "政府机构", "agency", "事业单位", "监管部门"),
              ("association", "行业协会", "association", "协会", "学会"),
              ("testing_lab", "检验检测机构", "testing lab", "检验所", "检测机构", "检验院"),
              ("other", "其他", "other")),
        _enum("hospital_grade", "医院等级", "hospital grade",
              ("3A", "三级甲等", "tertiary A", "三甲"), ("3B", "三级乙等", "tertiary B", "三乙"),
              ("3", "三级", "tertiary"), ("2A", "二级甲等", "secondary A", "二甲"),
              ("2B", "二级乙等", "secondary B", "二乙"), ("2", "二级", "secondary"),
              ("1", "一级", "primary"), ("unrated", "未定级", "unrated")),
        _enum("enterprise_scale", "企业规模", "enterprise scale",
              ("large", "大型", "large"), ("medium", "中型", "medium"),
              ("small", "小型", "small"), ("micro", "微型", "micro")),
        _enum("credit_rating", "信用等级", "credit rating",
              ("A", "A级", "A", "良好"), ("B", "B级", "B", "一般"), ("C", "C级", "C", "较差"), ("D", "D级", "D", "差")),
        _enum("product_type", "产品类型", "product type",
              ("drug", "药品", "drug", "药物"), ("device", "医疗器械", "device", "器械"),
              ("ivd", "体外诊断试剂", "IVD", "体外诊断", "诊断试剂")),
        _enum("device_class", "管理类别", "device class",
              ("I", "第一类", "class I", "一类", "1", "Ⅰ", "Ⅰ类", "I类"),
              ("II", "第二类", "class II", "二类", "2", "Ⅱ", "Ⅱ类", "II类"),
              ("III", "第三类", "class III", "三类", "3", "Ⅲ", "Ⅲ类", "III类")),
        _enum("product_stage", "研发阶段", "product stage",
              ("research", "研究阶段", "research", "研发", "研究"),
              ("preclinical", "临床前", "preclinical", "临床前研究"),
              ("clinical", "临床试验", "clinical", "临床", "临床阶段"),
              ("submitted", "注册申报", "submitted", "申报", "已申报", "审评中"),
              ("approved", "已获批", "approved", "获批", "已上市", "上市")),
        _enum("innovation_channel", "创新通道", "innovation channel",
              ("none", "无", "none", "否"),
              ("national", "国家创新通道", "national", "国家", "国家级"),
              ("shanghai", "上海创新通道", "Shanghai", "上海", "市级", "本市")),
        _enum("designation", "认定", "designation",
              ("rare_disease", "罕见病用药", "rare disease", "罕见病"),
              ("pediatric", "儿童用药", "pediatric", "儿童"),
              ("jiebang", "揭榜挂帅", "open competition (jiebang guashuai)"),
              ("bottleneck", "卡脖子技术突破", "bottleneck technology breakthrough", "卡脖子"),
              ("innovative", "创新药械", "innovative product", "创新产品", "创新药", "创新器械")),
        _enum("patent_status", "法律状态", "patent status",
              ("pending", "审中", "pending", "实质审查", "公开"), ("granted", "有效", "granted", "授权"),
              ("expired", "失效", "expired", "到期"), ("rejected", "驳回", "rejected"),
              ("withdrawn", "撤回", "withdrawn", "视为撤回")),
        _enum("station_type", "工作站类型", "station type",
              ("core", "核心站", "core", "核心", "核"), ("station", "工作站", "station", "站")),
        _enum("station_scope", "服务范围", "station scope",
              ("drug", "药品", "drug"), ("device", "医疗器械", "device", "器械"),
              ("both", "药品和医疗器械", "drug and device", "药械", "药品、医疗器械")),
        _enum("project_level", "项目级别", "project level",
              ("national", "国家级", "national", "国家"), ("municipal", "市级", "municipal", "市"),
              ("district", "区级", "district", "区")),
        _enum("capability_direction", "能力方向", "direction",
              ("provides", "提供", "provides", "供给", "供"), ("needs", "需求", "needs", "需要", "需")),
        _enum("collaboration_type", "合作类型", "collaboration type",
              ("co_patent", "联合专利", "co-patent", "共同申请"),
              ("clinical_trial", "临床试验合作", "clinical trial", "临床试验"),
              ("joint_project", "联合项目", "joint project", "合作项目"),
              ("supply", "供应", "supply", "供货"),
              ("license", "许可转让", "license", "专利许可", "转让", "许可")),
        _enum("ranking_list", "排行榜", "ranking list",
              ("reputation", "专科声誉排行榜", "specialty reputation", "specialty_reputation", "声誉", "专科排行榜"),
              ("comprehensive", "专科综合排行榜", "comprehensive", "综合排行榜", "综合")),
        _enum("record_type", "记录类型", "record type",
              ("tracking", "跟踪服务", "tracking", "跟踪"), ("visit", "走访", "visit", "调研走访"),
              ("consultation", "咨询", "consultation", "咨询服务"), ("training", "培训", "training", "政策培训")),
        # the matters the guidance brings into a station's one-stop service (一站式服务), for enterprise questions
        _enum("question_category", "问题类别", "question category",
              ("registration", "产品注册", "product registration", "注册", "注册申报", "注册指导"),
              ("industrial_policy", "产业政策", "industrial policy", "政策", "政策咨询"),
              ("business_registration", "工商注册", "business registration", "工商登记", "企业登记"),
              ("intellectual_property", "知识产权", "intellectual property", "专利", "IP"),
              ("quality", "质量发展", "quality", "质量", "质量管理"),
              ("standards", "标准建设", "standards", "标准"),
              ("medical_insurance", "医保准入", "medical insurance", "医保"),
              ("advertising", "广告合规", "advertising", "广告"),
              ("other", "其他", "other", "其它")),
        _enum("chain", "产业链", "chain", ("drug", "药品产业链", "drug chain"), ("device", "医疗器械产业链", "device chain")),
        _enum("chain_position", "链上位置", "chain position",
              ("upstream", "上游", "upstream"), ("midstream", "中游", "midstream"), ("downstream", "下游", "downstream")),
    )
}


def _p(name: str, type_: str, zh: str, en: str, **kw) -> Prop:
    return Prop(name, type_, zh, en, **kw)


ALIASES = _p("aliases", "str_list", "别名", "aliases")
PROVINCE = _p("province", "str", "省份", "province")
ADDRESS = _p("address", "str", "地址", "address")
_FIELD_ID = _p("field", "str", "领域", "field", fmt="field_id")

NODE_KINDS: dict[str, NodeKind] = {
    k.name: k
    for k in (
        NodeKind("District", "区", "District", (
            _p("code", "str", "区划代码", "division code", fmt="division_code", required_when=("type", "district")),
            _p("type", "enum", "类型", "type", enum="district_type", required=True),
            PROVINCE,
            _p("city", "str", "城市", "city"),  # prefecture-level city; none in the four municipalities
            ALIASES,
        ), "A district (6-digit division code) or a special area such as 临港新片区.", ("schema:AdministrativeArea",)),
        NodeKind("Subdistrict", "乡镇街道", "Subdistrict", (
            _p("code", "str", "区划代码", "division code", fmt="street_code", required=True),
            ALIASES,
        ), "A street (街道) or town (镇、乡) of a district (9-digit division code).", ("schema:AdministrativeArea",)),
        NodeKind("Park", "园区", "Park", (
            ADDRESS,
            _p("lat", "float", "纬度", "latitude", minimum=-90, maximum=90),
            _p("lon", "float", "经度", "longitude", minimum=-180, maximum=180),
            ALIASES,
        ), "An industrial park.", ("schema:Place",)),
        NodeKind("Enterprise", "企业", "Enterprise", (
            _p("uscc", "str", "统一社会信用代码", "unified social credit code", fmt="uscc"),
            _p("scale", "enum", "规模", "scale", enum="enterprise_scale"),
            _p("credit", "enum", "信用等级", "credit rating", enum="credit_rating"),
            _p("listed", "bool", "是否上市", "listed"),
            _p("stock_codes", "str_list", "股票代码", "stock codes", fmt="stock_code"),
            _p("industry", "str", "所属行业", "industry class"),
            ADDRESS,
            PROVINCE,
            ALIASES,
        ), "A company (registrant, MAH, supplier, service provider).", ("schema:Organization", "org:FormalOrganization")),
        NodeKind("Institution", "机构", "Institution", (
            _p("type", "enum", "类型", "type", enum="institution_type", required=True),
            _p("grade", "enum", "医院等级", "hospital grade", enum="hospital_grade"),
            _p("gcp_drug", "bool", "药物临床试验机构备案", "GCP filing (drugs)"),
            _p("gcp_drug_filing", "str", "药物临床试验机构备案号", "GCP filing number (drugs)", fmt="gcp_drug_filing"),
            _p("gcp_drug_year", "int", "药物临床试验机构备案年份", "GCP filing year (drugs)", minimum=2019, maximum=2100),
            _p("gcp_device", "bool", "医疗器械临床试验机构备案", "GCP filing (devices)"),
            _p("specialties", "str_list", "重点专科", "specialties"),
            _p("lat", "float", "纬度", "latitude", minimum=-90, maximum=90),
            _p("lon", "float", "经度", "longitude", minimum=-180, maximum=180),
            ADDRESS,
            PROVINCE,
            _p("city", "str", "城市", "city"),
            _p("filed_name", "str", "备案名称", "name as filed"),
            _p("filed_address", "str", "备案地址", "address as filed"),
            ALIASES,
        ), "A university, research institute, hospital, agency, association or testing lab.",
            ("schema:Organization", "org:FormalOrganization")),
        NodeKind("Product", "产品", "Product", (
            _p("type", "enum", "类型", "type", enum="product_type", required=True),
            _p("device_class", "enum", "管理类别", "device class", enum="device_class"),
            _p("stage", "enum", "阶段", "stage", enum="product_stage"),
            _p("registration_no", "str", "注册证号", "registration number", fmt="registration_no"),
            _p("innovation_channel", "enum", "创新通道", "innovation channel", enum="innovation_channel"),
            _p("designations", "enum_list", "认定", "designations", enum="designation"),
            ALIASES,
        ), "A drug, device or IVD product.", ("schema:Product",)),
        NodeKind("Patent", "专利", "Patent", (
            _p("ipc", "str_list", "IPC分类号", "IPC codes", fmt="ipc"),
            _p("application_date", "date", "申请日", "application date"),
            _p("status", "enum", "法律状态", "status", enum="patent_status"),
            _p("transferable", "bool", "可转让", "transferable"),
            _p("applicant_names", "str_list", "未解析申请人", "unresolved applicant names"),
        ), "A patent; its id is the publication (or application) number.", ("schema:CreativeWork",),
            id_fmt="patent_no"),
        NodeKind("Station", "工作站", "Station", (
            _p("type", "enum", "类型", "type", enum="station_type", required=True),
            _p("scope", "enum", "服务范围", "scope", enum="station_scope", required=True),
            ALIASES,
        ), "A registration-guidance service station (工作站) or a core (一核多站).",
            ("org:OrganizationalUnit", "schema:GovernmentOrganization")),
        NodeKind("ServicePoint", "服务点", "Service point", (ALIASES,),
                 "A service point of a station at a park or institution (一站多点).", ("org:Site",)),
        NodeKind("KeyProject", "重点项目", "Key project", (
            _p("level", "enum", "级别", "level", enum="project_level", required=True),
            ALIASES,
        ), "A key project (重点项目) for a product.", ("schema:Project",)),
        NodeKind("Field", "领域", "Field", (
            _p("domain", "enum", "所属产业链", "domain", enum="chain", required=True),
            _p("ipc_patterns", "str_list", "IPC分类号范围", "IPC patterns"),
            ALIASES,
        ), "A node of the field taxonomy.", ("skos:Concept",)),
        NodeKind("Segment", "产业链环节", "Segment", (
            _p("chain", "enum", "产业链", "chain", enum="chain", required=True),
            _p("position", "enum", "位置", "position", enum="chain_position", required=True),
            _p("order", "int", "顺序", "order", required=True),
            ALIASES,
        ), "An industry-chain segment.", ("skos:Concept",)),
        NodeKind("Specialty", "专科", "Specialty", (ALIASES,),
                 "A clinical specialty (the departments of hospital rankings).", ("skos:Concept",)),
    )
}

ORGS = ("Enterprise", "Institution")
SITES = ("Park", "Institution")

EDGE_KINDS: dict[str, EdgeKind] = {
    e.name: e
    for e in (
        EdgeKind("IN_DISTRICT", "所在区", "in district", ("Park", "Enterprise", "Institution", "Subdistrict"),
                 ("District",),
                 rdf_super=("schema:containedInPlace",)),
        EdgeKind("LOCATED_IN", "位于园区", "located in park", ORGS, ("Park",)),
        EdgeKind("OWNS", "持有", "owns (registrant / MAH)", ORGS, ("Product",)),
        EdgeKind("IN_FIELD", "属于领域", "in field", ("Park", "Enterprise", "Institution", "Product", "Specialty"),
                 ("Field",)),
        EdgeKind("APPLIED_BY", "申请人", "applied by", ("Patent",), ORGS),
        EdgeKind("CLASSIFIED_AS", "IPC归类", "classified as", ("Patent",), ("Field",)),
        EdgeKind("PROVIDES", "提供", "provides", ORGS, ("Segment",), (_FIELD_ID,), key=("field",)),
        EdgeKind("NEEDS", "需要", "needs", ORGS, ("Segment",), (_FIELD_ID,), key=("field",)),
        EdgeKind("COLLABORATES", "合作", "collaborates with", ORGS, ORGS, (
            _p("type", "enum", "类型", "type", enum="collaboration_type", required=True),
            _p("date", "date", "日期", "date"),
            _p("evidence", "str", "依据", "evidence"),
        ), key=("type", "date"), symmetric=True),
        EdgeKind("TRIAL_SITE", "临床试验机构", "trial site", ("Product",), ("Institution",), (
            _p("date", "date", "日期", "date"),
            _p("trials", "str_list", "试验登记号", "trial registration numbers"),
        ), key=("date",)),
        EdgeKind("RANKED", "专科排名", "ranked in specialty", ("Institution",), ("Specialty",), (
            _p("list", "enum", "排行榜", "ranking list", enum="ranking_list", required=True),
            _p("year", "int", "年度", "year", required=True),
            _p("rank", "int", "名次", "rank"),
            _p("nominated", "bool", "提名", "nominated"),
            _p("score", "float", "得分", "score"),
            _p("sci", "float", "科研学术得分", "research score"),
        ), key=("list", "year")),
        EdgeKind("SERVES", "服务区", "serves district", ("Station",), ("District",)),
        EdgeKind("PART_OF", "隶属", "part of", ("ServicePoint", "Station"), ("Station",)),
        EdgeKind("SITED_AT", "驻点", "sited at", ("Station", "ServicePoint"), SITES, rdf_super=("org:hasSite",)),
        EdgeKind("TRACKS", "服务记录", "service record", ("Station",),
                 ("Enterprise", "Product", "KeyProject", "Institution", "Park"), (
            _p("id", "str", "编号", "record id", required=True),
            _p("date", "date", "日期", "date", required=True),
            _p("type", "enum", "类型", "type", enum="record_type", required=True),
            _p("note", "str", "备注", "note"),
        ), key=("id",)),
        EdgeKind("FOR_PRODUCT", "对应产品", "for product", ("KeyProject",), ("Product",)),
        EdgeKind("UNDERTAKEN_BY", "承担单位", "undertaken by", ("KeyProject",), ORGS),
        EdgeKind("SUBFIELD_OF", "上级领域", "subfield of", ("Field",), ("Field",), rdf_super=("skos:broader",)),
    )
}


def _check_field_id(value: str) -> str | None:
    return None if value in FIELD_BY_ID else f"unknown field {value!r}"


FORMATS = {
    "uscc": check_uscc,
    "registration_no": check_registration,
    "ipc": check_ipc,
    "division_code": check_division_code,
    "patent_no": check_patent_number,
    "field_id": _check_field_id,
    "stock_code": check_stock_code,
    "street_code": check_street_code,
    "gcp_drug_filing": check_gcp_drug_filing,
}

SCHEMA = Schema(nodes=NODE_KINDS, edges=EDGE_KINDS, enums=ENUMS, formats=FORMATS)

# Node kinds whose nodes come from the ontology itself, not from data files.
ONTOLOGY_KINDS = ("Field", "Segment", "Specialty")
assert set(SEGMENT_BY_ID).isdisjoint(FIELD_BY_ID) and set(SPECIALTY_BY_ID).isdisjoint(FIELD_BY_ID)

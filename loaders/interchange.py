"""The interchange format: one CSV file (or XLSX sheet) per table, declared once.

Each column says what it becomes: the node id or name, a property, an edge to a referenced node,
or — in edge files — an edge end or edge property.  In parks, enterprises and institutions an
``address`` fills an empty ``district`` with the district it names (``loaders.address``).  Column
headers may be English or one of the Chinese aliases; file names likewise (``parks.csv`` or ``园区.csv``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ontology import EDGE_KINDS, NODE_KINDS, ONTOLOGY_KINDS, fold


@dataclass(frozen=True)
class Column:
    """One column.

    ``role``: ``id`` | ``name`` | ``prop`` (node or edge property ``prop``) | ``edge`` (a reference
    that becomes an ``edge`` edge; ``reverse`` when it points at this row) | ``src`` | ``dst`` |
    ``direction`` (capabilities: picks the edge kind).
    """

    name: str
    zh: tuple[str, ...]
    role: str
    prop: str | None = None
    edge: str | None = None
    refs: tuple[str, ...] = ()
    required: bool = False
    multi: bool = False
    reverse: bool = False
    default: str | None = None
    unresolved_prop: str | None = None  # names that resolve to nothing are kept here (and warned)


@dataclass(frozen=True)
class FileSpec:
    name: str
    zh: tuple[str, ...]
    columns: tuple[Column, ...]
    kind: str | None = None  # node files
    edge: str | None = None  # edge files (capabilities choose per row through ``direction``)
    directions: tuple[tuple[str, str], ...] = ()  # direction code -> edge kind

    @property
    def is_node_file(self) -> bool:
        return self.kind is not None

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _id(zh=("编号", "ID", "标识")) -> Column:
    return Column("id", zh, "id", required=True)


def _name(zh=("名称",)) -> Column:
    return Column("name", zh, "name", required=True)


def _prop(name: str, *zh: str, required=False, multi=False, default=None, prop=None) -> Column:
    return Column(name, zh, "prop", prop=prop or name, required=required, multi=multi, default=default)


def _ref(name: str, edge: str, refs: tuple[str, ...], *zh: str, required=False, multi=False, reverse=False,
         unresolved_prop=None) -> Column:
    return Column(name, zh, "edge", edge=edge, refs=refs, required=required, multi=multi, reverse=reverse,
                  unresolved_prop=unresolved_prop)


ORGS = ("Enterprise", "Institution")
_DISTRICT = ("所属区", "区", "所在区", "行政区")
_FIELDS = ("领域", "重点领域")
_ALIASES = ("别名", "简称", "曾用名")
_PROVINCE = ("省份", "所在省份", "省")
_ADDRESS = ("地址", "注册地址", "住所", "办公地址")

FILES: tuple[FileSpec, ...] = (
    FileSpec("districts", ("区县", "行政区"), (
        _id(), _name(), _prop("code", "区划代码", "代码"), _prop("type", "类型", default="district"),
        _prop("province", *_PROVINCE), _prop("city", "城市", "所在城市"), _prop("aliases", *_ALIASES, multi=True),
    ), kind="District"),
    FileSpec("subdistricts", ("乡镇街道", "街道"), (
        _id(), _name(), _prop("code", "区划代码", "代码", required=True),
        _ref("district", "IN_DISTRICT", ("District",), *_DISTRICT, required=True),
        _prop("aliases", *_ALIASES, multi=True),
    ), kind="Subdistrict"),
    FileSpec("parks", ("园区",), (
        _id(), _name(), _ref("district", "IN_DISTRICT", ("District",), *_DISTRICT, required=True),
        _prop("address", *_ADDRESS), _prop("lat", "纬度"), _prop("lon", "经度"),
        _ref("fields", "IN_FIELD", ("Field",), *_FIELDS, multi=True), _prop("aliases", *_ALIASES, multi=True),
    ), kind="Park"),
    FileSpec("enterprises", ("企业",), (
        _id(), _name(), _prop("uscc", "统一社会信用代码", "信用代码"),
        _ref("district", "IN_DISTRICT", ("District",), *_DISTRICT),
        _ref("park", "LOCATED_IN", ("Park",), "所在园区", "园区"), _prop("scale", "规模", "企业规模"),
        _ref("fields", "IN_FIELD", ("Field",), *_FIELDS, multi=True), _prop("credit", "信用等级", "信用评级"),
        _prop("listed", "是否上市", "上市"), _prop("stock_codes", "股票代码", "证券代码", multi=True),
        _prop("industry", "所属行业", "行业"), _prop("address", *_ADDRESS), _prop("province", *_PROVINCE),
        _prop("aliases", *_ALIASES, multi=True),
    ), kind="Enterprise"),
    FileSpec("institutions", ("机构",), (
        _id(), _name(), _prop("type", "类型", "机构类型", required=True),
        _ref("district", "IN_DISTRICT", ("District",), *_DISTRICT),
        _ref("park", "LOCATED_IN", ("Park",), "所在园区", "园区"), _prop("grade", "等级", "医院等级"),
        _prop("gcp_drug", "药物临床试验机构备案", "药物GCP"),
        _prop("gcp_drug_filing", "药物临床试验机构备案号", "备案号"), _prop("gcp_drug_year", "备案年份"),
        _prop("gcp_device", "医疗器械临床试验机构备案", "器械GCP"),
        _prop("specialties", "重点专科", "专科", multi=True),
        _ref("fields", "IN_FIELD", ("Field",), *_FIELDS, multi=True),
        _prop("address", *_ADDRESS), _prop("lat", "纬度"), _prop("lon", "经度"), _prop("province", *_PROVINCE),
        _prop("city", "城市", "所在城市"), _prop("filed_name", "备案名称"), _prop("filed_address", "备案地址"),
        _prop("aliases", *_ALIASES, multi=True),
    ), kind="Institution"),
    FileSpec("products", ("产品",), (
        _id(), _name(("名称", "产品名称")), _prop("type", "类型", "产品类型", required=True),
        _prop("device_class", "管理类别", "类别"), _ref("field", "IN_FIELD", ("Field",), *_FIELDS),
        _ref("owner", "OWNS", ORGS, "注册人", "持有人", "上市许可持有人", reverse=True),
        _prop("stage", "阶段", "研发阶段"), _prop("registration_no", "注册证号", "批准文号", "注册证编号"),
        _prop("innovation_channel", "创新通道", default="none"), _prop("designations", "认定", "特殊认定", multi=True),
        _prop("aliases", *_ALIASES, multi=True),
    ), kind="Product"),
    FileSpec("patents", ("专利",), (
        _id(("公开号", "专利号", "编号")), Column("title", ("名称", "标题", "专利名称"), "name", required=True),
        _prop("ipc", "IPC分类号", "IPC", "分类号", multi=True),
        _ref("applicants", "APPLIED_BY", ORGS, "申请人", "专利权人", multi=True,
             unresolved_prop="applicant_names"),
        _prop("application_date", "申请日"), _prop("status", "法律状态", "状态"),
        _prop("transferable", "可转让", "是否可转让"),
    ), kind="Patent"),
    FileSpec("stations", ("工作站",), (
        _id(), _name(), _ref("district", "SERVES", ("District",), *_DISTRICT, required=True),
        _prop("type", "类型", default="station"), _prop("scope", "服务范围", "范围", default="both"),
        _ref("parent", "PART_OF", ("Station",), "上级", "核心站"),
        _ref("site", "SITED_AT", ("Park", "Institution"), "驻点", "所在地"),
        _prop("aliases", *_ALIASES, multi=True),
    ), kind="Station"),
    FileSpec("service_points", ("服务点",), (
        _id(), _name(), _ref("station", "PART_OF", ("Station",), "工作站", "所属工作站", required=True),
        _ref("site", "SITED_AT", ("Park", "Institution"), "驻点", "所在地", required=True),
    ), kind="ServicePoint"),
    FileSpec("key_projects", ("重点项目",), (
        _id(), _name(), _prop("level", "级别", "项目级别", required=True),
        _ref("product", "FOR_PRODUCT", ("Product",), "产品"),
        _ref("enterprise", "UNDERTAKEN_BY", ORGS, "企业", "承担单位"),
        _prop("aliases", *_ALIASES, multi=True),
    ), kind="KeyProject"),
    FileSpec("capabilities", ("能力", "供需"), (
        Column("org", ("机构", "企业", "单位"), "src", refs=ORGS, required=True),
        Column("direction", ("方向", "供需"), "direction", required=True),
        Column("segment", ("环节", "产业链环节"), "dst", refs=("Segment",), required=True),
        Column("field", _FIELDS, "prop", prop="field", refs=("Field",)),
    ), directions=(("provides", "PROVIDES"), ("needs", "NEEDS"))),
    FileSpec("collaborations", ("合作",), (
        Column("a", ("甲方",), "src", refs=ORGS, required=True),
        Column("b", ("乙方",), "dst", refs=ORGS, required=True),
        _prop("type", "类型", "合作类型", required=True), _prop("date", "日期"), _prop("evidence", "依据", "证据"),
    ), edge="COLLABORATES"),
    FileSpec("trials", ("临床试验",), (
        Column("product", ("产品",), "src", refs=("Product",), required=True),
        Column("site", ("试验机构", "机构"), "dst", refs=("Institution",), required=True),
        _prop("date", "日期"), _prop("trials", "登记号", "试验登记号", multi=True),
    ), edge="TRIAL_SITE"),
    FileSpec("rankings", ("专科排名", "排行榜"), (
        Column("institution", ("医院", "机构"), "src", refs=("Institution",), required=True),
        Column("specialty", ("专科", "科室"), "dst", refs=("Specialty",), required=True),
        _prop("list", "排行榜", "榜单", required=True), _prop("year", "年度", "年份", required=True),
        _prop("rank", "名次", "排名"), _prop("nominated", "提名"), _prop("score", "得分", "声誉得分"),
        _prop("sci", "科研学术得分", "科研得分"),
    ), edge="RANKED"),
    FileSpec("service_records", ("服务记录", "工作记录"), (
        _prop("id", "编号", required=True), Column("station", ("工作站",), "src", refs=("Station",), required=True),
        Column("target", ("对象", "服务对象"), "dst", refs=EDGE_KINDS["TRACKS"].targets, required=True),
        _prop("date", "日期", required=True), _prop("type", "类型", "记录类型", required=True), _prop("note", "备注"),
    ), edge="TRACKS"),
)

FILE_BY_NAME: dict[str, FileSpec] = {f.name: f for f in FILES}
_FILE_ALIASES = {fold(a): f for f in FILES for a in (f.name, *f.zh)}

# FILES is also the load order: a file comes after the files its references point into
# (stations before their service points, products before key projects …); checked below.


def spec_for_name(stem: str) -> FileSpec | None:
    """The file spec for a file or sheet name (``parks``, ``Parks``, ``园区``)."""
    return _FILE_ALIASES.get(fold(stem))


def header_index(spec: FileSpec, header: list[str]) -> tuple[dict[str, int], list[str], list[str]]:
    """Map column names to positions; also return unknown headers and duplicated columns."""
    lookup = {fold(a): c.name for c in spec.columns for a in (c.name, *c.zh)}
    positions: dict[str, int] = {}
    unknown, duplicated = [], []
    for i, raw in enumerate(header):
        name = lookup.get(fold(raw))
        if name is None:
            if raw.strip():
                unknown.append(raw)
        elif name in positions:
            duplicated.append(raw)
        else:
            positions[name] = i
    return positions, unknown, duplicated


def prop_decl(spec: FileSpec, column: Column, edge_kind: str | None = None):
    """The ontology property a ``prop`` column fills (of the node kind, or of the edge kind)."""
    if spec.kind:
        return NODE_KINDS[spec.kind].prop(column.prop)  # type: ignore[arg-type]
    kind = edge_kind or spec.edge or spec.directions[0][1]
    return EDGE_KINDS[kind].prop(column.prop)  # type: ignore[arg-type]


def _self_check() -> None:
    made_so_far = set(ONTOLOGY_KINDS)  # from the ontology, in every store
    for f in FILES:
        if f.kind:
            made_so_far.add(f.kind)
        for c in f.columns:
            if c.role == "prop":
                assert prop_decl(f, c) is not None, (f.name, c.name)
            if c.role == "edge":
                assert c.edge in EDGE_KINDS, (f.name, c.name)
            # the loader writes file by file: a reference may only point into this file or an earlier one
            assert set(c.refs) <= made_so_far, (f.name, c.name, set(c.refs) - made_so_far)


_self_check()


def markdown_table() -> str:
    """The column table of the README (a test keeps the README equal to it)."""
    lines = ["| file (Chinese names) | columns (Chinese aliases); \\* required |", "|---|---|"]
    for f in FILES:
        cols = ", ".join(
            f"`{c.name}`" + (f" ({'/'.join(c.zh)})" if c.zh else "") + ("\\*" if c.required else "") for c in f.columns
        )
        lines.append(f"| `{f.name}.csv` ({' / '.join(f.zh)}) | {cols} |")
    return "\n".join(lines)

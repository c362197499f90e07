"""What an organisation's name says: its place, its core, its legal form or institution type.

Chinese organisation names are built from parts that sources drop or vary: a place prefix
(上海, 上海市) or a bracketed place infix (迈威（上海）生物科技), the legal form (股份有限公司,
有限公司, 集团), stock-name marks (*ST, -U, -W, -B), an affiliation (复旦大学附属 中山 医院) and
full-width or half-width brackets.  ``company_name`` and ``institution_name`` take those parts
apart so that ``loaders.entity.match`` can compare what is left.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from loaders.entity.places import UNIVERSITIES, leading_place, province_of
from loaders.entity.renames import UNIVERSITY_RENAMES

_DROP = re.compile(r"[\s·•・'\"“”‘’`,，.。:：;；!！?？*＊_]+")  # 、 stays: it separates names
_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "[": "(", "]": ")", "〔": "(", "〕": ")",
                           "○": "〇", "零": "〇"})  # 第三○二医院 / 第三零二医院 / 第三〇二医院


def fold(text: str) -> str:
    """Width-, case- and bracket-insensitive form without spaces and punctuation.

    >>> fold("迈威（上海）生物科技股份有限公司"), fold("BioDuro,  LLC")
    ('迈威(上海)生物科技股份有限公司', 'bioduro llc')
    """
    text = unicodedata.normalize("NFKC", text).translate(_BRACKETS).casefold()
    # Latin words keep one space between them; CJK text loses all punctuation and spaces
    text = _DROP.sub(lambda m: " " if " " in m.group() or "," in m.group() else "", text)
    text = re.sub(r"(?<=[^a-z0-9]) | (?=[^a-z0-9])", "", text)
    return text.strip()


# --------------------------------------------------------------------------- companies

# stock-name marks: *ST, ST, S*ST, SST, N (first day), C (first days), XD/XR/DR (ex-dividend); -U, -W, -B …
_MARK_HEAD = re.compile(r"^(?:s?\*?st|sst|xd|xr|dr|[nc](?=[\u4e00-\u9fff]))")
_MARK_TAIL = re.compile(r"(?:-(?:u|w|uw|wd|b|sb|s|sw|bw)|\(退市\))$")
LEGAL_FORMS = (  # longest first; 股份 alone ends Hong Kong short names (山东新华制药股份)
    "集团股份有限公司", "集团有限责任公司", "股份有限公司", "集团有限公司", "有限责任公司", "股份合作公司",
    "有限公司", "股份公司", "总公司", "(集团)", "集团", "公司", "股份",
)
_LATIN_FORMS = re.compile(
    r"(?:\s*(?:co|company|corp|corporation|inc|incorporated|ltd|limited|llc|lp|llp|plc|gmbh|ag|sa|s\.a|"
    r"bv|nv|ab|as|kk|pte|pty|holdings?|group))+$")
# words that say what a company does, not which company it is (the rest of a name is its brand).
# Words of holding, trading or investment units (产业发展, 投资管理, 控股, 贸易, 销售) are left out on
# purpose: 上海复星医药产业发展有限公司 is a subsidiary of 复星医药, not 复星医药.
INDUSTRY_WORDS = tuple(sorted((
    "生物医药", "生物科技", "生物技术", "生物工程", "生物制药", "生物制品", "医药科技", "医疗科技", "医学科技",
    "医疗器械", "医疗设备", "医疗技术", "医药技术", "制药", "药业", "医药", "医疗", "医学", "器械", "生物",
    "科技", "技术", "生命科学", "生命", "健康", "新药", "开发", "研发", "研究", "工程", "诊断", "试剂", "基因",
    "细胞", "化学", "材料", "设备", "仪器", "智能", "药品", "药物", "中药", "制品", "股份", "有限", "集团", "药",
    "医", "中心",
), key=len, reverse=True))


def industry_only(text: str) -> bool:
    """Whether ``text`` is made of industry words alone (or is empty).

    >>> industry_only("医药科技"), industry_only("生物医药科技"), industry_only("南京顺欣制药")
    (True, True, False)
    """
    while text:
        for word in INDUSTRY_WORDS:
            if text.startswith(word):
                text = text[len(word):]
                break
        else:
            return False
    return True


@dataclass(frozen=True)
class CompanyName:
    """A company name taken apart.  ``short``: no legal form (a stock name or an abbreviation)."""

    folded: str
    core: str
    places: frozenset[str]
    legal: str | None
    branch: bool
    latin: bool

    @property
    def short(self) -> bool:
        return self.legal is None


def _bracketed_places(text: str) -> tuple[str, set[str]]:
    """Remove bracketed places and (集团)-like words; return the rest and the places."""
    places: set[str] = set()

    def drop(m: re.Match) -> str:
        inner = m.group(1)
        if province_of(inner):
            places.add(inner.removesuffix("市").removesuffix("省"))
            return ""
        return "" if inner in ("集团", "中国", "控股") else m.group(0)

    return re.sub(r"\(([^()]*)\)", drop, text), places


@lru_cache(maxsize=1 << 16)
def company_name(name: str) -> CompanyName:
    """Take a company or stock name apart.

    >>> c = company_name("上海复星医药（集团）股份有限公司")
    >>> c.core, sorted(c.places), c.legal
    ('复星医药', ['上海'], '股份有限公司')
    >>> company_name("*ST国华").core, company_name("君实生物-U").core, company_name("上海医药").core
    ('国华', '君实生物', '上海医药')
    """
    folded = fold(name)
    text = _MARK_TAIL.sub("", _MARK_HEAD.sub("", folded))
    latin = bool(re.fullmatch(r"[a-z0-9 &.\-/+]+", text))
    if latin:
        core = _LATIN_FORMS.sub("", text).strip()
        legal = text[len(core):].strip() or None
        return CompanyName(folded, core.replace(" ", ""), frozenset(), legal, False, True)
    branch = text.endswith("分公司") or text.endswith("分厂")
    text, places = _bracketed_places(text)
    legal = None
    if not branch:
        for form in LEGAL_FORMS:
            if text.endswith(form) and len(text) > len(form) + 1:
                legal, text = form, text[: -len(form)]
                text, more = _bracketed_places(text)
                places |= more
                break
    lead = leading_place(text)
    if lead and lead[1] and not industry_only(lead[1]):
        places.add(lead[0])
        text = lead[1]
    return CompanyName(folded, text, frozenset(places), legal, branch, False)


# --------------------------------------------------------------------------- institutions

_HOSPITAL_TYPES = ("医学中心", "医院", "保健院", "卫生院", "中心")
_ORDINAL = r"第[一二三四五六七八九十百零〇\d]+"
_PARENT = re.compile(r"^(.*?(?:大学|医学院|医科大学|科学院|研究院|中国人民解放军))")
# words that say what kind of hospital it is; a core made of them alone names no particular hospital
_GENERIC = re.compile(
    rf"(?:{_ORDINAL}|附属|人民|中心|中医药|中医|中西医结合|妇幼保健|妇产科|妇产|妇女儿童|妇婴保健|儿童|儿科|肿瘤|"
    r"口腔|眼科|眼耳鼻喉科|耳鼻喉|五官科|精神卫生|精神病|安定|脑科|胸科|肺科|传染病|感染病|公共卫生临床|皮肤病|"
    r"结核病|骨科|骨伤科|心血管病|心脏病|血液病|整形外科|康复|老年|医学|职业病|友谊|协和|同仁|红十字|总|省立|市立|"
    r"市|省|区|县|大学|第)")


def generic(core: str) -> bool:
    """Whether a hospital's core says nothing but its kind or its number (第一人民, 肿瘤, 中医)."""
    return not _GENERIC.sub("", core)


def canonical_parent(parent: str | None) -> str | None:
    """A university as it is named now, without its medical school: 上海交通大学医学院 -> 上海交通大学,
    第二军医大学 -> 海军军医大学."""
    if not parent:
        return None
    m = re.match(r"^(.*?大学)", parent)
    parent = m.group(1) if m else parent
    return UNIVERSITY_RENAMES.get(parent, parent)


@dataclass(frozen=True)
class InstitutionName:
    """An institution name taken apart; hospitals also into ``parent`` (the university they belong to),
    ``place`` and ``core`` (中山 of 复旦大学附属中山医院)."""

    folded: str
    main: str  # the name without its bracketed parts
    alternates: tuple[str, ...]  # other names it carries: 上海市东方医院（同济大学附属东方医院）, A暨B
    hospital: bool
    parent: str | None
    place: str | None
    core: str
    suffix: str = ""  # 医院, 医学中心, 中心 …: 上海儿童医学中心 is not 上海市儿童医院
    number: str | None = None  # a bracketed unit number: 中国人民解放军总医院第一附属医院（304）


_NAMED = (*_HOSPITAL_TYPES, "大学", "学院", "院", "所")  # what a bracketed part that is a name of its own ends with
_CAMPUS = re.compile(r"(?:分院|院区|分部|分中心|校区|^[东西南北中总新老]院)$")  # a branch or campus, not another name


def _split_alternates(text: str) -> tuple[str, list[str], str | None, str | None]:
    """Bracketed parts that are names of their own, an affiliation or a unit number:
    (main, alternates, parent, number)."""
    alternates, parent, number = [], None, None

    def take(m: re.Match) -> str:
        nonlocal parent, number
        inner = m.group(1).removeprefix("暨").removeprefix("原")  # 原: a former name
        if inner.isdigit():
            number = inner
            return ""
        if inner.endswith("附属"):
            parent = inner.removesuffix("附属")
            return ""
        if inner.endswith(_NAMED) and not _CAMPUS.search(inner):
            alternates.extend(n for n in inner.split("、") if n)
            return ""
        return m.group(0)  # 复旦大学附属中山医院（青浦分院）: a branch, which stays in the name

    main = re.sub(r"\(([^()]*)\)", take, text)
    head, _, tail = main.partition("暨")  # 武汉市第三医院暨武汉大学附属同仁医院: two names of one hospital
    if head.endswith(_HOSPITAL_TYPES) and tail.endswith(_HOSPITAL_TYPES):  # not 浙江农林大学暨阳学院
        main = head
        alternates.append(tail)
    return main, alternates, parent, number


# names of one institution written side by side: 中山大学附属第六医院·广东省胃肠肛门医院,
# 深圳市精神卫生中心／深圳市康宁医院, two names two spaces apart (only when the first is a hospital:
# 汕头大学·香港中文大学联合汕头国际眼科中心 is one name)
_SIDE_BY_SIDE = re.compile(r"\s*[·•・/]\s*|\s{2,}")
_CN_DIGIT = "〇一二三四五六七八九"
_NUMERAL_RUN = re.compile(rf"(?<![a-z])[{_CN_DIGIT}o]{{2,}}(?![a-z])")  # 三〇七, 九四O (a Latin O for 〇)
_PLA = re.compile(r"^(?:中国人民)?解放军(?=陆军|海军|空军|火箭军|联勤保障部队|[东南西北中]部战区)")
_SPELLINGS = (("中医医院", "中医院"), ("妇产科医院", "妇产医院"))  # one hospital kind, two spellings


def _numerals(m: re.Match) -> str:
    run = m.group()
    if not any(c in _CN_DIGIT for c in run):
        return run
    return run.replace("o", "〇").translate(str.maketrans(_CN_DIGIT, "0123456789"))


def institution_fold(name: str) -> str:
    """``fold`` for institutions, with what their names spell in several ways made one: unit
    numbers in Chinese or Arabic numerals, 解放军 / 中国人民解放军 before a service, 中医医院 /
    中医院, 湘雅二院 / 湘雅二医院.

    >>> institution_fold("中国人民解放军三〇七医院"), institution_fold("中国人民解放军陆军军医大学第一附属医院")
    ('中国人民解放军307医院', '陆军军医大学第一附属医院')
    """
    text = fold(name)
    text = re.sub(r"^解放军(?=第|\d)", "中国人民解放军", text)  # 解放军第309医院
    text = _PLA.sub("", text)
    text = _NUMERAL_RUN.sub(_numerals, text)
    for variant, usual in _SPELLINGS:
        text = text.replace(variant, usual)
    return re.sub(r"(?<=[一二三四五六七八九十])院$", "医院", text)


@lru_cache(maxsize=1 << 16)
def institution_name(name: str) -> InstitutionName:
    """Take an institution name apart.

    >>> h = institution_name("复旦大学附属中山医院")
    >>> h.hospital, h.parent, h.place, h.core
    (True, '复旦大学', None, '中山')
    >>> h = institution_name("上海市（复旦大学附属）公共卫生临床中心")
    >>> h.parent, h.place, h.core
    ('复旦大学', '上海', '公共卫生临床')
    >>> institution_name("海军军医大学第一附属医院").core
    '第一'
    >>> institution_name("深圳市精神卫生中心／深圳市康宁医院").alternates
    ('深圳市康宁医院',)
    """
    text = unicodedata.normalize("NFKC", name).strip()
    text = re.sub(r"[,;，；](?=[^()]*\))", "、", text)  # names listed in brackets: 、 separates them
    parts = [p for p in _SIDE_BY_SIDE.split(text) if p]
    side = []
    if len(parts) > 1 and institution_fold(parts[0]).endswith(_HOSPITAL_TYPES):
        text, side = parts[0], [institution_fold(p) for p in parts[1:]]
    folded = institution_fold(text)
    main, alternates, parent, number = _split_alternates(folded)
    alternates += side
    hospital = main.endswith(_HOSPITAL_TYPES) and not main.endswith(("研究中心", "检测中心", "转化中心"))
    core, place, kind = main, None, ""
    if hospital:
        kind = next(suffix for suffix in _HOSPITAL_TYPES if core.endswith(suffix))
        core = core[: -len(kind)]
        m = _PARENT.match(core)
        if m and len(m.group(1)) < len(core):
            parent, core = parent or m.group(1), re.sub(r"^(?:医学院|医学部)", "", core[len(m.group(1)):])
        if "附属" in core:
            head, _, core = core.rpartition("附属")
            if head and not re.fullmatch(_ORDINAL, head):
                parent = parent or head
            elif head:
                core = head + core  # 第一附属医院: the ordinal is the core
        lead = leading_place(core)
        # 香港中文大学 and 广州军区 (a military region) name no place
        if lead and lead[1] and not re.search("大学|学院", lead[1]) and not lead[1].startswith("军区"):
            place, core = lead[0], lead[1]
        core = core.removeprefix("附属")
    if not hospital and main in UNIVERSITY_RENAMES:  # 第二军医大学 is 海军军医大学 now
        alternates.append(UNIVERSITY_RENAMES[main])
    return InstitutionName(folded, main, tuple(dict.fromkeys(alternates)), hospital, canonical_parent(parent),
                           place, core, kind, number)


def place_of_parent(parent: str | None) -> str | None:
    """The province of a university a hospital belongs to (上海交通大学 -> 上海, 华中科技大学 -> 湖北), if known."""
    if not parent:
        return None
    if parent in UNIVERSITIES:
        return UNIVERSITIES[parent]
    lead = leading_place(parent)
    return province_of(lead[0]) if lead else None

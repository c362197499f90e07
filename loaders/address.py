"""Free-text Chinese addresses -> the district they name, from the loaded administrative divisions.

``place(address, divisions)`` is pure.  The address is width-folded (NFKC: full-width digits and
punctuation) and its whitespace dropped, so that spaces and a province or city prefix never change
the answer.  It is cut into sites (campuses) at 、，,；;/ and where a province is written again in
full; a bracket after a site that names its district is another site (a second campus), after one
that names none it is read with it (开发区（头屯河区）).  In each site, in this order of strength:

1. a district's name: the full name anywhere in the site (``浦东新区``), a short form (``浦东``) only
   where a district is written (opening the site, after its province and city) and not as the start of
   a road's name (``宝山路`` is in 静安, ``浦东南路`` is a road);
2. a former district, merged into today's one (``卢湾区`` → 黄浦区; ``FORMER``, each with its source);
3. a subdistrict (街道, 镇, 乡 and the like) of the loaded divisions, by its full name.

The strongest rule that finds something decides; if what it finds, or what a weaker rule finds, names
another district, the answer is ``ambiguous`` with both, never a guess.  Nothing found: ``none``.  A
province or city written in the address (or given as ``province``) rules out the districts of others:
舟山市普陀区 is not Shanghai's 普陀区; so does a city or county none of the loaded divisions is in
(信丰县嘉定镇 is not in 嘉定区).  A district's province is its record's, else its division code's.  The
first site is the main one; the districts of the others are kept in ``others``.

>>> d = Divisions.of([District("district:310101", "黄浦区", ("黄浦",), "上海", code="310101"),
...                   District("district:310113", "宝山区", ("宝山",), "上海", code="310113")],
...                  [Town("subdistrict:310113103", "罗店镇", "district:310113")])
>>> place("上海市黄浦区瑞金二路197号", d).district, place("上海市卢湾区重庆南路", d).how
('district:310101', 'former')
>>> place("上海市 罗店镇罗溪路121号", d).note
'names 罗店镇, a subdistrict of 宝山区'
>>> place("上海市宝山路", d).how, place("浙江省舟山市宝山区", d).how
('none', 'none')
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from loaders.entity.places import CITIES, LONG_FORMS, MUNICIPALITIES, PROVINCES, province_of
from ontology import fold

HOW = ("district", "former", "subdistrict")  # the rules, strongest first; a placement's ``how`` is one of these


@dataclass(frozen=True)
class District:
    """A district (区, 县, county-level 市) the resolver can name."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    province: str | None = None  # short form: 上海, 江苏
    city: str | None = None  # 南京市; None in the four municipalities
    code: str | None = None


@dataclass(frozen=True)
class Town:
    """A subdistrict (街道, 镇, 乡 …) and the district it belongs to."""

    id: str
    name: str
    district: str  # a District id
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Former:
    """A district merged into today's one; ``short`` is matched only where a district is written."""

    name: str
    short: str | None
    today: str  # today's division code
    province: str
    year: int
    source: str


# Knowledge no division list holds (the 2023 codes name only today's districts): a curated table.
FORMER = (
    Former("南市区", "南市", "310101", "上海", 2000,
           "merged into 黄浦区 on 2000-07-01 (国务院批复; blog.sciencenet.cn/blog-5889-453139.html, 2011)"),
    Former("卢湾区", "卢湾", "310101", "上海", 2011,
           "国务院批复 撤销黄浦区、卢湾区，设立新的黄浦区 (新华社, gov.cn/jrzg/2011-06/08/content_1879836.htm)"),
    Former("闸北区", "闸北", "310106", "上海", 2015,
           "国务院批复 撤销闸北区、静安区，设立新的静安区 (2015-10; announced 2015-11-04, 澎湃新闻 and 央广网)"),
    Former("南汇区", "南汇", "310115", "上海", 2009,
           "撤销南汇区，行政区域并入浦东新区 (国务院批复, 2009)"),
    Former("吴淞区", None, "310113", "上海", 1988,
           "吴淞区 and 宝山县 merged into 宝山区 in 1988 (old code 310111)"),
)


@dataclass(frozen=True)
class Placement:
    """Where an address puts its main site, and how (``how``: district | former | subdistrict |
    none | ambiguous)."""

    district: str | None
    how: str
    matched: str = ""  # the words that placed it: 浦东新区, 卢湾区, 罗店镇
    name: str = ""  # the district's name
    candidates: tuple[str, ...] = ()  # ambiguous: the districts named, in order
    others: tuple[str, ...] = ()  # the districts of the other sites (campuses), in order, without the main one

    @property
    def note(self) -> str:
        """What the address says, for a person: ``names 卢湾区, a former district merged into 黄浦区 in 2011``."""
        if self.how == "none":
            return "names no district"
        if self.how == "ambiguous":
            return f"names several districts ({', '.join(self.candidates)})"
        if self.how == "former":
            f = next(f for f in FORMER if self.matched in (f.name, f.short))
            return f"names {self.matched}, a former district merged into {self.name} in {f.year}"
        if self.how == "subdistrict":
            return f"names {self.matched}, a subdistrict of {self.name}"
        return f"names {self.name}" if self.matched == self.name else f"names {self.matched} ({self.name})"


_TOWN = re.compile(r"(?:街道|镇|乡|苏木)$")
_GENERIC = re.compile(r"经济|高新|开发|工业|产业|农场|林场|国营|第[一二三四五]|园艺|良种|原种|种畜|畜牧|社区|城区|新区")
_SEPARATORS = re.compile(r"[、,;/]")  # NFKC has made ，；／ these
_BRACKETS = re.compile(r"\(([^()]*)\)")  # and （） these
# a short form (浦东) opening a road's name (浦东南路, 宝山路) is no district
_ROAD = re.compile(r"[东南西北中]?(?:[路街巷弄桥江河寺]|大道|公路)")
# how a province is written: 上海, 上海市, 江苏省, 广西壮族自治区 …, longest first
PROVINCE_FORMS = tuple(sorted({**{p: p for p in PROVINCES},
                               **{p + ("市" if p in MUNICIPALITIES else "省"): p for p in PROVINCES},
                               **LONG_FORMS}.items(), key=lambda kv: -len(kv[0])))
SHORT_MAX = 8  # the longest short form of a district (乌鲁木齐 …)


def _short_city(name: str) -> str:
    for suffix in ("地区", "自治州", "市", "盟"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True)
class Divisions:
    """The divisions an address is matched against, indexed once (``Divisions.of``)."""

    districts: dict[str, District]
    towns: dict[str, Town]
    full: dict[str, tuple[str, ...]] = field(default_factory=dict)  # full name -> district ids
    short: dict[str, tuple[str, ...]] = field(default_factory=dict)  # short form -> district ids
    former_full: dict[str, tuple[str, Former]] = field(default_factory=dict)  # name -> (district id, former)
    former_short: dict[str, tuple[str, Former]] = field(default_factory=dict)
    town_names: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name -> town ids
    provinces: tuple[tuple[str, str], ...] = ()  # (written form, short form), longest first
    cities: tuple[tuple[str, str], ...] = ()  # (written form, city as stored or the short name), longest first
    city_names: frozenset[str] = frozenset()  # the written forms of ``cities``
    city_provinces: dict[str, str] = field(default_factory=dict)  # a loaded district's city -> its province
    longest: int = 0

    @classmethod
    def of(cls, districts: Iterable[District], towns: Iterable[Town] = ()) -> Divisions:
        """Index ``districts`` and ``towns``.  A district of no known province (临港新片区, a special area
        without a code) is taken to be in the province of all the others, when they share one."""
        by_id = {d.id: d for d in districts}
        known = {d.province for d in by_id.values() if d.province}
        if len(known) == 1:
            (only,) = known
            by_id = {i: d if d.province else replace(d, province=only) for i, d in by_id.items()}
        full: dict[str, list[str]] = defaultdict(list)
        short: dict[str, list[str]] = defaultdict(list)
        for d in by_id.values():
            full[fold(d.name)].append(d.id)
            for alias in d.aliases:
                if fold(alias) != fold(d.name):
                    short[fold(alias)].append(d.id)
        by_code = {d.code: d.id for d in by_id.values() if d.code}
        former_full, former_short = {}, {}
        for f in FORMER:
            today = by_code.get(f.today)
            if today is None:
                continue
            former_full[f.name] = (today, f)
            if f.short:
                former_short[f.short] = (today, f)
        town_by_id = {t.id: t for t in towns if t.district in by_id}
        names: dict[str, list[str]] = defaultdict(list)
        for t in town_by_id.values():
            if not _TOWN.search(t.name) and (len(t.name) < 4 or _GENERIC.match(t.name)):
                continue  # 开发区, 经济开发区, 良种场: words, not names (张江高科技园区 is one)
            forms = {fold(t.name), *(fold(a) for a in t.aliases)}
            if t.name.endswith("镇街道"):  # 嘉定镇街道 is written 嘉定镇
                forms.add(fold(t.name[:-2]))
            for form in forms:
                if len(form) >= 3:
                    names[form].append(t.id)
        cities: dict[str, str] = {}
        for c in {d.city for d in by_id.values() if d.city}:
            cities[c] = c
            cities.setdefault(_short_city(c), c)
        for c in CITIES:  # cities of other provinces: written, they rule out every loaded district
            full_name = c if c.endswith("市") else c + "市"
            cities.setdefault(full_name, full_name)
            cities.setdefault(_short_city(full_name), full_name)
        longest = max([len(k) for k in (*full, *short, *names, *former_full)] or [0])
        return cls(by_id, town_by_id, {k: tuple(v) for k, v in full.items()}, {k: tuple(v) for k, v in short.items()},
                   former_full, former_short, {k: tuple(v) for k, v in names.items()},
                   PROVINCE_FORMS,
                   tuple(sorted(cities.items(), key=lambda kv: -len(kv[0]))), frozenset(cities),
                   {d.city: d.province for d in by_id.values() if d.city and d.province}, longest)

    def city_province(self, city: str) -> str | None:
        """The province of a city: of the loaded districts in it, or of the list of known cities."""
        return self.city_provinces.get(city) or CITIES.get(_short_city(city))


@dataclass
class _Site:
    text: str  # without its province and city
    province: str | None
    city: str | None
    elsewhere: bool = False  # it opens with a city or county none of the loaded divisions is in


def _road(text: str, short: str) -> bool:
    """Whether a short place name opening ``text`` opens a road's name instead (江苏路, 北京西路); a name
    written in full (江苏省, 武汉市) is the place."""
    return not short.endswith(("省", "市", "自治区", "特别行政区")) and bool(_ROAD.match(text, len(short)))


def _prefix(text: str, divisions: Divisions, province: str | None, city: str | None) -> tuple[str, str | None,
                                                                                            str | None]:
    """The text after its leading 中国, province and city, and the province and city it names (or, naming
    none, those it inherits from the site before it)."""
    named = None
    while True:  # 上海市上海市…, 湖南省中国湖南省…: a prefix written twice is one
        if text.startswith("中国") and not text.startswith("中国人民"):
            text = text[2:]
        # 江苏路街道, 北京西路: roads of Shanghai, not provinces; 吉林市: a city, not 吉林 (省)
        hit = next(((w, p) for w, p in divisions.provinces if text.startswith(w) and not _road(text, w)
                    and not (w == p and text[len(w):len(w) + 1] == "市")), None)
        if hit is None or (named is not None and hit[1] != named):
            break
        named, text = hit[1], text[len(hit[0]):]
    if named is not None:
        province, city = named, None
    if text.startswith("市辖区"):
        text = text[3:]
    named_city = None
    while hit := next(((w, c) for w, c in divisions.cities if text.startswith(w) and not _road(text, w)), None):
        if province in MUNICIPALITIES and _short_city(hit[1]) == province:
            text = text[len(hit[0]):]  # 上海市上海…
            continue
        if (named_city is not None and hit[1] != named_city) or province in MUNICIPALITIES or (
                province and divisions.city_province(hit[1]) not in (None, province)):
            break  # a municipality has no cities; 北京市朝阳区 is no 朝阳市
        named_city, text = hit[1], text[len(hit[0]):]
    if named_city is not None:
        city, province = named_city, province or divisions.city_province(named_city)
    return text, province, city


def _sites(address: str, divisions: Divisions, province: str | None, brackets_apart: bool) -> list[_Site]:
    """The sites of an address, each with the province and city it names or inherits; with
    ``brackets_apart`` a bracketed part is a site of its own."""
    text = fold(address)
    if brackets_apart:
        text = _BRACKETS.sub(lambda m: "、" + m.group(1) + "、", text)
    parts = [p for p in _SEPARATORS.split(text) if p]
    # written in full: 江西中路 and 福建路 are roads of Shanghai
    starts = [w for w, _ in divisions.provinces if w.endswith(("省", "市", "自治区", "特别行政区"))]
    out: list[_Site] = []
    city = None
    for part in parts:
        # a province written again inside a part starts another site (campuses separated by spaces)
        pieces, rest = [], part
        while True:
            cut = min((i for w in starts if (i := rest.find(w, 1)) > 0), default=-1)
            if cut < 0:
                pieces.append(rest)
                break
            pieces.append(rest[:cut])
            rest = rest[cut:]
        for piece in pieces:
            body, province_here, city_here = _prefix(piece, divisions, province, city)
            if body:
                out.append(_Site(body, province_here, city_here, _elsewhere(body, divisions)))
                province, city = province_here, city_here
    return out


# where a district is written, a city (双鸭山市) or a county (信丰县) of none of the loaded divisions
_PLACE_WORD = re.compile(r"[\u4e00-\u9fff]{2,6}?(?:自治县|县|旗|市)|[\u4e00-\u9fff]{2,3}区")
_NOT_A_DISTRICT = ("新区", "园区", "校区", "院区", "社区", "小区", "片区", "景区", "厂区", "港区", "城区", "矿区",
                   "开发区", "工业区", "保税区", "示范区", "度假区", "试验区")


def _elsewhere(text: str, divisions: Divisions) -> bool:
    """Whether the site opens with a city or county name that holds no loaded division's name: its
    districts, whatever their names, are not the loaded ones (信丰县嘉定镇 is in 江西, not 嘉定区; with
    Shanghai loaded, 双鸭山市宝山区 is not 宝山区).  红河州个旧市 holds 个旧市: not elsewhere."""
    m = _PLACE_WORD.match(text)
    if m is None or m.group().endswith(_NOT_A_DISTRICT) or _ROAD.match(text, m.end()):
        return False
    word = m.group()
    names = (divisions.full, divisions.short, divisions.former_full, divisions.town_names,
             divisions.city_provinces, divisions.city_names)
    return not any(word[i:j] in index for i in range(len(word)) for j in range(i + 2, len(word) + 1)
                   for index in names)


def _allowed(d: District, site: _Site) -> bool:
    if site.province and d.province != site.province:  # a district of no known province: not in a named one
        return False
    if site.elsewhere:
        return False
    if site.city and site.province not in MUNICIPALITIES:
        return d.city is not None and (d.city == site.city or _short_city(d.city) == _short_city(site.city))
    if site.city and d.city is None:  # a city of another province, written without it
        return False
    return True


def _found(site: _Site, divisions: Divisions) -> list[tuple[str, str, tuple[str, ...]]]:
    """(rule, words, the districts they may mean) for every name in the site; a name written inside a
    longer one (经济技术开发区 in 昆山经济技术开发区) is not counted."""
    text = site.text
    spans: list[tuple[int, int, str, tuple[str, ...]]] = []

    def add(start: int, end: int, rule: str, ids: Iterable[str]) -> None:
        kept = tuple(dict.fromkeys(i for i in ids if _allowed(divisions.districts[i], site)))
        if kept:
            spans.append((start, end, rule, kept))

    def opens(words: str) -> bool:  # where a district is written, and not the start of a road's name
        return text.startswith(words) and not _ROAD.match(text, len(words))

    for start in range(len(text)):
        for end in range(min(len(text), start + divisions.longest), start + 2, -1):  # three characters or more
            words = text[start:end]
            add(start, end, "district", divisions.full.get(words, ()))
            former = divisions.former_full.get(words)
            if former and site.province in (None, former[1].province):
                add(start, end, "former", [former[0]])
            add(start, end, "subdistrict", (divisions.towns[t].district for t in divisions.town_names.get(words, ())))
    for n in range(2, min(len(text), SHORT_MAX) + 1):
        words = text[:n]
        if not opens(words):
            continue
        add(0, n, "district", [*divisions.short.get(words, ()), *(divisions.full.get(words, ()) if n < 3 else ())])
        former = divisions.former_short.get(words)
        if former and site.province in (None, former[1].province):
            add(0, n, "former", [former[0]])
    outer = [x for x in spans if not any(y[0] <= x[0] and x[1] <= y[1] and (y[0], y[1]) != (x[0], x[1])
                                         for y in spans)]
    return [(rule, text[a:b], ids) for a, b, rule, ids in sorted(outer, key=lambda x: (HOW.index(x[2]), x[0]))]


def _place_site(site: _Site, divisions: Divisions) -> Placement:
    """The strongest rule that finds names decides: what all its names allow.  Two names that disagree
    (a weaker one too, when it names one district only), or a name several districts bear that nothing
    narrows, are ambiguous."""
    found = _found(site, divisions)
    if not found:
        return Placement(None, "none")
    how = found[0][0]
    deciding = [(words, set(ids)) for rule, words, ids in found if rule == how]
    allowed = set.intersection(*(ids for _, ids in deciding))
    if not allowed:
        names = [divisions.districts[i].name for _, ids in deciding for i in sorted(ids)]
        return Placement(None, "ambiguous", candidates=tuple(dict.fromkeys(names)))
    for rule, words, ids in found:
        if rule == how:
            continue
        if len(ids) == 1 and not allowed & set(ids):  # a name of one other district: they disagree
            deciding.append((words, set(ids)))
            names = [divisions.districts[i].name for _, ids_ in deciding for i in sorted(ids_)]
            return Placement(None, "ambiguous", candidates=tuple(dict.fromkeys(names)))
        if len(allowed) > 1 and allowed & set(ids):
            allowed &= set(ids)
    if len(allowed) > 1:
        names = [divisions.districts[i].name for i in sorted(allowed)]
        return Placement(None, "ambiguous", candidates=tuple(names))
    (district,) = allowed
    words = next(w for w, ids in deciding if district in ids)
    return Placement(district, how, words, divisions.districts[district].name)


def place(address: str, divisions: Divisions, province: str | None = None) -> Placement:
    """The district the address's first site names (``province``: the one its record gives, if any;
    an address that names its own outranks it)."""
    # a bracket after a site that names its district is another campus (徐汇区宛平南路600号(闵行区沪闵路3210号));
    # after one that names none, it says where the site is (乌鲁木齐市经济技术开发区(头屯河区))
    for brackets_apart in (True, False):
        sites = _sites(address, divisions, province_of(province), brackets_apart)
        if not sites:
            return Placement(None, "none")
        main = _place_site(sites[0], divisions)
        if main.how != "none":
            break
    others = [p.district for s in sites[1:] if (p := _place_site(s, divisions)).district]
    kept = tuple(dict.fromkeys(i for i in others if i != main.district))
    return Placement(main.district, main.how, main.matched, main.name, main.candidates, kept)


# --------------------------------------------------------------------------- from a store


# the province part of a division code (GB/T 2260): a district whose record names no province is in this one
PROVINCE_CODES = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古", "21": "辽宁", "22": "吉林", "23": "黑龙江",
    "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西", "37": "山东", "41": "河南",
    "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南", "50": "重庆", "51": "四川", "52": "贵州",
    "53": "云南", "54": "西藏", "61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏", "65": "新疆", "71": "台湾",
    "81": "香港", "82": "澳门",
}


def district_of(node_id: str, name: str, props: dict, more_names: Iterable[str] = ()) -> District:
    """A District node (or record) as the resolver sees it; its province as stated (上海市 or 上海), else
    the one its division code gives."""
    aliases = tuple(dict.fromkeys([*more_names, *props.get("aliases", ())]))
    code = props.get("code")
    province = province_of(props.get("province")) or (PROVINCE_CODES.get(code[:2]) if code else None)
    return District(node_id, name, aliases, province, props.get("city"), code)


def divisions_of(store, districts: Iterable[District] = (), towns: Iterable[Town] = ()) -> Divisions:
    """The store's districts and subdistricts, with ``districts`` and ``towns`` of a load on top."""
    found = {n.id: district_of(n.id, n.name, n.props) for n in store.nodes("District")}
    found.update((d.id, d) for d in districts)
    subs = {n.id: n for n in store.nodes("Subdistrict")}
    stored = [Town(e.src, subs[e.src].name, e.dst, tuple(subs[e.src].props.get("aliases", ())))
              for e in (store.edges("IN_DISTRICT") if subs else ()) if e.src in subs]
    return Divisions.of(found.values(), [*stored, *towns])

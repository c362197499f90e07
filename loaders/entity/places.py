"""Place names that organisation names start with or carry in brackets, and the province of each.

Only names that are unambiguous as places when they open an organisation name are listed;
``中山`` (a city, and the core of 中山医院) and regional words such as 华东 or 华中 are left out on
purpose.  Provinces are keyed by their short form (上海, 内蒙古); ``province_of`` also accepts the
long forms (上海市, 广西壮族自治区) and the short forms some sources use (内蒙).
"""

from __future__ import annotations

PROVINCES = (
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建",
    "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海",
    "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门",
)

# city -> province, for the cities that open company and hospital names most often
CITIES = {
    "深圳": "广东", "广州": "广东", "珠海": "广东", "佛山": "广东", "东莞": "广东", "汕头": "广东", "惠州": "广东",
    "苏州": "江苏", "南京": "江苏", "无锡": "江苏", "常州": "江苏", "南通": "江苏", "扬州": "江苏", "镇江": "江苏",
    "泰州": "江苏", "徐州": "江苏", "连云港": "江苏", "盐城": "江苏", "淮安": "江苏", "宿迁": "江苏",
    "杭州": "浙江", "宁波": "浙江", "温州": "浙江", "绍兴": "浙江", "嘉兴": "浙江", "湖州": "浙江", "金华": "浙江",
    "台州": "浙江", "丽水": "浙江", "衢州": "浙江", "舟山": "浙江",
    "合肥": "安徽", "芜湖": "安徽", "蚌埠": "安徽", "亳州": "安徽",
    "福州": "福建", "厦门": "福建", "泉州": "福建", "漳州": "福建", "莆田": "福建",
    "南昌": "江西", "赣州": "江西", "九江": "江西",
    "济南": "山东", "青岛": "山东", "烟台": "山东", "威海": "山东", "潍坊": "山东", "淄博": "山东", "临沂": "山东",
    "济宁": "山东", "德州": "山东", "聊城": "山东",
    "郑州": "河南", "洛阳": "河南", "开封": "河南", "新乡": "河南",
    "武汉": "湖北", "宜昌": "湖北", "襄阳": "湖北", "十堰": "湖北",
    "长沙": "湖南", "株洲": "湖南", "湘潭": "湖南", "岳阳": "湖南", "衡阳": "湖南",
    "成都": "四川", "绵阳": "四川", "宜宾": "四川", "泸州": "四川", "德阳": "四川",
    "西安": "陕西", "咸阳": "陕西", "宝鸡": "陕西",
    "沈阳": "辽宁", "大连": "辽宁", "鞍山": "辽宁", "本溪": "辽宁",
    "长春": "吉林", "通化": "吉林", "吉林市": "吉林",
    "哈尔滨": "黑龙江", "大庆": "黑龙江", "齐齐哈尔": "黑龙江",
    "石家庄": "河北", "保定": "河北", "唐山": "河北", "廊坊": "河北", "沧州": "河北", "邯郸": "河北",
    "太原": "山西", "大同": "山西", "呼和浩特": "内蒙古", "包头": "内蒙古",
    "昆明": "云南", "大理": "云南", "贵阳": "贵州", "遵义": "贵州", "南宁": "广西", "桂林": "广西", "柳州": "广西",
    "海口": "海南", "三亚": "海南", "兰州": "甘肃", "西宁": "青海", "银川": "宁夏", "乌鲁木齐": "新疆", "拉萨": "西藏",
}

MUNICIPALITIES = ("北京", "上海", "天津", "重庆")
# long forms (and the short 内蒙) of province names -> their key
LONG_FORMS = {"内蒙": "内蒙古", "广西壮族自治区": "广西", "西藏自治区": "西藏", "宁夏回族自治区": "宁夏",
              "新疆维吾尔自治区": "新疆", "内蒙古自治区": "内蒙古", "香港特别行政区": "香港", "澳门特别行政区": "澳门",
              "新疆维吾尔族自治区": "新疆"}  # the last: a misspelling official lists carry
_SUFFIXES = ("特别行政区", "自治区", "省", "市")

# longest first, so that 连云港 wins over a shorter name it starts with
PLACE_NAMES = tuple(sorted((*PROVINCES, *CITIES), key=len, reverse=True))
_LONG_FIRST = tuple(sorted(LONG_FORMS, key=len, reverse=True))


def province_of(place: str | None) -> str | None:
    """The province of a place name (province or listed city, long or short form), or None.

    >>> province_of("上海市"), province_of("苏州"), province_of("内蒙"), province_of("火星")
    ('上海', '江苏', '内蒙古', None)
    """
    if not place:
        return None
    text = place.strip()
    if text in LONG_FORMS:
        return LONG_FORMS[text]
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix) + 1:
            text = text[: -len(suffix)]
            break
    if text in PROVINCES:
        return text
    return CITIES.get(text) or CITIES.get(text + "市")


def leading_place(text: str) -> tuple[str, str] | None:
    """(place, rest) when ``text`` opens with a listed place (and its 省/市), else None.

    >>> leading_place("上海市第一人民医院"), leading_place("苏州盛迪亚生物医药")
    (('上海', '第一人民医院'), ('苏州', '盛迪亚生物医药'))
    """
    for long in _LONG_FIRST:  # 新疆维吾尔自治区人民医院: the whole long form, not 新疆 + 维吾尔…
        if text.startswith(long) and len(long) > 2:
            return LONG_FORMS[long], text[len(long):]
    for place in PLACE_NAMES:
        if text.startswith(place):
            rest = text[len(place):]
            for suffix in ("特别行政区", "自治区", "省", "市"):
                if rest.startswith(suffix):
                    rest = rest[len(suffix):]
                    break
            return place, rest
    return None

# Universities (and academies) that hospitals belong to, with their province: a hospital's
# university places it (华中科技大学同济医学院附属同济医院 is in Wuhan, not Shanghai).  National
# academies are apart (ACADEMIES): 中国医学科学院皮肤病医院 is in Nanjing, its 血液病医院 in Tianjin.
UNIVERSITIES = {
    "复旦大学": "上海", "同济大学": "上海", "上海交通大学": "上海", "海军军医大学": "上海", "第二军医大学": "上海",
    "上海中医药大学": "上海", "上海大学": "上海", "上海健康医学院": "上海",
    "北京大学": "北京", "清华大学": "北京", "首都医科大学": "北京", "北京中医药大学": "北京",
    "北京协和医学院": "北京", "中国人民解放军总医院": "北京",
    "天津医科大学": "天津", "天津中医药大学": "天津", "南开大学": "天津",
    "重庆医科大学": "重庆", "陆军军医大学": "重庆", "第三军医大学": "重庆",
    "空军军医大学": "陕西", "第四军医大学": "陕西", "西安交通大学": "陕西",
    "华中科技大学": "湖北", "武汉大学": "湖北", "中南大学": "湖南",
    "中山大学": "广东", "南方医科大学": "广东", "暨南大学": "广东", "广州医科大学": "广东", "广州中医药大学": "广东",
    "汕头大学": "广东", "深圳大学": "广东",
    "浙江大学": "浙江", "温州医科大学": "浙江", "浙江中医药大学": "浙江",
    "南京大学": "江苏", "南京医科大学": "江苏", "东南大学": "江苏", "苏州大学": "江苏", "南京中医药大学": "江苏",
    "徐州医科大学": "江苏", "中国药科大学": "江苏",
    "山东大学": "山东", "青岛大学": "山东", "山东第一医科大学": "山东",
    "四川大学": "四川", "西南医科大学": "四川", "电子科技大学": "四川",
    "吉林大学": "吉林", "中国医科大学": "辽宁", "大连医科大学": "辽宁", "哈尔滨医科大学": "黑龙江",
    "郑州大学": "河南", "河南大学": "河南", "河北医科大学": "河北", "河北大学": "河北", "山西医科大学": "山西",
    "安徽医科大学": "安徽", "中国科学技术大学": "安徽", "厦门大学": "福建", "福建医科大学": "福建",
    "南昌大学": "江西", "广西医科大学": "广西", "昆明医科大学": "云南", "贵州医科大学": "贵州", "遵义医科大学": "贵州",
    "兰州大学": "甘肃", "宁夏医科大学": "宁夏", "新疆医科大学": "新疆", "内蒙古医科大学": "内蒙古",
    "海南医学院": "海南", "青海大学": "青海", "西藏大学": "西藏",
}

# National academies and where they are seated: a weak hint, used only when neither record states
# its province (中国医学科学院阜外医院 is not 云南省阜外心血管病医院; 中国医学科学院皮肤病医院, filed in 江苏, is
# the one of the ranking).
ACADEMIES = {"中国医学科学院": "北京", "中国中医科学院": "北京", "北京协和医学院": "北京"}

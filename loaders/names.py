"""Declarative tables of ``loaders.generate``: districts, IPC codes, weights and name parts.

Every generated organisation name carries ``MARK`` so that no row can be read as a claim about a
real company, park or hospital.  Syllables are picked to be uncommon in real brand names.
Weight tables are ``{code: weight}`` (dicts keep insertion order, so iteration is deterministic).
"""

from __future__ import annotations

MARK = "（演示）"

# (district key, name, weight for parks/enterprises, station scope; "core" = 一核多站, None = no station,
# lat, lon).  The 12 station districts are those named by the 2024 station guidance (seeds/).
DISTRICTS = (
    ("310101", "黄浦区", 1, None, 31.231, 121.484), ("310104", "徐汇区", 4, "both", 31.188, 121.437),
    ("310105", "长宁区", 2, "device", 31.220, 121.424), ("310106", "静安区", 2, None, 31.229, 121.448),
    ("310107", "普陀区", 2, "device", 31.249, 121.397), ("310109", "虹口区", 1, None, 31.264, 121.505),
    ("310110", "杨浦区", 3, None, 31.260, 121.526), ("310112", "闵行区", 8, "core", 31.113, 121.382),
    ("310113", "宝山区", 4, "both", 31.405, 121.489), ("310114", "嘉定区", 5, "both", 31.375, 121.265),
    ("310115", "浦东新区", 10, "both", 31.221, 121.544), ("310116", "金山区", 3, "drug", 30.742, 121.342),
    ("310117", "松江区", 4, "both", 31.032, 121.228), ("310118", "青浦区", 2, "both", 31.151, 121.124),
    ("310120", "奉贤区", 5, "both", 30.918, 121.474), ("310151", "崇明区", 1, None, 31.623, 121.397),
    ("lingang", "临港新片区", 4, "both", 30.899, 121.930),
)
CODE_FOR = {"district:lingang": "310115"}  # USCCs of Lingang companies carry Pudong's code
# 沪闵械备: class I filings carry the district's one-character abbreviation
FILING = dict(zip("黄浦 徐汇 长宁 静安 普陀 虹口 杨浦 闵行 宝山 嘉定 浦东 金山 松江 青浦 奉贤 崇明 临港".split(),
                  "黄徐长静普虹杨闵宝嘉浦金松青奉崇浦", strict=True))

# field id -> (weight among organisations, IPC codes that field_for_ipc maps to it; tests check that)
FIELDS = {
    "field:antibody": (10, ("C07K16/28", "C07K16/30", "A61K39/395", "C07K16/24")),
    "field:vaccine": (4, ("A61K39/12", "A61K39/145", "A61K39/00")),
    "field:gene_therapy": (5, ("A61K48/00", "C12N15/113", "C12N15/86")),
    "field:cell_therapy": (6, ("A61K35/17", "C12N5/0783", "C12N5/10")),
    "field:chemical_drug": (14, ("A61K31/506", "A61K31/519", "A61K31/4439")),
    "field:tcm": (5, ("A61K36/185", "A61K36/8969")),
    "field:ai_drug_discovery": (3, ("G16C20/50", "G16C20/70")),
    "field:biologic": (3, ("C07K14/47", "A61K38/17", "C07K14/705")),
    "field:molecular_diagnostics": (10, ("C12Q1/6886", "C12Q1/6883", "C12Q1/686")),
    "field:imaging": (7, ("A61B6/03", "A61B8/08", "A61B5/055")),
    "field:implant": (6, ("A61F2/30", "A61F2/38", "A61M25/10")),
    "field:cardio_implant": (6, ("A61F2/24", "A61F2/82", "A61F2/915", "A61F2/01")),
    # real A61H codes; ontology.fields declares the bare subclass "A61H", which matches no full symbol yet
    "field:rehabilitation": (5, ("A61H1/02", "A61H3/00", "A61H39/04")),
    "field:surgical": (6, ("A61B17/34", "A61B18/14", "A61B34/10")),
    "field:life_support": (3, ("A61M16/00", "A61M1/36")),
    "field:minimally_invasive": (5, ("A61B1/00", "A61B1/04", "A61B1/313")),
    "field:medical_robot": (3, ("A61B34/30", "A61B34/32", "A61B34/37")),
    "field:bci": (2, ("A61B5/369", "A61B5/372", "A61B5/375")),
}
# codes of no field: indications (A61P), formulations, software, generic lab equipment
UNMAPPED_IPC = ("A61P35/00", "A61P31/12", "G06F16/00", "G01N33/574", "A61K9/20", "A61K47/68", "B01L3/00", "G06T7/00")
SEGMENTS = {  # segments an enterprise of the chain may provide or need
    "drug": ("discovery", "preclinical", "api", "reagents", "equipment", "clinical", "cdmo", "manufacturing",
             "testing", "regulatory", "distribution", "market_access"),
    "device": ("components", "design", "contract_manufacturing", "manufacturing", "type_testing",
               "clinical_evaluation", "regulatory", "distribution", "maintenance"),
}
INSTITUTION_PROVIDES = {  # hospitals provide by their GCP filings
    "university": ("discovery", "design"), "research_institute": ("discovery", "preclinical", "design"),
    "testing_lab": ("testing", "type_testing"),
}

SCALE = {"large": 7, "medium": 18, "small": 40, "micro": 35}
CREDIT = {"A": 55, "B": 33, "C": 9, "D": 3}
INSTITUTION_TYPES = {"university": 12, "research_institute": 18, "hospital": 40, "testing_lab": 10,
                     "agency": 8, "association": 7, "other": 5}
GRADE = {"3A": 45, "3B": 15, "2A": 20, "2B": 10, "1": 5, "unrated": 5}
GCP = {"3A": (0.85, 0.6), "3B": (0.5, 0.3), "2A": (0.15, 0.1)}  # grade -> P(gcp_drug), P(gcp_device)
CLASS = {"device": {"I": 25, "II": 45, "III": 30}, "ivd": {"I": 15, "II": 45, "III": 40}}
STAGE = {"drug": {"research": 25, "preclinical": 20, "clinical": 22, "submitted": 8, "approved": 25},
         "device": {"research": 15, "preclinical": 15, "clinical": 12, "submitted": 10, "approved": 48},
         "I": {"research": 30, "approved": 70}}  # class I devices are filed, not trialled
DESIGNATIONS = {"drug": {"rare_disease": 3, "pediatric": 3, "innovative": 5, "": 89},
                "device": {"innovative": 4, "bottleneck": 2, "jiebang": 1, "": 93}}
LEVEL = {"national": 15, "municipal": 45, "district": 40}

# Brand = one syllable of each table (48 x 40 = 1,920 brands; three syllables when those run out).
HEAD = tuple("澜沐岚溯砚芮骁璟珩翊湛霁烁璞钧朔崧曦瀚泓峪苒昀旻珏韫炘琛柘甄翎芃嵘澈皓屹蕴桉楹棠榆渟瀛霈熠杳琰蔚")
TAIL = tuple("启衡拓源知序誉澄森岳途格谷言川峰舟帆屿宁岚朗湃叙澍临弈略晟璐研泽翰铭澋微曜禾杉奕")

# Industry word of an enterprise name, by its primary field (fallback: by domain).
INDUSTRY = {
    "drug": ("生物医药科技", "医药科技", "生物技术", "制药", "生命科学", "医药"),
    "device": ("医疗科技", "医疗器械", "医学科技", "医疗设备", "智能医疗科技"),
    "field:molecular_diagnostics": ("诊断技术", "生物科技", "基因检测技术"),
    "field:cell_therapy": ("细胞科技", "生物技术"),
    "field:gene_therapy": ("基因科技", "生物技术"),
    "field:medical_robot": ("智能医疗科技", "机器人科技"),
    "field:bci": ("脑科学技术", "神经科技"),
    "field:ai_drug_discovery": ("智能药物研发", "数据科技"),
}
SHORT = {"drug": "生物", "device": "医疗"}  # short alias: 澜启生物（演示）

PARK_KINDS = ("生物医药产业园", "医疗器械产业园", "生命科学园", "国际医学园区", "创新港", "科技园", "生物医药创新基地")
INSTITUTION_NAMES = {
    "university": ("示例{b}大学", "示例{b}医科大学", "示例{b}中医药大学", "示例{b}理工大学"),
    "research_institute": ("示例{b}药物研究所", "示例{b}生物医学工程研究院", "示例{b}细胞与基因治疗研究院",
                           "示例{b}医疗器械研究所", "示例{b}生命科学研究院"),
    "hospital": ("示例第{n}人民医院", "示例{b}肿瘤医院", "示例{b}中医医院", "示例{b}儿童医院",
                 "示例{b}胸科医院", "示例第{n}附属医院"),
    "testing_lab": ("示例{b}医疗器械检验所", "示例{b}药品检验研究院", "示例{b}检测技术中心"),
    "agency": ("示例{d}生物医药产业服务中心", "示例{d}科技成果转化中心"),
    "association": ("示例{b}生物医药行业协会", "示例{b}医疗器械行业协会"),
    "other": ("示例{b}技术转移中心", "示例{b}孵化器"),
}
SPECIALTIES = ("肿瘤科", "心血管内科", "神经内科", "神经外科", "骨科", "呼吸内科", "消化内科", "内分泌科",
               "儿科", "眼科", "血液科", "放射科", "康复医学科", "普外科", "麻醉科", "检验科")

# Product names per field: templates with {t} filled from the field's fillers.
_TARGETS = ("PD-1", "PD-L1", "HER2", "CD20", "CD47", "Claudin18.2", "TROP2", "IL-17A", "CTLA-4", "VEGF", "EGFR", "TSLP")
_DRUG_STEMS = ("澜", "沐", "溯", "芮", "骁", "璟", "珩", "湛", "霁", "钧", "崧", "瀚", "昀", "旻")
_DRUG_ENDS = ("替尼", "司他", "格列汀", "沙坦", "帕利", "西普", "洛韦", "拉唑", "托韦", "布韦")
_CHEM = tuple(s + e for s in _DRUG_STEMS for e in _DRUG_ENDS)
PRODUCTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "field:biologic": (("重组人{t}注射液", "注射用重组人{t}"), ("生长激素", "促红素", "白介素-2", "胰岛素类似物", "凝血因子Ⅷ")),
    "field:antibody": (("抗{t}单克隆抗体注射液", "注射用抗{t}抗体偶联药物", "抗{t}双特异性抗体注射液"), _TARGETS),
    "field:vaccine": (("{t}mRNA疫苗", "重组{t}疫苗（CHO细胞）", "{t}灭活疫苗"),
                      ("带状疱疹", "呼吸道合胞病毒", "流感", "狂犬病", "人乳头瘤病毒", "肺炎球菌")),
    "field:gene_therapy": (("靶向{t}的AAV基因治疗注射液", "{t}基因编辑治疗注射液"), ("RPE65", "F9", "SMN1", "GBA1", "PCSK9")),
    "field:cell_therapy": (("靶向{t}的CAR-T细胞注射液", "{t}间充质干细胞注射液"), ("CD19", "BCMA", "GPC3", "CLDN18.2", "人脐带")),
    "field:chemical_drug": (("{t}片", "{t}胶囊", "注射用{t}", "{t}缓释片"), _CHEM),
    "field:tcm": (("{t}颗粒", "{t}胶囊", "{t}口服液"), ("清肺化瘀", "益气活血", "通络止痛", "健脾和胃", "养心安神")),
    "field:ai_drug_discovery": (("AI设计{t}抑制剂片", "AI设计{t}降解剂胶囊"), ("KRAS", "PARP1", "CDK4/6", "TYK2", "NLRP3")),
    "field:molecular_diagnostics": (("{t}核酸检测试剂盒（荧光PCR法）", "{t}基因突变检测试剂盒（NGS法）", "全自动核酸提取仪"),
                                    ("EGFR", "KRAS", "人乳头瘤病毒", "乙型肝炎病毒", "BRCA1/2", "结核分枝杆菌")),
    "field:imaging": (("{t}",), ("1.5T磁共振成像系统", "64排螺旋CT", "彩色多普勒超声诊断仪", "数字化X射线摄影系统", "PET/CT系统")),
    "field:implant": (("{t}",), ("人工髋关节假体", "人工膝关节假体", "脊柱内固定系统", "中心静脉导管", "可吸收骨修复材料")),
    "field:cardio_implant": (("{t}",), ("药物洗脱冠脉支架系统", "经导管主动脉瓣膜系统", "颅内取栓支架", "左心耳封堵器", "外周球囊扩张导管")),
    "field:rehabilitation": (("{t}",), ("下肢康复外骨骼机器人", "上肢康复训练系统", "智能助行器", "电动轮椅车")),
    "field:surgical": (("{t}",), ("超声软组织切割止血刀", "高频电刀", "一次性使用腔镜吻合器", "射频消融导管")),
    "field:life_support": (("{t}",), ("体外膜肺氧合系统", "重症呼吸机", "血液透析机", "麻醉机")),
    "field:minimally_invasive": (("{t}",), ("电子胃肠内窥镜", "一次性使用输尿管镜", "胶囊内窥镜", "超声内镜")),
    "field:medical_robot": (("{t}",), ("腹腔镜手术机器人", "骨科手术导航机器人", "血管介入手术机器人", "经皮穿刺手术机器人")),
    "field:bci": (("{t}",), ("植入式脑机接口系统", "无创脑电采集系统", "闭环神经调控刺激器", "脑电信号分析软件")),
}
PATENT_ENDS = ("及其制备方法", "及其应用", "的制备方法", "及其检测方法", "及其控制方法", "的用途")

RECORD_NOTES = {
    "tracking": ("跟踪注册进度", "了解临床试验进展", "创新通道产品跟踪", "重点项目月度跟踪"),
    "visit": ("走访企业了解需求", "园区联合走访", "调研产业链配套需求"),
    "consultation": ("注册申报资料咨询", "临床评价路径咨询", "委托生产政策咨询", "注册检验咨询"),
    "training": ("法规政策培训", "注册申报实务培训", "质量体系培训"),
}

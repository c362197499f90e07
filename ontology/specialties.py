"""Clinical specialties (专科), the vocabulary of hospital rankings, and the fields each one serves.

The names are those of the Fudan hospital ranking (复旦版《中国医院排行榜》), whose department
names changed over the years: 传染科 (2009-2017) became 传染与感染 (2018) and 传染感染 (2019-),
肿瘤 became 肿瘤学, 血液科 血液学, 风湿科 风湿病, 老年科 老年医学, and 肺科 (2009-2010) was followed by
呼吸科; the old names are aliases.  ``overall`` stands for the overall hospital ranking (综合排名).
The fields say which products a strong department is a natural partner for (trial sites,
clinical evaluation, co-development), for brokering.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Specialty:
    id: str
    zh: str
    en: str
    fields: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


def _s(key: str, zh: str, en: str, fields: tuple[str, ...] = (), aliases: tuple[str, ...] = ()) -> Specialty:
    return Specialty(f"specialty:{key}", zh, en, tuple(f"field:{f}" for f in fields), aliases)


SPECIALTIES: tuple[Specialty, ...] = (
    _s("overall", "综合排名", "Overall ranking", (), ("综合", "医院综合排名")),
    _s("pathology", "病理科", "Pathology", ("molecular_diagnostics",), ("病理",)),
    _s("infectious_diseases", "传染感染", "Infectious diseases", ("vaccine",), ("传染科", "传染与感染", "感染科")),
    _s("otolaryngology", "耳鼻喉科", "Otolaryngology", ("implant",), ("耳鼻咽喉科",)),
    _s("radiology", "放射科", "Radiology", ("imaging",), ("影像科", "医学影像科")),
    _s("rheumatology", "风湿病", "Rheumatology", ("antibody",), ("风湿科", "风湿免疫科")),
    _s("obstetrics_gynecology", "妇产科", "Obstetrics and gynecology", (), ("妇科", "产科")),
    _s("orthopedics", "骨科", "Orthopedics", ("implant", "medical_robot", "rehabilitation"), ()),
    _s("psychiatry", "精神医学", "Psychiatry", ("chemical_drug",), ("精神科",)),
    _s("stomatology", "口腔科", "Stomatology", ("implant",), ("口腔医学",)),
    _s("anesthesiology", "麻醉科", "Anesthesiology", ("life_support",), ()),
    _s("urology", "泌尿外科", "Urology", ("minimally_invasive", "surgical", "medical_robot"), ()),
    _s("endocrinology", "内分泌", "Endocrinology", ("biologic", "chemical_drug"), ("内分泌科",)),
    _s("dermatology", "皮肤科", "Dermatology", ("antibody",), ()),
    _s("general_surgery", "普通外科", "General surgery", ("surgical", "minimally_invasive"), ("普外科",)),
    _s("neurology", "神经内科", "Neurology", ("bci",), ()),
    _s("nephrology", "肾脏病", "Nephrology", ("life_support",), ("肾内科",)),
    _s("neurosurgery", "神经外科", "Neurosurgery", ("bci", "surgical", "medical_robot"), ()),
    _s("gastroenterology", "消化病", "Gastroenterology", ("minimally_invasive",), ("消化内科",)),
    _s("pediatrics", "小儿内科", "Pediatrics", (), ("儿科",)),
    _s("pediatric_surgery", "小儿外科", "Pediatric surgery", (), ()),
    _s("cardiology", "心血管病", "Cardiology", ("cardio_implant",), ("心血管内科", "心内科")),
    _s("cardiothoracic_surgery", "胸心外科", "Cardiothoracic surgery", ("cardio_implant", "surgical"), ("心胸外科",)),
    _s("hematology", "血液学", "Hematology", ("cell_therapy", "antibody"), ("血液科",)),
    _s("ophthalmology", "眼科", "Ophthalmology", ("implant",), ()),
    _s("plastic_surgery", "整形外科", "Plastic surgery", ("implant",), ()),
    _s("oncology", "肿瘤学", "Oncology", ("antibody", "cell_therapy", "gene_therapy"), ("肿瘤", "肿瘤科")),
    _s("cardiac_surgery", "心外科", "Cardiac surgery", ("cardio_implant", "life_support"), ("心脏外科",)),
    _s("thoracic_surgery", "胸外科", "Thoracic surgery", ("surgical", "medical_robot"), ()),
    _s("respiratory", "呼吸科", "Respiratory medicine", ("life_support",), ("肺科", "呼吸内科", "呼吸与危重症医学科")),
    _s("geriatrics", "老年医学", "Geriatrics", ("rehabilitation",), ("老年科",)),
    _s("rehabilitation", "康复医学", "Rehabilitation medicine", ("rehabilitation",), ("康复科",)),
    _s("laboratory_medicine", "检验医学", "Laboratory medicine", ("molecular_diagnostics",), ("检验科",)),
    _s("burns", "烧伤科", "Burns", (), ()),
    _s("nuclear_medicine", "核医学", "Nuclear medicine", ("imaging",), ()),
    _s("ultrasound", "超声医学", "Ultrasound medicine", ("imaging",), ("超声科",)),
    _s("emergency", "急诊医学", "Emergency medicine", ("life_support",), ("急诊科",)),
    _s("critical_care", "重症医学", "Critical care medicine", ("life_support",), ("重症医学科", "ICU")),
    _s("clinical_pharmacy", "临床药学", "Clinical pharmacy", ("chemical_drug",), ("药学部",)),
    _s("reproductive_medicine", "生殖医学", "Reproductive medicine", (), ("生殖中心",)),
    _s("allergy", "变态反应", "Allergy", ("antibody",), ("变态反应科",)),
    _s("health_management", "健康管理", "Health management", (), ("体检中心",)),
    _s("tuberculosis", "结核病", "Tuberculosis", ("vaccine",), ("结核科",)),
    _s("general_practice", "全科医学", "General practice", (), ("全科医学科",)),
)

SPECIALTY_BY_ID: dict[str, Specialty] = {s.id: s for s in SPECIALTIES}

"""HTTP models (pydantic) of the enterprise's service file: exactly the JSON of ``api.output_dossier``
(what ``biokg dossier --json`` prints), every key always present (``None`` where a value is unknown or
withheld) and no other key allowed (``extra="forbid"``), so that a key added to that JSON without a
model change fails the tests."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from api.models_matching import NamedRefOut


class DossierEnterpriseOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    uscc: str | None  # 统一社会信用代码
    scale: str | None = Field(description="enterprise scale of the ontology; null where unknown")
    credit: str | None = Field(description="credit rating A–D; null where unknown")
    listed: bool | None
    districts: list[NamedRefOut]
    parks: list[NamedRefOut]
    fields: list[str] = Field(description="field ids of the ontology")


class DossierProductOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    type: str | None = Field(description="drug | device | ivd")
    device_class: str | None = Field(description="I | II | III; null for drugs or where unknown")
    stage: str | None = Field(description="research | preclinical | clinical | submitted | approved")
    innovation_channel: str | None = Field(description="none | national | shanghai")
    registration_no: str | None
    fields: list[str]
    innovative: bool = Field(description="a device or IVD of class II or III in an innovation channel")
    tracked: bool | None = Field(description="innovative and counted by coverage: a tracking record in the window "
                                             "(for it or a key project for it); else null")


class DossierProjectOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    level: str | None = Field(description="national | municipal | district")
    product: NamedRefOut | None
    counted: bool = Field(description="municipal level or higher: coverage counts it")
    tracked: bool | None = Field(description="counted: a tracking record in the window (for it or its product); "
                                             "else null")


class DossierRecordOut(BaseModel):
    """A service record (工作记录) to the enterprise, one of its products or key projects."""

    model_config = ConfigDict(extra="forbid")

    id: str
    station: str  # station id
    target: str  # node id
    date: str  # ISO date
    type: str = Field(description="tracking | visit | consultation | training")
    note: str | None


class DossierQuestionOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    station: str
    category: str
    state: str = Field(description="open | escalated | answered | closed, at the end of as_of")
    asked: str  # ISO date
    due: str | None  # ISO date: five working days after the escalation; null unless escalated
    overdue: bool
    text: str  # what the enterprise asked (private)


class DossierQuestionsOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    total: int  # asked up to as_of
    by_state: dict[str, int] = Field(description="every state: open, escalated, answered, closed")
    overdue: int
    items: list[DossierQuestionOut] | None = Field(description="each question with its text, for callers who may "
                                                               "read them; else null")


class DossierCoverageOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    district: NamedRefOut | None  # the district it is judged in; null: it has none
    covered: bool | None = Field(description="not among the district's uncovered enterprises; null without a "
                                             "district")
    why: list[str] = Field(description="park (a station or service point is sited at its park) | record (a "
                                       "station of its district served it in the window)")
    parks: list[NamedRefOut]  # its covered parks
    records: list[str]  # ids of the covering records the caller may see


class DossierLeadOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    score: float
    reasons: list[str]  # short sentences in Chinese


class DossierMatchOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    score: float
    segment: str = Field(description="segment id of the need it provides for")
    reasons: list[str]


class DossierMatchesOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    results: list[DossierMatchOut]  # the top per need, best first
    empty_reason: str | None  # why there is none: the enterprise states no need


class DossierBrokersOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    results: list[DossierLeadOut]  # best first
    empty_reason: str | None  # why there is none: the enterprise states no field


class DossierOut(BaseModel):
    """The service file of an enterprise (重点企业服务档案)."""

    model_config = ConfigDict(extra="forbid")

    enterprise: DossierEnterpriseOut
    as_of: str  # ISO date
    window_days: int
    products: list[DossierProductOut]  # by id
    key_projects: list[DossierProjectOut]  # by id
    records: list[DossierRecordOut]  # newest first, then id
    records_withheld: int = Field(description="records of stations the caller may not see, left out")
    questions: DossierQuestionsOut | None = Field(description="null for callers who may not count questions")
    questions_withheld: bool
    coverage: DossierCoverageOut
    matches: DossierMatchesOut
    brokers: DossierBrokersOut

"""HTTP models of the station's work: enterprise questions, their steps, service levels, working days."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.models import Page, ServiceLevelOut, Text


class QuestionIn(BaseModel):
    """An enterprise question taken at a station (分级分类服务). References by id or exact name."""

    model_config = {"extra": "forbid"}
    station: Text = Field(..., min_length=1, max_length=200, description="the station: id or name")
    enterprise: Text = Field(..., min_length=1, max_length=200, description="the enterprise: id or name")
    category: Text = Field(..., min_length=1, max_length=40,
                           description="registration | industrial_policy | business_registration | "
                                       "intellectual_property | quality | standards | medical_insurance | "
                                       "advertising | other (or a Chinese label: 产品注册, 知识产权 …)")
    text: Text = Field(..., min_length=1, max_length=4000, description="what the enterprise asks (private)")
    date: Text | None = Field(None, min_length=1, max_length=40, description="the day it was asked; default today")


class StepIn(BaseModel):
    """One step of a question: the day it was taken (default today), a note, and for an escalation the
    department it goes to."""

    model_config = {"extra": "forbid"}
    date: Text | None = Field(None, min_length=1, max_length=40, description="the day of the step; default today")
    note: Text | None = Field(None, max_length=2000)
    to: Text | None = Field(None, min_length=1, max_length=200,
                            description="escalate only: the department (an institution of type agency), id or name")


class StepOut(BaseModel):
    seq: int
    action: str
    date: str
    note: str
    to: str | None
    path: list[str]
    at: str
    key_id: str | None
    role: str


class QuestionRow(BaseModel):
    """A question in a list (its text for those who may read it)."""

    id: str
    station: str
    enterprise: str
    category: str
    state: str = Field(description="open | escalated | answered | closed")
    asked: str
    escalated_at: str | None
    escalated_to: str | None
    path: list[str] = Field(description="station, its core where it has one, the department")
    due: str | None = Field(description="the fifth working day after the escalation")
    due_provisional: bool = Field(description="the due day counts days of a year without official calendar data")
    answered_at: str | None
    closed_at: str | None
    overdue: bool
    working_days: int | None = Field(description="working days from the escalation to the answer (or to as_of)")
    within: bool | None = Field(description="answered by the due day; null while neither answered nor overdue")
    text: str


class QuestionOut(QuestionRow):
    """A question with every step."""

    steps: list[StepOut]
    created: bool | None = Field(None, description="POST: false when the same question was already there")
    changed: bool | None = Field(None, description="a step: false when it repeated the last one (nothing written)")


class QuestionPage(Page):
    data: list[QuestionRow]


class ServiceLevelsOut(BaseModel):
    as_of: str
    data: list[ServiceLevelOut]
    count: int


class WorkdaysOut(BaseModel):
    start: str
    days: int
    due: str
    provisional: bool = Field(description="true: a year without official data was counted by weekends only")


class _Strict(BaseModel):
    model_config = {"extra": "forbid"}


class YearFiguresOut(_Strict):
    year: int
    station: str
    name: str
    rank: int = Field(description="city-wide coverage rank at the year's end (1 is best; ties share)")
    ranked: int = Field(description="how many stations were ranked that year")
    last: bool = Field(description="ranked last that year (末位)")
    parks_rate: float | None
    enterprises_rate: float | None
    innovative_products_rate: float | None
    key_projects_rate: float | None
    score: float | None
    records: int
    records_per_month: float
    targets: int
    questions: ServiceLevelOut | None = Field(description="the question service level of the year")


class YearRankOut(_Strict):
    year: int
    rank: int
    ranked: int
    last: bool


class StationHistoryOut(_Strict):
    station: str
    name: str
    ranks: list[YearRankOut]
    flagged: bool = Field(description="ranked last in three consecutive years (the guidance de-lists it)")
    last_years: list[int]
    run: int = Field(description="the longest run of consecutive years ranked last")


class AssessmentOut(_Strict):
    years: list[int]
    figures: list[YearFiguresOut]
    histories: list[StationHistoryOut]
    flagged: list[str]


class LapseOut(_Strict):
    kind: str
    id: str
    name: str
    districts: list[str]
    last_tracked: str | None
    tracked_until: str | None = Field(description="the last day the last tracking record keeps it tracked")
    days_left: int | None


class QuestionAlertOut(_Strict):
    id: str
    station: str
    enterprise: str
    category: str
    escalated_at: str
    escalated_to: str | None
    due: str
    due_provisional: bool
    overdue: bool
    working_days_left: int


class QuietParkOut(_Strict):
    id: str
    name: str
    districts: list[str]
    covered: bool
    enterprises: int
    last_record: str | None


class AlertsOut(_Strict):
    as_of: str
    station: str | None
    stations: list[str]
    districts: list[str]
    window_days: int
    horizon_days: int
    due_within: int
    lapsed: list[LapseOut]
    lapsing: list[LapseOut]
    questions: list[QuestionAlertOut]
    questions_withheld: bool = Field(False, description="true: the key may not read questions; `questions` is "
                                                        "empty and `questions_due` counts them")
    questions_due: int = Field(0, description="how many questions are due soon or overdue")
    quiet_parks: list[QuietParkOut]

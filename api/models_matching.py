"""HTTP models (pydantic) of the matchmaking answers: exactly the JSON of ``api.output_matching``
(what the CLI prints with ``--json``), every key always present (``None`` where a value is unknown)
and no other key allowed (``extra="forbid"``: ``additionalProperties: false`` in the schema), so
that a key added to that JSON without a model change fails the tests.

Names differ from those of ``api.models``: the OpenAPI schema names its components after the classes.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class NamedRefOut(BaseModel):
    """A node of the graph: its id and its name."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str


class ReasonOut(BaseModel):
    """Why a result earned (part of) its score."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(description="an English key: same_field, same_park, capacity, credit, gcp, on_offer …")
    text: str  # a short sentence in Chinese


class EvidenceEdgeOut(BaseModel):
    """A stored edge along an evidence path, with its provenance."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description="the edge kind of the ontology (APPLIED_BY, CLASSIFIED_AS, COLLABORATES …)")
    src: str  # node id
    dst: str  # node id
    source: str | None  # the file or dataset the edge was loaded from
    load_id: str | None
    date: str | None = Field(description="ISO date, for dated kinds (COLLABORATES, TRIAL_SITE …); else null")


class EvidenceOut(BaseModel):
    """A path of node ids and the stored edges along it."""

    model_config = ConfigDict(extra="forbid")

    path: list[str]  # node ids, from the result to what it rests on
    edges: list[EvidenceEdgeOut]  # empty where the path rests on a node's property or a rule (see note)
    note: str | None  # in words, what a path without edges rests on


# --- /match/{org}


class WhyOut(BaseModel):
    """Why a need was inferred."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(description="asked (the segment was given) | stated (a NEEDS edge) | stage_rule (a product's "
                                 "stage implies it)")
    text: str  # in Chinese
    product: str | None  # stage_rule: the product's id; else null


class NeedOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    segment: str = Field(description="segment id of the ontology (segment:drug.cdmo …)")
    field: str | None = Field(description="field id of the ontology (field:antibody …); null: any field")
    why: list[WhyOut]


class MatchResultOut(BaseModel):
    """A provider for one need."""

    model_config = ConfigDict(extra="forbid")

    id: str  # the provider's node id
    name: str
    segment: str = Field(description="segment id of the need it provides for")
    field: str | None = Field(description="field id of the need; null: the need has none")
    score: float  # Σ weight × part, rounded to 6 decimals
    parts: dict[str, float] = Field(description="each part of the score in [0, 1]: field, proximity, capacity, "
                                                "credit, ties")
    reasons: list[ReasonOut]
    evidence: list[EvidenceOut]


class MatchOut(BaseModel):
    """Providers for an organisation's needs (产业链匹配)."""

    model_config = ConfigDict(extra="forbid")

    org: NamedRefOut  # the enterprise or institution matched
    as_of: str  # ISO date
    needs: list[NeedOut]  # in chain order
    results: list[MatchResultOut]  # best first (score, then id, then segment)


# --- /chain-gaps


class NearbyOut(BaseModel):
    """Another district with providers of a gap segment."""

    model_config = ConfigDict(extra="forbid")

    district: NamedRefOut
    providers: int
    km: float | None  # great-circle, to 0.1 km; null where either district has no place


class ChainSegmentOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    segment: str = Field(description="segment id of the ontology")
    name: str  # the segment's Chinese name
    position: str = Field(description="upstream | midstream | downstream")
    providers: int  # local providers
    top: list[NamedRefOut]  # up to three local providers, best first
    nearest: list[NearbyOut]  # gaps only (else empty): up to three other districts, nearest first


class ChainOut(BaseModel):
    """A field's industry chain in a district and its gaps (补链 / 延链)."""

    model_config = ConfigDict(extra="forbid")

    district: NamedRefOut
    field: str = Field(description="field id of the ontology")
    chain: str = Field(description="the field's domain: drug | device")
    segments: list[ChainSegmentOut]  # every segment of the chain, in chain order
    gaps: list[str] = Field(description="segment ids with no local provider")


# --- /broker


class BrokerResultOut(BaseModel):
    """A university, research institute or hospital to bring in (产学研用)."""

    model_config = ConfigDict(extra="forbid")

    id: str  # the institution's node id
    name: str
    type: str = Field(description="institution type of the ontology: university | research_institute | hospital")
    score: float
    parts: dict[str, float] = Field(description="each part of the score in [0, 1]: patents, transferable, fields, "
                                                "specialty, gcp, network")
    reasons: list[ReasonOut]
    evidence: list[EvidenceOut]
    station: NamedRefOut | None  # the station that should broker it; null where the region has none


class BrokerOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org: NamedRefOut | None  # null when asked for a field only
    fields: list[str] = Field(description="field ids of the ontology the candidates were scored on")
    as_of: str  # ISO date
    results: list[BrokerResultOut]  # best first (score, then id)


# --- /patents


class PatentResultOut(BaseModel):
    """A patent on offer (专利超市)."""

    model_config = ConfigDict(extra="forbid")

    id: str  # the patent number
    title: str
    status: str | None = Field(description="patent status of the ontology: granted | pending (those on offer)")
    application_date: str | None  # ISO date; null where unknown
    applicants: list[NamedRefOut]  # those with a profile (enterprises, institutions)
    score: float
    parts: dict[str, float] = Field(description="each part of the score in [0, 1]: field, strength, proximity")
    reasons: list[ReasonOut]
    evidence: list[EvidenceOut]


class PatentsOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org: NamedRefOut | None  # null when asked for a field only
    fields: list[str] = Field(description="field ids of the ontology the patents were scored on")
    as_of: str  # ISO date
    results: list[PatentResultOut]  # best first (score, then number)


# --- /partners/{station}


class DemandOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str = Field(description="field id of the ontology")
    enterprises: int  # the station's enterprises in that field


class PartnerOut(BaseModel):
    """An organisation the station has no tie to and should bring in."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    kind: str = Field(description="node kind: Institution | Enterprise (one providing a service segment)")
    type: str | None = Field(description="institution type of the ontology (university, hospital, agency, "
                                         "testing_lab …); null for most enterprises")
    score: float
    parts: dict[str, float] = Field(description="each part of the score in [0, 1]: relevance, capacity, proximity")
    reasons: list[ReasonOut]
    evidence: list[EvidenceOut]


class PeerOut(BaseModel):
    """Another station strong where this one is weak (站间交流)."""

    model_config = ConfigDict(extra="forbid")

    station: NamedRefOut
    segments: list[str] = Field(description="segment ids this station's districts lack and the peer's have")
    fields: list[str] = Field(description="field ids of its demand this station's districts lack suppliers in")
    providers: int  # the peer's providers in those segments and fields


class PartnersOut(BaseModel):
    """Partners for a station."""

    model_config = ConfigDict(extra="forbid")

    station: NamedRefOut
    districts: list[str]  # district ids it serves (a core: with its member stations')
    enterprises: int  # enterprises in those districts
    demand: list[DemandOut]  # their fields, most first
    institutions: list[PartnerOut]  # best first (score, then id)
    stations: list[PeerOut]


RESPONSE_MODELS: tuple[type[BaseModel], ...] = (MatchOut, ChainOut, BrokerOut, PatentsOut, PartnersOut)

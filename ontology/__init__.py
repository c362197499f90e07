"""The biokg ontology: node kinds, edge kinds, enumerations, fields, segments — declared once."""

from ontology.errors import (
    BiokgError,
    Conflict,
    FieldErrors,
    Forbidden,
    InvalidInput,
    LoadError,
    Location,
    NotFound,
    Problem,
    SchemaError,
    StoreUnavailable,
    TooLarge,
    Unauthorized,
)
from ontology.fields import FIELD_BY_ID, FIELDS, Field, ancestors, children, field_for_ipc
from ontology.model import EdgeKind, Enumeration, NodeKind, Prop, Schema, fold
from ontology.rules import check_node_rules
from ontology.schema import EDGE_KINDS, ENUMS, NODE_KINDS, ONTOLOGY_KINDS, SCHEMA
from ontology.segments import SEGMENT_BY_ID, SEGMENTS, SHENWAN_SEGMENTS, STAGE_NEEDS, Segment, inferred_needs
from ontology.specialties import SPECIALTIES, SPECIALTY_BY_ID, Specialty

__all__ = [
    "BiokgError", "InvalidInput", "LoadError", "Location", "NotFound", "Problem", "SchemaError",
    "StoreUnavailable", "Conflict", "FieldErrors", "Forbidden", "TooLarge", "Unauthorized",
    "FIELD_BY_ID", "FIELDS", "Field", "ancestors", "children", "field_for_ipc",
    "EdgeKind", "Enumeration", "NodeKind", "Prop", "Schema", "fold", "check_node_rules", "EDGE_KINDS",
    "ENUMS", "NODE_KINDS", "ONTOLOGY_KINDS", "SCHEMA", "SEGMENT_BY_ID", "SEGMENTS", "SHENWAN_SEGMENTS",
    "STAGE_NEEDS", "Segment", "inferred_needs", "SPECIALTIES", "SPECIALTY_BY_ID", "Specialty",
]

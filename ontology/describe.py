"""The declarations as plain JSON-ready data (for ``biokg ontology --format json`` and the API)."""

from __future__ import annotations

from typing import Any

from ontology.fields import FIELDS
from ontology.model import Prop
from ontology.schema import EDGE_KINDS, ENUMS, NODE_KINDS
from ontology.segments import SEGMENTS, SHENWAN_SEGMENTS, STAGE_NEEDS
from ontology.specialties import SPECIALTIES


def _prop(p: Prop) -> dict[str, Any]:
    out: dict[str, Any] = {"name": p.name, "type": p.type, "zh": p.zh, "en": p.en, "required": p.required}
    for key in ("enum", "fmt", "minimum", "maximum", "required_when"):
        value = getattr(p, key)
        if value is not None:
            out[key] = list(value) if isinstance(value, tuple) else value
    return out


def describe() -> dict[str, Any]:
    return {
        "node_kinds": [
            {"name": k.name, "zh": k.zh, "en": k.en, "doc": k.doc, "props": [_prop(p) for p in k.props]}
            for k in NODE_KINDS.values()
        ],
        "edge_kinds": [
            {"name": e.name, "zh": e.zh, "en": e.en, "sources": list(e.sources), "targets": list(e.targets),
             "props": [_prop(p) for p in e.props], "key": list(e.key), "symmetric": e.symmetric}
            for e in EDGE_KINDS.values()
        ],
        "enums": {
            name: [{"code": v.value, "zh": v.zh, "en": v.en, "aliases": list(v.aliases)} for v in e.values]
            for name, e in ENUMS.items()
        },
        "fields": [
            {"id": f.id, "zh": f.zh, "en": f.en, "parent": f.parent, "domain": f.domain, "ipc": list(f.ipc)}
            for f in FIELDS
        ],
        "segments": [
            {"id": s.id, "chain": s.chain, "position": s.position, "order": s.order, "zh": s.zh, "en": s.en}
            for s in SEGMENTS
        ],
        "specialties": [
            {"id": s.id, "zh": s.zh, "en": s.en, "fields": list(s.fields), "aliases": list(s.aliases)}
            for s in SPECIALTIES
        ],
        "shenwan_segments": {k: list(v) for k, v in SHENWAN_SEGMENTS.items()},
        "stage_needs": [
            {"product_types": list(r.product_types), "stage": r.stage, "segments": list(r.segments), "zh": r.zh}
            for r in STAGE_NEEDS
        ],
    }

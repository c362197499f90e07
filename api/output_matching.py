"""Matching, chain gaps, brokering, patents and partners as JSON-ready dicts (stable keys; the CLI and
the API share them) and as terminal tables."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rich.console import Console

from api.output import text_table
from ontology import FIELD_BY_ID, SEGMENT_BY_ID
from queries.brokering import BrokerReport
from queries.chain import ChainReport
from queries.matching import MatchReport
from queries.partners import PartnersReport
from queries.patents import PatentReport
from queries.scoring import Evidence, Reason


def _field(f: str | None) -> str:
    return FIELD_BY_ID[f].zh if f in FIELD_BY_ID else "—"


def _segment(s: str) -> str:
    return SEGMENT_BY_ID[s].zh if s in SEGMENT_BY_ID else s


def evidence_json(ev: tuple[Evidence, ...]) -> list[dict[str, Any]]:
    return [{"path": list(e.path), "edges": [asdict(x) for x in e.edges], "note": e.note} for e in ev]


def reasons_json(rs: tuple[Reason, ...]) -> list[dict[str, str]]:
    return [{"key": r.key, "text": r.text} for r in rs]


def _reasons_text(rs: tuple[Reason, ...]) -> str:
    return "；".join(r.text for r in rs)


def match_json(r: MatchReport) -> dict[str, Any]:
    """``{"org", "as_of", "needs": [{"segment", "field", "why"}], "results": [{"id", "name", "segment",
    "field", "score", "parts", "reasons", "evidence"}]}``."""
    return {
        "org": {"id": r.org, "name": r.org_name}, "as_of": r.as_of.isoformat(),
        "needs": [{"segment": n.segment, "field": n.field, "why": [asdict(w) for w in n.why]} for n in r.needs],
        "results": [{"id": m.id, "name": m.name, "segment": m.segment, "field": m.field, "score": m.score,
                     "parts": dict(m.parts), "reasons": reasons_json(m.reasons), "evidence": evidence_json(m.evidence)}
                    for m in r.results]}


def print_match(console: Console, r: MatchReport) -> None:
    needs = text_table(f"Needs of {r.org_name} ({r.org})", ["segment", "field", "why"], lines=True)
    for n in r.needs:
        needs.add_row(_segment(n.segment), _field(n.field), "\n".join(w.text for w in n.why))
    console.print(needs)
    table = text_table(f"Providers (as of {r.as_of})", ["#", "score", "name", "segment", "reasons"],
                       right=("#", "score"), lines=True)
    for i, m in enumerate(r.results, 1):
        table.add_row(str(i), f"{m.score:.3f}", f"{m.name}\n{m.id}", _segment(m.segment), _reasons_text(m.reasons))
    console.print(table if r.results else "no provider found for these needs")


def chain_json(r: ChainReport) -> dict[str, Any]:
    """``{"district", "field", "chain", "segments": [{"segment", "name", "position", "providers", "top",
    "nearest": [{"district", "providers", "km"}]}], "gaps"}``."""
    return {"district": asdict(r.district), "field": r.field, "chain": r.chain,
            "segments": [asdict(s) for s in r.segments], "gaps": list(r.gaps)}


def print_chain(console: Console, r: ChainReport) -> None:
    table = text_table(f"{_field(r.field)} chain in {r.district.name}: {len(r.gaps)} gap(s)",
                       ["segment", "position", "local", "top / nearest with providers"], right=("local",), lines=True)
    for s in r.segments:
        if s.providers:
            where = "、".join(n.name for n in s.top)
        else:
            near = [f"{n.district.name} ({n.providers}{f', {n.km} km' if n.km is not None else ''})" for n in s.nearest]
            where = "gap; nearest: " + ("、".join(near) if near else "none in the region")
        table.add_row(s.name, s.position, str(s.providers), where)
    console.print(table)


def broker_json(r: BrokerReport) -> dict[str, Any]:
    """``{"org", "fields", "as_of", "results": [{"id", "name", "type", "score", "parts", "reasons",
    "evidence", "station"}]}``."""
    return {"org": asdict(r.org) if r.org else None, "fields": list(r.fields), "as_of": r.as_of.isoformat(),
            "results": [{"id": b.id, "name": b.name, "type": b.type, "score": b.score, "parts": dict(b.parts),
                         "reasons": reasons_json(b.reasons), "evidence": evidence_json(b.evidence),
                         "station": asdict(b.station) if b.station else None} for b in r.results]}


def print_broker(console: Console, r: BrokerReport) -> None:
    who = f" for {r.org.name}" if r.org else ""
    table = text_table(f"产学研用{who} in {', '.join(map(_field, r.fields))} (as of {r.as_of})",
                       ["#", "score", "name", "type", "reasons", "station"], right=("#", "score"), lines=True)
    for i, b in enumerate(r.results, 1):
        table.add_row(str(i), f"{b.score:.3f}", f"{b.name}\n{b.id}", b.type, _reasons_text(b.reasons),
                      b.station.name if b.station else "—")
    console.print(table)


def patents_json(r: PatentReport) -> dict[str, Any]:
    """``{"org", "fields", "as_of", "results": [{"id", "title", "status", "application_date",
    "applicants", "score", "parts", "reasons", "evidence"}]}``."""
    return {"org": asdict(r.org) if r.org else None, "fields": list(r.fields), "as_of": r.as_of.isoformat(),
            "results": [{"id": p.id, "title": p.title, "status": p.status, "application_date": p.application_date,
                         "applicants": [asdict(a) for a in p.applicants], "score": p.score, "parts": dict(p.parts),
                         "reasons": reasons_json(p.reasons), "evidence": evidence_json(p.evidence)}
                        for p in r.results]}


def print_patents(console: Console, r: PatentReport) -> None:
    who = f" for {r.org.name}" if r.org else ""
    table = text_table(f"Patents on offer{who} in {', '.join(map(_field, r.fields))} (as of {r.as_of})",
                       ["#", "score", "patent", "applicants", "reasons"], right=("#", "score"), lines=True)
    for i, p in enumerate(r.results, 1):
        table.add_row(str(i), f"{p.score:.3f}", f"{p.title}\n{p.id}", "、".join(a.name for a in p.applicants),
                      _reasons_text(p.reasons))
    console.print(table if r.results else "no patent on offer in these fields")


def partners_json(r: PartnersReport) -> dict[str, Any]:
    """``{"station", "districts", "enterprises", "demand", "institutions": [{"id", "name", "kind", "type",
    "score", "parts", "reasons", "evidence"}], "stations": [{"station", "segments", "fields", "providers"}]}``."""
    return {"station": asdict(r.station), "districts": list(r.districts), "enterprises": r.enterprises,
            "demand": [{"field": f, "enterprises": n} for f, n in r.demand],
            "institutions": [{"id": p.id, "name": p.name, "kind": p.kind, "type": p.type, "score": p.score,
                              "parts": dict(p.parts), "reasons": reasons_json(p.reasons),
                              "evidence": evidence_json(p.evidence)} for p in r.institutions],
            "stations": [{"station": asdict(s.station), "segments": list(s.segments), "fields": list(s.fields),
                          "providers": s.providers} for s in r.stations]}


def print_partners(console: Console, r: PartnersReport) -> None:
    demand = "、".join(f"{_field(f)} {n}" for f, n in r.demand[:5])
    console.print(f"{r.station.name}: {r.enterprises} enterprises; most in {demand or '—'}")
    table = text_table("Institutions to bring in", ["#", "score", "name", "reasons"], right=("#", "score"), lines=True)
    for i, p in enumerate(r.institutions, 1):
        table.add_row(str(i), f"{p.score:.3f}", f"{p.name}\n{p.id}", _reasons_text(p.reasons))
    console.print(table)
    peers = text_table("Stations strong where this one is weak (站间交流)", ["station", "segments", "fields"],
                       lines=True)
    for s in r.stations:
        peers.add_row(s.station.name, "、".join(map(_segment, s.segments)) or "—",
                      "、".join(map(_field, s.fields)) or "—")
    console.print(peers if r.stations else "no station is stronger where this one is weak")

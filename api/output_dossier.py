"""The enterprise's service file (重点企业服务档案) as a JSON-ready dict (stable keys, ISO dates; the CLI
and the API share it) and as a readable summary for the terminal (data text printed as text, never as
markup)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.text import Text

from api.output import text_table
from api.output_workflow import iso
from ontology import ENUMS, FIELD_BY_ID, SEGMENT_BY_ID
from queries.dossier import Dossier, Leads


def _leads(leads: Leads, with_segment: bool) -> dict[str, Any]:
    rows = []
    for x in leads.results:
        row: dict[str, Any] = {"id": x.id, "name": x.name, "score": x.score}
        if with_segment:
            row["segment"] = x.segment
        rows.append({**row, "reasons": list(x.reasons)})
    return {"results": rows, "empty_reason": leads.empty_reason}


def dossier_json(d: Dossier) -> dict[str, Any]:
    """``{"enterprise", "as_of", "window_days", "products", "key_projects", "records", "records_withheld",
    "questions": {"total", "by_state", "overdue", "items"}, "questions_withheld", "coverage", "matches",
    "brokers"}``; ``questions.items`` is null unless the texts were asked for.  (The API sets
    ``questions`` to null and ``questions_withheld`` to true for callers who may not count questions.)"""
    e = d.enterprise
    q = d.questions
    return {
        "enterprise": {"id": e.id, "name": e.name, "uscc": e.uscc, "scale": e.scale, "credit": e.credit,
                       "listed": e.listed, "districts": [asdict(x) for x in e.districts],
                       "parks": [asdict(x) for x in e.parks], "fields": list(e.fields)},
        "as_of": d.as_of.isoformat(),
        "window_days": d.window_days,
        "products": [{"id": p.id, "name": p.name, "type": p.type, "device_class": p.device_class, "stage": p.stage,
                      "innovation_channel": p.innovation_channel, "registration_no": p.registration_no,
                      "fields": list(p.fields), "innovative": p.innovative, "tracked": p.tracked}
                     for p in d.products],
        "key_projects": [{"id": k.id, "name": k.name, "level": k.level,
                          "product": asdict(k.product) if k.product else None, "counted": k.counted,
                          "tracked": k.tracked} for k in d.projects],
        "records": [{"id": r.id, "station": r.station, "target": r.target, "date": r.date.isoformat(),
                     "type": r.type, "note": r.note} for r in d.records],
        "records_withheld": d.records_withheld,
        "questions": {"total": q.total, "by_state": dict(q.by_state), "overdue": q.overdue,
                      "items": None if d.question_items is None else [
                          {"id": i.id, "station": i.station, "category": i.category, "state": i.state,
                           "asked": i.asked.isoformat(), "due": iso(i.due), "overdue": i.overdue, "text": i.text}
                          for i in d.question_items]},
        "questions_withheld": False,
        "coverage": {"district": asdict(d.coverage.district) if d.coverage.district else None,
                     "covered": d.coverage.covered, "why": list(d.coverage.why),
                     "parks": [asdict(x) for x in d.coverage.parks], "records": list(d.coverage.records)},
        "matches": _leads(d.matches, True),
        "brokers": _leads(d.brokers, False),
    }


def _label(enum: str, code: str | None) -> str:
    if not code:
        return "—"
    try:
        return ENUMS[enum].label(code)
    except KeyError:
        return code


def _fields(ids: list[str] | tuple[str, ...]) -> str:
    return "、".join(FIELD_BY_ID[f].zh if f in FIELD_BY_ID else f for f in ids) or "—"


def _flag(value: bool | None, yes: str, no: str) -> str:
    return "—" if value is None else yes if value else no


def _innovative(innovative: bool, tracked: bool | None) -> str:
    if not innovative:
        return "no"
    return "yes" if tracked is None else "yes, tracked" if tracked else "yes, UNTRACKED"


def print_dossier(console: Console, d: Dossier) -> None:
    """A readable summary: who, products, key projects, records, questions, coverage, matches, brokers."""
    e = d.enterprise
    console.print(f"{e.name} ({e.id})  as of {d.as_of}", markup=False, style="bold")
    where = "、".join(x.name for x in e.districts) or "—"
    parks = "、".join(x.name for x in e.parks) or "—"
    console.print(f"uscc {e.uscc or '—'} · district {where} · park {parks} · fields {_fields(e.fields)} · "
                  f"scale {_label('enterprise_scale', e.scale)} · credit {e.credit or '—'} · "
                  f"listed {_flag(e.listed, 'yes', 'no')}", markup=False)
    c = d.coverage
    if c.covered is None:
        console.print("coverage: not counted (no district)", markup=False)
    else:
        why = ", ".join([*(f"park {p.name}" for p in c.parks),
                         *([f"records {', '.join(c.records) or '(withheld)'}"] if "record" in c.why else [])])
        console.print(f"coverage in {c.district.name if c.district else '—'} ({d.window_days} days): "
                      f"{'covered' if c.covered else 'NOT covered'}{f' — {why}' if why else ''}", markup=False)

    products = text_table(f"Products ({len(d.products)})", ["product", "type", "class", "stage", "channel",
                                                             "registration", "innovative"], lines=True)
    for p in d.products:
        products.add_row(Text(f"{p.name}\n{p.id}"), _label("product_type", p.type), p.device_class or "—",
                         _label("product_stage", p.stage), _label("innovation_channel", p.innovation_channel),
                         Text(p.registration_no or "—"), _innovative(p.innovative, p.tracked))
    console.print(products if d.products else "no product")

    projects = text_table(f"Key projects ({len(d.projects)})", ["project", "level", "product", "tracked"],
                          lines=True)
    for k in d.projects:
        projects.add_row(Text(f"{k.name}\n{k.id}"), _label("project_level", k.level),
                         Text(k.product.name if k.product else "—"), _flag(k.tracked, "tracked", "UNTRACKED"))
    console.print(projects if d.projects else "no key project")

    withheld = f", {d.records_withheld} withheld" if d.records_withheld else ""
    records = text_table(f"Service records ({len(d.records)}{withheld})", ["date", "station", "target", "type",
                                                                          "note"])
    for r in d.records:
        records.add_row(r.date.isoformat(), Text(r.station), Text(r.target), _label("record_type", r.type),
                        Text(r.note or ""))
    console.print(records if d.records else f"no service record{withheld}", markup=False)

    q = d.questions
    states = ", ".join(f"{s} {n}" for s, n in q.by_state if n)
    console.print(f"questions: {q.total}{f' ({states})' if states else ''}, overdue {q.overdue}", markup=False)
    if d.question_items:
        items = text_table(None, ["asked", "station", "category", "state", "due", "text"], lines=True)
        for i in d.question_items:
            due = f"{i.due}{' overdue' if i.overdue else ''}" if i.due else "—"
            items.add_row(i.asked.isoformat(), Text(i.station), _label("question_category", i.category), i.state,
                          due, Text(i.text))
        console.print(items)

    for title, leads, segment in (("Matches for its needs", d.matches, True), ("产学研用 brokers", d.brokers, False)):
        if not leads.results:
            console.print(f"{title}: none — {leads.empty_reason or 'no candidate'}", markup=False)
            continue
        table = text_table(title, ["score", "candidate", *(["segment"] if segment else []), "reasons"],
                           right=("score",), lines=True)
        for x in leads.results:
            seg = [SEGMENT_BY_ID[x.segment].zh if x.segment in SEGMENT_BY_ID else (x.segment or "—")] if segment \
                else []
            table.add_row(f"{x.score:.3f}", Text(f"{x.name}\n{x.id}"), *seg, Text("；".join(x.reasons)))
        console.print(table)

"""Renames no rule can derive: a curated table, ``renames.csv``, one row per rename with its source
(old_name, new_name, kind, type, since, source).

Universities (the medical universities merged into comprehensive ones in 1998-2005, the army's
medical universities renamed in 2017, 医学院 that became 医科大学) give the names hospitals'
universities are compared by; hospitals and companies give names that denote the same
organisation as another.  ``loaders.entity.match`` reads the rows through its own parsers.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources

from ontology import SchemaError


@dataclass(frozen=True)
class Rename:
    old: str
    new: str
    kind: str  # Enterprise | Institution
    type: str  # university, hospital, … (empty for enterprises)
    since: str
    source: str


def _read() -> tuple[Rename, ...]:
    text = (resources.files("loaders.entity") / "renames.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    out = tuple(Rename(r["old_name"], r["new_name"], r["kind"], r["type"], r["since"], r["source"]) for r in rows)
    missing = [r.old for r in out if not r.source.strip() or not r.old.strip() or not r.new.strip()]
    if missing:
        raise SchemaError(f"loaders/entity/renames.csv: rows without a name or a source: {', '.join(missing)}")
    return out


RENAMES = _read()

# a university's former names -> its name now (chains followed: 泸州医学院 -> 四川医科大学 -> 西南医科大学)
UNIVERSITY_RENAMES: dict[str, str] = {r.old: r.new for r in RENAMES if r.type == "university"}
for _old, _new in list(UNIVERSITY_RENAMES.items()):
    while _new in UNIVERSITY_RENAMES:
        _new = UNIVERSITY_RENAMES[_new]
    UNIVERSITY_RENAMES[_old] = _new

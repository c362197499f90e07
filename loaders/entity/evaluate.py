"""Precision and recall of entity resolution on labelled name pairs (``tests/data/resolution_pairs.csv``).

A pair is predicted *same* when ``match.compare`` finds a rule for it; the labels say whether the
two names denote the same organisation (a subsidiary, a branch or a school of a university is not
its parent).  The core takes rows, so the benchmark and the tests share it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from loaders.entity.match import Entity, compare


@dataclass(frozen=True)
class Outcome:
    pair: Mapping[str, str]
    same: bool
    predicted: bool
    rule: str | None


@dataclass
class Evaluation:
    outcomes: list[Outcome] = field(default_factory=list)

    def _count(self, same: bool, predicted: bool) -> int:
        return sum(o.same == same and o.predicted == predicted for o in self.outcomes)

    @property
    def true_positives(self) -> int:
        return self._count(True, True)

    @property
    def false_positives(self) -> int:
        return self._count(False, True)

    @property
    def false_negatives(self) -> int:
        return self._count(True, False)

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0

    def errors(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.same != o.predicted]

    def by_rule(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for o in self.outcomes:
            if o.predicted:
                out[o.rule or ""] = out.get(o.rule or "", 0) + 1
        return dict(sorted(out.items()))


def _entity(side: str, row: Mapping[str, str]) -> Entity:
    return Entity(side, row[f"{side}_kind"], (row[side],), row[f"{side}_type"] or None,
                  row[f"{side}_province"] or None)


def evaluate(rows: Iterable[Mapping[str, str]]) -> Evaluation:
    out = Evaluation()
    for row in rows:
        found = compare(_entity("a", row), _entity("b", row))
        out.outcomes.append(Outcome(row, row["same"] == "1", found is not None, found.rule if found else None))
    return out


def read_pairs(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))

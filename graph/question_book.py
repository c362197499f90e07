"""The enterprise questions, kept in the ledger (never in the graph: they may hold trade secrets).

Each write is one transaction with its audit entry: a question and the record of who asked it, a
step and the values before and after it.  The trail keeps a text's SHA-256 and length, never the
text (an entry cannot be taken back; a text typed by mistake can).  Writes are idempotent: asking
the same question again (same station, enterprise, category, text and day) gives the one already
there, and repeating a question's last step (same action, day, note and department) changes nothing.
A question's id is random (``question:<16 hex>``): it shows in URLs and logs, so it must tell
nothing of the text.

>>> from graph.ledger import Actor, Ledger
>>> book, me = QuestionBook(Ledger(":memory:")), Actor(None, "local", "ana")
>>> q, new = book.ask("station:a", "ent:x", "registration", "注册检验怎么排期?", date(2026, 3, 2), me)
>>> book.step(q.id, "answer", date(2026, 3, 2), me, note="已答复").after.state_before()
'answered'
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from graph.ledger import Actor, Ledger, now
from ontology import NotFound
from ontology.questions import Question, Step

_DDL = """
CREATE TABLE IF NOT EXISTS questions (
    id TEXT PRIMARY KEY, station TEXT NOT NULL, enterprise TEXT NOT NULL, category TEXT NOT NULL,
    text TEXT NOT NULL, asked TEXT NOT NULL, at TEXT NOT NULL, key_id TEXT, role TEXT NOT NULL,
    content TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS questions_station ON questions (station);
CREATE TABLE IF NOT EXISTS question_steps (
    question TEXT NOT NULL REFERENCES questions (id), seq INTEGER NOT NULL, action TEXT NOT NULL, day TEXT NOT NULL,
    note TEXT NOT NULL, dept TEXT, path TEXT NOT NULL, at TEXT NOT NULL, key_id TEXT, role TEXT NOT NULL,
    PRIMARY KEY (question, seq)
);
"""


@dataclass(frozen=True)
class Stepped:
    before: Question
    after: Question
    changed: bool  # False: the step repeated the last one, nothing was written


def content_key(station: str, enterprise: str, category: str, text: str, asked: date) -> str:
    """What makes a question the same one (station, enterprise, category, text, day): its digest."""
    key = "\x1f".join((station, enterprise, category, text.strip(), asked.isoformat()))
    return hashlib.sha256(key.encode()).hexdigest()


def audit_record(q: Question) -> dict:
    """A question as the audit trail keeps it: its text only as a digest and a length."""
    data = {"id": q.id, "station": q.station, "enterprise": q.enterprise, "category": q.category,
            "asked": q.asked.isoformat(), "state": q.state_before(),
            "text_sha256": hashlib.sha256(q.text.encode()).hexdigest(), "text_chars": len(q.text)}
    if q.steps:
        last = q.steps[-1]
        data["last_step"] = {"action": last.action, "day": last.day.isoformat(), "note": last.note,
                             **({"to": last.to, "path": list(last.path)} if last.to else {})}
    return data


class QuestionBook:
    def __init__(self, ledger: Ledger):
        self.ledger = ledger
        with ledger.lock:
            ledger.conn.executescript(_DDL)
        with ledger.transaction() as tx:
            if "content" not in {r[1] for r in tx.execute("PRAGMA table_info(questions)")}:
                # a ledger of before the digest: give each question its own
                tx.execute("ALTER TABLE questions ADD COLUMN content TEXT NOT NULL DEFAULT ''")
                for qid, station, enterprise, category, text, asked in tx.execute(
                        "SELECT id, station, enterprise, category, text, asked FROM questions").fetchall():
                    tx.execute("UPDATE questions SET content=? WHERE id=?",
                               (content_key(station, enterprise, category, text, date.fromisoformat(asked)), qid))
            tx.execute("CREATE UNIQUE INDEX IF NOT EXISTS questions_content ON questions (content)")

    def ask(self, station: str, enterprise: str, category: str, text: str, day: date,
            actor: Actor) -> tuple[Question, bool]:
        """A new question at ``station`` (ids resolved by the caller), and whether it is new."""
        content = content_key(station, enterprise, category, text, day)
        with self.ledger.transaction() as tx:
            row = tx.execute("SELECT id FROM questions WHERE content=?", (content,)).fetchone()
            if row is not None:
                found = _get(tx, row[0])
                self.ledger.append(tx, actor, "questions.create", found.id, 200, audit_record(found),
                                   audit_record(found), {"unchanged": True})
                return found, False
            qid = "question:" + secrets.token_hex(8)
            tx.execute("INSERT INTO questions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (qid, station, enterprise, category, text, day.isoformat(), now(), actor.key_id, actor.role,
                        content))
            q = Question(qid, station, enterprise, category, text, day, ())
            self.ledger.append(tx, actor, "questions.create", qid, 201, None, audit_record(q))
        return q, True

    def step(self, question: str, action: str, day: date, actor: Actor, note: str = "", to: str | None = None,
             path: tuple[str, ...] = ()) -> Stepped:
        """Take one step (Conflict when the question's state does not allow it)."""
        with self.ledger.transaction() as tx:
            before = _get(tx, question)
            if before.steps and _same(before.steps[-1], action, day, note, to):
                self.ledger.append(tx, actor, f"questions.{action}", question, 200, audit_record(before),
                                   audit_record(before), {"unchanged": True})
                return Stepped(before, before, False)
            seq = len(before.steps) + 1
            s = Step(seq, action, day, note, to, path, now(), actor.key_id, actor.role)
            after = before.then(s)  # Conflict or InvalidInput: the transaction is rolled back
            tx.execute("INSERT INTO question_steps VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (question, seq, action, day.isoformat(), note, to, json.dumps(list(path)), s.at,
                        actor.key_id, actor.role))
            self.ledger.append(tx, actor, f"questions.{action}", question, 200, audit_record(before),
                               audit_record(after))
        return Stepped(before, after, True)

    def get(self, question: str) -> Question:
        with self.ledger.reading() as conn:
            return _get(conn, question)

    def questions(self, stations: Iterable[str] | None = None, enterprise: str | None = None) -> list[Question]:
        """The questions of ``stations`` (all when None), of ``enterprise`` when given, by day asked, then id."""
        where, args = [], []
        if stations is not None:
            wanted = sorted(set(stations))
            where.append(f"q.station IN ({', '.join('?' * len(wanted))})")
            args += wanted
        if enterprise is not None:
            where.append("q.enterprise = ?")
            args.append(enterprise)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self.ledger.reading() as conn:  # the questions and their steps as of one moment
            rows = conn.execute(f"SELECT q.* FROM questions q{clause}", args).fetchall()
            steps = conn.execute("SELECT s.* FROM question_steps s JOIN questions q ON q.id = s.question"
                                 f"{clause} ORDER BY s.question, s.seq", args).fetchall()
        by_question: dict[str, list[Step]] = {}
        for row in steps:
            by_question.setdefault(row[0], []).append(_step(row))
        found = [_question(r, by_question.get(r[0], [])) for r in rows]
        return sorted(found, key=lambda q: (q.asked, q.id))


def _get(conn, question: str) -> Question:
    row = conn.execute("SELECT * FROM questions WHERE id=?", (question,)).fetchone()
    if row is None:
        raise NotFound(f"no question {question!r}")
    steps = conn.execute("SELECT * FROM question_steps WHERE question=? ORDER BY seq", (question,)).fetchall()
    return _question(row, [_step(s) for s in steps])


def _same(last: Step, action: str, day: date, note: str, to: str | None) -> bool:
    return (last.action, last.day, last.note, last.to) == (action, day, note, to)


def _question(row: tuple, steps: list[Step]) -> Question:
    qid, station, enterprise, category, text, asked, *_ = row
    return Question(qid, station, enterprise, category, text, date.fromisoformat(asked), tuple(steps))


def _step(row: tuple) -> Step:
    _, seq, action, day, note, dept, path, at, key_id, role = row
    return Step(seq, action, date.fromisoformat(day), note, dept, tuple(json.loads(path)), at, key_id, role)




"""The ledger: one small SQLite file beside the store for what is not graph data — the API's keys
(``api.auth``), the enterprise questions (``graph.question_book``, private: never graph nodes) and
the audit trail of every write.

The audit trail is append-only and chained: each entry carries the SHA-256 of the entry before it
and its own, computed over its stored fields, so ``verify()`` detects an entry edited, deleted or
inserted out of turn.  Triggers refuse UPDATE and DELETE, and an INSERT that is not the next entry
after the last (so ``INSERT OR REPLACE`` cannot swap one); ``AUTOINCREMENT`` keeps the highest
number ever given in ``sqlite_sequence``, so a deleted last entry shows too.  Whoever can rewrite
the file itself (drop the triggers, edit ``sqlite_sequence``) can cut the chain's end unseen: keep
the head ``verify`` prints (``SEQ:HASH``) somewhere else and check against it
(``verify(head=…)``, ``biokg audit verify --head SEQ:HASH``).

The file is in WAL mode with ``synchronous=FULL``: an acknowledged entry survives a crash, and
several server processes share it (each write is one ``BEGIN IMMEDIATE`` transaction).

>>> ledger = Ledger(":memory:")
>>> with ledger.transaction() as tx:
...     _ = ledger.append(tx, Actor(None, "local", "ana"), "records.create", "station:a", 201, None, {"id": "r1"})
>>> ledger.verify().ok, ledger.entries()[0].after
(True, {'id': 'r1'})
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ontology.errors import InvalidInput

GENESIS = "0" * 64

# one statement each: they run inside one transaction (executescript would commit between them)
_DDL = (
    """CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, key_id TEXT, role TEXT NOT NULL, actor TEXT NOT NULL,
    action TEXT NOT NULL, target TEXT NOT NULL, status INTEGER NOT NULL, before TEXT NOT NULL, after TEXT NOT NULL,
    detail TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL)""",
    """CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_appends_only BEFORE INSERT ON audit
    WHEN NEW.seq <= coalesce((SELECT max(seq) FROM audit), 0)
      OR NEW.prev != coalesce((SELECT hash FROM audit ORDER BY seq DESC LIMIT 1), '{GENESIS}')
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: an entry follows the last one'); END""",
)
_HEAD = re.compile(r"([0-9]+):([0-9a-fA-F]{64})")
_FIELDS = "seq, at, key_id, role, actor, action, target, status, before, after, detail, prev, hash"


@dataclass(frozen=True)
class Actor:
    """Who writes: a key (its id and role), or the command line (``key_id`` None, role ``local``,
    ``name`` the operating-system user)."""

    key_id: str | None
    role: str
    name: str | None = None

    @property
    def label(self) -> str:
        if self.key_id is not None:
            return f"bkg_{self.key_id}"
        return f"{self.role}:{self.name}" if self.name else self.role


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str  # UTC, ISO, seconds
    key_id: str | None
    role: str
    actor: str  # bkg_<id>, local:<user> or anonymous
    action: str  # e.g. records.create, questions.escalate, loads.delete, keys.revoke
    target: str
    status: int  # the HTTP status it ended with (the command line: 200/201, or its error's)
    before: Any  # the values before (None: there was nothing)
    after: Any  # the values after (None: nothing is left, or the write was refused)
    detail: dict[str, Any]
    prev: str
    hash: str


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    head: str  # "SEQ:HASH" of the last entry ("0:" + GENESIS for an empty trail): keep it elsewhere
    problems: tuple[tuple[int, str], ...]  # (seq, what is wrong), in order


def canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def entry_hash(seq: int, at: str, key_id: str | None, role: str, actor: str, action: str, target: str,
               status: int, before: str, after: str, detail: str, prev: str) -> str:
    """The hash of an entry over its stored fields (the JSON columns as stored text)."""
    text = canonical([seq, at, key_id, role, actor, action, target, status, before, after, detail, prev])
    return hashlib.sha256(text.encode()).hexdigest()


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Ledger:
    def __init__(self, path: str | Path):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        # one transaction, the state read inside it: server processes starting at once prepare the file once
        with self.transaction() as tx:
            old = {r[1] for r in tx.execute("PRAGMA table_info(audit)")}
            unchained = bool(old) and "hash" not in old  # a keys file of before the chain
            if unchained:
                tx.execute("ALTER TABLE audit RENAME TO audit_unchained")
            for statement in _DDL:
                tx.execute(statement)
            if unchained:  # its entries chained, as they were
                rows = tx.execute("SELECT at, key_id, role, action, target, status, detail FROM audit_unchained "
                                  "ORDER BY seq").fetchall()
                for at, key_id, role, action, target, status, detail in rows:
                    self.append(tx, Actor(key_id, role), action, target, status, None, None,
                                {**json.loads(detail), "chained_later": True}, at=at)
                tx.execute("DROP TABLE audit_unchained")

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: everything in it (a question's step and its audit entry) or nothing."""
        with self.lock:
            if self.conn.in_transaction:
                raise RuntimeError("a ledger transaction inside another")
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: several statements see one moment of the file, whatever other
        processes commit meanwhile."""
        with self.lock:
            if self.conn.in_transaction:  # already inside one: it sees one moment too
                yield self.conn
                return
            self.conn.execute("BEGIN")
            try:
                yield self.conn
            finally:
                self.conn.execute("COMMIT")

    def append(self, tx: sqlite3.Connection, actor: Actor, action: str, target: str, status: int,
               before: Any, after: Any, detail: dict[str, Any] | None = None, at: str | None = None) -> AuditEntry:
        """Add an entry to the trail, inside ``tx`` (a ``transaction()``)."""
        row = tx.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        used = tx.execute("SELECT seq FROM sqlite_sequence WHERE name='audit'").fetchone()
        seq = max(row[0] if row else 0, used[0] if used else 0) + 1
        prev = row[1] if row else GENESIS
        values = (seq, at or now(), actor.key_id, actor.role, actor.label, action, target[:500], status,
                  canonical(before), canonical(after), canonical(detail or {}), prev)
        digest = entry_hash(*values)
        tx.execute(f"INSERT INTO audit ({_FIELDS}) VALUES ({', '.join('?' * 13)})", (*values, digest))
        return _entry((*values, digest))

    def record(self, actor: Actor, action: str, target: str, status: int, before: Any = None, after: Any = None,
               detail: dict[str, Any] | None = None) -> AuditEntry:
        """An entry in a transaction of its own (for writes elsewhere: the store's records and loads)."""
        with self.transaction() as tx:
            return self.append(tx, actor, action, target, status, before, after, detail)

    def entries(self, after: int = 0, limit: int = 100, since: str | None = None) -> list[AuditEntry]:
        """Entries with ``seq > after`` (and ``at >= since``, an ISO date or time), oldest first."""
        with self.lock:
            rows = self.conn.execute(f"SELECT {_FIELDS} FROM audit WHERE seq > ? AND at >= ? ORDER BY seq LIMIT ?",
                                     (after, since or "", limit)).fetchall()
        return [_entry(r) for r in rows]

    def verify(self, head: str | None = None) -> Verification:
        """Walk the chain: every entry's hash over its fields, its link to the one before, no number
        missing, none deleted from the end; with ``head`` (a ``SEQ:HASH`` kept from an earlier
        verification), that entry is still there, unchanged."""
        problems: list[tuple[int, str]] = []
        prev, expected, count = GENESIS, 1, 0
        hashes: dict[int, str] = {0: GENESIS}
        with self.reading() as conn:  # the entries and the counter of one moment
            rows = conn.execute(f"SELECT {_FIELDS} FROM audit ORDER BY seq").fetchall()
            used = conn.execute("SELECT seq FROM sqlite_sequence WHERE name='audit'").fetchone()
        for row in rows:
            seq, stored_prev, stored_hash = row[0], row[11], row[12]
            count += 1
            if seq != expected:
                problems.append((seq, f"entries {expected}–{seq - 1} are missing" if seq > expected
                                 else "an entry out of turn"))
            if stored_prev != prev:
                problems.append((seq, "does not follow the entry before it (its link to it differs)"))
            if entry_hash(*row[:12]) != stored_hash:
                problems.append((seq, "has been changed since it was written (its hash differs)"))
            prev, expected, hashes[seq] = stored_hash, seq + 1, stored_hash
        if used and used[0] >= expected:
            problems.append((used[0], f"entries {expected}–{used[0]} were deleted from the end"))
        if head is not None:
            found = _HEAD.fullmatch(head.strip())
            if found is None:
                raise InvalidInput(f"head: {head!r} is not SEQ:HASH as verify prints it")
            seq = int(found.group(1))
            if hashes.get(seq) != found.group(2).lower():
                problems.append((seq, "the head kept from an earlier verification is gone or changed"))
        return Verification(not problems, count, f"{expected - 1}:{prev}", tuple(problems))


def _entry(row: tuple) -> AuditEntry:
    seq, at, key_id, role, actor, action, target, status, before, after, detail, prev, digest = row
    return AuditEntry(seq, at, key_id, role, actor, action, target, status, json.loads(before), json.loads(after),
                      json.loads(detail), prev, digest)

"""API keys, roles and the audit trail, kept in one small SQLite file beside the store.

A key is ``bkg_<id>_<secret>``: an 8-hex id (public, shown in lists and the audit) and a random
256-bit secret.  Only the SHA-256 digest of the whole key is stored, with ``bkg_<id>`` for display;
the key itself is shown once, when it is created.  A key is looked up by its id and its digest
compared in constant time (``hmac.compare_digest``), so neither a wrong secret nor an unknown id
answers faster than a right one.

>>> ring = KeyRing(":memory:")
>>> key, secret = ring.create("viewer")
>>> ring.authenticate(secret).role, key.prefix == secret[:12]
('viewer', True)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ontology import InvalidInput, NotFound, Unauthorized

ROLES = ("viewer", "analyst", "station", "admin")
# what each role may do; "anonymous" is the caller without a key, where the settings allow one
CAPABILITIES = {
    "anonymous": frozenset({"read"}),
    "viewer": frozenset({"read"}),
    "analyst": frozenset({"read", "export", "citywide", "scorecards"}),
    "station": frozenset({"read", "records"}),
    "admin": frozenset({"read", "export", "citywide", "scorecards", "records", "loads", "keys", "audit"}),
}
_KEY = re.compile(r"bkg_([0-9a-f]{8})_([A-Za-z0-9_-]{43})")
_DUMMY = hashlib.sha256(b"no such key").hexdigest()

_DDL = """
CREATE TABLE IF NOT EXISTS keys (
    id TEXT PRIMARY KEY, digest TEXT NOT NULL, role TEXT NOT NULL, station TEXT, expires TEXT,
    revoked INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, note TEXT
);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY, at TEXT NOT NULL, key_id TEXT, role TEXT NOT NULL, action TEXT NOT NULL,
    target TEXT NOT NULL, status INTEGER NOT NULL, detail TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class ApiKey:
    """A key as stored: never its secret."""

    id: str
    role: str
    station: str | None
    expires: date | None  # the key works through this day (UTC); None: no expiry
    revoked: bool
    created_at: str

    @property
    def prefix(self) -> str:
        return f"bkg_{self.id}"

    def expired(self, today: date) -> bool:
        return self.expires is not None and today > self.expires


@dataclass(frozen=True)
class Principal:
    """Who is asking: a key's id, role and station, or the anonymous reader (``key_id`` None)."""

    key_id: str | None
    role: str
    station: str | None = None

    def may(self, capability: str) -> bool:
        return capability in CAPABILITIES[self.role]


ANONYMOUS = Principal(None, "anonymous")


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    key_id: str | None
    role: str
    action: str  # e.g. "records.create", "loads.create", "keys.revoke"
    target: str
    status: int
    detail: dict[str, Any]


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class KeyRing:
    """The keys and the audit trail in one SQLite file (WAL, synchronous=FULL: an acknowledged
    key or audit entry survives a crash; several server processes share the file)."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.executescript(_DDL)

    def close(self) -> None:
        self._conn.close()

    def create(self, role: str, station: str | None = None, expires: date | None = None,
               note: str | None = None) -> tuple[ApiKey, str]:
        """A new key: the stored record and the key itself (shown once)."""
        if role not in ROLES:
            raise InvalidInput(f"role {role!r}: use one of {', '.join(ROLES)}")
        if (role == "station") != (station is not None):
            raise InvalidInput("station: a station key needs its station" if role == "station"
                               else f"station: only a key of role station is bound to a station (got {station!r})")
        if expires is not None and expires < datetime.now(UTC).date():
            raise InvalidInput(f"expires: {expires} has passed")
        key_id, secret = secrets.token_hex(4), secrets.token_urlsafe(32)
        key = f"bkg_{key_id}_{secret}"
        created = _now()
        with self._lock:
            self._conn.execute("INSERT INTO keys VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
                               (key_id, digest(key), role, station, expires.isoformat() if expires else None,
                                created, note))
        return ApiKey(key_id, role, station, expires, False, created), key

    def keys(self) -> list[ApiKey]:
        with self._lock:
            rows = self._conn.execute("SELECT id, role, station, expires, revoked, created_at FROM keys "
                                      "ORDER BY created_at, id").fetchall()
        return [_key_of(r) for r in rows]

    def get(self, key_id: str) -> ApiKey:
        with self._lock:
            row = self._conn.execute("SELECT id, role, station, expires, revoked, created_at FROM keys WHERE id=?",
                                     (key_id.removeprefix("bkg_"),)).fetchone()
        if row is None:
            raise NotFound(f"no key {key_id!r}")
        return _key_of(row)

    def revoke(self, key_id: str) -> ApiKey:
        key = self.get(key_id)
        with self._lock:
            self._conn.execute("UPDATE keys SET revoked=1 WHERE id=?", (key.id,))
        return self.get(key.id)

    def authenticate(self, key: str, today: date | None = None) -> Principal:
        """The principal a key stands for; Unauthorized when it is malformed, unknown, expired or revoked."""
        found = _KEY.fullmatch(key)
        key_id = found.group(1) if found else ""
        with self._lock:
            row = self._conn.execute("SELECT digest, id, role, station, expires, revoked, created_at FROM keys "
                                     "WHERE id=?", (key_id,)).fetchone()
        # compare in every case, so that a malformed or unknown key takes as long as a wrong secret
        good = hmac.compare_digest(digest(key), row[0] if row else _DUMMY) and row is not None and found is not None
        if not good:
            raise Unauthorized("the API key is not valid" if found else
                               "malformed API key: expected 'Authorization: Bearer bkg_…'")
        stored = _key_of(row[1:])
        if stored.revoked:
            raise Unauthorized(f"the API key {stored.prefix} has been revoked")
        if stored.expired(today or datetime.now(UTC).date()):
            raise Unauthorized(f"the API key {stored.prefix} expired on {stored.expires}")
        return Principal(stored.id, stored.role, stored.station)

    def principal(self, authorization: str | None, anonymous: bool) -> Principal:
        """Who an ``Authorization`` header stands for: a ``Bearer`` key's principal, or without a
        header the anonymous reader where ``anonymous`` allows one; Unauthorized otherwise."""
        if not authorization:
            if not anonymous:
                raise Unauthorized("an API key is needed: 'Authorization: Bearer bkg_…'")
            return ANONYMOUS
        scheme, _, key = authorization.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise Unauthorized("malformed Authorization header: expected 'Bearer bkg_…'")
        return self.authenticate(key.strip())

    def audit(self, who: Principal, action: str, target: str, status: int,
              detail: dict[str, Any] | None = None) -> None:
        """Record one action (a write, a refused write) in the trail."""
        with self._lock:
            self._conn.execute("INSERT INTO audit (at, key_id, role, action, target, status, detail) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?)",
                               (_now(), who.key_id, who.role, action, target, status,
                                json.dumps(detail or {}, ensure_ascii=False, sort_keys=True)))

    def audit_entries(self, after: int = 0, limit: int = 100) -> list[AuditEntry]:
        """Entries with ``seq > after``, oldest first."""
        with self._lock:
            rows = self._conn.execute("SELECT seq, at, key_id, role, action, target, status, detail FROM audit "
                                      "WHERE seq > ? ORDER BY seq LIMIT ?", (after, limit)).fetchall()
        return [AuditEntry(*r[:7], json.loads(r[7])) for r in rows]


def _key_of(row: tuple) -> ApiKey:
    key_id, role, station, expires, revoked, created = row
    return ApiKey(key_id, role, station, date.fromisoformat(expires) if expires else None, bool(revoked), created)

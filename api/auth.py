"""API keys and roles, kept in the ledger (``graph.ledger``: one small SQLite file beside the store,
with the audit trail and the enterprise questions).

A key is ``bkg_<id>_<secret>``: an 8-hex id (public, shown in lists and the audit) and a random
256-bit secret.  Only the SHA-256 digest of the whole key is stored, with ``bkg_<id>`` for display;
the key itself is shown once, when it is created.  A key is looked up by its id and its digest
compared in constant time (``hmac.compare_digest``), so neither a wrong secret nor an unknown id
answers faster than a right one.

>>> ring = KeyRing(Ledger(":memory:"))
>>> key, secret = ring.create("viewer")
>>> ring.authenticate(secret).role, key.prefix == secret[:12]
('viewer', True)
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from graph.ledger import Actor, Ledger
from ontology import InvalidInput, NotFound, Unauthorized

ROLES = ("viewer", "analyst", "station", "admin")
# what each role may do; "anonymous" is the caller without a key, where the settings allow one
CAPABILITIES = {
    "anonymous": frozenset({"read"}),
    "viewer": frozenset({"read"}),
    "analyst": frozenset({"read", "export", "citywide", "scorecards"}),
    "station": frozenset({"read", "records", "questions"}),
    "admin": frozenset({"read", "export", "citywide", "scorecards", "records", "questions", "loads", "keys",
                        "audit"}),
}
CAPABILITIES["local"] = CAPABILITIES["admin"]  # the command line: whoever may open the files may do anything
_KEY = re.compile(r"bkg_([0-9a-f]{8})_([A-Za-z0-9_-]{43})")
_DUMMY = hashlib.sha256(b"no such key").hexdigest()

_DDL = """
CREATE TABLE IF NOT EXISTS keys (
    id TEXT PRIMARY KEY, digest TEXT NOT NULL, role TEXT NOT NULL, station TEXT, expires TEXT,
    revoked INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, note TEXT
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

    @property
    def actor(self) -> Actor:
        return Actor(self.key_id, self.role, _user() if self.role == "local" else None)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container's user without a name
        return "unknown"


ANONYMOUS = Principal(None, "anonymous")
LOCAL = Principal(None, "local")  # the command line


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class KeyRing:
    """The keys, in the ledger (WAL, synchronous=FULL: an acknowledged key survives a crash;
    several server processes share the file).  Creating and revoking a key are audited in the
    same transaction."""

    def __init__(self, ledger: Ledger | str | Path):
        self.ledger = ledger = ledger if isinstance(ledger, Ledger) else Ledger(ledger)
        with ledger.lock:
            ledger.conn.executescript(_DDL)
        self._lock, self._conn = ledger.lock, ledger.conn

    def close(self) -> None:
        self.ledger.close()

    def create(self, role: str, station: str | None = None, expires: date | None = None,
               note: str | None = None, by: Principal | None = None) -> tuple[ApiKey, str]:
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
        stored = ApiKey(key_id, role, station, expires, False, created)
        with self.ledger.transaction() as tx:
            tx.execute("INSERT INTO keys VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
                       (key_id, digest(key), role, station, expires.isoformat() if expires else None, created, note))
            self.ledger.append(tx, (by or LOCAL).actor, "keys.create", stored.prefix, 201, None, key_record(stored))
        return stored, key

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

    def revoke(self, key_id: str, by: Principal | None = None) -> ApiKey:
        key = self.get(key_id)
        with self.ledger.transaction() as tx:
            tx.execute("UPDATE keys SET revoked=1 WHERE id=?", (key.id,))
            after = ApiKey(**{**vars(key), "revoked": True})
            self.ledger.append(tx, (by or LOCAL).actor, "keys.revoke", key.prefix, 200, key_record(key),
                               key_record(after), {"unchanged": True} if key.revoked else None)
        return after

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


def key_record(key: ApiKey) -> dict[str, Any]:
    """A key as the audit trail keeps it (never its secret or digest)."""
    return {"id": key.id, "prefix": key.prefix, "role": key.role, "station": key.station,
            "expires": key.expires.isoformat() if key.expires else None, "revoked": key.revoked}


def _key_of(row: tuple) -> ApiKey:
    key_id, role, station, expires, revoked, created = row
    return ApiKey(key_id, role, station, date.fromisoformat(expires) if expires else None, bool(revoked), created)

"""What every route shares: the app's context, the caller (from the ``Authorization`` header), the
rights a route needs, a station key's districts, and list pages with opaque cursors."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.auth import KeyRing, Principal
from api.settings import Settings
from graph import Store
from graph.ledger import Ledger
from graph.question_book import QuestionBook
from ontology import Forbidden, InvalidInput, Unauthorized
from queries.network import in_scope_of

if TYPE_CHECKING:
    from loaders.calendar_file import KeptCalendar

T = TypeVar("T")
MAX_LIMIT = 200
MAX_OFFSET = 10_000  # deeper pages: narrow the query instead

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer bkg_…` "
                                                   "(`biokg keys create`)")


@dataclass(frozen=True)
class Context:
    store: Store
    keys: KeyRing
    settings: Settings
    questions: QuestionBook  # in the keys' ledger
    calendars: KeptCalendar  # the working-day calendar, re-read when `biokg calendar load` changes it

    @property
    def ledger(self) -> Ledger:
        return self.keys.ledger

    @classmethod
    def of(cls, store: Store, settings: Settings, keys: KeyRing | None = None) -> Context:
        """The context over ``store``: the keys, questions and audit trail in the settings' ledger, the
        kept working-day calendar."""
        from loaders.calendar_file import KeptCalendar

        keys = keys or KeyRing(settings.ledger_path)
        return cls(store, keys, settings, QuestionBook(keys.ledger), KeptCalendar(settings.calendar_path))


def context(request: Request) -> Context:
    return request.app.state.biokg


def caller(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Principal:
    """The principal behind the request; anonymous only where the settings allow it.  (``credentials``
    puts the scheme in the OpenAPI schema; the header is read by ``KeyRing.principal``.)"""
    ctx = context(request)
    return ctx.keys.principal(request.headers.get("authorization"), ctx.settings.anonymous)


_WHAT = {"read": "read the graph", "export": "export the store", "citywide": "read city-wide coverage",
         "scorecards": "read scorecards", "records": "write service records", "loads": "load or unload data",
         "keys": "manage keys", "audit": "read the audit trail",
         "questions": "read or write enterprise questions"}


def needs(capability: str) -> dict[str, Any]:
    """A route's ``openapi_extra``: the right it needs, named in the schema (``x-biokg-right``)."""
    return {"x-biokg-right": capability}


def who_is(who: Principal) -> str:
    """'an anonymous caller', 'a viewer key' (for messages)."""
    noun = "caller" if who.key_id is None else "key"
    return f"{'an' if who.role[0] in 'aeiou' else 'a'} {who.role} {noun}"


def refuse(who: Principal, capability: str, what: str | None = None) -> None:
    """Raise unless ``who`` holds ``capability``: 401 for a caller without a key (a key may allow it),
    403 for a key whose role does not."""
    if who.may(capability):
        return
    what = what or _WHAT[capability]
    if who.key_id is None:
        raise Unauthorized(f"to {what}, send a key with the right: 'Authorization: Bearer bkg_…'")
    raise Forbidden(f"{who_is(who)} may not {what}")


def allowed(capability: str) -> Callable[..., Principal]:
    """A dependency: the caller, who must hold ``capability``."""

    def check(who: Principal = Depends(caller)) -> Principal:
        refuse(who, capability)
        return who

    return check


def records_visible(store: Store, who: Principal) -> Callable[[str], bool]:
    """Whether the caller may see the service records (TRACKS edges) of a station: those who may read
    scorecards see all; a station key those of the stations whose districts it serves
    (``queries.network.in_scope_of``); others none.  Records are a station's work log."""
    if who.may("scorecards"):
        return lambda station: True
    if who.station is None:
        return lambda station: False
    return in_scope_of(store, who.station)


# ---------------------------------------------------------------------------------- pages

def encode_cursor(offset: int, query: Any) -> str:
    raw = json.dumps({"o": offset, "q": query}, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, query: Any, bound: int | None = MAX_OFFSET) -> int:
    """The offset a cursor stands for (at most ``bound``); it must come from the same query (else 400)."""
    if cursor is None:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        offset, same = data["o"], data["q"] == query
        if isinstance(offset, bool) or not isinstance(offset, int):
            raise TypeError
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput(f"cursor: {cursor!r} is not a cursor of this API") from None
    if not same:
        raise InvalidInput("cursor: it belongs to another query; start again without it")
    if offset < 0 or (bound is not None and offset > bound):
        raise InvalidInput(f"cursor: offset {offset} out of range")
    return offset


def page(items: Sequence[T], offset: int, limit: int, query: Any, to_json: Callable[[T], dict]) -> dict[str, Any]:
    """``{"data", "count", "next"}`` for ``items[offset:offset+limit]``; ``items`` may hold one more
    than the page, which tells that there is a next one."""
    shown = items[offset:offset + limit]
    more = len(items) > offset + limit and offset + limit <= MAX_OFFSET
    return {"data": [to_json(i) for i in shown], "count": len(shown),
            "next": encode_cursor(offset + limit, query) if more else None}

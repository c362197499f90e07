"""The one exception tree of biokg.

Every error a user can cause or meet is a ``BiokgError``; each subclass carries the HTTP status
the API answers with and a short machine code.  Lower layers (the Neo4j driver, sqlite3, file
decoding) are mapped to these at the boundary where they are caught.
"""

from __future__ import annotations

from dataclasses import dataclass


class BiokgError(Exception):
    """Base of all biokg errors."""

    http_status = 500
    code = "error"


class NotFound(BiokgError):
    """An id, file or named thing does not exist."""

    http_status = 404
    code = "not_found"


class InvalidInput(BiokgError):
    """A request or argument is malformed (bad date, unknown option value …)."""

    http_status = 400
    code = "invalid_input"


class SchemaError(BiokgError):
    """A write does not fit the ontology: unknown kind, wrong endpoint, bad or missing value."""

    http_status = 422
    code = "schema_error"


class Unauthorized(BiokgError):
    """No valid credentials: a missing key where one is needed, or a malformed, unknown, expired or
    revoked one."""

    http_status = 401
    code = "unauthorized"


class Forbidden(BiokgError):
    """Valid credentials that do not allow this (a role without the right, another station's data)."""

    http_status = 403
    code = "forbidden"


class Conflict(BiokgError):
    """The request contradicts the current state (an illegal transition, an id taken)."""

    http_status = 409
    code = "conflict"


class TooLarge(BiokgError):
    """A body or upload beyond the documented limit."""

    http_status = 413
    code = "too_large"


class FieldErrors(BiokgError):
    """A request body whose fields do not validate: one ``{"field", "message"}`` per problem, so a
    form can show each next to its field."""

    http_status = 422
    code = "invalid_fields"

    def __init__(self, details: list[dict[str, str]], summary: str | None = None):
        self.details = details
        first = details[0] if details else {"field": "body", "message": "invalid"}
        more = f"; and {len(details) - 1} more" if len(details) > 1 else ""
        super().__init__(summary or f"{first['field']}: {first['message']}{more}")


class StoreUnavailable(BiokgError):
    """The store cannot be reached or opened (server down, file locked, wrong format)."""

    http_status = 503
    code = "store_unavailable"


@dataclass(frozen=True, order=True)
class Location:
    """Where a problem is: ``file:line:column`` (line and column are 1-based; 0 means unknown)."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        parts = [self.file]
        if self.line:
            parts.append(str(self.line))
            if self.column:
                parts.append(str(self.column))
        return ":".join(parts)


@dataclass(frozen=True, order=True)
class Problem:
    """One located problem found while reading or validating input."""

    location: Location
    message: str
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        tag = "" if self.severity == "error" else f"{self.severity}: "
        return f"{self.location}: {tag}{self.message}"


class LoadError(BiokgError):
    """Input files have problems; nothing was written."""

    http_status = 422
    code = "load_error"

    def __init__(self, problems: list[Problem], summary: str | None = None):
        self.problems = sorted(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        self.summary = summary or f"{len(errors)} error(s) in input; nothing was written"
        super().__init__(self.summary)

    def __str__(self) -> str:
        lines = [str(p) for p in self.problems if p.severity == "error"]
        return "\n".join([*lines, self.summary])

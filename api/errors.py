"""One error shape over HTTP, for biokg's errors and for every error FastAPI and Starlette raise:
``{"error": {"code", "message", "details"}}`` with the status that fits.

- a BiokgError: its own status and code; ``details`` are a LoadError's located problems;
- a request whose parameters do not validate: 400 ``invalid_input``, one detail per parameter
  (``{"field": "query.radius_km", "message", "value"}``);
- an unknown path: 404 ``not_found``; a known path with another method: 405 ``method_not_allowed``;
- anything unexpected: 500 ``internal_error`` (the message says no more than that).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from api import output
from ontology import BiokgError, FieldErrors, LoadError

log = logging.getLogger("biokg.api")
# on every response, errors included (an unexpected error is answered outside the app's middleware)
CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"}
_CODES = {400: "invalid_input", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
          409: "conflict", 413: "too_large", 415: "unsupported_media_type", 422: "schema_error"}


class _ErrorJSON(JSONResponse):
    def render(self, content: Any) -> bytes:
        # an error may echo what was sent, a lone surrogate included: written as its JSON escape
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "backslashreplace")


def error_response(status: int, code: str, message: str, details: list[dict[str, Any]] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": details or []}}
    return _ErrorJSON(body, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})


def _field(loc: tuple) -> str:
    return ".".join(str(part) for part in loc)


def validation_details(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One detail per parameter that does not validate: ``{"field", "message", "value"}``."""
    details = []
    for e in errors:
        detail = {"field": _field(e.get("loc", ())), "message": e.get("msg", "invalid")}
        if "input" in e and isinstance(e["input"], str | int | float | bool | None):
            detail["value"] = e["input"]
        details.append(detail)
    return details


def install(app: FastAPI) -> None:
    """Register the handlers that give every error response the one shape."""

    @app.exception_handler(BiokgError)
    async def biokg_error(_: Request, exc: BiokgError) -> JSONResponse:
        if isinstance(exc, LoadError):
            problems = [output.problem_json(p) for p in exc.problems]
            return error_response(exc.http_status, exc.code, exc.summary, problems)
        details = exc.details if isinstance(exc, FieldErrors) else []
        return error_response(exc.http_status, exc.code, str(exc), details)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        details = validation_details(errors)
        first = details[0] if details else {"field": "request", "message": "invalid"}
        loc = errors[0].get("loc", ()) if errors else ()
        name = str(loc[1]) if len(loc) > 1 else first["field"]  # query.kind.0 -> kind
        got = f" (got {first['value']!r})" if "value" in first else ""
        more = f"; and {len(details) - 1} more" if len(details) > 1 else ""
        return error_response(400, "invalid_input", f"{name}: {first['message']}{got}{more}", details)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        code = _CODES.get(exc.status_code, "http_error")
        if exc.status_code == 404:
            message = f"no route {request.method} {request.url.path}"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        else:
            message = str(exc.detail)
        return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, "internal_error", "internal error; the server log has the details")


def without_default_422(schema: dict[str, Any]) -> dict[str, Any]:
    """FastAPI documents a 422 ``HTTPValidationError`` on every route with parameters; biokg answers
    those with 400 and the one error shape, so the schema says so instead."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            responses = operation.get("responses", {})
            if "HTTPValidationError" in str(responses.get("422", "")):
                del responses["422"]
                responses.setdefault("400", {"description": "Invalid parameters",
                                             "content": {"application/json": {
                                                 "schema": {"$ref": "#/components/schemas/ErrorOut"}}}})
    schemas = schema.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    return schema

"""Body limits and the upload gate: a request body is refused before the app reads it when it is too
big, or when it is an upload from a caller who may not load.

Uploads (``POST /api/v1/loads``) may be ``settings.max_body_mb`` large; every other body, a JSON
document, at most ``JSON_BODY`` bytes.  A declared ``Content-Length`` over the limit is refused at
once; the bytes of a chunked body are counted as they arrive, and once past the limit the request is
answered 413 and the app is told the client left (nothing is buffered here).  FastAPI reads a body
before it runs a route's dependencies, so the key of an upload is checked here, first.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import KeyRing
from api.deps import refuse
from api.errors import error_response
from ontology import BiokgError

JSON_BODY = 1 << 20
UPLOAD_PATHS = ("/api/v1/loads",)


class BodyLimit:
    def __init__(self, app: ASGIApp, uploads: int, keys: KeyRing):
        self.app, self.uploads, self.keys = app, uploads, keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        upload = scope["path"] in UPLOAD_PATHS
        if upload and (refusal := self._gate(scope)) is not None:
            await refusal(scope, receive, send)
            return
        limit = self.uploads if upload else JSON_BODY
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:  # the server holds the body to its declared length
            if not length.isdigit() or int(length) > limit:
                await _too_large(limit, upload)(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        seen, refused, started = 0, False, False

        async def counted() -> Message:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    refused = True
                    if not started:
                        await _too_large(limit, upload)(scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if refused:  # the 413 was the answer; what the app says after the disconnect is dropped
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counted, watched)

    def _gate(self, scope: Scope):
        """The refusal of an upload whose caller may not load, or None."""
        header = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
        try:
            refuse(self.keys.principal(header, anonymous=True), "loads")
        except BiokgError as exc:
            return error_response(exc.http_status, exc.code, str(exc), headers={"Connection": "close"})
        return None


def _too_large(limit: int, upload: bool):
    what = "uploads" if upload else "request bodies"
    return error_response(413, "too_large", f"{what} are limited to {limit:,} bytes", headers={"Connection": "close"})

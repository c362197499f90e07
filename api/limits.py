"""Body limits: a request body beyond its limit is refused with 413 before the app reads it.

Uploads (``POST /api/v1/loads``) may be ``settings.max_body_mb`` large; every other body, a JSON
document, at most ``JSON_BODY`` bytes.  The limit is checked on ``Content-Length`` (the server holds a
body to it); a chunked body, which has none, is read up to the limit before the app sees it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response

JSON_BODY = 1 << 20
UPLOAD_PATHS = ("/api/v1/loads",)


class BodyLimit:
    def __init__(self, app: ASGIApp, uploads: int):
        self.app, self.uploads = app, uploads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        limit = self.uploads if scope["path"] in UPLOAD_PATHS else JSON_BODY
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await self._refuse(scope, receive, send, limit)
            return
        if length is not None:  # the server holds the body to its declared length
            await self.app(scope, receive, send)
            return
        # a chunked body has no length to trust: read it up to the limit, then hand it on
        parts, seen, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            parts.append(message.get("body", b""))
            seen += len(parts[-1])
            if seen > limit:
                await self._refuse(scope, receive, send, limit)
                return
            more = message.get("more_body", False)
        body = b"".join(parts)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        what = "uploads" if scope["path"] in UPLOAD_PATHS else "request bodies"
        response = error_response(413, "too_large", f"{what} are limited to {limit:,} bytes",
                                  headers={"Connection": "close"})
        await response(scope, receive, send)

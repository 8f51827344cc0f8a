"""BodyLimit (ASGI middleware): request bodies larger than the limit get 413 before anything parses them.

A declared Content-Length over the limit is refused before a byte of the body is read; a chunked
body is counted as it streams and refused as soon as it passes the limit, so a 200 MB upload costs
the server at most the limit. Routes, form parsing and the request guard all read through it.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(HTTPException):
    """Raised from `receive` once the body passes the limit. An HTTPException, so that FastAPI's body
    parsing passes it on as it is (it turns other errors into 400) and the app answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Request body too large: the limit is {limit} bytes")


class BodyLimit:
    """The middleware; see the module docstring."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await _too_large(self.max_bytes)(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, self._counting(receive), sending)
        except BodyTooLarge:
            # Raised outside the app's own error handling (the request guard reads forms itself).
            if started:
                raise
            await _too_large(self.max_bytes)(scope, receive, send)

    def _counting(self, receive: Receive) -> Receive:
        received = 0

        async def counting() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        return counting


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the HTTP parser refuses it before this
    return None


def _too_large(limit: int) -> PlainTextResponse:
    # Connection: close, because the rest of the body is not read.
    return PlainTextResponse(
        f"Request body too large: the limit is {limit} bytes",
        status_code=413,
        headers={"Connection": "close"},
    )

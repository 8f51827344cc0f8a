"""The request guard (ASGI middleware): trusted Host names, then for every state-changing request the
same origin, an identity and a CSRF token; it also issues the CSRF cookie and names the acting user.

A refused request never reaches a route: 400 for a Host not served (DNS rebinding), 403 for a
cross-origin or CSRF-less write, 401 for a write without an identity. The CSRF token comes in the
`X-CSRF-Token` header (htmx, from `hx-headers` on <body>) or a `csrf_token` form field (plain forms).
A request authenticated by the Bearer token needs no CSRF token: browsers never add that header.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import HTTPConnection
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web.security.policy import Identity, Mode, WritePolicy
from app.web.security.signing import SESSION_SECONDS, Signer

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_COOKIE = "splitboard_csrf"
SESSION_COOKIE = "splitboard_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 1 << 20

csrf_context: ContextVar[str | None] = ContextVar("splitboard_csrf_token", default=None)
"""The current request's CSRF token, for templates (`csrf_token()`); set only inside the guard."""


@dataclass(frozen=True)
class Guard:
    """What the guard enforces: the write policy, the signer, Host names and extra origins."""

    policy: WritePolicy
    signer: Signer
    hosts: tuple[str, ...]
    """Lower-case names; "*" any, "*.example.com" any subdomain."""
    origins: frozenset[str]
    """Origins ("https://host[:port]") allowed to post besides the request's own Host."""
    open_paths: frozenset[str] = frozenset()
    """Writes that need no identity (signing in), still same-origin with a CSRF token."""
    probe_paths: frozenset[str] = frozenset()
    """Reads served whatever the Host (kubelet probes and Prometheus use the pod's address)."""
    clock: Callable[[], float] = time.time

    def host_allowed(self, host_header: str) -> bool:
        name = host_name(host_header)
        if not name:
            return False
        for pattern in self.hosts:
            if pattern == "*" or pattern == name:
                return True
            if pattern.startswith("*.") and name.endswith(pattern[1:]):
                return True
        return False


def host_name(host_header: str) -> str:
    """The name in a Host header: port dropped, IPv6 brackets removed, lower case."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else ""
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class RequestGuard:
    """The middleware; see the module docstring."""

    def __init__(self, app: ASGIApp, guard: Guard) -> None:
        self.app = app
        self.guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        headers = connection.headers
        probe = scope["path"] in self.guard.probe_paths and scope.get("method") in SAFE_METHODS
        if not probe and not self.guard.host_allowed(headers.get("host", "")):
            await _refuse(400, "Invalid host header")(scope, receive, send)
            return
        nonce = connection.cookies.get(CSRF_COOKIE)
        planted = nonce if self.guard.signer.valid_nonce(nonce) else None
        nonce = planted or self.guard.signer.new_nonce()
        token = self.guard.signer.csrf_token(nonce)
        identity = self._identify(connection)
        state = scope.setdefault("state", {})
        state.update(identity=identity, user=identity.user if identity else None, csrf_token=token)
        if scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
            body, refusal = await self._check_write(scope, receive, headers, identity, planted)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
            receive = _replay(body, receive) if body is not None else receive
        if planted is None:
            send = _with_cookie(send, _cookie(CSRF_COOKIE, nonce, scope), scope)
        reset = csrf_context.set(token)
        try:
            await self.app(scope, receive, send)
        finally:
            csrf_context.reset(reset)

    def _identify(self, connection: HTTPConnection) -> Identity | None:
        policy = self.guard.policy
        token = policy.token if policy.mode is Mode.TOKEN else None
        session = token is not None and self.guard.signer.session_valid(
            token, connection.cookies.get(SESSION_COOKIE), self.guard.clock()
        )
        client = connection.client.host if connection.client else None
        return policy.identify(connection.headers, client, session)

    async def _check_write(
        self, scope: Scope, receive: Receive, headers: Headers, identity: Identity | None, nonce: str | None
    ) -> tuple[bytes | None, PlainTextResponse | None]:
        """The buffered form body (if read) and a refusal, or None when the write may proceed."""
        cross = self._cross_origin(headers)
        if cross is not None:
            return None, _refuse(403, f"Cross-origin request refused: {cross}")
        if identity is None and scope["path"] not in self.guard.open_paths:
            return None, _refuse(401, unauthenticated(self.guard.policy.mode), bearer=True)
        if identity is not None and identity.via == "bearer":
            return None, None
        body: bytes | None = None
        token = headers.get(CSRF_HEADER)
        if token is None and headers.get("content-type", "").split(";")[0].strip().lower() == FORM_TYPE:
            body = await _read_body(receive)
            if body is None:
                return None, _refuse(413, "Request body too large")
            fields = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
            token = next(iter(fields.get(CSRF_FIELD, [])), None)
        if not self.guard.signer.csrf_matches(nonce, token):
            return body, _refuse(403, "CSRF token missing or invalid: reload the page and try again")
        return body, None

    def _cross_origin(self, headers: Headers) -> str | None:
        """Why the request comes from another site (None: this one, or no browser said where from).
        Without Origin and Referer the CSRF token alone decides."""
        if headers.get("sec-fetch-site") == "cross-site":
            return "Sec-Fetch-Site is cross-site"
        origin = headers.get("origin")
        source = origin if origin is not None else headers.get("referer")
        if source is None:
            return None
        parts = urllib.parse.urlsplit(source)
        own = headers.get("host", "").strip().lower()
        if parts.scheme in ("http", "https") and parts.netloc.lower() == own:
            return None
        if f"{parts.scheme}://{parts.netloc}".lower() in self.guard.origins:
            return None
        return f"origin {source[:200]!r} is not this dashboard"


def unauthenticated(mode: Mode) -> str:
    """Why a request without an identity may not write, and what would let it."""
    if mode is Mode.TOKEN:
        return "Sign in first: /login, or send Authorization: Bearer <token>"
    if mode is Mode.PROXY:
        return "No user: changes need the authenticating proxy's user header"
    return (
        "Changes are disabled: Splitboard listens beyond loopback without SPLITBOARD_AUTH_TOKEN"
        " or SPLITBOARD_AUTH=proxy"
    )


def _refuse(status: int, message: str, *, bearer: bool = False) -> PlainTextResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="splitboard"'} if bearer else None
    return PlainTextResponse(message, status_code=status, headers=headers)


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body, or None when it exceeds MAX_FORM_BYTES."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the already-read body once, then defers to the real one."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _cookie(name: str, value: str, scope: Scope, max_age: int | None = None) -> str:
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if scope.get("scheme") in ("https", "wss"):
        parts.append("Secure")
    return "; ".join(parts)


def session_cookie(value: str, scope: Scope) -> str:
    """The Set-Cookie value of a sign-in session ("" value with Max-Age 0 ends it)."""
    return _cookie(SESSION_COOKIE, value, scope, SESSION_SECONDS if value else 0)


def _with_cookie(send: Send, cookie: str, scope: Scope) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            MutableHeaders(scope=message).append("set-cookie", cookie)
        await send(message)

    return sending if scope["type"] == "http" else send

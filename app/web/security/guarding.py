"""The request guard (ASGI middleware): trusted Host names, throttled token guesses, an identity for
reading when the read mode asks for one, then for every state-changing request the same origin, an
identity and a CSRF token; it also issues the CSRF cookie and names the acting user.

A refused request never reaches a route: 400 for a Host not served (DNS rebinding), 429 for a client
that sent too many wrong tokens, 401 for a read or write without the identity it needs (a browser's
page request is sent to the sign-in page instead), 403 for a cross-origin or CSRF-less write. The CSRF
token comes in the `X-CSRF-Token` header (htmx, from `hx-headers` on <body>) or a `csrf_token` form
field (plain forms).
A request authenticated by the Bearer token needs no CSRF token: browsers never add that header.
"""

from __future__ import annotations

import ipaddress
import urllib.parse
from contextvars import ContextVar
from dataclasses import dataclass, field

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import HTTPConnection
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web.security.forwarding import came_over_tls, client_address
from app.web.security.policy import Identity, IPNetwork, Mode, WritePolicy, in_networks
from app.web.security.sessions import SessionStore
from app.web.security.signing import Signer
from app.web.security.throttling import Throttle

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_COOKIE = "splitboard_csrf"
SESSION_COOKIE = "splitboard_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 1 << 20
LOGIN_PATH = "/login"
OPEN_READ_PREFIXES = ("/static/",)
"""Readable without an identity whatever the read mode: the sign-in page's styles and scripts."""

csrf_context: ContextVar[str | None] = ContextVar("splitboard_csrf_token", default=None)
"""The current request's CSRF token, for templates (`csrf_token()`); set only inside the guard."""
identity_context: ContextVar[Identity | None] = ContextVar("splitboard_identity", default=None)
"""The current request's identity, for templates (sign-out, revealing values); set inside the guard."""


@dataclass(frozen=True)
class Guard:
    """What the guard enforces: the write and read policies, the signer, Host names and extra origins,
    the sign-in sessions and the throttle on token guesses."""

    policy: WritePolicy
    signer: Signer
    hosts: tuple[str, ...]
    """Lower-case names; "*" any, "*.example.com" any subdomain, an IP or CIDR any address in it."""
    origins: frozenset[str]
    """Origins ("https://host[:port]") allowed to post besides the request's own Host."""
    sessions: SessionStore
    throttle: Throttle
    open_paths: frozenset[str] = frozenset()
    """Writes that need no identity (signing in), still same-origin with a CSRF token; also readable
    without one."""
    probe_paths: frozenset[str] = frozenset()
    """Reads served whatever the Host and without an identity (kubelet probes use the pod's address)."""
    read: Mode = Mode.OPEN
    """OPEN: anyone may read; TOKEN or PROXY: reading needs the identity writing needs."""
    proxies: tuple[IPNetwork, ...] = ()
    """Peers whose X-Forwarded-For and X-Forwarded-Proto are believed."""
    secure_cookies: bool = False
    """Cookies are Secure even when no TLS is seen (TLS ends at a proxy that does not say so)."""
    host_networks: tuple[IPNetwork, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "host_networks", tuple(_networks(self.hosts)))

    def host_allowed(self, host_header: str) -> bool:
        name = host_name(host_header)
        if not name:
            return False
        for pattern in self.hosts:
            if pattern == "*" or pattern == name:
                return True
            if pattern.startswith("*.") and name.endswith(pattern[1:]):
                return True
        return in_networks(name, self.host_networks)

    def open_read(self, path: str) -> bool:
        """Whether `path` may be read without an identity whatever the read mode."""
        return path in self.open_paths or path in self.probe_paths or path.startswith(OPEN_READ_PREFIXES)


def _networks(patterns: tuple[str, ...]) -> list[IPNetwork]:
    found = []
    for pattern in patterns:
        try:
            found.append(ipaddress.ip_network(pattern.strip("[]"), strict=False))
        except ValueError:
            continue
    return found


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
        address = client_address(connection, self.guard.proxies)
        secure = self.guard.secure_cookies or came_over_tls(connection, self.guard.proxies)
        state = scope.setdefault("state", {})
        state.update(client_address=address, secure=secure)
        throttled = self._throttled(scope, headers, address)
        if throttled is not None:
            await throttled(scope, receive, send)
            return
        nonce = connection.cookies.get(CSRF_COOKIE)
        planted = nonce if self.guard.signer.valid_nonce(nonce) else None
        nonce = planted or self.guard.signer.new_nonce()
        token = self.guard.signer.csrf_token(nonce)
        identity = self._identify(connection, address)
        state.update(identity=identity, user=identity.user if identity else None, csrf_token=token)
        if identity is None and self._read_guarded(scope):
            await _refuse_read(self.guard.read, scope, headers)(scope, receive, send)
            return
        if scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
            body, refusal = await self._check_write(scope, receive, headers, identity, planted)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
            receive = _replay(body, receive) if body is not None else receive
        if planted is None:
            send = _with_cookie(send, _cookie(CSRF_COOKIE, nonce, secure), scope)
        await self._call_app(scope, receive, send, token, identity)

    async def _call_app(
        self, scope: Scope, receive: Receive, send: Send, token: str, identity: Identity | None
    ) -> None:
        reset_token = csrf_context.set(token)
        reset_identity = identity_context.set(identity)
        try:
            await self.app(scope, receive, send)
        finally:
            identity_context.reset(reset_identity)
            csrf_context.reset(reset_token)

    def _throttled(self, scope: Scope, headers: Headers, address: str) -> Response | None:
        """429 when the request tries a token (sign-in form, Bearer header) from a client that sent
        too many wrong ones lately; such a request is not even checked."""
        if self.guard.policy.mode is not Mode.TOKEN:
            return None
        signing_in = scope["path"] == LOGIN_PATH and scope.get("method") == "POST"
        if not signing_in and not _bearer(headers.get("authorization")):
            return None
        wait = self.guard.throttle.retry_after(address)
        if wait is None:
            return None
        return PlainTextResponse(
            f"Too many wrong tokens from this address: try again in {wait} s",
            status_code=429,
            headers={"Retry-After": str(wait)},
        )

    def _identify(self, connection: HTTPConnection, address: str) -> Identity | None:
        policy = self.guard.policy
        user = None
        if policy.mode is Mode.TOKEN:
            user = self.guard.sessions.user(connection.cookies.get(SESSION_COOKIE))
            self._count_bearer(connection.headers.get("authorization"), address)
        client = connection.client.host if connection.client else None
        return policy.identify(connection.headers, client, user)

    def _count_bearer(self, authorization: str | None, address: str) -> None:
        """A Bearer header with the wrong token counts as a guess; the right one clears the count."""
        if not _bearer(authorization):
            return
        if self.guard.policy.bearer_matches(authorization):
            self.guard.throttle.succeeded(address)
        else:
            self.guard.throttle.failed(address)

    def _read_guarded(self, scope: Scope) -> bool:
        """Whether this read needs an identity it lacks (writes are judged by `_check_write`)."""
        if self.guard.read is Mode.OPEN or self.guard.open_read(scope["path"]):
            return False
        return scope["type"] != "http" or scope["method"] in SAFE_METHODS

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


def _bearer(authorization: str | None) -> bool:
    return bool(authorization) and str(authorization).split(" ", 1)[0].lower() == "bearer"


def _refuse_read(mode: Mode, scope: Scope, headers: Headers) -> Response:
    """Reading needs an identity: a browser asking for a page goes to the sign-in page (back here
    afterwards), htmx is told to go there, anything else gets 401."""
    target = scope["path"] + (
        f"?{scope['query_string'].decode('latin-1')}" if scope.get("query_string") else ""
    )
    login = f"{LOGIN_PATH}?{urllib.parse.urlencode({'next': target})}"
    page = "text/html" in headers.get("accept", "") and scope.get("method") in ("GET", "HEAD")
    if mode is Mode.TOKEN and page and headers.get("hx-request") != "true":
        return RedirectResponse(login, status_code=303)
    refusal = _refuse(401, unauthenticated_read(mode), bearer=mode is Mode.TOKEN)
    if mode is Mode.TOKEN and headers.get("hx-request") == "true":
        refusal.headers["HX-Redirect"] = login
    return refusal


def unauthenticated_read(mode: Mode) -> str:
    """Why a request without an identity may not read, and what would let it."""
    if mode is Mode.TOKEN:
        return "Reading needs an identity: sign in at /login, or send Authorization: Bearer <token>"
    return "Reading needs an identity: no user header came from the authenticating proxy"


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


def _cookie(name: str, value: str, secure: bool, max_age: int | None = None) -> str:
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def session_cookie(value: str, scope: Scope, max_age: int) -> str:
    """The Set-Cookie value of a sign-in session ("" value ends it); Secure when the guard saw TLS."""
    secure = bool(scope.get("state", {}).get("secure"))
    return _cookie(SESSION_COOKIE, value, secure, max_age if value else 0)


def _with_cookie(send: Send, cookie: str, scope: Scope) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            MutableHeaders(scope=message).append("set-cookie", cookie)
        await send(message)

    return sending if scope["type"] == "http" else send

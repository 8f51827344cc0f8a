"""install_security: the guard and the headers middleware, the sign-in routes, the access checker, and
the template globals (`csrf_token()`, `signed_in()`, `visitor()`), wired onto an app built by build_app."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from fastapi import FastAPI

from app.kube.access import AccessChecker
from app.settings import Settings
from app.web.docs import DOCS_PATH
from app.web.observability import HEALTH_PATHS
from app.web.security import login
from app.web.security.guarding import LOGIN_PATH, Guard, RequestGuard, csrf_context, identity_context
from app.web.security.headers import SecurityHeaders
from app.web.security.permissions import Security
from app.web.security.policy import Mode, WritePolicy, is_loopback, read_mode, trusted_networks
from app.web.security.sessions import SessionStore
from app.web.security.signing import Signer
from app.web.security.throttling import Throttle

log = logging.getLogger(__name__)
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def allowed_hosts(settings: Settings) -> tuple[str, ...]:
    """The Host names served: the setting, else the loopback names when bound to loopback. Beyond
    loopback the setting is required (ValueError): a page on any site could otherwise rebind its own
    name to this address and read the dashboard through a visitor's browser."""
    if settings.allowed_hosts:
        return tuple(host.strip().lower() for host in settings.allowed_hosts)
    if is_loopback(settings.host):
        return (*LOOPBACK_HOSTS, settings.host.strip("[]").lower())
    raise ValueError(
        f"listening on {settings.host} (beyond loopback) needs SPLITBOARD_ALLOWED_HOSTS: the names (or"
        " addresses) browsers use to reach the dashboard, e.g. splitboard.example.com; `*` serves any"
        " Host and leaves DNS rebinding open"
    )


def signed_in() -> str | None:
    """How the current request is signed in: "session" (it may sign out), another way, or None."""
    identity = identity_context.get()
    return identity.via if identity is not None else None


@dataclass(frozen=True)
class Visitor:
    """What the header says about who is using the dashboard, and whether to offer signing in or out."""

    via: str
    """How the request is identified ("session", "proxy", "bearer", "loopback"), or "none"."""
    label: str
    title: str
    sign_out: bool = False
    sign_in: bool = False


def visitor(mode: Mode) -> Visitor:
    """The header's words for the current request under the write mode `mode`."""
    identity = identity_context.get()
    if identity is not None and identity.via == "session":
        return Visitor(
            "session", f"Signed in as {identity.user}", "Your sign-in; history records this name", True
        )
    if identity is not None and identity.via == "proxy":
        return Visitor("proxy", f"Signed in as {identity.user}", "Named by the authenticating proxy")
    if identity is not None and identity.via == "bearer":
        return Visitor("bearer", "Bearer token", "This request carried the Bearer token")
    if identity is not None:
        return Visitor(
            "loopback",
            "Open on this machine: no sign-in",
            "Splitboard listens on loopback without a token: anyone on this machine may read and change"
            " traffic",
        )
    if mode is Mode.TOKEN:
        return Visitor(
            "none", "Not signed in", "Sign in with the access token to change traffic", sign_in=True
        )
    if mode is Mode.PROXY:
        return Visitor("none", "No user", "No user header came from the authenticating proxy")
    return Visitor(
        "none", "Read-only", "Splitboard has no token and no authenticating proxy: changes are off"
    )


def current_csrf_token() -> str:
    """The CSRF token of the request being rendered (templates: `{{ csrf_token() }}`)."""
    token = csrf_context.get()
    if token is None:
        raise RuntimeError("csrf_token() used outside a request the security guard saw")
    return token


def install_security(app: FastAPI, settings: Settings, access: Callable[[], AccessChecker]) -> None:
    """Add the guard (outermost: headers) and sign-in routes; raises ValueError for bad settings.
    `access` gives the current cluster's access reviews (the kubeconfig context may be switched).
    Call after `app.state.dashboard` exists (its renderer gets the `csrf_token` global)."""
    guard = make_guard(settings)
    app.state.security = Security(settings, guard, access)
    app.state.dashboard.renderer.env.globals["csrf_token"] = current_csrf_token
    app.state.dashboard.renderer.env.globals["signed_in"] = signed_in
    app.state.dashboard.renderer.env.globals["visitor"] = partial(visitor, guard.policy.mode)
    app.include_router(login.router)
    app.add_middleware(RequestGuard, guard=guard)
    app.add_middleware(SecurityHeaders, docs_paths={DOCS_PATH})


def make_guard(settings: Settings) -> Guard:
    """The guard for `settings`; ValueError for settings that cannot work or would leave a hole."""
    policy = WritePolicy.from_settings(settings)
    hosts = allowed_hosts(settings)
    if policy.mode is Mode.CLOSED:
        log.warning("listening on %s without a token or proxy: changes are disabled", settings.host)
    if "*" in hosts:
        log.warning("any Host header is served: DNS rebinding is possible (SPLITBOARD_ALLOWED_HOSTS=*)")
    if settings.session_seconds <= 0 or settings.session_idle_seconds <= 0:
        raise ValueError("session_seconds and session_idle_seconds must be above 0")
    return Guard(
        policy=policy,
        signer=Signer(),
        hosts=hosts,
        origins=frozenset(origin.strip().rstrip("/").lower() for origin in settings.allowed_origins),
        sessions=SessionStore(settings.session_seconds, settings.session_idle_seconds),
        throttle=Throttle(settings.auth_failures, settings.auth_failure_seconds),
        open_paths=frozenset({LOGIN_PATH, login.LOGOUT_PATH}),
        probe_paths=HEALTH_PATHS,
        read=read_mode(settings, policy),
        proxies=trusted_networks(settings),
        secure_cookies=settings.secure_cookies,
    )

"""install_security: the guard and the headers middleware, the sign-in routes, the access checker, and
the `csrf_token()` template global, wired onto an app built by build_app."""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import FastAPI

from app.kube.access import AccessChecker
from app.settings import Settings
from app.web.observability import PROBE_PATHS
from app.web.security import login
from app.web.security.guarding import Guard, RequestGuard, csrf_context
from app.web.security.headers import SecurityHeaders
from app.web.security.permissions import Security
from app.web.security.policy import Mode, WritePolicy, is_loopback
from app.web.security.signing import Signer

log = logging.getLogger(__name__)
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def allowed_hosts(settings: Settings) -> tuple[str, ...]:
    """The Host names served: the setting, else the loopback names when bound to loopback, else any."""
    if settings.allowed_hosts:
        return tuple(host.strip().lower() for host in settings.allowed_hosts)
    if is_loopback(settings.host):
        return (*LOOPBACK_HOSTS, settings.host.strip("[]").lower())
    return ("*",)


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
    policy = WritePolicy.from_settings(settings)
    hosts = allowed_hosts(settings)
    if policy.mode is Mode.CLOSED:
        log.warning("listening on %s without a token or proxy: changes are disabled", settings.host)
    if hosts == ("*",):
        log.warning("any Host header is served: set SPLITBOARD_ALLOWED_HOSTS to guard against DNS rebinding")
    guard = Guard(
        policy=policy,
        signer=Signer(),
        hosts=hosts,
        origins=frozenset(origin.strip().rstrip("/").lower() for origin in settings.allowed_origins),
        open_paths=frozenset({login.LOGIN_PATH, login.LOGOUT_PATH}),
        probe_paths=PROBE_PATHS,
    )
    app.state.security = Security(settings, guard, access)
    app.state.dashboard.renderer.env.globals["csrf_token"] = current_csrf_token
    app.include_router(login.router)
    docs = {path for path in (app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url) if path}
    app.add_middleware(RequestGuard, guard=guard)
    app.add_middleware(SecurityHeaders, docs_paths=docs)

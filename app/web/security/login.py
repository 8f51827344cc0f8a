"""Signing in with the auth token (token mode): a form that sets an HttpOnly session cookie, so a
browser can read and write without ever storing the token itself. The person may give a name, which
history records with a per-session label. Signing out ends the session on the server too, so a copy
of the cookie is worthless afterwards. Wrong tokens count towards the client's throttle."""

from __future__ import annotations

import hmac
import logging
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.web.dashboard import DashboardDep
from app.web.security.guarding import LOGIN_PATH, SESSION_COOKIE, session_cookie
from app.web.security.permissions import security_of
from app.web.security.policy import MAX_NAME_LENGTH, Mode, user_value
from app.web.templating import Renderer
from app.web.urls import path_for

log = logging.getLogger(__name__)
router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)
TEMPLATE = "security/login.html"
LOGOUT_PATH = "/logout"


def local_path(target: str) -> str:
    """`target` if it is a path on this site, else "/" (no open redirect)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target if "\\" not in target else "/"


def came_from(request: Request) -> str:
    """The page of this dashboard that linked here (the header's Sign in), to go back to; else "/"."""
    parts = urlsplit(request.headers.get("referer", ""))
    if parts.netloc.lower() != request.headers.get("host", "").lower() or parts.path == LOGIN_PATH:
        return "/"
    return local_path(parts.path + (f"?{parts.query}" if parts.query else ""))


@router.get(LOGIN_PATH, name="login_page")
def login_page(request: Request, dashboard: DashboardDep, next: str | None = None) -> HTMLResponse:
    mode = security_of(request).guard.policy.mode
    target = local_path(next) if next is not None else came_from(request)
    return _form(dashboard.renderer, mode, target, None, 200)


@router.post(LOGIN_PATH, name="login")
def login(
    request: Request,
    dashboard: DashboardDep,
    token: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    guard = security_of(request).guard
    expected = guard.policy.token
    mode, target = guard.policy.mode, local_path(next)
    if mode is not Mode.TOKEN or expected is None:
        return _form(dashboard.renderer, mode, "/", None, 404)
    person = user_value(name, MAX_NAME_LENGTH) if name.strip() else None
    if name.strip() and person is None:
        error = f"A name is plain printable text of at most {MAX_NAME_LENGTH} characters."
        return _form(dashboard.renderer, mode, target, error, 400)
    address = str(request.scope["state"]["client_address"])
    if not hmac.compare_digest(token.strip().encode(), expected.encode()):
        guard.throttle.failed(address)
        return _form(dashboard.renderer, mode, target, "Wrong token.", 401)
    guard.throttle.succeeded(address)
    session_id, session = guard.sessions.create(person)
    log.info("signed in from %s as %r", address, session.user)
    response = RedirectResponse(target, status_code=303)
    cookie = session_cookie(session_id, request.scope, int(guard.sessions.lifetime))
    response.headers.append("set-cookie", cookie)
    return response


@router.post(LOGOUT_PATH, name="logout")
def logout(request: Request) -> Response:
    """End the session on the server (the cookie alone would survive in a copy) and in the browser."""
    security_of(request).guard.sessions.revoke(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse(path_for(request, "namespaces_page"), status_code=303)
    response.headers.append("set-cookie", session_cookie("", request.scope, 0))
    return response


def _form(renderer: Renderer, mode: Mode, target: str, error: str | None, status: int) -> HTMLResponse:
    context = {"mode": mode.value, "next": target, "error": error, "events": None}
    return HTMLResponse(renderer.page(TEMPLATE, context), status_code=status)

"""Signing in with the auth token (token mode): a form that sets an HttpOnly session cookie, so a
browser can write without ever storing the token itself. Signing out ends the cookie."""

from __future__ import annotations

import hmac
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.web.context import DashboardDep
from app.web.security.guarding import session_cookie
from app.web.security.permissions import security_of
from app.web.security.policy import Mode
from app.web.security.signing import Signer
from app.web.templating import Renderer

router = APIRouter(default_response_class=HTMLResponse, include_in_schema=False)
TEMPLATE = "security/login.html"
LOGIN_PATH = "/login"
LOGOUT_PATH = "/logout"


def local_path(target: str) -> str:
    """`target` if it is a path on this site, else "/" (no open redirect)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target if "\\" not in target else "/"


@router.get(LOGIN_PATH, name="login_page")
def login_page(request: Request, dashboard: DashboardDep, next: str = "/") -> HTMLResponse:
    mode = security_of(request).guard.policy.mode
    return _form(dashboard.renderer, mode, local_path(next), None, 200)


@router.post(LOGIN_PATH, name="login")
def login(
    request: Request,
    dashboard: DashboardDep,
    token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    guard = security_of(request).guard
    expected = guard.policy.token
    if guard.policy.mode is not Mode.TOKEN or expected is None:
        return _form(dashboard.renderer, guard.policy.mode, "/", None, 404)
    if not hmac.compare_digest(token.strip().encode(), expected.encode()):
        return _form(dashboard.renderer, guard.policy.mode, local_path(next), "Wrong token.", 401)
    response = RedirectResponse(local_path(next), status_code=303)
    response.headers.append(
        "set-cookie", session_cookie(Signer.session(expected, int(guard.clock())), request.scope)
    )
    return response


@router.post(LOGOUT_PATH, name="logout")
def logout(request: Request) -> Response:
    response = RedirectResponse("/", status_code=303)
    response.headers.append("set-cookie", session_cookie("", request.scope))
    return response


def _form(renderer: Renderer, mode: Mode, target: str, error: str | None, status: int) -> HTMLResponse:
    context = {"mode": mode.value, "next": target, "error": error, "events": None}
    return HTMLResponse(renderer.page(TEMPLATE, context), status_code=status)

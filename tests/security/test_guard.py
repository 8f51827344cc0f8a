"""The request guard on the real app: CSRF, same-origin writes, trusted hosts and security headers."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx

from app.web.security.headers import CSP
from tests.support.guarded import WRITE, MakeDashboard, Served


def test_pages_carry_a_strict_policy_and_the_usual_headers(dashboard: Served) -> None:
    response = dashboard.client.get("/")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert csp == CSP
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"


def test_refusals_carry_the_headers_too(dashboard: Served) -> None:
    response = dashboard.write()
    assert response.status_code == 403
    assert response.headers["content-security-policy"] == CSP


def test_the_csrf_cookie_is_http_only_and_same_site(dashboard: Served) -> None:
    cookie = dashboard.client.get("/healthz").headers["set-cookie"]
    assert cookie.startswith("splitboard_csrf=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "set-cookie" not in dashboard.client.get("/healthz").headers, "the cookie is kept, not renewed"


def test_a_write_with_the_pages_token_in_a_header_passes(dashboard: Served) -> None:
    response = dashboard.write(**{"X-CSRF-Token": dashboard.csrf_token()})
    assert response.status_code == 200, response.text
    assert response.json() == {"user": None, "note": "hello"}


def test_a_plain_form_with_the_token_field_passes_and_its_body_arrives_intact(dashboard: Served) -> None:
    token = dashboard.csrf_token()
    response = dashboard.client.post(WRITE, data={"csrf_token": token, "note": "from a form"})
    assert response.status_code == 200, response.text
    assert response.json()["note"] == "from a form"


def test_a_write_without_a_csrf_token_is_refused(dashboard: Served) -> None:
    dashboard.csrf_token()  # the client has its cookie; it just does not send the token back
    response = dashboard.write()
    assert response.status_code == 403
    assert "CSRF" in response.text


def test_a_token_for_another_browser_or_a_planted_cookie_is_refused(dashboard: Served) -> None:
    with httpx.Client(base_url=dashboard.url) as other:
        other_token = Served(dashboard.url, dashboard.app, dashboard.cache, other).csrf_token()
    dashboard.csrf_token()
    assert dashboard.write(**{"X-CSRF-Token": other_token}).status_code == 403
    planted = "A" * 32
    dashboard.client.cookies.set("splitboard_csrf", planted)
    guessed = base64.urlsafe_b64encode(hashlib.sha256(planted.encode()).digest()).rstrip(b"=").decode()
    assert dashboard.write(**{"X-CSRF-Token": guessed}).status_code == 403


def test_cross_origin_writes_are_refused_even_with_a_token(dashboard: Served) -> None:
    token = {"X-CSRF-Token": dashboard.csrf_token()}
    assert dashboard.write(**token, Origin=dashboard.url).status_code == 200
    for header in (
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Referer": "http://evil.example/page"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": dashboard.url.replace("127.0.0.1", "localhost")},
    ):
        response = dashboard.write(**token, **header)
        assert response.status_code == 403, header
        assert "Cross-origin" in response.text


def test_allowed_origins_admit_the_public_url_of_a_proxy(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(allowed_origins=("https://splitboard.example.com",))
    token = {"X-CSRF-Token": served.csrf_token()}
    assert served.write(**token, Origin="https://splitboard.example.com").status_code == 200
    assert served.write(**token, Origin="https://other.example.com").status_code == 403


def test_a_dns_rebinding_host_is_refused(dashboard: Served) -> None:
    port = dashboard.url.rsplit(":", 1)[1]
    rebound = dashboard.client.get("/", headers={"Host": f"attacker.example:{port}"})
    assert rebound.status_code == 400
    assert "splitboard" not in rebound.text.lower()
    assert dashboard.client.get("/", headers={"Host": f"localhost:{port}"}).status_code == 200
    assert dashboard.client.get("/", headers={"Host": f"[::1]:{port}"}).status_code == 200


def test_probes_answer_whatever_the_host(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(allowed_hosts=("splitboard.example.com",))
    pod_ip = {"Host": "10.244.0.7:8000"}
    assert served.client.get("/healthz", headers=pod_ip).status_code == 200
    assert served.client.get("/", headers=pod_ip).status_code == 400
    assert served.client.get("/", headers={"Host": "splitboard.example.com"}).status_code == 200


def test_the_docs_page_allows_its_own_inline_script_only(dashboard: Served) -> None:
    response = dashboard.client.get("/docs")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    scripts = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    assert scripts
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert "https:" not in csp and "http:" not in csp, "its assets come from the dashboard, no other site"

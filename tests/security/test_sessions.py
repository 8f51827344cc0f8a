"""Sign-in sessions: kept on the server so signing out ends every copy of the cookie, limited in
lifetime and idleness, named per person, and Secure when the browser's connection was TLS."""

from __future__ import annotations

import httpx

from app.web.security.guarding import CSRF_COOKIE, SESSION_COOKIE
from tests.support.guarded import MakeDashboard, Served, page_token

TOKEN = "correct-horse-battery-staple-42"


def sign_in(served: Served, name: str = "", **headers: str) -> httpx.Response:
    csrf = served.csrf_token()
    return served.client.post(
        "/login", data={"token": TOKEN, "name": name, "csrf_token": csrf}, headers=headers
    )


def test_a_cookie_copied_before_signing_out_no_longer_works(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(auth_token=TOKEN, read_auth="token")
    assert sign_in(served).status_code == 303
    copied = served.client.cookies[SESSION_COOKIE]
    csrf = served.csrf_token()
    assert served.write(**{"X-CSRF-Token": csrf}).status_code == 200
    assert served.client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    with httpx.Client(base_url=served.url, cookies={SESSION_COOKIE: copied}) as thief:
        stolen = Served(served.url, served.app, served.cache, thief)
        assert thief.get("/api/namespaces").status_code == 401
        assert stolen.write(**{"X-CSRF-Token": stolen.csrf_token()}).status_code == 401


def test_each_sign_in_is_recorded_under_its_own_name(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(auth_token=TOKEN)
    assert sign_in(served, name="alice").status_code == 303
    alice = served.write(**{"X-CSRF-Token": served.csrf_token()}).json()["user"]
    assert alice.startswith("alice (session ") and alice != "token"
    with httpx.Client(base_url=served.url) as other:
        second = Served(served.url, served.app, served.cache, other)
        assert sign_in(second).status_code == 303
        anonymous = second.write(**{"X-CSRF-Token": second.csrf_token()}).json()["user"]
    assert anonymous.startswith("session ") and anonymous not in (alice, "token")


def test_a_name_that_is_not_plain_text_is_refused_and_signs_nobody_in(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(auth_token=TOKEN)
    answer = sign_in(served, name="eve\u202e")
    assert answer.status_code == 400 and "plain printable text" in answer.text
    assert SESSION_COOKIE not in served.client.cookies


def test_the_cookie_lives_as_long_as_the_setting(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(auth_token=TOKEN, session_seconds=900)
    assert "Max-Age=900" in sign_in(served).headers["set-cookie"]


def test_cookies_are_secure_when_a_trusted_proxy_says_tls(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(auth_token=TOKEN)  # trusted proxies: loopback, where the test connects from
    cookie = sign_in(served, **{"X-Forwarded-Proto": "https"}).headers["set-cookie"]
    assert "Secure" in cookie and cookie.startswith(SESSION_COOKIE)
    with httpx.Client(base_url=served.url) as fresh:
        csrf_cookie = fresh.get("/healthz", headers={"X-Forwarded-Proto": "https"}).headers["set-cookie"]
    assert "Secure" in csrf_cookie


def test_an_untrusted_peer_cannot_claim_tls(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(auth_token=TOKEN, trusted_proxies=("10.0.0.0/8",))
    cookie = sign_in(served, **{"X-Forwarded-Proto": "https"}).headers["set-cookie"]
    assert "Secure" not in cookie


def test_a_setting_makes_cookies_secure_behind_a_silent_proxy(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(auth_token=TOKEN, secure_cookies=True)
    csrf_cookie = served.client.get("/login").headers["set-cookie"]
    assert "Secure" in csrf_cookie
    # An http client keeps Secure cookies to itself, so hand the CSRF cookie back by hand.
    nonce = csrf_cookie.split(";", 1)[0].split("=", 1)[1]
    csrf = page_token(served.client.get("/login", headers={"Cookie": f"{CSRF_COOKIE}={nonce}"}).text)
    answer = served.client.post(
        "/login", data={"token": TOKEN, "csrf_token": csrf}, headers={"Cookie": f"{CSRF_COOKIE}={nonce}"}
    )
    assert answer.status_code == 303 and "Secure" in answer.headers["set-cookie"]

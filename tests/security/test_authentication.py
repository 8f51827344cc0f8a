"""Who may write: open on loopback only, else the token (header or sign-in) or a trusted proxy's user."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.settings import Settings
from app.web.security.policy import Identity, Mode, WritePolicy
from tests.support.guarded import WRITE, MakeDashboard, Served

TOKEN = "correct-horse-battery-staple-42"


def test_beyond_loopback_without_a_token_nobody_writes(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(host="0.0.0.0", allowed_hosts=("127.0.0.1",))
    response = served.write(**{"X-CSRF-Token": served.csrf_token()})
    assert response.status_code == 401
    assert "SPLITBOARD_AUTH_TOKEN" in response.text
    editable = served.client.get(f"{WRITE}/can-edit").json()
    assert editable["can_edit"] is False


def test_the_token_mode_refuses_writes_without_the_token(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(auth_token=TOKEN)
    csrf = {"X-CSRF-Token": served.csrf_token()}
    assert served.write(**csrf).status_code == 401
    assert served.write(Authorization="Bearer not-the-token").status_code == 401
    assert served.write(Authorization=f"Basic {TOKEN}").status_code == 401
    assert served.client.get(f"{WRITE}/can-edit").json()["can_edit"] is False


def test_a_bearer_client_needs_no_csrf_token_and_writes_as_token(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(auth_token=TOKEN)
    response = served.write(Authorization=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.text
    assert response.json()["user"] == "token"


def test_on_loopback_without_a_token_a_bearer_script_writes_without_csrf(dashboard: Served) -> None:
    """The demo's mode: there is no token to check, and a script's Authorization header is one no
    browser adds, so (as the README's security section says) it needs no CSRF token."""
    response = dashboard.write(Authorization="Bearer anything")
    assert response.status_code == 200, response.text
    assert response.json()["user"] is None
    assert dashboard.write().status_code == 403, "without the header it is treated as a browser"
    assert dashboard.write(Authorization="Bearer x", Origin="http://evil.example").status_code == 403


def test_a_bearer_client_is_still_refused_cross_origin(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(auth_token=TOKEN)
    assert served.write(Authorization=f"Bearer {TOKEN}", Origin="http://evil.example").status_code == 403


def test_signing_in_sets_a_session_that_writes_with_csrf_until_signing_out(
    make_dashboard: MakeDashboard,
) -> None:
    served = make_dashboard(auth_token=TOKEN)
    csrf = served.csrf_token()
    wrong = served.client.post("/login", data={"token": "guess", "csrf_token": csrf})
    assert wrong.status_code == 401 and "Wrong token" in wrong.text
    signed_in = served.client.post(
        "/login", data={"token": TOKEN, "csrf_token": csrf, "next": "/namespaces/labs-1"}
    )
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/namespaces/labs-1"
    assert "HttpOnly" in signed_in.headers["set-cookie"]
    assert served.write().status_code == 403, "the session alone is not enough: CSRF still applies"
    response = served.write(**{"X-CSRF-Token": csrf})
    assert response.status_code == 200 and response.json()["user"].startswith("session ")
    assert served.client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    assert served.write(**{"X-CSRF-Token": csrf}).status_code == 401


def test_signing_in_needs_csrf_and_never_redirects_off_site(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(auth_token=TOKEN)
    assert served.client.post("/login", data={"token": TOKEN}).status_code == 403
    csrf = served.csrf_token()
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        answer = served.client.post("/login", data={"token": TOKEN, "csrf_token": csrf, "next": target})
        assert answer.headers["location"] == "/", target


def test_the_token_can_come_from_a_mounted_file(make_dashboard: MakeDashboard, tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text(TOKEN + "\n", encoding="utf-8")
    served = make_dashboard(
        auth="token", auth_token_file=secret, host="0.0.0.0", allowed_hosts=("127.0.0.1",)
    )
    assert served.write(Authorization=f"Bearer {TOKEN}").status_code == 200


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"auth": "token"}, "needs SPLITBOARD_AUTH_TOKEN"),
        ({"auth": "proxy", "trusted_proxies": ()}, "needs SPLITBOARD_TRUSTED_PROXIES"),
        ({"auth": "none"}, "expected auto, token or proxy"),
        ({"auth": "proxy", "trusted_proxies": ("10.0.0.300/8",)}, "trusted proxy"),
        ({"auth_token_file": Path("/nonexistent/token")}, "cannot read the auth token file"),
    ],
)
def test_settings_that_cannot_work_are_refused_at_start(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WritePolicy.from_settings(Settings(**fields))  # type: ignore[arg-type]


def test_the_proxys_user_is_the_acting_user(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(auth="proxy", host="0.0.0.0", allowed_hosts=("127.0.0.1",))
    csrf = {"X-CSRF-Token": served.csrf_token()}
    assert served.write(**csrf).status_code == 401
    alice = served.write(**csrf, **{"X-Forwarded-User": "alice", "X-Forwarded-Email": "alice@example.com"})
    assert alice.status_code == 200 and alice.json()["user"] == "alice"
    bob = served.write(**csrf, **{"X-Forwarded-Email": "bob@example.com"})
    assert bob.json()["user"] == "bob@example.com"


def test_user_headers_from_an_untrusted_address_are_ignored(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(
        auth="proxy", host="0.0.0.0", allowed_hosts=("127.0.0.1",), trusted_proxies=("10.0.0.0/8",)
    )
    response = served.write(**{"X-CSRF-Token": served.csrf_token(), "X-Forwarded-User": "mallory"})
    assert response.status_code == 401


def test_only_plain_printable_user_names_count() -> None:
    policy = WritePolicy.from_settings(Settings(auth="proxy"))
    assert policy.mode is Mode.PROXY
    assert policy.identify({"x-forwarded-user": "eve\u202e"}, "127.0.0.1", None) is None
    assert policy.identify({"x-forwarded-user": "x" * 300}, "127.0.0.1", None) is None
    assert policy.identify({"x-forwarded-user": " carol "}, "::1", None) == Identity("carol", "proxy")

"""Token guesses are throttled per client address: after a few wrong tokens (sign-in form or Bearer
header) the client gets 429 with Retry-After, and its attempts are not even checked."""

from __future__ import annotations

from tests.support.guarded import MakeDashboard, Served

TOKEN = "correct-horse-battery-staple-42"


def guess(served: Served, token: str, **headers: str) -> int:
    csrf = served.csrf_token()
    return served.client.post(
        "/login", data={"token": token, "csrf_token": csrf}, headers=headers
    ).status_code


def test_the_eleventh_wrong_sign_in_gets_429_with_retry_after(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(auth_token=TOKEN)
    assert [guess(served, f"guess-{n}") for n in range(10)] == [401] * 10
    csrf = served.csrf_token()
    throttled = served.client.post("/login", data={"token": TOKEN, "csrf_token": csrf})
    assert throttled.status_code == 429, "even the right token waits: guessing stops here"
    assert 0 < int(throttled.headers["Retry-After"]) <= 300
    assert served.client.get("/api/namespaces").status_code == 200, "reading without a token goes on"
    bearer = served.client.get("/api/namespaces", headers={"Authorization": f"Bearer {TOKEN}"})
    assert bearer.status_code == 429


def test_wrong_bearer_tokens_count_too(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(auth_token=TOKEN, auth_failures=3)
    for n in range(3):
        answer = served.write(Authorization=f"Bearer guess-{n}")
        assert answer.status_code == 401
    answer = served.write(Authorization=f"Bearer guess-{3}")
    assert answer.status_code == 429 and int(answer.headers["Retry-After"]) > 0
    assert guess(served, TOKEN) == 429


def test_other_clients_behind_a_trusted_proxy_are_not_throttled(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(auth_token=TOKEN, auth_failures=2)
    mallory = {"X-Forwarded-For": "203.0.113.66"}
    assert [guess(served, "x", **mallory) for _ in range(3)] == [401, 401, 429]
    assert guess(served, TOKEN, **{"X-Forwarded-For": "198.51.100.7"}) == 303
    spoofed = {"X-Forwarded-For": "198.51.100.7, 203.0.113.66"}  # the proxy appends the real client
    assert guess(served, TOKEN, **spoofed) == 429

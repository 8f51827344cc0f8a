"""Who may read: SPLITBOARD_READ_AUTH=token or proxy asks for the identity writing needs (the probes
stay open), and secret-like env values are masked for everyone unless someone with that identity asks."""

from __future__ import annotations

import pytest

from tests.plugins.sim import Kubectl
from tests.support.guarded import MakeDashboard, Served
from tests.support.waiting import wait_until

TOKEN = "correct-horse-battery-staple-42"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
PASSWORD = "hunter2-do-not-show"
VAULT = f"""
apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: vault
  namespace: labs-1
spec:
  template:
    spec:
      containers:
        - image: example.com/vault:1
          env:
            - {{name: VERSION, value: v1}}
            - {{name: DB_PASSWORD, value: {PASSWORD}}}
            - {{name: DATABASE_URL, value: "postgres://app:{PASSWORD}@db:5432/app"}}
"""
SERVICE_API = "/api/namespaces/labs-1/services/vault"
YAML_SECTION = "/namespaces/labs-1/services/vault/sections/yaml"


def test_anonymous_reads_are_refused_in_token_mode(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(auth_token=TOKEN, read_auth="token")
    page = served.client.get("/namespaces/labs-1", headers={"Accept": "text/html"})
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Fnamespaces%2Flabs-1"
    for path in ("/api/namespaces", "/api/namespaces/labs-1/services/customer", "/metrics", "/docs"):
        refused = served.client.get(path)
        assert refused.status_code == 401, path
        assert "customer" not in refused.text and "Reading needs an identity" in refused.text
    htmx = served.client.get("/namespaces/labs-1/sections/services", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"].startswith("/login?next=")
    for path in ("/healthz", "/readyz", "/login", "/static/app.css"):
        assert served.client.get(path).status_code == 200, path
    assert "customer" in served.client.get("/api/namespaces/labs-1", headers=BEARER).text
    assert served.client.get("/metrics", headers=BEARER).status_code == 200


def test_a_signed_in_browser_reads_in_token_mode(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(auth_token=TOKEN, read_auth="token")
    csrf = served.csrf_token()
    signed_in = served.client.post("/login", data={"token": TOKEN, "csrf_token": csrf, "next": "/"})
    assert signed_in.status_code == 303
    page = served.client.get("/namespaces/labs-1", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "customer" in page.text
    assert "Sign out" in page.text


def test_proxy_mode_reads_need_the_proxys_user(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(auth="proxy", read_auth="proxy", host="0.0.0.0", allowed_hosts=("127.0.0.1",))
    assert served.client.get("/api/namespaces").status_code == 401
    alice = served.client.get("/api/namespaces/labs-1", headers={"X-Forwarded-User": "alice"})
    assert alice.status_code == 200 and "customer" in alice.text
    assert served.client.get("/healthz").status_code == 200


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"read_auth": "token"}, "read_auth=token needs the same write mode"),
        ({"read_auth": "proxy", "auth_token": TOKEN}, "read_auth=proxy needs the same write mode"),
        ({"read_auth": "everyone"}, "expected open, token or proxy"),
    ],
)
def test_read_modes_that_cannot_work_are_refused_at_start(
    make_dashboard: MakeDashboard, fields: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        make_dashboard(**fields)


def _with_vault(served: Served, kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", input=VAULT)
    assert wait_until(lambda: served.client.get(SERVICE_API, headers=BEARER).status_code == 200, 10)


def test_secret_like_env_values_are_masked_for_anonymous_readers(
    make_dashboard: MakeDashboard, knative_kubectl: Kubectl
) -> None:
    served = make_dashboard(auth_token=TOKEN)
    _with_vault(served, knative_kubectl)
    for path in (SERVICE_API, YAML_SECTION, "/namespaces/labs-1/services/vault"):
        answer = served.client.get(path)
        assert answer.status_code == 200, path
        assert PASSWORD not in answer.text, path
        assert "(hidden)" in answer.text, path
    assert "postgres://app:(hidden)@db" in served.client.get(SERVICE_API).text
    view = served.client.get(SERVICE_API).json()
    assert view["masked"] >= 3 and view["revealed"] is False  # Service, Configuration, Revision at least
    refused = served.client.get(SERVICE_API, params={"reveal": "true"})
    assert refused.status_code == 403 and PASSWORD not in refused.text
    assert served.client.get(YAML_SECTION, params={"reveal": "true"}).status_code == 403


def test_an_identity_may_reveal_them_and_it_is_logged(
    make_dashboard: MakeDashboard, knative_kubectl: Kubectl, caplog: pytest.LogCaptureFixture
) -> None:
    served = make_dashboard(auth_token=TOKEN)
    _with_vault(served, knative_kubectl)
    assert PASSWORD not in served.client.get(SERVICE_API, headers=BEARER).text, "masked unless asked"
    with caplog.at_level("INFO", logger="app.web.security.permissions"):
        revealed = served.client.get(SERVICE_API, params={"reveal": "true"}, headers=BEARER)
    assert revealed.status_code == 200 and PASSWORD in revealed.text
    assert revealed.json()["revealed"] is True
    assert any("revealed secret-like env values of labs-1/vault" in r.getMessage() for r in caplog.records)

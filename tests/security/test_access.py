"""Per-Service patch permission from SelfSubjectAccessReviews, with RBAC on the simulated cluster:
scenario users (app.sim.apiserver.users) give bearer tokens and rules; the kubeconfig carries the token; the
stored Roles and bindings decide; the dashboard follows."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import yaml

from app.kube.access import AccessChecker
from app.sim.apiserver.users import add_users, parse_users
from app.sim.building import KnativeCluster
from tests.plugins.sim import Kubectl, dashboard_client
from tests.support.forms import EDITOR, editor_html, form_fields, post, set_percents
from tests.support.guarded import WRITE, MakeDashboard

USERS = """
users:
  - name: viewer
    token: viewer-token
    rules:
      - apiGroups: ["", apps, serving.knative.dev, networking.istio.io, networking.internal.knative.dev]
        resources: ["*"]
        verbs: [get, list, watch]
  - name: editor
    token: editor-token
    groups: [team-a]
    rules:
      - apiGroups: ["*"]
        resources: ["*"]
        verbs: [get, list, watch]
      - namespace: labs-1
        apiGroups: [serving.knative.dev]
        resources: [services]
        resourceNames: [customer]
        verbs: [patch]
"""
"""Scenario users: `viewer` reads everything; `editor` also patches labs-1/customer, and nothing else."""


@pytest.fixture
def users(knative_cluster: KnativeCluster, tmp_path: Path) -> dict[str, Path]:
    """Kubeconfigs of the scenario users, each with its bearer token."""
    add_users(knative_cluster.store, knative_cluster.add_token, parse_users(yaml.safe_load(USERS), "USERS"))
    return {
        user: knative_cluster.write_kubeconfig(tmp_path / user, token=f"{user}-token", user=user)
        for user in ("viewer", "editor")
    }


def test_scenario_users_become_roles_and_bindings(users: dict[str, Path], knative_kubectl: Kubectl) -> None:
    bindings = knative_kubectl("get", "rolebindings", "-n", "labs-1", "-o", "name").stdout.split()
    assert bindings == ["rolebinding.rbac.authorization.k8s.io/scenario-user-editor"]
    rules = yaml.safe_load(
        knative_kubectl("get", "role", "scenario-user-editor", "-n", "labs-1", "-o", "yaml").stdout
    )
    assert rules["rules"] == [
        {
            "apiGroups": ["serving.knative.dev"],
            "resources": ["services"],
            "resourceNames": ["customer"],
            "verbs": ["patch"],
        }
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("users: {}", "users must be a list"),
        ("users: [{name: a}]", r"users\[0\] needs a name and a token"),
        (
            "users: [{name: a, token: t, rules: [{apiGroups: [''], resources: [pods]}]}]",
            "needs apiGroups, resources and verbs",
        ),
        (
            "users: [{name: a, token: t, rules: [{apiGroups: [''], resources: [pods], verbs: get}]}]",
            "verbs must be a list",
        ),
        (
            "users: [{name: a, token: t, rules: [{apiGroup: [''], resources: [pods], verbs: [get]}]}]",
            "unknown fields",
        ),
    ],
)
def test_malformed_scenario_users_are_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_users(yaml.safe_load(text), "scenario.yaml")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_reviews_follow_rbac_down_to_resource_names(users: dict[str, Path], knative_kubeconfig: Path) -> None:
    for kubeconfig, customer, recommendation in (
        (users["viewer"], False, False),
        (users["editor"], True, False),
        (knative_kubeconfig, True, True),
    ):
        with dashboard_client(kubeconfig) as client:
            checker = AccessChecker(client)
            assert checker.can_patch("labs-1", "customer") is customer, kubeconfig
            assert checker.can_patch("labs-1", "recommendation") is recommendation, kubeconfig


def test_answers_are_kept_for_the_ttl_only(users: dict[str, Path], knative_cluster: KnativeCluster) -> None:
    clock = Clock()
    grant = {
        "namespace": "labs-1",
        "apiGroups": ["serving.knative.dev"],
        "resources": ["services"],
        "verbs": ["patch"],
    }
    with dashboard_client(users["viewer"]) as client:
        checker = AccessChecker(client, ttl=10.0, clock=clock)
        assert checker.can_patch("labs-1", "customer") is False
        more = {"users": [{"name": "viewer", "token": "viewer-token", "rules": [grant]}]}
        add_users(knative_cluster.store, knative_cluster.add_token, parse_users(more, "more"))
        clock.now += 9.0
        assert checker.can_patch("labs-1", "customer") is False, "kept"
        clock.now += 2.0
        assert checker.can_patch("labs-1", "customer") is True, "asked again"


def test_a_failed_review_counts_as_no_and_is_not_kept(
    knative_cluster: KnativeCluster, tmp_path: Path
) -> None:
    kubeconfig = knative_cluster.write_kubeconfig(
        tmp_path / "stranger", token="unknown-token", user="stranger"
    )
    with dashboard_client(kubeconfig) as client:
        checker = AccessChecker(client, clock=Clock())
        assert checker.can_patch("labs-1", "customer") is False
        knative_cluster.add_token("unknown-token", "admin-now", ("system:masters",))
        assert checker.can_patch("labs-1", "customer") is True


def test_a_user_who_may_not_patch_is_offered_no_editor_and_refused(
    users: dict[str, Path], make_dashboard: MakeDashboard
) -> None:
    served = make_dashboard(kubeconfig=users["viewer"])
    editable = served.client.get(f"{WRITE}/can-edit").json()
    assert editable["can_edit"] is False
    assert "may not patch" in editable["refusal"]
    response = served.write(**{"X-CSRF-Token": served.csrf_token()})
    assert response.status_code == 403
    assert "may not patch" in response.json()["detail"]


def test_a_user_who_may_patch_one_service_edits_that_one_only(
    users: dict[str, Path], make_dashboard: MakeDashboard
) -> None:
    served = make_dashboard(kubeconfig=users["editor"])
    csrf = {"X-CSRF-Token": served.csrf_token()}
    assert served.write(**csrf).status_code == 200
    other = served.client.post(WRITE.replace("customer", "recommendation"), headers=csrf)
    assert other.status_code == 403


def test_read_only_mode_offers_no_editor_and_refuses_writes(make_dashboard: MakeDashboard) -> None:
    served = make_dashboard(read_only=True)
    editable = served.client.get(f"{WRITE}/can-edit").json()
    assert editable == {
        "can_edit": False,
        "refusal": "Splitboard runs read-only: traffic cannot be changed here.",
    }
    response = served.write(**{"X-CSRF-Token": served.csrf_token()})
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]


def cluster_traffic(kubectl: Kubectl) -> str:
    return kubectl("get", "ksvc", "customer", "-n", "labs-1", "-o", "jsonpath={.spec.traffic}").stdout


def test_the_traffic_editor_refuses_to_apply_for_a_user_who_may_not_patch(
    users: dict[str, Path], make_dashboard: MakeDashboard, knative_kubectl: Kubectl
) -> None:
    served = make_dashboard(kubeconfig=users["viewer"])
    before = cluster_traffic(knative_kubectl)
    page = served.client.get(EDITOR)
    assert page.status_code == 200
    assert "may not patch" in page.text
    response = post(served.client, set_percents(form_fields(page.text), 90, 10, 0), "apply")
    assert response.status_code == 403
    assert "may not patch" in response.text
    assert cluster_traffic(knative_kubectl) == before


def test_the_proxys_user_is_written_into_the_history_event(
    make_dashboard: MakeDashboard, knative_kubectl: Kubectl
) -> None:
    served = make_dashboard(auth="proxy", host="0.0.0.0", allowed_hosts=("127.0.0.1",))
    alice = {"X-Forwarded-User": "alice"}
    fields = form_fields(served.client.get(EDITOR).text)
    response = post(served.client, set_percents(fields, 90, 10, 0), "apply", **alice)
    assert response.status_code == 200, response.text
    assert '"percent":90' in cluster_traffic(knative_kubectl)
    messages = knative_kubectl("get", "events", "-n", "labs-1", "-o", "jsonpath={.items[*].message}").stdout
    assert "alice" in messages


def read_only_split(html: str) -> list[int]:
    return [int(p) for p in re.findall(r"data-percent>(\d+)%", editor_html(html))]


def cluster_percents(kubectl: Kubectl) -> list[int]:
    spec = kubectl("get", "ksvc", "customer", "-n", "labs-1", "-o", "jsonpath={.spec.traffic[*].percent}")
    return [int(p) for p in spec.stdout.split()]


def test_a_user_who_may_not_patch_sees_the_split_without_sliders(
    users: dict[str, Path], make_dashboard: MakeDashboard, knative_kubectl: Kubectl
) -> None:
    served = make_dashboard(kubeconfig=users["viewer"])
    page = served.client.get(EDITOR).text
    editor = editor_html(page)
    for control in ('type="range"', 'type="text"', "<select", 'value="apply"', 'value="dryrun"'):
        assert control not in editor, control
    assert "may not patch" in editor
    assert read_only_split(page) == cluster_percents(knative_kubectl)
    crafted = post(served.client, set_percents(form_fields(page), 7, 93), "apply")
    assert crafted.status_code == 403
    assert read_only_split(crafted.text) == cluster_percents(knative_kubectl), (
        "the Service's split, not the post"
    )


def test_a_read_only_editor_follows_the_service(
    users: dict[str, Path], make_dashboard: MakeDashboard, knative_kubectl: Kubectl
) -> None:
    served = make_dashboard(kubeconfig=users["viewer"])
    fields = form_fields(served.client.get(EDITOR).text)
    assert post(served.client, fields, "", f"{EDITOR}/sync").status_code == 204
    knative_kubectl(
        "patch",
        "ksvc",
        "customer",
        "-n",
        "labs-1",
        "--type=merge",
        "-p",
        '{"spec":{"traffic":[{"latestRevision":true,"percent":100}]}}',
    )
    deadline = time.monotonic() + 5
    while (answer := post(served.client, fields, "", f"{EDITOR}/sync")).status_code == 204:
        assert time.monotonic() < deadline, "the editor never saw the change"
        time.sleep(0.05)
    assert answer.status_code == 200
    assert answer.headers["HX-Reswap"] == "outerHTML"
    assert read_only_split(answer.text) == [100]
    assert 'type="range"' not in answer.text and "data-stale" not in answer.text

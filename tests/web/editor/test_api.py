"""The editor's JSON API: the same validation, precondition and error bodies as the form.

Tests taking `lab` run on the simulator and on the real API server (where nothing reconciles Knative: they
judge the Service's spec and the history Events). Those that need the simulator's fault switches or write
its RBAC store directly take `client` / `knative_cluster` and run there alone."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
from kubernetes.client import ApiClient
from prometheus_client.parser import text_string_to_metric_families

from app.kube.config import load_api_client
from app.sim.building import KnativeCluster
from tests.backends import Backend
from tests.support.builders import LAB_TRAFFIC
from tests.support.forms import (
    API,
    EDITOR,
    csrf_client,
    form_fields,
    notices,
    set_percents,
    spec_traffic,
    traffic_events,
)
from tests.support.serving import serve
from tests.support.waiting import eventually
from tests.web.cluster import knative_service, patch_service

T = TypeVar("T")

CANARY = [
    {"tag": "current", "revisionName": "customer-v3", "percent": 90},
    {"tag": "candidate", "revisionName": "customer-v4", "percent": 10},
    {"tag": "latest", "latestRevision": True, "percent": 0},
]


def version(client: httpx.Client) -> str:
    state = client.get(API).json()
    return str(state["resourceVersion"])


def test_get_shows_the_split_revisions_and_version(lab: Backend, lab_client: httpx.Client) -> None:
    api = lab.client()
    state = lab_client.get(API).json()
    assert state["resourceVersion"] == knative_service(api, "customer")["metadata"]["resourceVersion"]
    assert [t["percent"] for t in state["traffic"]] == [50, 50, 0]
    assert {r["name"] for r in state["revisions"]} >= {"customer-v3", "customer-v4"}
    assert state["history"] == []


def test_preview_predicts_route_and_virtualservices(lab_client: httpx.Client) -> None:
    body = lab_client.post(
        f"{API}/preview", json={"resourceVersion": version(lab_client), "traffic": CANARY}
    ).json()
    assert body["valid"] is True
    assert body["patch"]["spec"]["traffic"][2] == {"tag": "latest", "latestRevision": True, "percent": 0}
    assert [t["percent"] for t in body["routeTraffic"]["after"]] == [90, 10, 0]
    default = next(
        h for h in body["virtualServices"] if h["host"] == "customer.labs-1" and h["change"] == "changed"
    )
    assert default["before"] == {"customer-v3": 50, "customer-v4": 50}
    assert default["after"] == {"customer-v3": 90, "customer-v4": 10}


def test_apply_then_revert_through_the_history(lab: Backend, lab_client: httpx.Client) -> None:
    api = lab.client()
    applied = lab_client.post(
        f"{API}/apply", json={"resourceVersion": version(lab_client), "traffic": CANARY}
    )
    assert applied.status_code == 200, applied.text
    assert applied.json()["event"]
    assert [t["percent"] for t in spec_traffic(knative_service(api, "customer"))] == [90, 10, 0]
    history = eventually(lambda: lab_client.get(f"{API}/history").json())
    assert history[0]["event"] == applied.json()["event"]
    assert history[0]["after"][0]["percent"] == 90
    reverted = lab_client.post(
        f"{API}/revert",
        json={
            "resourceVersion": applied.json()["resourceVersion"],
            "generation": applied.json()["generation"],
            "uid": applied.json()["uid"],
            "event": applied.json()["event"],
            "to": "before",
        },
    )
    assert reverted.status_code == 200, reverted.text
    assert [t["percent"] for t in spec_traffic(knative_service(api, "customer"))] == [50, 50, 0]
    recorded = {e["metadata"]["name"]: e["message"] for e in traffic_events(api)}
    assert recorded[applied.json()["event"]].endswith(
        "-> current customer-v3 90%, candidate customer-v4 10%, latest @latest 0%"
    )
    assert recorded[reverted.json()["event"]].endswith(
        "-> current customer-v3 50%, candidate customer-v4 50%, latest @latest 0%"
    )


def test_a_dry_run_answers_what_the_cluster_would_store_and_stores_nothing(
    lab: Backend, lab_client: httpx.Client
) -> None:
    api = lab.client()
    before = knative_service(api, "customer")
    response = lab_client.post(
        f"{API}/dryrun", json={"resourceVersion": version(lab_client), "traffic": CANARY}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["dryRun"] is True and body["event"] is None
    assert [t["percent"] for t in body["traffic"]] == [90, 10, 0]
    assert [t["percent"] for t in body["previous"]] == [50, 50, 0]
    after = knative_service(api, "customer")
    assert after["spec"] == before["spec"]
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert traffic_events(api) == []


def test_an_expression_with_kns_remainder_rule(client: httpx.Client) -> None:
    body = client.post(
        f"{API}/preview", json={"resourceVersion": "1", "expression": "candidate=30,@latest=0"}
    ).json()
    assert [t["after"]["percent"] for t in body["targets"]] == [70, 30, 0]


INVALID: list[tuple[list[dict[str, Any]], str]] = [
    (
        [{"revisionName": "customer-v3", "percent": "ninety"}],
        "expected integer, got string: spec.traffic[0].percent",
    ),
    (
        [{"revisionName": "customer-v3", "percent": 90}],
        "Traffic targets sum to 90, want 100: spec.traffic",
    ),
    (
        [{"revisionName": "customer-v3", "latestRevision": True, "percent": 100}],
        'may not set revisionName "customer-v3" when latestRevision is true: spec.traffic[0].latestRevision',
    ),
    (
        [
            {"tag": "a", "revisionName": "customer-v3", "percent": 50},
            {"tag": "a", "latestRevision": True, "percent": 50},
        ],
        'Multiple definitions for "a": spec.traffic[0].tag, spec.traffic[1].tag',
    ),
    (
        [{"revisionName": "customer-v9", "percent": 100}],
        'Revision "customer-v9" referenced in traffic not found.: spec.traffic[0].revisionName',
    ),
]


def test_invalid_splits_are_refused_with_422_and_nothing_sent(lab: Backend, lab_client: httpx.Client) -> None:
    api = lab.client()
    before = knative_service(api, "customer")
    for traffic, message in INVALID:
        response = lab_client.post(
            f"{API}/apply", json={"resourceVersion": version(lab_client), "traffic": traffic}
        )
        assert response.status_code == 422, traffic
        body = response.json()
        assert body["code"] == 422 and body["reason"] == "Invalid"
        assert message in [e["text"] for e in body["errors"]]
    after = knative_service(api, "customer")
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert after["spec"] == before["spec"]
    assert traffic_events(api) == []


def test_a_stale_resource_version_is_409_with_the_current_split(
    lab: Backend, lab_client: httpx.Client
) -> None:
    api = lab.client()
    stale = version(lab_client)
    patch_service(api, "customer", {"spec": {"traffic": [{"latestRevision": True, "percent": 100}]}})
    response = lab_client.post(f"{API}/apply", json={"resourceVersion": stale, "traffic": CANARY})
    assert response.status_code == 409
    body = response.json()
    assert "the object has been modified" in body["message"]
    assert body["current"]["traffic"] == [{"latestRevision": True, "percent": 100}]
    assert body["yours"][0]["percent"] == 90
    assert spec_traffic(knative_service(api, "customer")) == [{"latestRevision": True, "percent": 100}]
    assert traffic_events(api) == []


def test_the_api_is_documented_and_an_unknown_entry_is_404(client: httpx.Client) -> None:
    response = client.post(f"{API}/revert", json={"resourceVersion": version(client), "event": "nope"})
    assert response.status_code == 404
    assert response.json()["reason"] == "NotFound"
    paths = client.get("/openapi.json").json()["paths"]
    for suffix in ("", "/preview", "/dryrun", "/apply", "/revert", "/history"):
        assert "/api/namespaces/{namespace}/services/{name}/traffic" + suffix in paths


def grant(cluster: KnativeCluster, user: str, verbs: list[str]) -> None:
    """A ClusterRole of `verbs` on every resource, bound to `user` (both named after the user)."""
    rbac = "rbac.authorization.k8s.io"
    store = cluster.store
    role = {"metadata": {"name": user}, "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": verbs}]}
    binding = {
        "metadata": {"name": user},
        "roleRef": {"apiGroup": rbac, "kind": "ClusterRole", "name": user},
        "subjects": [{"kind": "User", "name": user, "apiGroup": rbac}],
    }
    store.create(store.registry.get(f"clusterroles.{rbac}"), None, role)
    store.create(store.registry.get(f"clusterrolebindings.{rbac}"), None, binding)


def revoke(cluster: KnativeCluster, user: str) -> None:
    store = cluster.store
    store.delete(store.registry.get("clusterrolebindings.rbac.authorization.k8s.io"), None, user)


@contextmanager
def dashboard_as(cluster: KnativeCluster, tmp_path: Path, user: str) -> Iterator[httpx.Client]:
    """The dashboard running with `user`'s Kubernetes identity, and a client for it."""
    cluster.add_token(f"{user}-token", user)
    kubeconfig = cluster.write_kubeconfig(tmp_path / user, token=f"{user}-token", user=user)
    with load_api_client(kubeconfig) as api, serve(api) as dashboard, csrf_client(dashboard.url) as client:
        yield client


def test_a_user_who_may_not_patch_is_refused_before_anything_is_sent(
    knative_cluster: KnativeCluster, knative_api: ApiClient, tmp_path: Path
) -> None:
    grant(knative_cluster, "viewer", ["get", "list", "watch"])
    before = knative_service(knative_api, "customer")
    with dashboard_as(knative_cluster, tmp_path, "viewer") as client:
        page = client.get(EDITOR).text
        assert "data-refusal" in page and "may not patch" in page
        for action in ("dryrun", "apply"):
            response = client.post(
                f"{API}/{action}", json={"resourceVersion": version(client), "traffic": CANARY}
            )
            assert response.status_code == 403
            assert "may not patch services.serving.knative.dev 'customer'" in response.json()["message"]
    assert (
        knative_service(knative_api, "customer")["metadata"]["resourceVersion"]
        == before["metadata"]["resourceVersion"]
    )


def test_the_clusters_own_403_is_shown_verbatim_and_changes_nothing(
    knative_cluster: KnativeCluster, knative_api: ApiClient, tmp_path: Path
) -> None:
    grant(knative_cluster, "editor", ["get", "list", "watch", "patch", "create"])
    before = knative_service(knative_api, "customer")
    with dashboard_as(knative_cluster, tmp_path, "editor") as client:
        fields = form_fields(client.get(EDITOR).text)  # Splitboard checked the right (kept a few seconds)
        revoke(knative_cluster, "editor")  # ... and it is gone before the user applies
        response = client.post(EDITOR, data={**set_percents(fields, 90, 10, 0), "action": "dryrun"})
        assert response.status_code == 403
        assert notices(response.text)[0] == ("error", "The cluster refused the change (403 Forbidden)")
        assert "User &#34;editor&#34; cannot patch resource &#34;services&#34;" in response.text
        body = client.post(
            f"{API}/apply", json={"resourceVersion": version(client), "traffic": CANARY}
        ).json()
        assert body["status"]["reason"] == "Forbidden"
        assert body["message"] == body["status"]["message"]
    assert (
        knative_service(knative_api, "customer")["metadata"]["resourceVersion"]
        == before["metadata"]["resourceVersion"]
    )


def patches_counted(client: httpx.Client) -> dict[str, float]:
    """splitboard_traffic_patches_total by outcome, from /metrics."""
    families = text_string_to_metric_families(client.get("/metrics").text)
    return {
        s.labels["outcome"]: s.value
        for family in families
        for s in family.samples
        if s.name == "splitboard_traffic_patches_total"
    }


def test_every_write_outcome_is_counted_on_metrics(
    knative_cluster: KnativeCluster, client: httpx.Client, tmp_path: Path
) -> None:
    before = Counter(patches_counted(client))

    def apply(traffic: list[dict[str, Any]], rv: str | None = None, action: str = "apply") -> int:
        body = {"resourceVersion": rv or version(client), "traffic": traffic}
        return client.post(f"{API}/{action}", json=body).status_code

    stale = version(client)
    assert apply(CANARY, action="dryrun") == 200  # changes nothing: not counted
    assert apply(CANARY) == 200
    assert apply(CANARY) == 200  # the split it already has
    assert apply(CANARY[:1]) == 422
    assert apply(CANARY, rv=stale) == 409
    knative_cluster.faults.fail_next(1, code=503)
    assert apply(LAB_TRAFFIC) == 503
    fields = set_percents(form_fields(client.get(EDITOR).text), 20, 80, 0)
    assert client.post(EDITOR, data={**fields, "action": "apply"}).status_code == 200
    grant(knative_cluster, "viewer", ["get", "list", "watch"])
    with dashboard_as(knative_cluster, tmp_path, "viewer") as viewer:
        assert viewer.post(EDITOR, data={**fields, "action": "apply"}).status_code == 403
        refused = patches_counted(viewer)
    assert refused == {"refused": 1.0}, "one dashboard's metrics are its own"
    counted = Counter(patches_counted(client))
    counted.subtract(before)
    assert +counted == Counter({"applied": 2, "unchanged": 1, "invalid": 1, "conflict": 1, "error": 1})

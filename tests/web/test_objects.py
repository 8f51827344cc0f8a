"""Every kind the pages list has a YAML page: the watched kinds from the cache, Deployments, ReplicaSets,
ConfigMaps and Secrets read from the cluster; each page links the object's owners and the ConfigMaps and
Secrets its pods use, and a Secret shows its keys, never its values. Compared with what the cluster
says through the official client, on both backends."""

from __future__ import annotations

import base64
import re
from typing import Any

import httpx
import yaml
from kubernetes.client import ApiClient, AppsV1Api, CoreV1Api, V1ObjectMeta, V1Secret

from tests.backends import Backend
from tests.support.serving import Dashboard
from tests.support.waiting import until_passes
from tests.web.cluster import NS

YAML_BLOCK = '<div id="object-yaml" class="yaml-text">'


def page(dashboard: Dashboard, kind: str, name: str) -> httpx.Response:
    with httpx.Client(base_url=dashboard.url, timeout=10) as client:
        return client.get(f"/namespaces/{NS}/objects/{kind}/{name}")


def shown_yaml(html: str) -> dict[str, Any]:
    """The object as the page's YAML block holds it (its text, tags stripped)."""
    block = html.split(YAML_BLOCK, 1)[1].split("</pre>", 1)[0]
    text = re.sub(r"<[^>]+>", "", block)
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#39;", "'"), ("&amp;", "&")):
        text = text.replace(entity, char)
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def test_workloads_link_their_owners_and_the_configmap_they_mount(
    lab: Backend, lab_dashboard: Dashboard
) -> None:
    """Deployment -> Revision and the ConfigMap its pods mount; ReplicaSet -> Deployment where the
    cluster made ReplicaSets. The workload kinds are read from the cluster, not cached."""
    api: ApiClient = lab.client()
    apps = AppsV1Api(api)
    deployments = apps.list_namespaced_deployment(
        NS, label_selector="serving.knative.dev/service=customer"
    ).items
    assert deployments, "the lab's customer has Deployments"
    deployment: Any = deployments[0]
    name = str(deployment.metadata.name)
    answer = page(lab_dashboard, "deployments", name)
    assert answer.status_code == 200, answer.text
    assert shown_yaml(answer.text)["metadata"]["uid"] == deployment.metadata.uid
    assert "managedFields" not in shown_yaml(answer.text)["metadata"]
    revision = deployment.metadata.owner_references[0].name
    assert f'href="/namespaces/{NS}/objects/revisions/{revision}"' in answer.text
    mounted = [v.config_map.name for v in deployment.spec.template.spec.volumes or [] if v.config_map]
    assert mounted, "the lab's pods mount a ConfigMap"
    assert f'href="/namespaces/{NS}/objects/configmaps/{mounted[0]}"' in answer.text

    configmap = CoreV1Api(api).read_namespaced_config_map(mounted[0], NS)
    answer = page(lab_dashboard, "configmaps", mounted[0])
    assert answer.status_code == 200, answer.text
    assert shown_yaml(answer.text)["data"] == configmap.data

    replicasets: list[Any] = apps.list_namespaced_replica_set(NS).items
    for replicaset in replicasets:
        answer = page(lab_dashboard, "replicasets", str(replicaset.metadata.name))
        assert answer.status_code == 200, answer.text
        owner = replicaset.metadata.owner_references[0].name
        assert f'href="/namespaces/{NS}/objects/deployments/{owner}"' in answer.text


def test_a_pod_links_what_it_mounts_and_reads_env_from(served_dashboard: Dashboard) -> None:
    """A pod's page (from the watch cache) links the ConfigMaps and Secrets it mounts or reads env from."""
    core = CoreV1Api(served_dashboard.api_client)
    pod: Any = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "by-hand"},
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": "example.com/app:1",
                    "envFrom": [{"secretRef": {"name": "app-env"}}],
                    "env": [
                        {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "app-mode", "key": "m"}}}
                    ],
                }
            ],
            "volumes": [
                {"name": "config", "configMap": {"name": "customer"}},
                {"name": "certs", "secret": {"secretName": "app-certs"}},
            ],
        },
    }
    core.create_namespaced_pod(NS, pod)
    try:

        def linked() -> None:
            response = page(served_dashboard, "pods", "by-hand")
            assert response.status_code == 200, response.text
            for kind, name in (
                ("configmaps", "customer"),
                ("secrets", "app-certs"),
                ("secrets", "app-env"),
                ("configmaps", "app-mode"),
            ):
                assert f'href="/namespaces/{NS}/objects/{kind}/{name}"' in response.text, name

        until_passes(linked, 10)
    finally:
        core.delete_namespaced_pod("by-hand", NS)


def test_every_watched_kind_has_a_yaml_page(lab: Backend, lab_dashboard: Dashboard) -> None:
    core = CoreV1Api(lab.client())
    services: list[Any] = core.list_namespaced_service(NS).items
    listed: list[Any] = core.list_namespaced_endpoints(NS).items
    service, endpoints = str(services[0].metadata.name), str(listed[0].metadata.name)
    for kind, name in (
        ("services", "customer"),
        ("revisions", "customer-v3"),
        ("routes", "customer"),
        ("configurations", "customer"),
        ("core_services", service),
        ("endpoints", endpoints),
    ):
        until_passes(lambda kind=kind, name=name: _named(lab_dashboard, kind, name), 10)  # type: ignore[misc]


def _named(dashboard: Dashboard, kind: str, name: str) -> None:
    response = page(dashboard, kind, name)
    assert response.status_code == 200, (kind, name, response.text[:300])
    assert shown_yaml(response.text)["metadata"]["name"] == name
    assert 'data-copy="object-yaml"' in response.text


def test_a_secret_shows_its_keys_never_its_values(lab: Backend, lab_dashboard: Dashboard) -> None:
    value = "s3cr3t-value-never-shown"
    secret = V1Secret(
        metadata=V1ObjectMeta(name="db-credentials"),
        data={"password": base64.b64encode(value.encode()).decode()},
    )
    core = CoreV1Api(lab.client())
    core.create_namespaced_secret(NS, secret)
    try:
        response = page(lab_dashboard, "secrets", "db-credentials")
        assert response.status_code == 200, response.text
        assert shown_yaml(response.text)["data"] == {"password": "(hidden)"}
        assert value not in response.text
        assert base64.b64encode(value.encode()).decode() not in response.text
    finally:
        core.delete_namespaced_secret("db-credentials", NS)


def test_unknown_kinds_and_missing_objects_are_404(served_dashboard: Dashboard) -> None:
    assert page(served_dashboard, "nodes", "x").status_code == 404
    assert page(served_dashboard, "pods", "no-such-pod").status_code == 404
    assert page(served_dashboard, "deployments", "no-such-deployment").status_code == 404

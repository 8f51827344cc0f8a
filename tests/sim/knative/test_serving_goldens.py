"""Knative Serving 1.23's own objects against goldens read from upstream (knative/serving at
knative-v1.23.0): Revision and Configuration metadata, the Route's conditions and errors, the default
domain's ingress rules, the placeholder Services' first phase and the ServerlessService's mode. Each
test names the upstream file(s) its facts come from."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.model.routing import ConfigurationState, RevisionState, resolve_traffic
from app.model.traffic import TrafficTarget
from app.sim.building import KnativeCluster, build_cluster
from app.sim.knative.revisions import excess_burst_capacity, sks_mode
from app.sim.storage.resources import REVISIONS, ROUTES, SERVICES
from app.sim.storage.watching import WatchEvent
from tests.plugins.knative import TEST_SETTINGS
from tests.plugins.sim import Kubectl, make_kubectl, official_client
from tests.sim.knative.reading import condition, knative, patch_service
from tests.support.builders import LAB_DOMAIN

NS = "labs-1"
HELLO = "ghcr.io/knative/helloworld-go:1"


@pytest.fixture
def knative_profile() -> str:
    """The goldens are Knative 1.23's."""
    return "current"


def _events(cluster: KnativeCluster, resource: str, name: str, action: Any) -> list[WatchEvent]:
    """The store's events for one object while `action` runs and the control plane settles."""
    rt = cluster.registry.get(resource)
    with cluster.store.watch(rt, NS, copy=True) as watcher:
        action()
        assert cluster.settle()
        found: list[WatchEvent] = []
        while (event := watcher.next(timeout=0.05)) is not None:
            if event.object["metadata"]["name"] == name:
                found.append(event)
    return found


def _hello(name: str, **metadata: Any) -> dict[str, Any]:
    return {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": NS, **metadata},
        "spec": {"template": {"spec": {"containers": [{"image": HELLO}]}}},
    }


# --- 1. Revision and Configuration metadata ------------------------------------------------------------


def test_configuration_and_revision_metadata(
    knative_cluster: KnativeCluster, knative_kubectl: Kubectl
) -> None:
    """serving pkg/reconciler/service/resources/configuration.go (MakeConfigurationFromExisting: the
    Service's annotations without kubectl's last-applied and the rollout duration, plus
    `serving.knative.dev/routes`); pkg/reconciler/configuration/resources/revision.go (MakeRevision,
    updateRevisionLabels, updateRevisionAnnotations: creator from the Configuration's lastModifier,
    routes copied and routingState active); pkg/apis/serving/v1/revision_lifecycle.go (Active is
    informational)."""
    manifest = _hello("hello", annotations={"serving.knative.dev/rollout-duration": "10s"})
    knative_kubectl("apply", "-f", "-", input=json.dumps(manifest))
    assert knative_cluster.settle()
    config = json.loads(knative_kubectl("get", "configuration", "hello", "-n", NS, "-o", "json").stdout)
    annotations = config["metadata"]["annotations"]
    assert annotations["serving.knative.dev/routes"] == "hello"
    assert "serving.knative.dev/rollout-duration" not in annotations
    assert "kubectl.kubernetes.io/last-applied-configuration" not in annotations
    route = json.loads(knative_kubectl("get", "route", "hello", "-n", NS, "-o", "json").stdout)
    assert route["metadata"]["annotations"]["serving.knative.dev/rollout-duration"] == "10s"

    manifest["spec"]["template"]["spec"]["containers"][0]["image"] = "ghcr.io/knative/helloworld-go:2"
    added = [
        e.object
        for e in _events(
            knative_cluster,
            REVISIONS,
            "hello-00002",
            lambda: knative_kubectl(
                "apply",
                "--as",
                "alice",
                "--as-group",
                "system:masters",
                "-f",
                "-",
                input=json.dumps(manifest),
            ),
        )
        if e.type == "ADDED"
    ]
    assert len(added) == 1
    created = added[0]["metadata"]
    # Created active because the Configuration is routed; never pending.
    assert created["labels"]["serving.knative.dev/routingState"] == "active"
    assert created["annotations"]["serving.knative.dev/routes"] == "hello"
    config = json.loads(knative_kubectl("get", "configuration", "hello", "-n", NS, "-o", "json").stdout)
    assert config["metadata"]["annotations"]["serving.knative.dev/lastModifier"] == "alice"
    assert config["metadata"]["annotations"]["serving.knative.dev/creator"] != "alice"
    assert created["annotations"]["serving.knative.dev/creator"] == "alice"
    assert set(created["labels"]) == {
        "serving.knative.dev/configuration",
        "serving.knative.dev/configurationGeneration",
        "serving.knative.dev/configurationUID",
        "serving.knative.dev/service",
        "serving.knative.dev/serviceUID",
        "serving.knative.dev/routingState",
    }
    assert created["labels"]["serving.knative.dev/configurationUID"] == config["metadata"]["uid"]
    revision = json.loads(knative_kubectl("get", "revision", "hello-00002", "-n", NS, "-o", "json").stdout)
    conditions = {c["type"]: c for c in revision["status"]["conditions"]}
    assert set(conditions) == {"Active", "ContainerHealthy", "Ready", "ResourcesAvailable"}
    assert conditions["Active"]["severity"] == "Info"
    # hello-00001 stays routed (active) while the 10s rollout moves traffic off it; that it turns
    # reserve afterwards is test_lifecycle's test_generated_revision_names_follow_the_generation.


# --- 2. Route: finalizer, conditions, several bad targets ----------------------------------------------


def test_route_finalizer_conditions_and_a_new_generation(
    knative_cluster: KnativeCluster, knative_api: Any
) -> None:
    """serving pkg/reconciler/route/route.go (ReconcileKind: MarkIngressNotConfigured for a generation
    not yet observed, until the KIngress reports it; MarkTLSNotEnabled with
    ExternalDomainTLSNotEnabledMessage), pkg/apis/serving/v1/route_lifecycle.go (conditions and
    messages), pkg/reconciler/route/controller.go (finalizer `routes.serving.knative.dev`)."""
    route = knative(knative_api, "routes", "customer")
    assert route["metadata"]["finalizers"] == ["routes.serving.knative.dev"]
    assert {c["type"] for c in route["status"]["conditions"]} == {
        "AllTrafficAssigned",
        "CertificateProvisioned",
        "IngressReady",
        "Ready",
    }
    assert condition(route, "CertificateProvisioned") == (
        "True",
        "TLSNotEnabled",
        "external-domain-tls is not enabled",
    )
    traffic = [{"revisionName": "customer-v3", "percent": 100}]
    events = _events(
        knative_cluster,
        ROUTES,
        "customer",
        lambda: patch_service(knative_api, {"spec": {"traffic": traffic}}),
    )
    generation = knative(knative_api, "routes", "customer")["metadata"]["generation"]
    seen = [
        condition(e.object, "IngressReady")
        for e in events
        if (e.object.get("status") or {}).get("observedGeneration") == generation
    ]
    assert seen[0] == ("Unknown", "IngressNotConfigured", "Ingress has not yet been reconciled.")
    assert seen[-1] == ("True", "", "")


def test_several_bad_targets_report_the_last_failure(
    knative_cluster: KnativeCluster, knative_api: Any
) -> None:
    """serving pkg/reconciler/route/traffic/traffic.go (configBuilder.deferTargetError: every target is
    looked at, a failure replaces an earlier error) and traffic/errors.go (IsFailure: missing, failed
    and not-owned targets are failures; one not yet ready is not)."""
    traffic = [
        {"revisionName": "customer-v9", "percent": 50},
        {"revisionName": "preference-v1", "percent": 50},
    ]
    patch_service(knative_api, {"spec": {"traffic": traffic}})
    assert knative_cluster.settle()
    route = knative(knative_api, "routes", "customer")
    message = 'Revision "preference-v1" belongs to Service "preference", not Service "customer".'
    assert condition(route, "AllTrafficAssigned") == ("False", "RevisionNotOwned", message)
    # The failed reconcile stops before the ingress: it is unconfigured for this generation.
    assert condition(route, "IngressReady")[1] == "IngressNotConfigured"

    owner = "customer"
    unready = RevisionState("customer-v5", owner, "Unknown")
    failed = RevisionState("customer-v6", owner, "False")
    standalone = RevisionState("solo-00001", None, "True")
    revisions = {r.name: r for r in (unready, failed, standalone)}
    configs = {"customer": ConfigurationState("customer", None, failed=False)}

    def problem(*names: str) -> tuple[str, str, str]:
        targets = [
            TrafficTarget(revision_name=n, percent=0, latest_revision=False)
            if n != "@latest"
            else TrafficTarget(configuration_name="customer", percent=0, latest_revision=True)
            for n in names
        ]
        _, found = resolve_traffic(targets, owner_service=owner, revisions=revisions, configurations=configs)
        assert found is not None
        return found.status, found.reason, found.message

    # Two unready targets: the first one is reported (neither is a failure).
    assert problem("customer-v5", "@latest") == (
        "Unknown",
        "RevisionMissing",
        'Revision "customer-v5" is not yet ready.',
    )
    assert (
        problem("@latest", "customer-v5")[2]
        == 'Configuration "customer" is waiting for a Revision to become ready.'
    )
    # A failure after an unready target wins; of two failures, the last.
    assert problem("customer-v5", "customer-v6") == (
        "False",
        "RevisionMissing",
        'Revision "customer-v6" failed to become ready.',
    )
    assert problem("customer-v6", "customer-v9", "customer-v5")[2] == (
        'Revision "customer-v9" referenced in traffic not found.'
    )
    # A revision of no Service is foreign to a Service's Route too.
    assert problem("solo-00001") == (
        "False",
        "RevisionNotOwned",
        'Revision "solo-00001" does not belong to Service "customer".',
    )


# --- 3. The default domain -----------------------------------------------------------------------------


@pytest.fixture
def default_domain(tmp_path: Path) -> Iterator[tuple[KnativeCluster, Kubectl]]:
    """An empty cluster under config-domain's default, `svc.cluster.local`."""
    with build_cluster(scenario=None, settings=TEST_SETTINGS, knative="current") as cluster:
        kubectl = make_kubectl(cluster.write_kubeconfig(tmp_path / "kc"), tmp_path / "cache")
        kubectl("create", "namespace", NS)
        yield cluster, kubectl


def test_the_default_domain_makes_routes_cluster_local(
    default_domain: tuple[KnativeCluster, Kubectl],
) -> None:
    """serving pkg/reconciler/route/visibility/visibility.go (routeVisibility: a route whose domain,
    from config/domain.go's LookupDomainForLabels, is `svc.<cluster domain>` is ClusterLocal; with no
    domain configured DefaultDomain is exactly that, as visibility_test.go's "two tags initial default
    with cluster domain suffix" expects) and pkg/reconciler/route/resources/ingress.go (makeIngressSpec:
    an ExternalIP rule only for a name that is not ClusterLocal)."""
    cluster, kubectl = default_domain
    inner = _hello("inner", labels={"networking.knative.dev/visibility": "cluster-local"})
    for manifest in (_hello("hello"), inner):
        kubectl("apply", "-f", "-", input=json.dumps(manifest))
    assert cluster.settle()

    def rules(name: str) -> list[tuple[str, list[str]]]:
        got = json.loads(kubectl("get", "kingress", name, "-n", NS, "-o", "json").stdout)
        return [(r["visibility"], r["hosts"]) for r in got["spec"]["rules"]]

    local = ["hello.labs-1", "hello.labs-1.svc", "hello.labs-1.svc.cluster.local"]
    assert rules("hello") == [("ClusterLocal", local)]
    assert [visibility for visibility, _ in rules("inner")] == ["ClusterLocal"]
    route = json.loads(kubectl("get", "route", "hello", "-n", NS, "-o", "json").stdout)
    assert route["status"]["url"] == "http://hello.labs-1.svc.cluster.local"
    vs = json.loads(kubectl("get", "vs", "hello-ingress", "-n", NS, "-o", "json").stdout)
    assert vs["spec"]["gateways"] == ["knative-serving/knative-local-gateway"]


# --- 4. Placeholder Services ---------------------------------------------------------------------------


def test_a_placeholder_points_at_its_domain_until_the_ingress_is_ready(
    knative_cluster: KnativeCluster, knative_api: Any
) -> None:
    """serving pkg/reconciler/route/resources/service.go (MakeK8sPlaceholderService: ExternalName to the
    name's domain; MakeK8sService: the KIngress's private load balancer) and
    pkg/reconciler/route/reconcile_resources.go (reconcilePlaceholderServices creates, then
    updatePlaceholderServices repoints once the KIngress status has a load balancer)."""
    traffic = [
        {"tag": "current", "revisionName": "customer-v3", "percent": 50},
        {"tag": "candidate", "revisionName": "customer-v4", "percent": 50},
        {"tag": "next", "latestRevision": True, "percent": 0},
    ]
    events = _events(
        knative_cluster,
        SERVICES,
        "next-customer",
        lambda: patch_service(knative_api, {"spec": {"traffic": traffic}}),
    )
    names = [(e.type, e.object["spec"]["externalName"]) for e in events]
    assert names[0] == ("ADDED", f"next-customer.labs-1.{LAB_DOMAIN}")
    assert names[-1] == ("MODIFIED", "knative-local-gateway.istio-system.svc.cluster.local")
    assert events[0].object["spec"]["ports"] == events[-1].object["spec"]["ports"]


# --- 5. ServerlessService mode -------------------------------------------------------------------------


def test_the_kpa_mode_rule() -> None:
    """serving pkg/reconciler/autoscaling/kpa/kpa.go (Serve only when want > 0 and the excess burst
    capacity is >= 0) and pkg/autoscaler/scaling/autoscaler.go (excess burst capacity: ready pods x
    capacity - target burst capacity - panic concurrency; 0 and -1 special)."""
    assert excess_burst_capacity(1, 100, 200, 0) == -100
    assert sks_mode(1, excess_burst_capacity(1, 100, 200, 0)) == "Proxy"
    assert sks_mode(3, excess_burst_capacity(3, 100, 200, 0)) == "Serve"
    assert sks_mode(3, excess_burst_capacity(3, 100, 200, 100.5)) == "Proxy"
    assert sks_mode(1, excess_burst_capacity(1, 100, 0, 500)) == "Serve"
    assert sks_mode(5, excess_burst_capacity(5, 100, -1, 0)) == "Proxy"
    assert sks_mode(0, excess_burst_capacity(5, 100, 0, 0)) == "Proxy"


def test_a_small_revision_stays_behind_the_activator(
    knative_cluster: KnativeCluster, knative_kubectl: Kubectl
) -> None:
    """serving pkg/reconciler/autoscaling/kpa/kpa.go (the mode), pkg/reconciler/serverlessservice/
    serverlessservice.go (public Endpoints from the activator in Proxy mode or without a ready pod;
    ActivatorEndpointsPopulated, EndpointsPopulated) with the default target-burst-capacity 200 of
    config-autoscaler; `target-burst-capacity: "0"` takes the activator out."""

    def get(kind: str, name: str) -> dict[str, Any]:
        return dict(json.loads(knative_kubectl("get", kind, name, "-n", NS, "-o", "json").stdout))

    sks = get("sks", "customer-v3")
    assert sks["spec"]["mode"] == "Proxy"
    assert condition(sks, "ActivatorEndpointsPopulated") == (
        "True",
        "ActivatorEndpointsPopulated",
        "Revision is backed by Activator",
    )
    endpoints = get("endpoints", "customer-v3")
    assert [a["ip"] for a in endpoints["subsets"][0]["addresses"]] == ["10.244.0.201", "10.244.0.202"]
    manifest = _hello("eager")
    manifest["spec"]["template"]["metadata"] = {
        "annotations": {"autoscaling.knative.dev/target-burst-capacity": "0"}
    }
    knative_kubectl("apply", "-f", "-", input=json.dumps(manifest))
    assert knative_cluster.settle()
    assert get("sks", "eager-00001")["spec"]["mode"] == "Serve"


def test_public_endpoints_follow_the_mode_with_pods(tmp_path: Path) -> None:
    """serving pkg/reconciler/serverlessservice/serverlessservice.go: in Serve mode the public Endpoints
    are the ready pods, in Proxy mode the activator's (here with simulated pods)."""
    from tests.plugins.knative import FAST_WORKLOADS

    with build_cluster(
        scenario="labs", settings=TEST_SETTINGS, knative="current", workloads=FAST_WORKLOADS
    ) as cluster:
        kubectl = make_kubectl(cluster.write_kubeconfig(tmp_path / "kc"), tmp_path / "cache")
        manifest = _hello("eager")
        manifest["spec"]["template"]["metadata"] = {
            "annotations": {
                "autoscaling.knative.dev/target-burst-capacity": "0",
                "autoscaling.knative.dev/min-scale": "1",
            }
        }
        kubectl("apply", "-f", "-", input=json.dumps(manifest))
        with official_client(cluster.write_kubeconfig(tmp_path / "kc2")) as api:
            from kubernetes import client

            core = client.CoreV1Api(api)
            import time

            deadline = time.monotonic() + 10
            addresses: list[str] = []
            while time.monotonic() < deadline:
                assert cluster.settle()
                subsets = core.read_namespaced_endpoints("eager-00001", NS).subsets or []
                addresses = [a.ip for s in subsets for a in (s.addresses or [])]
                if addresses and "10.244.0.201" not in addresses:
                    break
                time.sleep(0.05)
            private = core.read_namespaced_endpoints("eager-00001-private", NS).subsets or []
            assert addresses == [a.ip for s in private for a in (s.addresses or [])]

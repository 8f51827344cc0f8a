"""The Knative profiles against their truths: the seed's own listing and YAML for `seed`, and goldens
read from upstream sources for `current` (each test names the upstream file its facts come from:
knative/serving at knative-v1.23.0, knative-extensions/net-istio at knative-v1.22.0, whose `pkg/` is
unchanged on its 1.23 head, and knative/networking of the same months)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.model.profiles import CURRENT, KOURIER, SEED, profile_named, with_ingress
from app.model.routing import PROBE_OVERRIDE
from app.sim.building import KnativeCluster, build_cluster
from app.sim.ingress.matching import Backend, kingress_backends, route_backends
from app.sim.knative.revisions import ACTIVATOR_IPS, public_endpoints
from app.sim.knative.settings import SimSettings
from tests.plugins.knative import TEST_SETTINGS
from tests.plugins.sim import Kubectl, make_kubectl
from tests.sim.knative.conftest import DATA
from tests.support.builders import LAB_DOMAIN

NAMES = ("customer", "candidate-customer", "current-customer", "latest-customer")
"""The lab's target names as Knative sorts them: "" (the route itself), then the tags."""
LOCAL = "knative-serving/knative-local-gateway"
EXTERNAL = "knative-serving/knative-ingress-gateway"


def _cluster(knative: str, tmp_path: Path, **kwargs: Any) -> Iterator[tuple[KnativeCluster, Kubectl]]:
    with build_cluster(scenario="labs", settings=TEST_SETTINGS, knative=knative, **kwargs) as cluster:
        assert cluster.settle()
        kubeconfig = cluster.write_kubeconfig(tmp_path / f"{knative}.kubeconfig")
        yield cluster, make_kubectl(kubeconfig, tmp_path / f"{knative}-cache")


@pytest.fixture
def current(tmp_path: Path) -> Iterator[tuple[KnativeCluster, Kubectl]]:
    yield from _cluster("current", tmp_path)


def _get(kubectl: Kubectl, *args: str) -> dict[str, Any]:
    return dict(json.loads(kubectl("get", *args, "-n", "labs-1", "-o", "json").stdout))


# --- seed: the lab's walk-through ---------------------------------------------------------------------


@pytest.fixture
def seed_walkthrough(tmp_path: Path) -> Iterator[Kubectl]:
    """The lab as its text runs it: customer at v3, then customer-traffic-split.yml applied with kubectl
    at serving.knative.dev/v1alpha1, by the lab's user (`user1` of `labs-1`)."""
    settings = SimSettings(revision_ready_delay=0.0, retry_delay=0.01, user="user1")
    with build_cluster(scenario=str(DATA / "customer-v3.yaml"), settings=settings) as cluster:
        kubectl = make_kubectl(cluster.write_kubeconfig(tmp_path / "seed.kubeconfig"), tmp_path / "seed")
        split = (DATA / "customer-traffic-split.yml").read_text(encoding="utf-8")
        assert "serving.knative.dev/v1alpha1" in split
        # The lab's user1 has no token here: the admin acts as that user (impersonation).
        as_user1 = ("--as", "user1", "--as-group", "system:masters")
        kubectl("apply", *as_user1, "-n", "labs-1", "-f", "-", input=split)
        assert cluster.settle()
        yield kubectl


def test_seed_reproduces_the_labs_virtual_service_field_by_field(seed_walkthrough: Kubectl) -> None:
    """Everything the lab's `customer` VirtualService shows comes back; only the probe hash's value
    differs (it hashes the KIngress, which the lab does not show), not its shape."""
    want = yaml.safe_load((DATA / "seed-customer-virtualservice.yaml").read_text(encoding="utf-8"))
    got = yaml.safe_load(seed_walkthrough("get", "vs", "customer", "-n", "labs-1", "-o", "yaml").stdout)
    assert got["apiVersion"] == want["apiVersion"] == "networking.istio.io/v1alpha3"
    assert got["kind"] == want["kind"]
    for key in ("annotations", "labels", "name", "namespace"):
        assert got["metadata"][key] == want["metadata"][key], key
    hashes = {r["headers"]["request"]["add"]["K-Network-Hash"] for r in got["spec"]["http"]}
    assert len(hashes) == 1 and re.fullmatch(r"[0-9a-f]{32}", hashes.pop())
    for route in (*got["spec"]["http"], *want["spec"]["http"]):
        route["headers"]["request"]["add"]["K-Network-Hash"] = "<hash>"
    assert got["spec"] == want["spec"]


def test_seed_lists_the_labs_virtual_services(seed_walkthrough: Kubectl) -> None:
    listed = seed_walkthrough("get", "virtualservices", "-n", "labs-1", "-o", "name").stdout.split()
    assert [name.rsplit("/", 1)[1] for name in listed] == [
        "customer",
        "customer-mesh",
        "preference",
        "preference-mesh",
    ]


def test_seed_serves_the_labs_versions() -> None:
    assert SEED.serving_versions == ("v1", "v1alpha1") and CURRENT.serving_versions == ("v1",)
    assert SEED.virtual_service_versions == ("v1alpha3",)
    assert SEED.gateways.local == "knative-serving/cluster-local-gateway"


# --- current: net-istio's VirtualServices --------------------------------------------------------------


def _route_summary(route: dict[str, Any]) -> tuple[str, str, bool, list[tuple[str, int]]]:
    (match,) = route["match"]
    probe = match.get("headers") == {"K-Network-Hash": {"exact": PROBE_OVERRIDE}}
    weights = [(d["destination"]["host"].split(".")[0], d["weight"]) for d in route["route"]]
    return match["authority"]["prefix"], match["gateways"][0], probe, weights


LAB_WEIGHTS = {
    "customer": [("customer-v3", 50), ("customer-v4", 50)],
    "candidate-customer": [("customer-v4", 100)],
    "current-customer": [("customer-v3", 100)],
    "latest-customer": [("customer-v4", 100)],
}


def test_current_ingress_virtual_service_is_net_istios(current: tuple[KnativeCluster, Kubectl]) -> None:
    """net-istio pkg/reconciler/ingress/resources/virtual_service.go (MakeIngressVirtualService,
    makeVirtualServiceRoute, getDistinctHostPrefixes) and its virtual_service_test.go goldens; networking
    pkg/ingress/ingress.go (InsertProbe: a probe copy before every path; ExpandedHosts); serving
    pkg/reconciler/route/resources/ingress.go (rules per sorted name: ClusterLocal, then one ExternalIP
    rule per host)."""
    _, kubectl = current
    vs = _get(kubectl, "vs", "customer-ingress")
    assert vs["metadata"]["labels"] == {
        "networking.internal.knative.dev/ingress": "customer",
        "serving.knative.dev/service": "customer",
    }
    assert vs["metadata"]["ownerReferences"][0]["kind"] == "Ingress"
    assert vs["spec"]["gateways"] == [EXTERNAL, LOCAL]
    assert vs["spec"]["hosts"] == sorted(
        f"{name}.labs-1{suffix}"
        for name in NAMES
        for suffix in ("", ".svc", ".svc.cluster.local", f".{LAB_DOMAIN}")
    )
    assert [_route_summary(r) for r in vs["spec"]["http"]] == [
        (prefix, gateway, probe, LAB_WEIGHTS[name])
        for name in NAMES
        for prefix, gateway in ((f"{name}.labs-1", LOCAL), (f"{name}.labs-1.{LAB_DOMAIN}", EXTERNAL))
        for probe in (True, False)
    ]
    probe, plain = vs["spec"]["http"][0], vs["spec"]["http"][1]
    assert probe["retries"] == {} and plain["retries"] == {}
    assert "headers" not in plain and "timeout" not in plain and "websocketUpgrade" not in plain
    assert plain["route"][0] == {
        "destination": {"host": "customer-v3.labs-1.svc.cluster.local", "port": {"number": 80}},
        "headers": {
            "request": {
                "set": {"Knative-Serving-Namespace": "labs-1", "Knative-Serving-Revision": "customer-v3"}
            }
        },
        "weight": 50,
    }
    hashes = {r["headers"]["request"]["set"]["K-Network-Hash"] for r in vs["spec"]["http"][::2]}
    assert hashes == {_lab_ingress_hash()}


def _lab_ingress_hash() -> str:
    """networking pkg/ingress/ingress.go ComputeHash: sha256 of json.Marshal(spec) + namespace + name,
    the spec serialized in the Go structs' field order (pkg/apis/networking/v1alpha1/ingress_types.go)."""

    def split(revision: str, percent: int) -> str:
        return (
            f'{{"serviceNamespace":"labs-1","serviceName":"{revision}","servicePort":80,"percent":{percent},'
            f'"appendHeaders":{{"Knative-Serving-Namespace":"labs-1","Knative-Serving-Revision":"{revision}"}}}}'
        )

    rules = []
    for name in NAMES:
        splits = ",".join(split(r, p) for r, p in LAB_WEIGHTS[name])
        paths = f'"http":{{"paths":[{{"splits":[{splits}]}}]}}'
        local = f'"{name}.labs-1","{name}.labs-1.svc","{name}.labs-1.svc.cluster.local"'
        rules.append(f'{{"hosts":[{local}],"visibility":"ClusterLocal",{paths}}}')
        rules.append(f'{{"hosts":["{name}.labs-1.{LAB_DOMAIN}"],"visibility":"ExternalIP",{paths}}}')
    spec = '{"rules":[' + ",".join(rules) + '],"httpOption":"Enabled"}'
    return hashlib.sha256((spec + "labs-1" + "customer").encode()).hexdigest()


def test_current_mesh_virtual_service_is_net_istios(current: tuple[KnativeCluster, Kubectl]) -> None:
    """net-istio pkg/reconciler/ingress/resources/virtual_service.go MakeMeshVirtualService: the
    `.svc.cluster.local` hosts expanded (the local gateway is configured), routes of the ClusterLocal
    rules only, each after its probe copy, on gateway `mesh`."""
    _, kubectl = current
    mesh = _get(kubectl, "vs", "customer-mesh")
    assert mesh["spec"]["gateways"] == ["mesh"]
    assert mesh["spec"]["hosts"] == sorted(
        f"{name}.labs-1{suffix}" for name in NAMES for suffix in ("", ".svc", ".svc.cluster.local")
    )
    assert len(mesh["spec"]["hosts"]) == 12
    assert [_route_summary(r) for r in mesh["spec"]["http"]] == [
        (f"{name}.labs-1", "mesh", probe, LAB_WEIGHTS[name]) for name in NAMES for probe in (True, False)
    ]


def test_current_kingress(current: tuple[KnativeCluster, Kubectl]) -> None:
    """serving pkg/reconciler/route/resources/ingress.go (MakeIngressWithRollout, makeIngressSpec,
    serializeTagToHostMap) and pkg/reconciler/route/traffic/rollout.go (the Rollout JSON), with the
    finalizer of networking's ingress reconciler."""
    _, kubectl = current
    kingress = _get(kubectl, "kingress", "customer")
    meta = kingress["metadata"]
    assert meta["finalizers"] == ["ingresses.networking.internal.knative.dev"]
    assert meta["labels"] == {
        "serving.knative.dev/route": "customer",
        "serving.knative.dev/routeNamespace": "labs-1",
        "serving.knative.dev/service": "customer",
    }
    annotations = meta["annotations"]
    assert annotations["networking.knative.dev/ingress.class"] == "istio.ingress.networking.knative.dev"
    assert json.loads(annotations["networking.internal.knative.dev/rollout"]) == {
        "configurations": [
            {
                "configurationName": "customer",
                "tag": "latest",
                "percent": 100,
                "revisions": [{"revisionName": "customer-v4", "percent": 100}],
                "stepParams": {},
            }
        ]
    }
    assert json.loads(annotations["networking.internal.knative.dev/tag-to-host"]) == {
        tag: [f"{tag}-customer.labs-1.svc.cluster.local", f"{tag}-customer.labs-1.{LAB_DOMAIN}"]
        for tag in ("candidate", "current", "latest")
    }
    rules = kingress["spec"]["rules"]
    assert [(r["visibility"], r["hosts"][0]) for r in rules] == [
        (visibility, host)
        for name in NAMES
        for visibility, host in (
            ("ClusterLocal", f"{name}.labs-1"),
            ("ExternalIP", f"{name}.labs-1.{LAB_DOMAIN}"),
        )
    ]
    assert kingress["spec"]["httpOption"] == "Enabled"
    assert kingress["status"]["privateLoadBalancer"] == {
        "ingress": [{"domainInternal": "knative-local-gateway.istio-system.svc.cluster.local"}]
    }


def test_current_placeholder_services(current: tuple[KnativeCluster, Kubectl]) -> None:
    """serving pkg/reconciler/route/resources/service.go (MakeK8sService with the KIngress's private
    load balancer; makeServiceObjectMeta)."""
    _, kubectl = current
    service = _get(kubectl, "service", "current-customer")
    assert service["spec"]["type"] == "ExternalName"
    assert service["spec"]["externalName"] == "knative-local-gateway.istio-system.svc.cluster.local"
    assert service["spec"]["ports"] == [
        {"name": "http2", "appProtocol": "kubernetes.io/h2c", "port": 80, "protocol": "TCP", "targetPort": 80}
    ]
    assert service["metadata"]["labels"] == {
        "serving.knative.dev/route": "customer",
        "serving.knative.dev/service": "customer",
    }
    assert service["metadata"]["annotations"]["serving.knative.dev/creator"] == "admin"
    assert service["metadata"]["ownerReferences"][0]["kind"] == "Route"


def test_current_revision_services_belong_to_serverless_services(
    current: tuple[KnativeCluster, Kubectl],
) -> None:
    """serving pkg/reconciler/revision/resources/pa.go (MakePA), pkg/reconciler/autoscaling/resources/
    sks.go (MakeSKS), pkg/reconciler/serverlessservice/resources/services.go (MakePublicService,
    MakePrivateService, MakePublicEndpoints): Revision <- PodAutoscaler <- ServerlessService <- Services."""
    _, kubectl = current
    revision = _get(kubectl, "revision", "customer-v3")
    pa = _get(kubectl, "podautoscaler", "customer-v3")
    sks = _get(kubectl, "sks", "customer-v3")
    assert pa["metadata"]["ownerReferences"][0]["uid"] == revision["metadata"]["uid"]
    assert sks["metadata"]["ownerReferences"][0]["uid"] == pa["metadata"]["uid"]
    assert pa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "customer-v3-deployment",
    }
    assert pa["metadata"]["annotations"]["autoscaling.knative.dev/class"] == "kpa.autoscaling.knative.dev"
    assert "autoscaling.knative.dev/metric" not in sks["metadata"]["annotations"]
    assert sks["spec"]["numActivators"] == 2
    assert sks["status"]["privateServiceName"] == "customer-v3-private"
    for name, kind in (("customer-v3", "Public"), ("customer-v3-private", "Private")):
        service = _get(kubectl, "service", name)
        assert service["metadata"]["ownerReferences"][0]["uid"] == sks["metadata"]["uid"]
        assert service["metadata"]["labels"]["networking.internal.knative.dev/serviceType"] == kind
    private = _get(kubectl, "service", "customer-v3-private")
    assert private["spec"]["selector"] == {"serving.knative.dev/revisionUID": revision["metadata"]["uid"]}
    assert [(p["name"], p["port"], p["targetPort"]) for p in private["spec"]["ports"]] == [
        ("http", 80, 8012),
        ("https", 443, 8112),
        ("http-autometric", 9090, "http-autometric"),
        ("http-usermetric", 9091, "http-usermetric"),
        ("http-istio", 8012, 8012),
    ]
    endpoints = _get(kubectl, "endpoints", "customer-v3")
    assert endpoints["metadata"]["ownerReferences"][0]["uid"] == sks["metadata"]["uid"]


def test_public_endpoints_are_the_activators_at_zero() -> None:
    """serving pkg/reconciler/serverlessservice/serverlessservice.go: in Proxy mode the public Endpoints
    are the activator's (filtered to the queue-proxy ports 8012 and 8112)."""
    service = {"metadata": {"name": "customer-v3", "namespace": "labs-1", "labels": {}}}
    sks = {
        "apiVersion": "networking.internal.knative.dev/v1alpha1",
        "kind": "ServerlessService",
        "metadata": {"name": "customer-v3", "uid": "u"},
        "spec": {"mode": "Proxy"},
    }
    endpoints = public_endpoints(service, sks, [{"ip": "10.244.1.5"}])
    (subset,) = endpoints["subsets"]
    assert [a["ip"] for a in subset["addresses"]] == list(ACTIVATOR_IPS)
    assert [p["port"] for p in subset["ports"]] == [8012, 8112]
    serving = public_endpoints(service, {**sks, "spec": {"mode": "Serve"}}, [{"ip": "10.244.1.5"}])
    assert serving["subsets"][0]["addresses"] == [{"ip": "10.244.1.5"}]


def test_current_serves_serving_v1_only(current: tuple[KnativeCluster, Kubectl]) -> None:
    _, kubectl = current
    versions = kubectl("api-versions").stdout.split()
    assert "serving.knative.dev/v1" in versions and "serving.knative.dev/v1alpha1" not in versions


# --- Kourier -------------------------------------------------------------------------------------------


def test_kourier_has_no_virtual_services_and_routes_by_the_kingress(tmp_path: Path) -> None:
    """A cluster without Istio: net-kourier reads the KIngress itself (no VirtualService kind is served);
    the placeholders point at kourier-internal."""
    with build_cluster(
        scenario="labs", settings=TEST_SETTINGS, knative="current", ingress="kourier"
    ) as cluster:
        assert cluster.settle()
        kubectl = make_kubectl(cluster.write_kubeconfig(tmp_path / "k.kubeconfig"), tmp_path / "k")
        assert "networking.istio.io/v1" not in kubectl("api-versions").stdout.split()
        kingress = _get(kubectl, "kingress", "customer")
        assert kingress["metadata"]["annotations"]["networking.knative.dev/ingress.class"] == KOURIER
        placeholder = _get(kubectl, "service", "customer")
        assert placeholder["spec"]["externalName"] == "kourier-internal.kourier-system.svc.cluster.local"
        host = f"current-customer.labs-1.{LAB_DOMAIN}"
        assert route_backends([], host) is None
        (backend,) = kingress_backends([kingress], host) or []
        assert (backend.revision, backend.weight) == ("customer-v3", 100)


def test_istio_kingresses_are_left_to_their_virtual_services() -> None:
    def kingress(ingress_class: str) -> dict[str, Any]:
        return {
            "metadata": {"annotations": {"networking.knative.dev/ingress.class": ingress_class}},
            "spec": {
                "rules": [{"hosts": ["a.ns"], "http": {"paths": [{"splits": [{"serviceName": "a-1"}]}]}}]
            },
        }

    assert kingress_backends([kingress(CURRENT.ingress_class)], "a.ns") is None
    assert kingress_backends([kingress(KOURIER)], "a.ns") == [Backend("", "a-1", 0)]


def test_profiles_by_name() -> None:
    assert profile_named("current") is CURRENT
    assert profile_named("seed", "kourier") == with_ingress(SEED, KOURIER)
    assert not profile_named("seed", "kourier").istio
    with pytest.raises(ValueError, match="unknown Knative profile"):
        profile_named("1.0")
    with pytest.raises(ValueError, match="unknown ingress"):
        profile_named("current", "contour")

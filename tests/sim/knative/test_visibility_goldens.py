"""Per-tag visibility as Knative Serving 1.23 does it, against goldens read from upstream (knative/serving
at knative-v1.23.0, net-istio at knative-v1.22.0).

A user keeps one tag inside the cluster by labelling that tag's placeholder Service (`<tag>-<route>`)
with `networking.knative.dev/visibility`; the Route and its other names stay public. A Route labelled
`cluster-local` makes every name cluster-local. The lab runs under `--knative current`: four target
names (the Route's own, `candidate`, `current`, `latest`), each with a ClusterLocal and an ExternalIP
KIngress rule, and a probe route before every route in the gateways' VirtualService."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from app.model.editing import revision_choices, service_traffic
from app.model.naming import VISIBILITY_LABEL
from app.model.previewing import preview
from app.model.routing import PROBE_OVERRIDE, local_names
from app.sim.building import KnativeCluster, build_cluster
from tests.plugins.knative import TEST_SETTINGS
from tests.plugins.sim import Kubectl, make_kubectl
from tests.sim.knative.conftest import NS
from tests.support.builders import LAB_DOMAIN

NAMES = ("customer", "candidate-customer", "current-customer", "latest-customer")
"""The lab's target names as Knative sorts them: the Route's own, then the tags."""
TAGS = ("candidate", "current", "latest")
LOCAL = "knative-serving/knative-local-gateway"
EXTERNAL = "knative-serving/knative-ingress-gateway"
WEIGHTS = {
    "customer": [("customer-v3", 50), ("customer-v4", 50)],
    "candidate-customer": [("customer-v4", 100)],
    "current-customer": [("customer-v3", 100)],
    "latest-customer": [("customer-v4", 100)],
}


@pytest.fixture
def lab_split(tmp_path: Path) -> Iterator[tuple[KnativeCluster, Kubectl]]:
    """The lab's split (customer-v3/v4 50/50 with three tags) on Knative 1.23 with net-istio."""
    with build_cluster(scenario="labs", settings=TEST_SETTINGS, knative="current") as cluster:
        assert cluster.settle()
        yield cluster, make_kubectl(cluster.write_kubeconfig(tmp_path / "kc"), tmp_path / "cache")


def _get(kubectl: Kubectl, *args: str) -> dict[str, Any]:
    return dict(json.loads(kubectl("get", *args, "-n", NS, "-o", "json").stdout))


def _label(cluster: KnativeCluster, kubectl: Kubectl, *args: str) -> None:
    """`kubectl label` as a user runs it, then let the control plane settle."""
    kubectl("label", *args, "-n", NS)
    assert cluster.settle()


def _external(name: str) -> str:
    return f"{name}.labs-1.{LAB_DOMAIN}"


def _local(name: str) -> str:
    return f"{name}.labs-1.svc.cluster.local"


def _rules(kubectl: Kubectl) -> list[tuple[str, str]]:
    kingress = _get(kubectl, "kingress", "customer")
    return [(r["visibility"], r["hosts"][0]) for r in kingress["spec"]["rules"]]


def _expected_rules(local: Sequence[str]) -> list[tuple[str, str]]:
    """ClusterLocal then ExternalIP per name, sorted; a cluster-local name has its ClusterLocal rule only."""
    out: list[tuple[str, str]] = []
    for name in NAMES:
        out.append(("ClusterLocal", f"{name}.labs-1"))
        if name not in local:
            out.append(("ExternalIP", _external(name)))
    return out


def _summary(route: dict[str, Any]) -> tuple[str, str, bool, list[tuple[str, int]]]:
    (match,) = route["match"]
    probe = match.get("headers") == {"K-Network-Hash": {"exact": PROBE_OVERRIDE}}
    weights = [(d["destination"]["host"].split(".")[0], d["weight"]) for d in route["route"]]
    return match["authority"]["prefix"], match["gateways"][0], probe, weights


def _expected_routes(local: Sequence[str]) -> list[tuple[str, str, bool, list[tuple[str, int]]]]:
    """The gateways' VirtualService: per KIngress rule a probe route then the route; a cluster-local name
    keeps only the routes of its ClusterLocal rule."""
    out = []
    for name in NAMES:
        matches = [(f"{name}.labs-1", LOCAL)]
        if name not in local:
            matches.append((_external(name), EXTERNAL))
        out += [
            (prefix, gateway, probe, WEIGHTS[name]) for prefix, gateway in matches for probe in (True, False)
        ]
    return out


def _hash(local: Sequence[str]) -> str:
    """networking pkg/ingress/ingress.go ComputeHash over the KIngress spec as Go serializes it, written
    out by hand: the probe hash must follow the rules that were dropped."""

    def split(revision: str, percent: int) -> str:
        return (
            f'{{"serviceNamespace":"labs-1","serviceName":"{revision}","servicePort":80,"percent":{percent},'
            f'"appendHeaders":{{"Knative-Serving-Namespace":"labs-1","Knative-Serving-Revision":"{revision}"}}}}'
        )

    rules = []
    for name in NAMES:
        paths = '"http":{"paths":[{"splits":[' + ",".join(split(r, p) for r, p in WEIGHTS[name]) + "]}]}"
        hosts = f'"{name}.labs-1","{name}.labs-1.svc","{name}.labs-1.svc.cluster.local"'
        rules.append(f'{{"hosts":[{hosts}],"visibility":"ClusterLocal",{paths}}}')
        if name not in local:
            rules.append(f'{{"hosts":["{_external(name)}"],"visibility":"ExternalIP",{paths}}}')
    spec = '{"rules":[' + ",".join(rules) + '],"httpOption":"Enabled"}'
    return hashlib.sha256((spec + "labs-1" + "customer").encode()).hexdigest()


def _tag_urls(obj: dict[str, Any]) -> dict[str, str]:
    return {t["tag"]: t["url"] for t in obj["status"]["traffic"] if "tag" in t}


def _assert_lab(kubectl: Kubectl, local: Sequence[str]) -> None:
    """KIngress, VirtualServices, Route and Service status as Knative writes them with `local` (host
    names) cluster-local and every other name public."""
    assert _rules(kubectl) == _expected_rules(local)
    kingress = _get(kubectl, "kingress", "customer")
    tag_to_host = json.loads(
        kingress["metadata"]["annotations"]["networking.internal.knative.dev/tag-to-host"]
    )
    assert tag_to_host == {
        tag: [_local(f"{tag}-customer")]
        + ([] if f"{tag}-customer" in local else [_external(f"{tag}-customer")])
        for tag in TAGS
    }
    vs = _get(kubectl, "vs", "customer-ingress")
    assert [_summary(r) for r in vs["spec"]["http"]] == _expected_routes(local)
    assert len(vs["spec"]["http"]) == 16 - 2 * len(local)
    assert vs["spec"]["hosts"] == sorted(
        [f"{name}.labs-1{suffix}" for name in NAMES for suffix in ("", ".svc", ".svc.cluster.local")]
        + [_external(name) for name in NAMES if name not in local]
    )
    assert vs["spec"]["gateways"] == ([EXTERNAL, LOCAL] if len(local) < len(NAMES) else [LOCAL])
    assert {r["headers"]["request"]["set"]["K-Network-Hash"] for r in vs["spec"]["http"][::2]} == {
        _hash(local)
    }
    # The sidecars' VirtualService carries the ClusterLocal rules only: a local name changes nothing there.
    mesh = _get(kubectl, "vs", "customer-mesh")
    assert [_summary(r) for r in mesh["spec"]["http"]] == [
        (f"{name}.labs-1", "mesh", probe, WEIGHTS[name]) for name in NAMES for probe in (True, False)
    ]
    route = _get(kubectl, "route", "customer")
    wanted = {tag: (_local if f"{tag}-customer" in local else _external)(f"{tag}-customer") for tag in TAGS}
    assert _tag_urls(route) == {tag: f"http://{host}" for tag, host in wanted.items()}
    own = _local("customer") if "customer" in local else _external("customer")
    assert route["status"]["url"] == f"http://{own}"
    assert route["status"]["address"]["url"] == f"http://{_local('customer')}"
    service = _get(kubectl, "ksvc", "customer")
    assert _tag_urls(service) == _tag_urls(route)
    assert service["status"]["url"] == route["status"]["url"]


def test_a_labelled_placeholder_keeps_its_tag_inside_the_cluster(
    lab_split: tuple[KnativeCluster, Kubectl],
) -> None:
    """serving pkg/reconciler/route/visibility/visibility.go (GetVisibility: a target name is
    ClusterLocal when the placeholder Service named as its host carries the visibility label, else it
    takes the Route's visibility); pkg/reconciler/route/resources/ingress.go (makeIngressSpec: the
    ExternalIP rule only for a name that is not ClusterLocal; tag-to-host lists the primary host of each
    rule made); pkg/reconciler/route/traffic/traffic.go (computeURL: the tag's URL from its own
    visibility); net-istio pkg/reconciler/ingress/resources/virtual_service.go (routes per KIngress rule,
    gateways only those matched) with networking's InsertProbe (a probe copy per path, so the probe
    routes go with their rule); serving pkg/reconciler/route/reconcile_resources.go
    (updatePlaceholderServices: labels are the union of the stored and the desired ones, so the user's
    label stays)."""
    cluster, kubectl = lab_split
    _assert_lab(kubectl, local=())
    _label(cluster, kubectl, "service", "current-customer", f"{VISIBILITY_LABEL}=cluster-local")
    _assert_lab(kubectl, local=("current-customer",))
    route = _get(kubectl, "route", "customer")
    assert VISIBILITY_LABEL not in route["metadata"].get("labels", {})
    assert _tag_urls(route)["current"] == "http://current-customer.labs-1.svc.cluster.local"
    placeholder = _get(kubectl, "service", "current-customer")
    assert placeholder["metadata"]["labels"] == {
        "serving.knative.dev/route": "customer",
        "serving.knative.dev/service": "customer",
        VISIBILITY_LABEL: "cluster-local",
    }
    # Still repointed at the ingress's private load balancer, like every placeholder.
    assert placeholder["spec"]["externalName"] == "knative-local-gateway.istio-system.svc.cluster.local"


def test_removing_the_label_brings_the_external_rule_back(lab_split: tuple[KnativeCluster, Kubectl]) -> None:
    """serving pkg/reconciler/route/visibility/visibility.go (a placeholder without the label leaves its
    name at the Route's visibility) and pkg/reconciler/route/resources/ingress.go (the ExternalIP rule
    is made again)."""
    cluster, kubectl = lab_split
    _label(cluster, kubectl, "service", "current-customer", f"{VISIBILITY_LABEL}=cluster-local")
    assert ("ExternalIP", _external("current-customer")) not in _rules(kubectl)
    _label(cluster, kubectl, "service", "current-customer", f"{VISIBILITY_LABEL}-")
    _assert_lab(kubectl, local=())
    labels = _get(kubectl, "service", "current-customer")["metadata"]["labels"]
    assert VISIBILITY_LABEL not in labels


def test_the_routes_own_placeholder_makes_only_the_route_url_local(
    lab_split: tuple[KnativeCluster, Kubectl],
) -> None:
    """serving pkg/reconciler/route/visibility/visibility.go (the default target's placeholder is the
    Service named as the Route; its label is read by presence, any value: IsObjectLocalVisibility in
    pkg/reconciler/route/resources/labels) and pkg/reconciler/route/route.go (updateRouteStatusURL: the
    Route's URL from the default target's visibility); the tags keep the Route's own, public,
    visibility (visibility_test.go "no tag, svc marked local")."""
    cluster, kubectl = lab_split
    _label(cluster, kubectl, "service", "customer", f"{VISIBILITY_LABEL}=true")
    _assert_lab(kubectl, local=("customer",))


def test_a_cluster_local_route_makes_every_tag_local(lab_split: tuple[KnativeCluster, Kubectl]) -> None:
    """serving pkg/reconciler/route/visibility/visibility.go (minVisibility: a ClusterLocal Route makes
    every name ClusterLocal, whatever its placeholder says); pkg/reconciler/route/resources/ingress.go
    (ClusterLocal rules only); pkg/reconciler/route/resources/service.go (makeServiceObjectMeta: the
    Route's visibility label is not copied to the placeholders). The Knative Service's label reaches its
    Route (pkg/reconciler/service/resources/route.go)."""
    cluster, kubectl = lab_split
    _label(cluster, kubectl, "ksvc", "customer", f"{VISIBILITY_LABEL}=cluster-local")
    assert _get(kubectl, "route", "customer")["metadata"]["labels"][VISIBILITY_LABEL] == "cluster-local"
    _assert_lab(kubectl, local=NAMES)
    for name in NAMES:
        assert VISIBILITY_LABEL not in _get(kubectl, "service", name)["metadata"]["labels"], name


def test_the_resolver_reads_only_the_routes_placeholders() -> None:
    """serving pkg/reconciler/route/visibility/visibility_test.go: a placeholder's label counts by
    presence; a Service of another name counts for nothing; a local Route makes every name local."""
    placeholders = {
        "blue-foo": {"serving.knative.dev/route": "foo", VISIBILITY_LABEL: "true"},
        "green-foo": {"serving.knative.dev/route": "foo", VISIBILITY_LABEL: ""},
        "irrelevance": {"serving.knative.dev/route": "foo", VISIBILITY_LABEL: "cluster-local"},
    }
    assert local_names("foo", ["blue", "green", None], placeholders) == {"blue"}
    assert local_names("foo", ["blue", "green"], {}) == frozenset()
    assert local_names("foo", ["blue", "green"], {}, cluster_local=True) == {"", "blue", "green"}


def _predict(kubectl: Kubectl, *, placeholders: bool = True) -> Any:
    """The editor's preview of the split the cluster already serves, from the objects as read now."""
    service = _get(kubectl, "ksvc", "customer")
    traffic = service_traffic(service)
    return preview(
        namespace=NS,
        service="customer",
        resource_version=service["metadata"]["resourceVersion"],
        before=traffic,
        after=traffic,
        choices=revision_choices(_get(kubectl, "revisions")["items"]),
        route=_get(kubectl, "route", "customer"),
        virtualservices=_get(kubectl, "vs")["items"],
        placeholders=_get(kubectl, "services")["items"] if placeholders else [],
    )


def test_the_editor_preview_agrees_with_the_cluster(lab_split: tuple[KnativeCluster, Kubectl]) -> None:
    """The editor's preview (app.model.previewing) predicts with the placeholders' labels: for the split
    the cluster already serves, its status.traffic and hosts are the cluster's own."""
    cluster, kubectl = lab_split
    _label(cluster, kubectl, "service", "current-customer", f"{VISIBILITY_LABEL}=cluster-local")
    served = _get(kubectl, "route", "customer")["status"]["traffic"]
    predicted = _predict(kubectl)
    assert list(predicted.route_after) == served
    assert {h.change for h in predicted.hosts} == {"unchanged"}
    # Without the placeholders it would wrongly bring back current's external route: the test can fail.
    blind = _predict(kubectl, placeholders=False)
    assert list(blind.route_after) != served
    assert {(h.host, h.change) for h in blind.hosts if h.change != "unchanged"} == {
        (_external("current-customer"), "added")
    }


def test_the_preview_finds_the_domain_when_the_routes_own_url_is_local(
    lab_split: tuple[KnativeCluster, Kubectl],
) -> None:
    """With the Route's own placeholder labelled, its status.url is the in-cluster one: the preview reads
    the external domain back from a tag's URL instead, so the tags' hosts stay right."""
    cluster, kubectl = lab_split
    _label(cluster, kubectl, "service", "customer", f"{VISIBILITY_LABEL}=cluster-local")
    assert _get(kubectl, "route", "customer")["status"]["url"] == f"http://{_local('customer')}"
    predicted = _predict(kubectl)
    assert list(predicted.route_after) == _get(kubectl, "route", "customer")["status"]["traffic"]
    assert {h.change for h in predicted.hosts} == {"unchanged"}

"""The preview: the patch, the Route's status.traffic and the VirtualServices' weights after a change."""

from __future__ import annotations

from typing import Any

from app.model.editing import RevisionChoice, rows_to_targets, service_traffic
from app.model.editing import Row as R
from app.model.naming import LOCAL_DOMAIN
from app.model.previewing import domain_config, host_weights, preview
from tests.support.builders import service

DOMAIN = "apps.example.com"


def destination(revision: str, weight: int) -> dict[str, Any]:
    return {
        "destination": {"host": f"{revision}.labs-1.svc.cluster.local", "port": {"number": 80}},
        "weight": weight,
    }


def http(host: str, *routes: dict[str, Any]) -> list[dict[str, Any]]:
    """Today's net-istio routes for one target name: per KIngress rule (cluster-local, then external) a
    probe copy (it matches `K-Network-Hash: override`) before the route itself."""
    out = []
    for prefix, gateway in (
        (f"{host}.labs-1", "knative-serving/knative-local-gateway"),
        (f"{host}.labs-1.{DOMAIN}", "knative-serving/knative-ingress-gateway"),
    ):
        match = {"authority": {"prefix": prefix}, "gateways": [gateway]}
        probe = {**match, "headers": {"K-Network-Hash": {"exact": "override"}}}
        out.append(
            {
                "match": [probe],
                "headers": {"request": {"set": {"K-Network-Hash": "h"}}},
                "route": list(routes),
            }
        )
        out.append({"match": [match], "route": list(routes)})
    return out


def lab_route() -> dict[str, Any]:
    return {
        "metadata": {
            "name": "customer",
            "namespace": "labs-1",
            "labels": {"serving.knative.dev/service": "customer"},
        },
        "status": {
            "url": f"http://customer.labs-1.{DOMAIN}",
            "traffic": [
                {"tag": "current", "revisionName": "customer-v3", "percent": 50, "latestRevision": False},
                {"tag": "candidate", "revisionName": "customer-v4", "percent": 50, "latestRevision": False},
                {"tag": "latest", "revisionName": "customer-v4", "percent": 0, "latestRevision": True},
            ],
        },
    }


def lab_ingress() -> dict[str, Any]:
    return {
        "metadata": {"name": "customer-ingress", "labels": {"serving.knative.dev/route": "customer"}},
        "spec": {
            "http": [
                *http("customer", destination("customer-v3", 50), destination("customer-v4", 50)),
                *http("candidate-customer", destination("customer-v4", 100)),
                *http("current-customer", destination("customer-v3", 100)),
                *http("latest-customer", destination("customer-v4", 100)),
            ]
        },
    }


def test_host_weights_reads_each_http_route() -> None:
    weights = host_weights(lab_ingress()["spec"])
    assert weights[0].host == "customer.labs-1"
    assert weights[0].text == "customer-v3 50%, customer-v4 50%"


def test_domain_is_read_back_from_the_route_url() -> None:
    config, local = domain_config(lab_route(), "labs-1")
    assert (config.domain, local) == (DOMAIN, False)
    assert domain_config(None, "labs-1")[0].domain == LOCAL_DOMAIN


def test_a_canary_preview_changes_only_the_default_host(choices: list[RevisionChoice]) -> None:
    after, _ = rows_to_targets(
        (R("customer-v3", "current", "90"), R("customer-v4", "candidate", "10"), R("@latest", "latest", "0"))
    )
    result = preview(
        namespace="labs-1",
        service="customer",
        resource_version="41",
        before=service_traffic(service()),
        after=after,
        choices=choices,
        route=lab_route(),
        virtualservices=[lab_ingress()],
    )
    assert result.patch["metadata"] == {"resourceVersion": "41"}
    assert result.problem is None
    assert result.changed
    assert [t.change for t in result.targets] == ["changed", "changed", "unchanged"]
    assert [t["percent"] for t in result.route_after] == [90, 10, 0]
    assert result.route_after[2]["revisionName"] == "customer-v4"
    assert result.route_after[0]["url"] == f"http://current-customer.labs-1.{DOMAIN}"
    ingress = {h.host: h for h in result.hosts if h.virtual_service == "customer-ingress"}
    assert ingress["customer.labs-1"].change == "changed"
    after_default = ingress["customer.labs-1"].after
    assert after_default is not None and after_default.text == "customer-v3 90%, customer-v4 10%"
    assert ingress["current-customer.labs-1"].change == "unchanged"
    mesh = [h for h in result.hosts if h.virtual_service == "customer-mesh"]
    assert mesh and all(h.change == "added" for h in mesh)  # no mesh VirtualService in this fixture


def test_a_new_tag_adds_its_host(choices: list[RevisionChoice]) -> None:
    after, _ = rows_to_targets(
        (
            R("customer-v3", "current", "50"),
            R("customer-v4", "candidate", "50"),
            R("@latest", "latest", "0"),
            R("customer-v2", "preview", "0"),
        )
    )
    result = preview(
        namespace="labs-1",
        service="customer",
        resource_version="41",
        before=service_traffic(service()),
        after=after,
        choices=choices,
        route=lab_route(),
        virtualservices=[lab_ingress()],
    )
    added = [h for h in result.hosts if h.change == "added" and h.virtual_service == "customer-ingress"]
    # Today's net-istio routes a tag's cluster-local and external hosts apart: both are new.
    assert [h.host for h in added] == ["preview-customer.labs-1", f"preview-customer.labs-1.{DOMAIN}"]
    assert result.route_after[3]["url"] == f"http://preview-customer.labs-1.{DOMAIN}"
    assert [t.change for t in result.targets][-1] == "added"


def test_a_missing_revision_predicts_the_route_keeps_its_split(choices: list[RevisionChoice]) -> None:
    after, _ = rows_to_targets((R("customer-v9", "", "100"),))
    result = preview(
        namespace="labs-1",
        service="customer",
        resource_version="41",
        before=service_traffic(service()),
        after=after,
        choices=choices,
        route=lab_route(),
        virtualservices=[lab_ingress()],
    )
    assert result.problem == 'Revision "customer-v9" referenced in traffic not found.'
    assert result.route_after == result.route_before
    assert result.hosts == ()

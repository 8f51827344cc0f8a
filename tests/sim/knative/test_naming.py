"""Names and hosts against the lab's objects (its VirtualService is the oracle)."""

from __future__ import annotations

from app.model.naming import (
    DomainConfig,
    address_url,
    deployment_name,
    external_host,
    ingress_virtual_service_name,
    is_cluster_local,
    local_hosts,
    mesh_virtual_service_name,
    revision_name,
    revision_service_names,
    route_service_name,
    route_url,
)

LAB_DOMAIN = "apps.cluster-kharon-ba75.kharon-ba75.example.opentlc.com"
LAB = DomainConfig(domain=LAB_DOMAIN)


def test_revision_names_are_byo_or_the_generation_in_five_digits() -> None:
    assert revision_name("customer", 3) == "customer-00003"
    assert revision_name("customer", 123456) == "customer-123456"
    assert revision_name("customer", 2, "customer-v4") == "customer-v4"


def test_route_and_tag_hosts_follow_the_domain_templates() -> None:
    assert external_host("customer", "labs-1", None, LAB) == f"customer.labs-1.{LAB_DOMAIN}"
    assert external_host("customer", "labs-1", "current", LAB) == f"current-customer.labs-1.{LAB_DOMAIN}"
    assert local_hosts("customer", "labs-1", "latest", LAB) == [
        "latest-customer.labs-1",
        "latest-customer.labs-1.svc",
        "latest-customer.labs-1.svc.cluster.local",
    ]
    custom = DomainConfig(
        domain="example.com",
        domain_template="{{.Name}}-{{.Namespace}}.{{.Domain}}",
        tag_template="{{.Name}}--{{.Tag}}",
    )
    assert external_host("customer", "labs-1", "v1", custom) == "customer--v1-labs-1.example.com"


def test_urls_external_local_and_cluster_local() -> None:
    assert route_url("customer", "labs-1", None, LAB) == f"http://customer.labs-1.{LAB_DOMAIN}"
    assert (
        route_url("customer", "labs-1", "candidate", LAB) == f"http://candidate-customer.labs-1.{LAB_DOMAIN}"
    )
    assert route_url("customer", "labs-1", None, LAB, cluster_local=True) == (
        "http://customer.labs-1.svc.cluster.local"
    )
    assert route_url("customer", "labs-1") == "http://customer.labs-1.svc.cluster.local"
    assert address_url("customer", "labs-1") == "http://customer.labs-1.svc.cluster.local"


def test_cluster_local_by_label_only() -> None:
    # The default `svc.cluster.local` domain used to count as cluster-local too; serving's visibility
    # resolver reads the label alone, so such a route keeps its ExternalIP rule.
    assert is_cluster_local({"networking.knative.dev/visibility": "cluster-local"})
    assert not is_cluster_local({})
    assert not is_cluster_local(None)


def test_generated_object_names() -> None:
    assert ingress_virtual_service_name("customer") == "customer-ingress"
    assert mesh_virtual_service_name("customer") == "customer-mesh"
    assert route_service_name("customer") == "customer"
    assert route_service_name("customer", "current") == "current-customer"
    assert revision_service_names("customer-v3") == ("customer-v3", "customer-v3-private")
    assert deployment_name("customer-v3") == "customer-v3-deployment"

"""CustomResourceDefinitions made from the registry, read through the official client."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client, watch
from kubernetes.client import ApiException

from app.sim.apiserver.definitions import definition
from app.sim.storage.resources import default_registry

KSVC = "services.serving.knative.dev"


def extensions(kube_api: Any) -> Any:
    """The client's apiextensions API (Any: its models type every field as optional)."""
    return client.ApiextensionsV1Api(kube_api)


def test_every_custom_kind_has_a_definition_and_no_built_in_kind_does(kube_api: Any) -> None:
    found = extensions(kube_api).list_custom_resource_definition()
    names = [crd.metadata.name for crd in found.items]
    assert names == sorted(rt.key for rt in default_registry().all() if rt.is_custom)
    assert "configmaps" not in names and "deployments.apps" not in names


def test_a_definition_names_its_kind_and_served_versions(kube_api: Any) -> None:
    crd = extensions(kube_api).read_custom_resource_definition(KSVC)
    assert (crd.spec.group, crd.spec.scope) == ("serving.knative.dev", "Namespaced")
    assert (crd.spec.names.kind, crd.spec.names.list_kind) == ("Service", "ServiceList")
    assert [(v.name, v.served, v.storage) for v in crd.spec.versions] == [
        ("v1", True, True),
        ("v1alpha1", True, False),
    ]
    assert crd.status.stored_versions == ["v1"]
    assert any(c.type == "Established" and c.status == "True" for c in crd.status.conditions)


def test_definitions_are_read_only(kube_api: Any) -> None:
    body = definition(default_registry().get(KSVC), created="2026-01-01T00:00:00Z")
    body["metadata"]["name"] = "copies.serving.knative.dev"
    with pytest.raises(ApiException) as refused:
        extensions(kube_api).create_custom_resource_definition(body)
    assert refused.value.status == 405


def test_a_watch_from_the_start_begins_with_the_definitions(kube_api: Any) -> None:
    api = extensions(kube_api)
    events = watch.Watch().stream(  # type: ignore[no-untyped-call]
        api.list_custom_resource_definition,
        field_selector=f"metadata.name={KSVC}",
        timeout_seconds=1,
    )
    assert [(e["type"], e["object"].metadata.name) for e in events] == [("ADDED", KSVC)]

"""Discovery documents, checked against the official client's models."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes import client

from app.sim.apiserver.discovery import (
    api_group,
    api_group_list,
    api_resource_list,
    core_api_versions,
    core_resource_list,
    version_info,
)
from app.sim.storage.resources import default_registry


def as_model(document: dict[str, Any] | None, model: str) -> Any:
    """Decode a document as the official client decodes a response body (it raises on missing fields)."""
    assert document is not None
    with client.ApiClient() as api:
        return api.deserialize(json.dumps(document), model, "application/json")


def test_version_is_a_1_32_server() -> None:
    info = as_model(version_info(), "VersionInfo")
    assert info.git_version.startswith("v1.32.")
    assert (info.major, info.minor) == ("1", "32")


def test_core_versions() -> None:
    versions = as_model(core_api_versions(), "V1APIVersions")
    assert versions.versions == ["v1"]
    assert versions.server_address_by_client_cidrs[0].client_cidr == "0.0.0.0/0"


def test_core_resource_list_names_kinds_short_names_and_subresources() -> None:
    document = as_model(core_resource_list(default_registry()), "V1APIResourceList")
    by_name = {r.name: r for r in document.resources}
    assert document.group_version == "v1"
    assert by_name["services"].short_names == ["svc"]
    assert by_name["services"].singular_name == "service"
    assert by_name["namespaces"].namespaced is False
    assert by_name["services/status"].verbs == ["get", "patch", "update"]
    assert by_name["pods"].categories == ["all"]
    assert "deployments" not in by_name


def test_group_list_prefers_the_newest_version() -> None:
    document = as_model(api_group_list(default_registry()), "V1APIGroupList")
    groups = {g.name: g for g in document.groups}
    assert "" not in groups
    istio = groups["networking.istio.io"]
    assert [v.version for v in istio.versions] == ["v1", "v1beta1", "v1alpha3"]
    assert istio.preferred_version.group_version == "networking.istio.io/v1"
    assert groups["serving.knative.dev"].preferred_version.version == "v1"


def test_single_group() -> None:
    group = as_model(api_group(default_registry(), "serving.knative.dev"), "V1APIGroup")
    assert [v.group_version for v in group.versions] == [
        "serving.knative.dev/v1",
        "serving.knative.dev/v1alpha1",
    ]
    assert api_group(default_registry(), "example.com") is None


@pytest.mark.parametrize("version", ["v1", "v1alpha1"])
def test_knative_resource_list(version: str) -> None:
    document = as_model(
        api_resource_list(default_registry(), "serving.knative.dev", version), "V1APIResourceList"
    )
    by_name = {r.name: r for r in document.resources}
    assert document.group_version == f"serving.knative.dev/{version}"
    assert set(by_name) == {
        "services",
        "services/status",
        "configurations",
        "configurations/status",
        "revisions",
        "revisions/status",
        "routes",
        "routes/status",
    }
    assert by_name["services"].short_names == ["kservice", "ksvc"]
    assert by_name["services"].categories == ["all", "knative", "serving"]
    assert by_name["routes"].kind == "Route"


def test_the_reviews_a_caller_asks_about_itself_are_create_only() -> None:
    def review(kind: str) -> dict[str, object]:
        plural = kind.lower() + "s"
        return {
            "name": plural,
            "singularName": plural[:-1],
            "namespaced": False,
            "kind": kind,
            "verbs": ["create"],
        }

    authorization = api_resource_list(default_registry(), "authorization.k8s.io", "v1")
    authentication = api_resource_list(default_registry(), "authentication.k8s.io", "v1")
    assert authorization is not None and authentication is not None
    assert authorization["resources"] == [review("SelfSubjectAccessReview"), review("SelfSubjectRulesReview")]
    assert authentication["resources"] == [review("SelfSubjectReview")]


@pytest.mark.parametrize(
    ("group", "version"), [("serving.knative.dev", "v1beta1"), ("example.com", "v1"), ("", "v1")]
)
def test_unknown_group_versions_are_none(group: str, version: str) -> None:
    assert api_resource_list(default_registry(), group, version) is None

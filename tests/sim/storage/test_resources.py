"""The registry of kinds: names, versions and lookups."""

from __future__ import annotations

import pytest

from app.sim.storage.resources import ResourceRegistry, ResourceType, default_registry, version_priority

CONTRACT_KINDS = {
    "namespaces": ("", "Namespace", False),
    "services": ("", "Service", True),
    "endpoints": ("", "Endpoints", True),
    "pods": ("", "Pod", True),
    "events": ("", "Event", True),
    "configmaps": ("", "ConfigMap", True),
    "secrets": ("", "Secret", True),
    "serviceaccounts": ("", "ServiceAccount", True),
    "deployments.apps": ("apps", "Deployment", True),
    "replicasets.apps": ("apps", "ReplicaSet", True),
    "services.serving.knative.dev": ("serving.knative.dev", "Service", True),
    "configurations.serving.knative.dev": ("serving.knative.dev", "Configuration", True),
    "revisions.serving.knative.dev": ("serving.knative.dev", "Revision", True),
    "routes.serving.knative.dev": ("serving.knative.dev", "Route", True),
    "ingresses.networking.internal.knative.dev": ("networking.internal.knative.dev", "Ingress", True),
    "serverlessservices.networking.internal.knative.dev": (
        "networking.internal.knative.dev",
        "ServerlessService",
        True,
    ),
    "podautoscalers.autoscaling.internal.knative.dev": (
        "autoscaling.internal.knative.dev",
        "PodAutoscaler",
        True,
    ),
    "virtualservices.networking.istio.io": ("networking.istio.io", "VirtualService", True),
    "roles.rbac.authorization.k8s.io": ("rbac.authorization.k8s.io", "Role", True),
    "rolebindings.rbac.authorization.k8s.io": ("rbac.authorization.k8s.io", "RoleBinding", True),
    "clusterroles.rbac.authorization.k8s.io": ("rbac.authorization.k8s.io", "ClusterRole", False),
    "clusterrolebindings.rbac.authorization.k8s.io": (
        "rbac.authorization.k8s.io",
        "ClusterRoleBinding",
        False,
    ),
    "selfsubjectreviews.authentication.k8s.io": ("authentication.k8s.io", "SelfSubjectReview", False),
    "leases.coordination.k8s.io": ("coordination.k8s.io", "Lease", True),
    "selfsubjectaccessreviews.authorization.k8s.io": (
        "authorization.k8s.io",
        "SelfSubjectAccessReview",
        False,
    ),
    "selfsubjectrulesreviews.authorization.k8s.io": ("authorization.k8s.io", "SelfSubjectRulesReview", False),
    "customresourcedefinitions.apiextensions.k8s.io": (
        "apiextensions.k8s.io",
        "CustomResourceDefinition",
        False,
    ),
}


def test_default_registry_serves_exactly_the_contract_kinds() -> None:
    reg = default_registry()
    assert {rt.key: (rt.group, rt.kind, rt.namespaced) for rt in reg.all()} == CONTRACT_KINDS


@pytest.mark.parametrize(
    ("key", "versions"),
    [
        ("services.serving.knative.dev", ("v1", "v1alpha1")),
        ("virtualservices.networking.istio.io", ("v1", "v1beta1", "v1alpha3")),
        ("ingresses.networking.internal.knative.dev", ("v1alpha1",)),
        ("deployments.apps", ("v1",)),
    ],
)
def test_versions_list_the_preferred_first(key: str, versions: tuple[str, ...]) -> None:
    rt = default_registry().get(key)
    assert rt.versions == versions
    assert rt.preferred_version == versions[0]


@pytest.mark.parametrize(
    ("key", "short_names"),
    [
        ("services.serving.knative.dev", ("kservice", "ksvc")),
        ("configurations.serving.knative.dev", ("config", "cfg")),
        ("revisions.serving.knative.dev", ("rev",)),
        ("routes.serving.knative.dev", ("rt",)),
        ("ingresses.networking.internal.knative.dev", ("kingress", "king")),
        ("virtualservices.networking.istio.io", ("vs",)),
        ("services", ("svc",)),
        ("pods", ("po",)),
        ("namespaces", ("ns",)),
        ("deployments.apps", ("deploy",)),
        ("serviceaccounts", ("sa",)),
    ],
)
def test_short_names_match_the_real_api(key: str, short_names: tuple[str, ...]) -> None:
    assert default_registry().get(key).short_names == short_names


def test_knative_kinds_have_status_and_categories() -> None:
    for rt in default_registry().all():
        if rt.group == "serving.knative.dev":
            assert rt.categories == ("all", "knative", "serving")
            assert rt.subresources == ("status",)


def test_lookup_by_path_and_kind() -> None:
    reg = default_registry()
    vs = reg.lookup("networking.istio.io", "v1alpha3", "virtualservices")
    assert vs is not None and vs.kind == "VirtualService"
    assert reg.lookup("networking.istio.io", "v2", "virtualservices") is None
    assert reg.lookup("", "v1", "services") is reg.get("services")
    assert reg.by_kind("serving.knative.dev", "Service") is reg.get("services.serving.knative.dev")
    assert reg.by_kind("", "Service") is reg.get("services")
    assert reg.by_kind("apps", "Service") is None


def test_api_version_and_key() -> None:
    reg = default_registry()
    assert reg.get("services").api_version("v1") == "v1"
    ksvc = reg.get("services.serving.knative.dev")
    assert ksvc.api_version("v1alpha1") == "serving.knative.dev/v1alpha1"
    assert ksvc.key == "services.serving.knative.dev"


def test_unknown_key_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="widgets"):
        default_registry().get("widgets")


def test_add_learns_a_kind_and_refuses_duplicates() -> None:
    reg = ResourceRegistry()
    widget = ResourceType("example.com", ("v1",), "Widget", "widgets", "widget")
    reg.add(widget)
    assert reg.lookup("example.com", "v1", "widgets") is widget
    with pytest.raises(ValueError, match="already registered"):
        reg.add(widget)
    with pytest.raises(ValueError, match="already served"):
        reg.add(ResourceType("example.com", ("v1",), "Widget", "widgetz", "widgetz"))
    assert reg.all() == [widget]


def test_bad_definitions_are_refused() -> None:
    with pytest.raises(ValueError, match="version"):
        ResourceType("example.com", (), "Widget", "widgets", "widget")
    with pytest.raises(ValueError, match="plural"):
        ResourceType("example.com", ("v1",), "Widget", "Widgets", "widget")


def test_registries_are_independent() -> None:
    first, second = default_registry(), default_registry()
    first.add(ResourceType("example.com", ("v1",), "Widget", "widgets", "widget"))
    assert len(first.all()) == len(second.all()) + 1


def test_groups_sort_versions_by_kubernetes_priority() -> None:
    assert default_registry().groups()["networking.istio.io"] == ["v1", "v1beta1", "v1alpha3"]
    ordered = sorted(
        ["v1alpha1", "v11alpha2", "foo1", "v2", "v1beta2", "v1", "v12alpha1"], key=version_priority
    )
    assert ordered == ["v2", "v1", "v1beta2", "v12alpha1", "v11alpha2", "v1alpha1", "foo1"]


def test_a_profile_chooses_the_serving_versions_and_whether_istio_is_there() -> None:
    today = default_registry(("v1",), ())
    assert today.get("services.serving.knative.dev").versions == ("v1",)
    assert "virtualservices.networking.istio.io" not in {rt.key for rt in today.all()}


def test_custom_kinds_are_those_outside_kubernetes_groups() -> None:
    custom = {rt.key for rt in default_registry().all() if rt.is_custom}
    assert custom == {
        key for key, (group, _, _) in CONTRACT_KINDS.items() if group.endswith((".dev", ".istio.io"))
    }
    assert ResourceType("example.com", ("v1",), "Widget", "widgets", "widget").is_custom

"""The namespace list leads with namespaces holding Knative Services and folds the cluster's own away."""

from __future__ import annotations

from app.model.views.namespacelist import is_system_namespace, split_namespaces
from app.model.views.overview import NamespaceSummary


def summary(name: str, services: int = 0) -> NamespaceSummary:
    return NamespaceSummary(name, services, services, 0, 0, 0, 0, 0, 0, 0)


def test_knative_namespaces_come_first_and_system_ones_are_folded() -> None:
    listed = [
        summary(n, s)
        for n, s in (
            ("default", 0),
            ("istio-system", 0),
            ("knative-serving", 0),
            ("kube-node-lease", 0),
            ("kube-public", 0),
            ("kube-system", 0),
            ("labs-1", 3),
            ("alpha", 1),
            ("team-tools", 0),
        )
    ]
    shown, folded = split_namespaces(listed)
    assert [s.namespace for s in shown] == ["alpha", "labs-1", "default", "team-tools"]
    assert [s.namespace for s in folded] == [
        "istio-system",
        "knative-serving",
        "kube-node-lease",
        "kube-public",
        "kube-system",
    ]


def test_a_system_namespace_with_knative_services_is_shown() -> None:
    shown, folded = split_namespaces([summary("knative-samples", 2), summary("kube-system")])
    assert [s.namespace for s in shown] == ["knative-samples"]
    assert [s.namespace for s in folded] == ["kube-system"]


def test_what_counts_as_the_clusters_own() -> None:
    system = ("kube-system", "knative-eventing", "cert-manager", "kourier-system")
    assert all(map(is_system_namespace, system))
    assert not any(map(is_system_namespace, ("default", "labs-1", "kubernetes-dashboard-team", "systems")))

"""The namespace list's order: namespaces holding Knative Services first, then the other namespaces
people use, and the cluster's own (kube-system, knative-serving, istio-system, ...) apart, where the
page folds them away: a new user looks for their Knative Services, not for the control plane."""

from __future__ import annotations

from collections.abc import Iterable

from app.model.views.overview import NamespaceSummary

SYSTEM_NAMES = frozenset({"kube-system", "kube-public", "kube-node-lease", "cert-manager"})
SYSTEM_PREFIXES = ("kube-", "knative-", "istio-", "openshift-", "kourier-", "tekton-")
SYSTEM_SUFFIXES = ("-system",)


def is_system_namespace(name: str) -> bool:
    """Whether a namespace belongs to the cluster or an add-on (Kubernetes, Knative, Istio, ...)."""
    return name in SYSTEM_NAMES or name.startswith(SYSTEM_PREFIXES) or name.endswith(SYSTEM_SUFFIXES)


def split_namespaces(
    summaries: Iterable[NamespaceSummary],
) -> tuple[list[NamespaceSummary], list[NamespaceSummary]]:
    """(the list to show first, the system namespaces to fold away). The first holds every namespace
    with Knative Services (a system one too), then the rest, each part by name."""
    ordered = sorted(summaries, key=lambda s: (s.services == 0, s.namespace))
    shown = [s for s in ordered if s.services or not is_system_namespace(s.namespace)]
    folded = [s for s in ordered if not s.services and is_system_namespace(s.namespace)]
    return shown, folded

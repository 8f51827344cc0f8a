"""The namespace list's order: namespaces holding Knative Services first, then the other namespaces
people use, and the cluster's own (kube-system, knative-serving, istio-system, ...) apart, where the
page folds them away: a new user looks for their Knative Services, not for the control plane."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from app.model.views.overview import NamespaceSummary

T = TypeVar("T")

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


FIRST_ROWS = 40
"""How many rows the list sends at first: a screenful at 1920x1080, so a thousand namespaces cost what
forty do until the reader scrolls (then MORE_ROWS at a time) or filters."""
MORE_ROWS = 100
"""How many more rows each scroll-loaded fragment brings."""


@dataclass(frozen=True)
class ListCounts:
    """The list's header: how many namespaces, how many of them hold Knative Services, how many
    Knative Services (and ready ones) there are in all, and how many system namespaces are folded."""

    namespaces: int
    knative_namespaces: int
    services: int
    services_ready: int
    system: int


def list_counts(shown: Sequence[NamespaceSummary], folded: Sequence[NamespaceSummary]) -> ListCounts:
    both = [*shown, *folded]
    return ListCounts(
        namespaces=len(both),
        knative_namespaces=sum(1 for s in both if s.services),
        services=sum(s.services for s in both),
        services_ready=sum(s.services_ready for s in both),
        system=len(folded),
    )


def name_matches(query: str, name: str) -> bool:
    """Whether a namespace's name contains `query` (blank: every name), ignoring case."""
    wanted = query.strip().lower()
    return not wanted or wanted in name.lower()


@dataclass(frozen=True)
class RowWindow:
    """Which rows of the (possibly filtered) list to send: from `offset` at most `limit`."""

    offset: int
    limit: int

    def cut(self, rows: Sequence[T]) -> list[T]:
        return list(rows[self.offset : self.offset + self.limit])

    def left(self, rows: Sequence[object]) -> int:
        """How many rows come after this window."""
        return max(0, len(rows) - self.offset - self.limit)

    @property
    def next_offset(self) -> int:
        return self.offset + self.limit


def first_rows() -> RowWindow:
    return RowWindow(0, FIRST_ROWS)


def more_rows(offset: int) -> RowWindow:
    return RowWindow(offset, MORE_ROWS)

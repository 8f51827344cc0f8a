"""Each namespace's counts and row, kept per version of the namespace in the cluster cache.

Between two views of the list only the namespaces whose objects changed (or whose watches failed,
recovered or went idle: the cache's version says so) are counted and rendered again; a view of an
unchanged cluster only reads the versions and joins markup it already has.
"""

from __future__ import annotations

import operator
import threading
from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from datetime import datetime

from markupsafe import Markup

from app.kube.caching import ClusterCache
from app.model.views import NamespaceSummary, namespace_summary
from app.model.views.namespacelist import ListCounts, list_counts, name_matches, split_namespaces
from app.web.rendering import snapshot
from app.web.templating import Renderer

ROW = "namespace_row"
"""The partial of one namespace's row (templates/partials.html)."""


@dataclass(frozen=True)
class ListedRow:
    """One namespace as the list shows it: its counts and its rendered row."""

    summary: NamespaceSummary
    html: Markup

    @property
    def name(self) -> str:
        return self.summary.namespace


@dataclass(frozen=True)
class Listing:
    """The whole list at one moment: the rows shown first (namespaces with Knative Services, then the
    other non-system ones), the cluster's own folded apart, and the header's counts."""

    shown: tuple[ListedRow, ...]
    folded: tuple[ListedRow, ...]
    counts: ListCounts
    generation: int = 0
    """Which listing this is, of those its NamespaceRows made: the page tells its stream, which then
    sends nothing until something changed."""

    def matching(self, query: str) -> tuple[ListedRow, ...]:
        """The rows whose name contains `query`: the whole list, system namespaces included (after
        the others), so the filter finds a namespace wherever it is folded."""
        if not query.strip():
            return self.shown
        return tuple(row for row in (*self.shown, *self.folded) if name_matches(query, row.name))


class NamespaceRows:
    """The namespace list's counts and rows, each computed once per version of its namespace in the
    cache (blocking: call from a worker thread; the cache's errors propagate).

    `computed` counts the summaries actually computed, by namespace still shown; rows are rendered
    through the renderer's row cache (its `row_renders` counts them)."""

    def __init__(self, cache: Callable[[], ClusterCache], renderer: Renderer) -> None:
        """`cache` gives the current cluster cache (switching contexts replaces it)."""
        self._current_cache, self._renderer = cache, renderer
        self._lock = threading.Lock()
        self._latest: dict[str, tuple[Hashable, ListedRow]] = {}
        self._listing: tuple[list[ListedRow], Listing] | None = None
        self._generation = 0
        self.computed: Counter[str] = Counter()

    def rows(self) -> list[ListedRow]:
        """Every shown namespace's row, by name."""
        cache = self._current_cache()
        names = cache.namespaces()
        versions = cache.versions(names)
        with self._lock:
            latest = dict(self._latest)
        rows = []
        for namespace, current in zip(names, versions, strict=True):
            found = latest.get(namespace)
            if found is None or found[0] != (cache, current):
                version, objects = snapshot(cache, namespace)
                summary = namespace_summary(objects)
                # The row shows no date: keyed without it, an unchanged count keeps its markup.
                html = self._renderer.row(ROW, replace(summary, observedAt=None))
                found = ((cache, version), ListedRow(summary, html))
                with self._lock:
                    self.computed[namespace] += 1
                    self._latest[namespace] = found
            rows.append(found[1])
        if gone := latest.keys() - set(names):  # deleted namespaces (or another context's) are forgotten
            with self._lock:
                for namespace in gone:
                    self._latest.pop(namespace, None)
                    self.computed.pop(namespace, None)
        return rows

    def listing(self) -> Listing:
        """The list in the page's order (ordered again only when a row changed)."""
        rows = self.rows()
        with self._lock:
            last = self._listing
        if last is not None and len(last[0]) == len(rows) and all(map(operator.is_, last[0], rows)):
            return last[1]
        by_name = {row.name: row for row in rows}
        shown, folded = split_namespaces(row.summary for row in rows)
        with self._lock:
            self._generation += 1
            listing = Listing(
                shown=tuple(by_name[s.namespace] for s in shown),
                folded=tuple(by_name[s.namespace] for s in folded),
                counts=list_counts(shown, folded),
                generation=self._generation,
            )
            self._listing = (rows, listing)
        return listing

    def summaries(self, now: datetime) -> list[NamespaceSummary]:
        """Every shown namespace's counts, by name, dated as the cache would date a fresh snapshot:
        `now` while its watches are live (a failure or a missed change changes its version), else
        when it was last known to be the cluster's."""
        return [_dated(row.summary, now) for row in self.rows()]


def _dated(summary: NamespaceSummary, now: datetime) -> NamespaceSummary:
    if summary.connected and not summary.stale and summary.observedAt is not None:
        return replace(summary, observedAt=now)
    return summary

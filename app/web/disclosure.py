"""How much of a long section the namespace page sends at once, and narrowing sections by name.

A namespace with hundreds of revisions would otherwise be megabytes of HTML before anything shows. The
page sends the first items of each section; the rest come as the reader scrolls to them (a fragment
per further page), the generated Kubernetes Services wait folded under their Knative Service until
opened, and the filter narrows every section on the server, so it finds items not loaded yet.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlencode

from app.model.views import NamespaceOverview, PodGroup

T = TypeVar("T")

FIRST_ITEMS = {
    "services": 10,
    "revisions": 25,
    "routes": 5,
    "ingresses": 3,
    "virtualservices": 2,
    "core_services": 25,
    "pods": 25,
}
"""How many items (rows, articles, groups) of each section the page and its stream send at once."""
SMALL_REST = 3
"""A section with at most this many times its first items is sent whole (a lab's namespace is)."""
MORE_ITEMS = 50
"""How many more each scroll-loaded fragment brings."""
INLINE_ROWS = 40
"""A namespace with at most this many Kubernetes Services shows them all, every group open."""


@dataclass(frozen=True)
class Window:
    """Which items of a section to render: from `offset` at most `limit` (None: all) of those matching
    `query`; and which groups of Kubernetes Services are open (None: all of them)."""

    offset: int = 0
    limit: int | None = None
    query: str = ""
    open_groups: frozenset[str] | None = None

    def cut(self, items: Sequence[T]) -> list[T]:
        end = None if self.limit is None else self.offset + self.limit
        return list(items[self.offset : end])

    def left(self, items: Sequence[object]) -> int:
        """How many items come after this window."""
        return 0 if self.limit is None else max(0, len(items) - self.offset - self.limit)

    def more(self) -> str:
        """The query string of the fragment with the next items."""
        step = self.offset + (self.limit or 0)
        return "?" + urlencode({"offset": step, "q": self.query} if self.query else {"offset": step})

    def opens(self, group: str) -> bool:
        return self.open_groups is None or group in self.open_groups


EVERYTHING = Window()
"""The whole section (the Service page, and any namespace small enough)."""


def first_window(section: str, overview: NamespaceOverview, query: str = "") -> Window:
    """What the namespace page shows of `section` when loaded, or filtered by `query`: the first items,
    and the Kubernetes Services' groups folded unless there are few, or the filter picked their rows."""
    # The summary's count, not the rows: a section's window is chosen before the other lists are built.
    few = overview.summary.core_services <= INLINE_ROWS
    open_groups: frozenset[str] | None = None if query or few else frozenset()
    limit = FIRST_ITEMS.get(section)
    if limit is not None and len(_items(section, overview)) <= limit * SMALL_REST:
        limit = None  # a few more items are not worth a further request
    return Window(0, limit, query, open_groups)


def _items(section: str, overview: NamespaceOverview) -> Sequence[object]:
    """The items a section's window counts."""
    if section == "core_services":
        return overview.core_services.groups
    items: Sequence[object] = getattr(overview, "kingresses" if section == "ingresses" else section, ())
    return items


def next_window(offset: int, query: str = "") -> Window:
    """A scroll-loaded page of items (its groups folded unless filtered: opened one by one)."""
    return Window(offset, MORE_ITEMS, query, None if query else frozenset())


def matches(query: str, *names: str) -> bool:
    wanted = query.strip().lower()
    return not wanted or any(wanted in name.lower() for name in names)


def narrowed(overview: NamespaceOverview, query: str) -> NamespaceOverview:
    """The overview with only the items whose name (or their Knative Service's) contains `query`; the
    summary still counts everything."""
    if not query.strip():
        return overview
    core = overview.core_services
    return dataclasses.replace(
        overview,
        services=tuple(s for s in overview.services if matches(query, s.name)),
        revisions=tuple(r for r in overview.revisions if matches(query, r.name, r.service)),
        routes=tuple(r for r in overview.routes if matches(query, r.name)),
        kingresses=tuple(k for k in overview.kingresses if matches(query, k.name, k.route)),
        virtualservices=tuple(v for v in overview.virtualservices if matches(query, v.name, v.route)),
        core_services=dataclasses.replace(
            core,
            rows=tuple(
                r for r in core.rows if matches(query, r.name, *(link.name for link in r.owners[-1:]))
            ),
        ),
        pods=tuple(_pods_matching(overview.pods, query)),
    )


def _pods_matching(groups: Sequence[PodGroup], query: str) -> list[PodGroup]:
    """A revision's group whole when its name matches, else only its pods whose names do."""
    kept = []
    for group in groups:
        if matches(query, group.revision, group.service):
            kept.append(group)
        elif pods := tuple(p for p in group.pods if matches(query, p.name)):
            kept.append(dataclasses.replace(group, pods=pods))
    return kept

"""Sections rendered once per change and shared by every page view and SSE stream of a namespace.

Rendering a large namespace costs far more than sending it, and one change reaches every open stream
at once: without sharing, 200 viewers cost 200 renders of the same markup. A section is keyed by the
cache's version of the namespace; its ages are brought to the current second on the way out, so it is
exactly what a fresh render would give. One thread renders while the others wait for its result, and
a change renders again only the rows whose objects changed (the rest come from the row cache).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, ParamSpec, TypeVar

import anyio
import anyio.to_thread

from app.kube.caching import ClusterCache
from app.model.objects import NamespaceObjects
from app.model.views import (
    OVERVIEW_PARTS,
    NamespaceOverview,
    RowMemo,
    ServiceView,
    partial_overview,
)
from app.web.disclosure import first_window
from app.web.sections import SECTION_PARTS, namespace_section, service_section
from app.web.templating import Renderer, fresh_ages

P = ParamSpec("P")
T = TypeVar("T")
V = TypeVar("V")
T_View = TypeVar("T_View")


class RenderQueue:
    """Page renders that read a namespace run a few at a time in worker threads; the others wait their
    turn without holding a thread. Twenty parallel requests for a heavy page then cost two renders at a
    time, and the server's shared worker threads stay free for health checks and light pages."""

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._limiter: anyio.CapacityLimiter | None = None

    async def run(self, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        if self._limiter is None:  # made on the serving event loop, at first use
            self._limiter = anyio.CapacityLimiter(self.slots)
        return await anyio.to_thread.run_sync(functools.partial(func, *args, **kwargs), limiter=self._limiter)

    @property
    def waiting(self) -> int:
        """Renders waiting for a turn (0 before the first)."""
        return self._limiter.statistics().tasks_waiting if self._limiter else 0


@dataclass
class _Rendered(Generic[T_View]):
    key: Hashable
    view: T_View
    sections: dict[str, str] = field(default_factory=dict)
    aged: dict[str, tuple[int, str]] = field(default_factory=dict)
    """Each section with its ages as of a second (the second, the HTML)."""


@dataclass
class _Overview:
    """A namespace's overview at one version of the cache, built a list at a time: only the lists of
    the sections asked for so far (`parts`), all as of `now`, from `objects`."""

    objects: NamespaceObjects
    now: datetime
    view: NamespaceOverview
    parts: frozenset[str]


class SectionCache:
    """The latest rendered sections of each namespace page and each Service page's stream (blocking:
    call from a worker thread). A section is rendered once per version of the namespace in the cache,
    from rows rendered once per view (Renderer.row); only its ages are brought up to the second."""

    def __init__(
        self, cache: Callable[[], ClusterCache], renderer: Renderer, clock: Callable[[], datetime]
    ) -> None:
        """`cache` gives the current cluster cache (switching contexts replaces it)."""
        self._current_cache, self._renderer, self._clock = cache, renderer, clock
        self.rows = RowMemo()
        """Row view data by object version: a change builds again only the rows it changed."""
        self._lock = threading.Lock()
        self._rendering: dict[Hashable, threading.Lock] = {}
        self._latest: dict[Hashable, _Rendered[Any]] = {}

    def namespace(self, namespace: str, names: Iterable[str]) -> dict[str, str]:
        """The namespace page's sections `names` as first shown, from the cache (its errors propagate).
        Only the lists those sections show are built: after a change that touched two sections, the
        other sections' rows are neither checked nor aged."""
        names = tuple(names)
        parts = frozenset().union(*(SECTION_PARTS.get(n, OVERVIEW_PARTS) for n in names))

        def build(objects: NamespaceObjects, now: datetime) -> _Overview:
            return _Overview(objects, now, partial_overview(objects, now, self.rows, parts), parts)

        def section(name: str, overview: _Overview) -> str:
            view = self._completed(overview, SECTION_PARTS.get(name, OVERVIEW_PARTS))
            return namespace_section(self._renderer, name, view, first_window(name, view))

        return self._sections(namespace, namespace, names, build, section)

    def service(
        self,
        namespace: str,
        name: str,
        names: Iterable[str],
        build: Callable[[NamespaceObjects, datetime], ServiceView],
    ) -> dict[str, str]:
        """A Service page's live sections `names`; `build` makes its view (and raises what a page
        would: no such Service, cluster unreadable)."""

        def section(section: str, view: ServiceView) -> str:
            return service_section(self._renderer, section, view)

        return self._sections((namespace, name), namespace, names, build, section)

    def windowed(self, namespace: str, render: Callable[[NamespaceOverview], str]) -> str:
        """Markup made by `render` from the namespace's current overview (a further page of a section,
        a filtered section, one group): its rows come from the row cache, its ages are current."""
        return fresh_ages(render(self.overview(namespace)), self._clock())

    def overview(self, namespace: str) -> NamespaceOverview:
        """The namespace's whole overview at the cache's current version (shared with the sections)."""

        def build(objects: NamespaceObjects, now: datetime) -> _Overview:
            view = partial_overview(objects, now, self.rows, OVERVIEW_PARTS)
            return _Overview(objects, now, view, OVERVIEW_PARTS)

        cache = self._current_cache()
        with self._lock:
            flight = self._rendering.setdefault(namespace, threading.Lock())
        with flight:
            rendered: _Rendered[_Overview] = self._latest_of(namespace, cache, namespace, build)
            return self._completed(rendered.view, OVERVIEW_PARTS)

    def _completed(self, overview: _Overview, parts: frozenset[str]) -> NamespaceOverview:
        """The overview with at least the lists `parts` built (held: the namespace's flight lock)."""
        missing = parts - overview.parts
        if missing:
            overview.view = partial_overview(
                overview.objects, overview.now, self.rows, missing, overview.view
            )
            overview.parts |= missing
        return overview.view

    def _latest_of(
        self,
        key: Hashable,
        cache: ClusterCache,
        namespace: str,
        build: Callable[[NamespaceObjects, datetime], V],
    ) -> _Rendered[V]:
        """The latest view of `key` (held: its flight lock)."""
        rendered: _Rendered[V] | None = self._latest.get(key)
        if rendered is None or rendered.key != (cache, cache.version(namespace)):
            version, objects = snapshot(cache, namespace)
            rendered = _Rendered((cache, version), build(objects, self._clock()))
            self._latest[key] = rendered
        return rendered

    def _sections(
        self,
        key: Hashable,
        namespace: str,
        names: Iterable[str],
        build: Callable[[NamespaceObjects, datetime], V],
        section: Callable[[str, V], str],
    ) -> dict[str, str]:
        cache = self._current_cache()
        now = self._clock()
        second = int(now.timestamp())
        with self._lock:
            flight = self._rendering.setdefault(key, threading.Lock())
        with flight:
            rendered = self._latest_of(key, cache, namespace, build)
            shown = {}
            for name in names:
                if name not in rendered.sections:
                    rendered.sections[name] = section(name, rendered.view)
                aged = rendered.aged.get(name)
                if aged is None or aged[0] != second:
                    aged = rendered.aged[name] = (second, fresh_ages(rendered.sections[name], now))
                shown[name] = aged[1]
            return shown


def snapshot(cache: ClusterCache, namespace: str) -> tuple[Hashable, NamespaceObjects]:
    """The namespace's objects with the cache's version read before them and still current after
    (retried a few times): the markup then belongs to exactly that version, never to an older one."""
    version = cache.version(namespace)
    for _ in range(3):
        objects = cache.objects(namespace)  # may start the informers and wait for their lists
        after = cache.version(namespace)
        if after == version:
            break
        version = after
    return version, objects

"""Sections rendered once per change and shared by every page view and SSE stream of a namespace.

Rendering a large namespace costs far more than sending it, and one change reaches every open stream
at once: without sharing, 200 viewers cost 200 renders of the same markup. A render is keyed by the
cache's version of the namespace and the current second (ages are shown to the second), so it is
exactly what a fresh render would give. One thread renders while the others wait for its result.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import ParamSpec, TypeVar

import anyio
import anyio.to_thread

from app.kube.caching import ClusterCache
from app.model.objects import NamespaceObjects
from app.model.views import NamespaceOverview, namespace_overview
from app.web.sections import namespace_section
from app.web.templating import Renderer

P = ParamSpec("P")
T = TypeVar("T")


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
class _Rendered:
    key: Hashable
    overview: NamespaceOverview
    sections: dict[str, str] = field(default_factory=dict)


class SectionCache:
    """The latest rendered sections of each namespace page (blocking: call from a worker thread)."""

    def __init__(
        self, cache: Callable[[], ClusterCache], renderer: Renderer, clock: Callable[[], datetime]
    ) -> None:
        """`cache` gives the current cluster cache (switching contexts replaces it)."""
        self._current_cache, self._renderer, self._clock = cache, renderer, clock
        self._lock = threading.Lock()
        self._rendering: dict[str, threading.Lock] = {}
        self._latest: dict[str, _Rendered] = {}

    def namespace(self, namespace: str, names: Iterable[str]) -> dict[str, str]:
        """The namespace page's sections `names`, from the cache (its errors propagate)."""
        now = self._clock()
        cache = self._current_cache()
        second = int(now.timestamp())
        with self._lock:
            flight = self._rendering.setdefault(namespace, threading.Lock())
        with flight:
            rendered = self._latest.get(namespace)
            if rendered is None or rendered.key != (cache, cache.version(namespace), second):
                version, objects = _snapshot(cache, namespace)
                rendered = _Rendered((cache, version, second), namespace_overview(objects, now))
                self._latest[namespace] = rendered
            for name in names:
                if name not in rendered.sections:
                    rendered.sections[name] = namespace_section(self._renderer, name, rendered.overview)
            return {name: rendered.sections[name] for name in names}


def _snapshot(cache: ClusterCache, namespace: str) -> tuple[Hashable, NamespaceObjects]:
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

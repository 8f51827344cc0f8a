"""Server-Sent Events: the wire format, the registry of open streams, and the stream loop.

A stream follows one change feed of the cluster cache. Bursts are coalesced (a new revision brings a
dozen generated objects: what queued up while a render ran is sent once, each affected section once;
no stream waits on purpose for more to come), sections are re-rendered in a worker thread (the cache
may block), and every stream ends as soon as its feed is closed: on client disconnect, or when
`EventStreams.close_all()` runs at server shutdown.

One change wakes every stream of a page at once. The streams woken by it share one render
(`SharedRenders`): the first starts it in a worker thread and the others await the same result on the
event loop, so two hundred viewers cost one thread hop, not two hundred queued for the thread pool.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import AsyncGenerator, Callable, Hashable, Iterable
from dataclasses import dataclass

import anyio.to_thread

from app.kube.feeding import ChangeFeed, ConnectionChange, ObjectChange, Resync
from app.model.views import ConnectionView

IDLE_SECONDS = 15.0
"""After this long without a change, sections showing ages are re-rendered (and the connection kept up)."""

RenderSections = Callable[[frozenset[str]], list[tuple[str, str]]]
"""Section names -> (event name, HTML) pairs; blocking, run in a thread."""
Rendered = list[tuple[str, str]]


@functools.lru_cache(maxsize=64)
def sse_event(event: str, data: str) -> str:
    """One SSE message; every line of `data` gets its own `data:` field. Memoized: a shared section's
    markup is formatted once for all the streams it goes to."""
    lines = data.splitlines() or [""]
    return f"event: {event}\n" + "".join(f"data: {line}\n" for line in lines) + "\n"


@dataclass
class _Flight:
    version: Hashable
    names: frozenset[str]
    task: asyncio.Task[Rendered]


class SharedRenders:
    """Renders in flight, by page (event loop only). A stream asking for sections that a render still
    running will give (the same page, the same version of the cache, at least those sections) awaits
    that render instead of starting its own: its markup is exactly what its own render would be."""

    def __init__(self) -> None:
        self._flights: dict[Hashable, _Flight] = {}
        self.started = 0
        """How many renders were started (the others were shared)."""

    async def render(
        self, page: Hashable, version: Hashable, names: frozenset[str], render: RenderSections
    ) -> Rendered:
        """`render(names)`, or the result of the same page's render in flight at `version`."""
        flight = self._flights.get(page)
        if flight is None or flight.task.done() or flight.version != version or not names <= flight.names:
            task = asyncio.ensure_future(anyio.to_thread.run_sync(render, names))
            task.add_done_callback(self._landed(page))
            flight = self._flights[page] = _Flight(version, names, task)
            self.started += 1
        # Shielded: a client that leaves must not cancel the render the others wait for.
        rendered = await asyncio.shield(flight.task)
        return [(name, html) for name, html in rendered if name in names]

    def _landed(self, page: Hashable) -> Callable[[asyncio.Task[Rendered]], None]:
        def forget(task: asyncio.Task[Rendered]) -> None:
            if not task.cancelled():
                task.exception()  # retrieved: every awaiting stream has seen it already
            flight = self._flights.get(page)
            if flight is not None and flight.task is task:
                del self._flights[page]

        return forget


@dataclass(frozen=True)
class Sharing:
    """Which page a stream shows and the cache's version of it now: streams of one page at one version
    share renders."""

    page: Hashable
    version: Callable[[], Hashable]


class EventStreams:
    """The change feeds of open SSE streams, so shutdown can end them all at once, and the renders
    they share."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._feeds: set[ChangeFeed] = set()
        self._closed = False
        self.renders = SharedRenders()

    def add(self, feed: ChangeFeed) -> None:
        with self._lock:
            closed = self._closed
            if not closed:
                self._feeds.add(feed)
        if closed:
            feed.close()

    def discard(self, feed: ChangeFeed) -> None:
        with self._lock:
            self._feeds.discard(feed)
        feed.close()

    def __len__(self) -> int:
        with self._lock:
            return len(self._feeds)

    def close_all(self) -> None:
        """End every open stream now, and any stream opened later at once."""
        with self._lock:
            self._closed = True
            feeds, self._feeds = list(self._feeds), set()
        for feed in feeds:
            feed.close()


def sections_for(
    items: Iterable[object], affected: Callable[[str], frozenset[str]], everything: frozenset[str]
) -> set[str]:
    """The sections a batch of feed items touches (everything after a Resync)."""
    names: set[str] = set()
    for item in items:
        if isinstance(item, Resync):
            return set(everything)
        if isinstance(item, ObjectChange):
            names |= affected(item.kind)
    return names & everything


def connection_view(item: ConnectionChange) -> ConnectionView:
    return ConnectionView(
        connected=item.connected,
        error=item.error,
        recovered=item.connected and not item.resynced,
        stale=item.stale,
        resynced=item.resynced,
    )


async def event_stream(
    feed: ChangeFeed,
    streams: EventStreams,
    *,
    render: RenderSections,
    render_connection: Callable[[ConnectionView], str],
    initial: ConnectionView,
    affected: Callable[[str], frozenset[str]],
    everything: frozenset[str],
    aged: frozenset[str] = frozenset(),
    idle: float = IDLE_SECONDS,
    ended: Callable[[], ConnectionView | None] = lambda: None,
    sharing: Sharing | None = None,
) -> AsyncGenerator[str, None]:
    """Yield SSE messages: first the current state of every section, then each change as it comes,
    and every `idle` seconds without changes the `aged` sections (so "45s" does not stay 45s).
    When the feed closes, `ended()` may give a last banner (the context was switched) before the end.
    With `sharing`, renders are shared with the page's other streams (`SharedRenders`)."""

    async def rendered(names: frozenset[str]) -> Rendered:
        if sharing is None:
            return await anyio.to_thread.run_sync(render, names)
        return await streams.renders.render(sharing.page, sharing.version(), names, render)

    streams.add(feed)
    try:
        yield sse_event("connection", render_connection(initial))
        for name, html in await rendered(everything):
            yield sse_event(name, html)
        while True:
            item = await feed.aget(timeout=idle)
            if item is None:
                if feed.closed:
                    if (last := ended()) is not None:
                        yield sse_event("connection", render_connection(last))
                    return
                refreshed = await rendered(aged & everything) if aged & everything else []
                for name, html in refreshed:
                    yield sse_event(name, html)
                if not refreshed:
                    yield ": keepalive\n\n"
                continue
            batch = [item, *feed.drain()]
            changes = [i for i in batch if isinstance(i, ConnectionChange)]
            if changes:
                yield sse_event("connection", render_connection(connection_view(changes[-1])))
            names = sections_for(batch, affected, everything)
            if names:
                for name, html in await rendered(frozenset(names)):
                    yield sse_event(name, html)
    finally:
        streams.discard(feed)

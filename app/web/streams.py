"""Server-Sent Events: the wire format, the registry of open streams, and the stream loop.

A stream follows one change feed of the cluster cache. Bursts are coalesced (a new revision brings a
dozen generated objects: each affected section is sent once), sections are re-rendered in a worker
thread (the cache may block), and every stream ends as soon as its feed is closed: on client
disconnect, or when `EventStreams.close_all()` runs at server shutdown.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import AsyncGenerator, Callable, Iterable

import anyio.to_thread

from app.kube.feeding import ChangeFeed, ConnectionChange, ObjectChange, Resync
from app.model.views import ConnectionView

COALESCE_SECONDS = 0.05
IDLE_SECONDS = 15.0
"""After this long without a change, sections showing ages are re-rendered (and the connection kept up)."""

RenderSections = Callable[[frozenset[str]], list[tuple[str, str]]]
"""Section names -> (event name, HTML) pairs; blocking, run in a thread."""


@functools.lru_cache(maxsize=64)
def sse_event(event: str, data: str) -> str:
    """One SSE message; every line of `data` gets its own `data:` field. Memoized: a shared section's
    markup is formatted once for all the streams it goes to."""
    lines = data.splitlines() or [""]
    return f"event: {event}\n" + "".join(f"data: {line}\n" for line in lines) + "\n"


class EventStreams:
    """The change feeds of open SSE streams, so shutdown can end them all at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._feeds: set[ChangeFeed] = set()
        self._closed = False

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
    coalesce: float = COALESCE_SECONDS,
    idle: float = IDLE_SECONDS,
    ended: Callable[[], ConnectionView | None] = lambda: None,
) -> AsyncGenerator[str, None]:
    """Yield SSE messages: first the current state of every section, then each change as it comes,
    and every `idle` seconds without changes the `aged` sections (so "45s" does not stay 45s).
    When the feed closes, `ended()` may give a last banner (the context was switched) before the end."""
    streams.add(feed)
    try:
        yield sse_event("connection", render_connection(initial))
        for name, html in await anyio.to_thread.run_sync(render, everything):
            yield sse_event(name, html)
        while True:
            item = await feed.aget(timeout=idle)
            if item is None:
                if feed.closed:
                    if (last := ended()) is not None:
                        yield sse_event("connection", render_connection(last))
                    return
                refreshed = (
                    await anyio.to_thread.run_sync(render, aged & everything) if aged & everything else []
                )
                for name, html in refreshed:
                    yield sse_event(name, html)
                if not refreshed:
                    yield ": keepalive\n\n"
                continue
            await asyncio.sleep(coalesce)
            batch = [item, *feed.drain()]
            changes = [i for i in batch if isinstance(i, ConnectionChange)]
            if changes:
                yield sse_event("connection", render_connection(connection_view(changes[-1])))
            names = sections_for(batch, affected, everything)
            if names:
                for name, html in await anyio.to_thread.run_sync(render, frozenset(names)):
                    yield sse_event(name, html)
    finally:
        streams.discard(feed)

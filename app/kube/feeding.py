"""The change feed: cluster changes fanned out to many subscribers (SSE streams) without blocking.

Publishing never waits: each subscriber has a bounded queue, and a subscriber that falls behind has
its backlog replaced by one `Resync` (re-render everything) instead of slowing the watch threads.
A feed is read from a thread with `get()` or from asyncio with `await aget()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias


@dataclass(frozen=True)
class ObjectChange:
    """An object was added, modified or deleted.

    `kind` is the `NamespaceObjects` field it belongs to ("services" for Knative Services,
    "core_services" for core Services, "revisions", ...), or "namespaces" for the namespace list
    (then `namespace` is "").
    """

    namespace: str
    kind: str
    name: str
    type: str
    """"ADDED", "MODIFIED" or "DELETED"."""


@dataclass(frozen=True)
class ConnectionChange:
    """The API server became unreachable (`connected` False, with the error) or reachable again,
    or a watch was found to have missed changes (`stale`) and its kind was listed again (`resynced`)."""

    connected: bool
    error: str | None = None
    stale: bool = False
    resynced: bool = False


@dataclass(frozen=True)
class Resync:
    """The subscriber fell behind and changes were dropped: re-render everything it shows."""


FeedItem: TypeAlias = ObjectChange | ConnectionChange | Resync


class ChangeFeed:
    """One subscriber's queue. Close it when done (or use it as a context manager)."""

    def __init__(self, broadcaster: Broadcaster, namespace: str | None, maxsize: int) -> None:
        self.namespace = namespace
        """Only changes in this namespace (plus namespace-list and connection changes); None: all."""
        self._broadcaster = broadcaster
        self._maxsize = maxsize
        self._cond = threading.Condition()
        self._items: deque[FeedItem] = deque()
        self._closed = False
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    def wants(self, item: FeedItem) -> bool:
        if self.namespace is None or not isinstance(item, ObjectChange):
            return True
        return item.namespace in (self.namespace, "")

    def put(self, item: FeedItem) -> bool:
        """Queue an item without ever blocking; on overflow keep a single Resync and return True."""
        overflowed = False
        with self._cond:
            if self._closed:
                return False
            if len(self._items) >= self._maxsize:
                self._items.clear()
                self._items.append(Resync())
                overflowed = True
            else:
                self._items.append(item)
            self._cond.notify_all()
            waiters, self._waiters = self._waiters, []
        _wake(waiters)
        return overflowed

    def get(self, timeout: float | None = None) -> FeedItem | None:
        """The next item, waiting up to `timeout` seconds; None on timeout or once closed."""
        with self._cond:
            self._cond.wait_for(lambda: self._items or self._closed, timeout)
            return self._items.popleft() if self._items else None

    async def aget(self, timeout: float | None = None) -> FeedItem | None:
        """Like `get()`, for asyncio code: never blocks the event loop."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            with self._cond:
                if self._items:
                    return self._items.popleft()
                if self._closed:
                    return None
                future: asyncio.Future[None] = loop.create_future()
                self._waiters.append((loop, future))
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                return None
            try:
                await asyncio.wait_for(future, remaining)
            except TimeoutError:
                with self._cond, contextlib.suppress(ValueError):
                    self._waiters.remove((loop, future))
                return None

    def drain(self) -> list[FeedItem]:
        """Every queued item, without waiting (to coalesce a burst)."""
        with self._cond:
            items = list(self._items)
            self._items.clear()
            return items

    @property
    def closed(self) -> bool:
        with self._cond:
            return self._closed

    def close(self) -> None:
        """Unsubscribe; pending and future `get()`/`aget()` calls return None."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._items.clear()
            self._cond.notify_all()
            waiters, self._waiters = self._waiters, []
        _wake(waiters)
        self._broadcaster.unsubscribe(self)

    def __enter__(self) -> ChangeFeed:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class Broadcaster:
    """Fans items out to every open feed; `publish()` is cheap and never blocks on a subscriber."""

    def __init__(
        self, maxsize: int = 1000, *, on_unsubscribe: Callable[[ChangeFeed], None] | None = None
    ) -> None:
        self._maxsize = maxsize
        self._on_unsubscribe = on_unsubscribe
        self._lock = threading.Lock()
        self._feeds: list[ChangeFeed] = []
        self.overflows = 0
        """How many times a subscriber's backlog was dropped for a Resync."""

    def subscribe(self, namespace: str | None = None) -> ChangeFeed:
        feed = ChangeFeed(self, namespace, self._maxsize)
        with self._lock:
            self._feeds.append(feed)
        return feed

    def unsubscribe(self, feed: ChangeFeed) -> None:
        with self._lock:
            if feed not in self._feeds:
                return
            self._feeds.remove(feed)
        if self._on_unsubscribe is not None:
            self._on_unsubscribe(feed)

    def publish(self, item: FeedItem) -> None:
        with self._lock:
            feeds = list(self._feeds)
        overflows = sum(feed.put(item) for feed in feeds if feed.wants(item))
        if overflows:
            with self._lock:
                self.overflows += overflows

    def feeds(self) -> list[ChangeFeed]:
        with self._lock:
            return list(self._feeds)

    def close_all(self) -> None:
        for feed in self.feeds():
            feed.close()


def _wake(waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]]) -> None:
    """Resolve each waiting `aget()`'s future on its own loop."""
    for loop, future in waiters:
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is waiting
            loop.call_soon_threadsafe(_resolve, future)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)

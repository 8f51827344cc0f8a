"""Which resourceVersions a watch may start from: those the API server's watch cache still holds.

A real kube-apiserver fills each watch cache with a list at its start and keeps the events after it
(k8s.io/apiserver storage/cacher/watch_cache_history.go, GetIntervalLocked): a watch from before
that list is answered, inside the stream, with 410 Expired and both resourceVersions in the message.
"""

from __future__ import annotations

from app.sim.storage import errors


def check(since: int, cache_start: int) -> None:
    """Expired when `since` (0: from now) is older than the cache that began at `cache_start`."""
    if since and since < cache_start:
        raise errors.expired(f"too old resource version: {since} ({cache_start})")

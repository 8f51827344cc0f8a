"""List and watch one kind (in one namespace or across all) as plain dicts: client-go's ListWatch.

Lists are paginated; watches ask for bookmarks and carry a server-side `timeoutSeconds` plus a
client-side read timeout just above it, so a dead server can never block a watcher thread forever.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import urllib3
from kubernetes.client import ApiClient

from app.kube.errors import ApiError, Unreachable
from app.kube.requesting import DEFAULT_TIMEOUT, Timeout, decode_json, open_response, request_bytes
from app.kube.resources import Resource
from app.kube.store import object_key, resource_version
from app.model.objects import KubeObject

Transform = Callable[[KubeObject], KubeObject]
PAGE_SIZE = 500
WATCH_READ_MARGIN = 10.0
"""Seconds the client waits beyond the watch's `timeoutSeconds` before giving up on a silent server."""


@dataclass(frozen=True)
class ObjectList:
    items: list[KubeObject]
    resource_version: str


@dataclass(frozen=True)
class ObjectVersions:
    versions: dict[str, str]
    """Store key -> resourceVersion."""
    resource_version: str


@dataclass(frozen=True)
class WatchEvent:
    """One watch event: ADDED, MODIFIED, DELETED or BOOKMARK (ERROR events are raised as ApiError)."""

    type: str
    object: KubeObject


class ListWatch:
    """Lists and watches `resource` in `namespace` (None: all namespaces, or a cluster-scoped kind)."""

    def __init__(
        self,
        api_client: ApiClient,
        resource: Resource,
        namespace: str | None = None,
        *,
        timeout: Timeout = DEFAULT_TIMEOUT,
        page_size: int = PAGE_SIZE,
        transform: Transform | None = None,
        field_selector: str = "",
        decoding: threading.Lock | None = None,
    ) -> None:
        """`transform`: what is kept of each listed or watched object (client-go's informer
        `TransformFunc`), given the decoded object, which nothing else holds yet. Applied page by page
        and event by event, so no more than one page is ever held whole. `field_selector`: only the
        objects it selects are listed and watched (the server filters them). `decoding`: held while
        a page is decoded and its objects kept, shared by the informers of one cache, so that one
        decoded page at a time is in memory, not one per kind being listed (what memory a burst of
        lists takes, the process keeps)."""
        self.api_client = api_client
        self.decoding = decoding or threading.Lock()
        self.transform = transform
        self.field_selector = field_selector
        self.resource = resource
        self.namespace = namespace
        self.timeout = timeout
        self.page_size = page_size

    def list(self) -> ObjectList:
        """Every object, page by page; items get `apiVersion`/`kind` (core lists omit them)."""
        items: list[KubeObject] = []

        def keep(page: dict[str, Any]) -> None:
            for item in page.get("items") or []:
                item.setdefault("apiVersion", self.resource.api_version)
                item.setdefault("kind", self.resource.kind)
                items.append(item if self.transform is None else self.transform(item))

        return ObjectList(items, self._pages(keep))

    def list_versions(self) -> ObjectVersions:
        """Each object's store key and resourceVersion, page by page, and the list's resourceVersion:
        what a watch check compares. No object is kept, so checking a kind holds one page at a time,
        not a second copy of what the cache holds."""
        versions: dict[str, str] = {}

        def keep(page: dict[str, Any]) -> None:
            versions.update((object_key(item), resource_version(item)) for item in page.get("items") or [])

        return ObjectVersions(versions, self._pages(keep))

    def _pages(self, keep: Callable[[dict[str, Any]], None]) -> str:
        """Fetch the list page by page, decode each and `keep` what it needs of it (holding
        `decoding`); return the list's resourceVersion."""
        path = self.resource.path(self.namespace)
        query = {"limit": str(self.page_size), **self._selecting()}
        while True:
            status, data = request_bytes(self.api_client, "GET", path, query=query, timeout=self.timeout)
            with self.decoding:
                page = decode_json(status, data)
                del data
                keep(page)
                metadata = page.get("metadata") or {}
                token, version = metadata.get("continue"), str(metadata.get("resourceVersion", ""))
                del page, metadata  # not held while the next page is fetched
            if not token:
                return version
            query = {"limit": str(self.page_size), "continue": str(token), **self._selecting()}

    def _selecting(self) -> dict[str, str]:
        return {"fieldSelector": self.field_selector} if self.field_selector else {}

    def watch(self, resource_version: str, timeout_seconds: int) -> WatchStream:
        """Open a watch from `resource_version` that the server ends after `timeout_seconds`."""
        query = {
            "watch": "true",
            "resourceVersion": resource_version,
            "allowWatchBookmarks": "true",
            "timeoutSeconds": str(timeout_seconds),
            **self._selecting(),
        }
        connect = self.timeout[0] if isinstance(self.timeout, tuple) else self.timeout
        response = open_response(
            self.api_client,
            "GET",
            self.resource.path(self.namespace),
            query=query,
            timeout=(connect, timeout_seconds + WATCH_READ_MARGIN),
        )
        return WatchStream(response, self.transform)


class WatchStream:
    """The events of one open watch; `close()` from any thread ends the iteration promptly."""

    def __init__(self, response: urllib3.BaseHTTPResponse, transform: Transform | None = None) -> None:
        self._response = response
        self._transform = transform
        self._lock = threading.Lock()
        self._closed = False

    def events(self) -> Generator[WatchEvent, None, None]:
        """The events as they arrive; closing the generator releases the connection at once."""
        buffer = b""
        try:
            for chunk in self._response.stream(amt=None, decode_content=True):
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    if line.strip():
                        yield _parse_event(line, self._transform)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            if not self.closed:
                raise Unreachable(exc) from exc
        finally:
            self._response.close()
            self._response.release_conn()
        if buffer.strip() and not self.closed:
            yield _parse_event(buffer, self._transform)

    @property
    def closed(self) -> bool:
        with self._lock:
            return self._closed

    def close(self) -> None:
        """Stop the stream; safe from another thread (shuts the socket so a blocked read returns)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        with contextlib.suppress(ValueError, RuntimeError, OSError):  # already finished or released
            self._response.shutdown()


def _parse_event(line: bytes, transform: Transform | None = None) -> WatchEvent:
    try:
        event: Any = json.loads(line)
        event_type, obj = event["type"], event["object"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ApiError(0, "InvalidWatchEvent", f"cannot decode watch event: {exc}") from exc
    if not isinstance(obj, dict):
        raise ApiError(0, "InvalidWatchEvent", "watch event object is not a JSON object")
    if event_type == "ERROR":
        raise ApiError.from_status(obj)
    if transform is not None and event_type != "BOOKMARK":
        obj = transform(obj)
    return WatchEvent(str(event_type), obj)

"""The Informer: a Reflector feeding a Store, with event handlers and a Lister (client-go's pattern)."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from kubernetes.client import ApiClient

from app.kube.reflecting import (
    Counters,
    ErrorCallback,
    RecoverCallback,
    Reflector,
    ReflectorOptions,
    RelistCallback,
)
from app.kube.resources import Resource
from app.kube.sharing import SharedValues
from app.kube.store import Change, Store
from app.kube.trimming import field_selector, trim
from app.kube.watching import ListWatch
from app.model.objects import KubeObject

log = logging.getLogger(__name__)

AddHandler = Callable[[KubeObject], None]
UpdateHandler = Callable[[KubeObject, KubeObject], None]
DeleteHandler = Callable[[KubeObject], None]


@dataclass(frozen=True)
class _Handlers:
    on_add: AddHandler | None
    on_update: UpdateHandler | None
    on_delete: DeleteHandler | None


class Lister:
    """Read access to an informer's objects (those of `namespace` alone when one is given, also from a
    store fed by a cluster-wide watch). Must not modify the objects it returns."""

    def __init__(self, store: Store, namespace: str | None) -> None:
        self._store = store
        self._namespace = namespace

    def list(self) -> list[KubeObject]:
        """Every object (of the namespace), sorted by key (namespace/name)."""
        return list(self._store.sorted_list(self._namespace))

    def get(self, name: str, namespace: str | None = None) -> KubeObject | None:
        ns = namespace or self._namespace
        return self._store.get(f"{ns}/{name}" if ns else name)


class Informer:
    """Watches one kind in one namespace (None: all namespaces / cluster-scoped) into a Store.

    Handlers run on the informer's thread, outside the store's lock, one change at a time, and must
    be cheap (hand work to another thread). Add them before `start()`: the first list arrives as
    on_add calls. A relist reports only the differences (on_add, on_update, on_delete).
    """

    def __init__(
        self,
        api_client: ApiClient,
        resource: Resource,
        namespace: str | None = None,
        *,
        options: ReflectorOptions | None = None,
        counters: Counters | None = None,
        on_error: ErrorCallback | None = None,
        on_recover: RecoverCallback | None = None,
        on_relist: RelistCallback | None = None,
        shared: SharedValues | None = None,
        decoding: threading.Lock | None = None,
    ) -> None:
        """`shared`: the table of parts shared with other informers' objects (default: its own);
        `decoding`: the lock held while a listed page is decoded and kept (default: its own)."""
        self.resource = resource
        self.namespace = namespace
        self.store = Store()
        self.lister = Lister(self.store, namespace)
        self._handlers: list[_Handlers] = []
        self._started = False
        keep = functools.partial(trim, resource, SharedValues() if shared is None else shared)
        self.reflector = Reflector(
            ListWatch(
                api_client,
                resource,
                namespace,
                transform=keep,
                field_selector=field_selector(resource),
                decoding=decoding,
            ),
            self.store,
            on_changes=self._dispatch,
            on_error=on_error,
            on_recover=on_recover,
            on_relist=on_relist,
            options=options,
            counters=counters,
        )

    def add_handler(
        self,
        on_add: AddHandler | None = None,
        on_update: UpdateHandler | None = None,
        on_delete: DeleteHandler | None = None,
    ) -> None:
        if self._started:
            raise RuntimeError("add handlers before starting the informer")
        self._handlers.append(_Handlers(on_add, on_update, on_delete))

    def seed(self, previous: Informer) -> None:
        """Start from what a stopped informer of the same kind last held (before `start()`): until
        the first list, readers get the last seen objects rather than none."""
        if self._started:
            raise RuntimeError("seed the informer before starting it")
        self.store.replace(previous.store.list())
        self.reflector.inherit(previous.reflector)

    def start(self) -> None:
        self._started = True
        self.reflector.start()

    def stop(self, timeout: float = 5.0) -> None:
        self.reflector.stop(timeout)

    def has_synced(self) -> bool:
        return self.reflector.has_synced()

    def wait_for_sync(self, timeout: float | None) -> bool:
        return self.reflector.wait_for_sync(timeout)

    def _dispatch(self, changes: list[Change]) -> None:
        for change in changes:
            for handler in self._handlers:
                try:
                    if change.type == "ADDED" and handler.on_add is not None:
                        handler.on_add(change.object)
                    elif change.type == "MODIFIED" and handler.on_update is not None:
                        handler.on_update(change.old or change.object, change.object)
                    elif change.type == "DELETED" and handler.on_delete is not None:
                        handler.on_delete(change.object)
                except Exception:  # one faulty handler must not stop the others or the watch
                    log.exception("%s handler failed on %s", self.reflector.name, change.type)

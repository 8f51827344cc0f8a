"""SimCluster: the simulated Kubernetes API server on loopback, its store, faults and controllers."""

from __future__ import annotations

import threading
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

import yaml

from app.sim.apiserver.authorizing import Authenticator
from app.sim.apiserver.faults import Faults
from app.sim.apiserver.handlers import Api
from app.sim.apiserver.server import ApiServer
from app.sim.client import Client
from app.sim.storage.persistence import Persister
from app.sim.storage.resources import ResourceRegistry, default_registry
from app.sim.storage.store import Store

CONTEXT = "splitboard-sim"


class Controller(Protocol):
    """Something that works on the cluster while it runs (e.g. the Knative reconciler), through a Client."""

    def start(self, client: Client) -> None:
        """Begin working (in its own threads)."""

    def stop(self) -> None:
        """Stop and join its threads."""


class SimCluster:
    """A store served over HTTP on 127.0.0.1; stop()/start()/restart() keep the store and the port."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        state_file: Path | None = None,
        registry: ResourceRegistry | None = None,
        history_limit: int = 10_000,
        bookmark_interval: float = 1.0,
    ) -> None:
        self.registry = registry or default_registry()
        self.store = Store(self.registry, history_limit=history_limit)
        self.authenticator = Authenticator()
        self.faults = Faults(end_watches=self._end_watches, compact=self.store.compact)
        self.host, self.port = host, port
        self.bookmark_interval = bookmark_interval
        self._lock = threading.RLock()
        self._controllers: list[Controller] = []
        self._server: ApiServer | None = None
        self._served = False
        self._persister = Persister(self.store, state_file) if state_file is not None else None
        if self._persister is not None:
            self._persister.load()

    @property
    def url(self) -> str:
        """The API server's base URL (the port is known once started)."""
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        with self._lock:
            return self._server is not None

    def add_controller(self, controller: Controller) -> None:
        """Run `controller` with the cluster (started now if the cluster is running)."""
        with self._lock:
            self._controllers.append(controller)
            if self._server is not None:
                controller.start(Client(self.store))

    def open_watches(self) -> list[tuple[str, str | None]]:
        """The scope (resource, namespace or None for all) of each watch the API server streams now."""
        with self._lock:
            server = self._server
        return [] if server is None else server.open_watches()

    def add_token(self, token: str, user: str, groups: tuple[str, ...] = ()) -> None:
        """Accept bearer `token` as `user`; RBAC objects in the store decide what the user may do."""
        self.authenticator.add_token(token, user, groups)

    def start(self) -> None:
        """Serve (on the port of the previous start, if any) and start the controllers."""
        with self._lock:
            if self._server is not None:
                return
            # A restarted API server fills its watch caches anew: watches from before it are too old.
            cache_start = self.store.resource_version if self._served else None
            self._served = True
            api = Api(self.store, server_address=f"{self.host}:{self.port}", cache_start=cache_start)
            server = ApiServer(
                api,
                self.faults,
                self.authenticator,
                host=self.host,
                port=self.port,
                bookmark_interval=self.bookmark_interval,
            )
            self.port = server.port
            server.start()
            self._server = server
            for controller in self._controllers:
                controller.start(Client(self.store))
            if self._persister is not None:
                self._persister.start()

    def stop(self) -> None:
        """Stop the controllers and the server (ending watches, freeing the port); save the state."""
        with self._lock:
            server, self._server = self._server, None
            if server is None:
                return
            for controller in reversed(self._controllers):
                controller.stop()
            server.stop()
            if self._persister is not None:
                self._persister.stop()

    def restart(self) -> None:
        """Stop and start again on the same port; the store survives."""
        self.stop()
        self.start()

    def _end_watches(self) -> None:
        with self._lock:
            server = self._server
        if server is not None:
            server.end_watches()

    def kubeconfig(self, *, token: str | None = None, user: str = "admin") -> dict[str, Any]:
        """A kubeconfig for this cluster (a bearer token when given; none means the admin)."""
        credentials = {"token": token} if token is not None else {}
        return {
            "apiVersion": "v1",
            "kind": "Config",
            "preferences": {},
            "clusters": [{"name": CONTEXT, "cluster": {"server": self.url}}],
            "users": [{"name": user, "user": credentials}],
            "contexts": [
                {"name": CONTEXT, "context": {"cluster": CONTEXT, "user": user, "namespace": "default"}}
            ],
            "current-context": CONTEXT,
        }

    def write_kubeconfig(self, path: Path, *, token: str | None = None, user: str = "admin") -> Path:
        """Write kubeconfig() as YAML to `path` (mode 0600) and return the path."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            yaml.safe_dump(self.kubeconfig(token=token, user=user), sort_keys=False), encoding="utf-8"
        )
        path.chmod(0o600)
        return path

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

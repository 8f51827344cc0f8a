"""SimCluster: the simulated Kubernetes API server on loopback, its store, faults and controllers."""

from __future__ import annotations

import base64
import secrets
import ssl
import threading
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

import yaml

from app.sim.apiserver.authorizing import Authenticator
from app.sim.apiserver.certificates import Certificates, issue
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
    """A store served over HTTPS on 127.0.0.1; stop()/start()/restart() keep the store, the port, the
    certificates and the tokens.

    As on a real cluster, a request's bearer token says who sends it: `admin_token` is the admin's
    (in system:masters), add_token() adds others, and a request without one is `system:anonymous`.
    The server's certificate is signed by a CA made for this cluster; kubeconfig() carries that CA.
    """

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
        self.admin_token = secrets.token_hex(16)
        self.authenticator = Authenticator(self.admin_token)
        self.certificates: Certificates = issue((host,))
        self._tls = self.certificates.server_context()
        self._tokens: dict[str, str] = {}  # user name -> a token of theirs, for kubeconfig()
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
        return f"https://{self.host}:{self.port}"

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

    def add_token(self, token: str, user: str, groups: tuple[str, ...] = (), uid: str = "") -> None:
        """Accept bearer `token` as `user`; RBAC objects in the store decide what the user may do."""
        self.authenticator.add_token(token, user, groups, uid)
        with self._lock:
            self._tokens[user] = token

    def client_context(self) -> ssl.SSLContext:
        """An SSL context that trusts this cluster's CA, for clients that speak HTTPS by hand."""
        return self.certificates.client_context()

    @property
    def admin_headers(self) -> dict[str, str]:
        """The admin's Authorization header."""
        return {"Authorization": f"Bearer {self.admin_token}"}

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
                tls=self._tls,
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

    def kubeconfig(
        self, *, token: str | None = None, user: str = "admin", others: bool = False
    ) -> dict[str, Any]:
        """A kubeconfig for this cluster: its CA, and `user` with `token` (by default the admin's token,
        or the token add_token() gave `user`). With `others`, every user add_token() knows has a context
        of its own too (`splitboard-sim-<user>`), for `kubectl --context`."""
        with self._lock:
            known = dict(self._tokens)
        known["admin"] = self.admin_token
        if token is None:
            if user not in known:
                raise ValueError(f"no token for user {user!r}: add_token() first")
            token = known[user]
        ca = base64.b64encode(self.certificates.ca).decode("ascii")
        users = [(CONTEXT, user, token)]
        if others:
            users += [(f"{CONTEXT}-{name}", name, t) for name, t in known.items() if name != user]
        return {
            "apiVersion": "v1",
            "kind": "Config",
            "preferences": {},
            "clusters": [
                {"name": CONTEXT, "cluster": {"server": self.url, "certificate-authority-data": ca}}
            ],
            "users": [{"name": name, "user": {"token": t}} for _, name, t in users],
            "contexts": [
                {"name": context, "context": {"cluster": CONTEXT, "user": name, "namespace": "default"}}
                for context, name, _ in users
            ],
            "current-context": CONTEXT,
        }

    def write_kubeconfig(
        self, path: Path, *, token: str | None = None, user: str = "admin", others: bool = False
    ) -> Path:
        """Write kubeconfig() as YAML to `path` (mode 0600: it holds tokens) and return the path."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.chmod(0o600)
        text = yaml.safe_dump(self.kubeconfig(token=token, user=user, others=others), sort_keys=False)
        path.write_text(text, encoding="utf-8")
        return path

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

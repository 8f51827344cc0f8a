"""The two clusters tests run on, behind one interface: the simulator (`sim`) and a real API server (`real`).

A test that takes the `backend` fixture runs once per selected backend (`pytest --backend=sim|real|both`).
It reaches the cluster only through kubeconfigs, as the dashboard does:

- `backend.kubeconfig(user)`: the admin's, or a limited user's (viewer, editor, alice, bob), who start
  with no rights; `grant(...)` gives them a Role in one namespace or a ClusterRole.
- `backend.namespace()`: a fresh namespace for this test (real clusters are shared by the whole session).
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any, Protocol

from kubernetes.client import ApiClient

from app.kube.errors import ApiError
from app.kube.requesting import request_json

USERS = ("admin", "viewer", "editor", "alice", "bob")
"""Every backend knows these users by a bearer token; only admin has rights until granted some."""
USER_GROUPS = {"admin": ("system:masters",), "alice": ("team-a",), "bob": ("team-b",)}

_numbers = itertools.count(1)


class KubeconfigWriter(Protocol):
    def __call__(self, path: Path, user: str) -> Path: ...


class Backend:
    """One test's view of a cluster: kubeconfigs per user, admin clients, fresh namespaces.

    `sim` is the simulated cluster when the backend is the simulator, for the few tests that need its
    fault switches; a test that uses it runs on the simulator alone.
    """

    def __init__(self, name: str, folder: Path, write: KubeconfigWriter, sim: Any = None) -> None:
        self.name = name
        self.sim = sim
        self._folder = folder
        self._write = write
        self._clients: list[ApiClient] = []

    def kubeconfig(self, user: str = "admin") -> Path:
        if user not in USERS:
            raise ValueError(f"unknown test user {user!r}; the backends know {', '.join(USERS)}")
        return self._write(self._folder / f"{self.name}-{user}.kubeconfig", user)

    def client(self, user: str = "admin") -> ApiClient:
        """An ApiClient built by the official client's loader; closed when the test ends."""
        from kubernetes import config

        api: ApiClient = config.new_client_from_config(config_file=str(self.kubeconfig(user)))  # type: ignore[no-untyped-call]
        self._clients.append(api)
        return api

    def namespace(self, prefix: str = "t") -> str:
        """A namespace of this test's own, created by the admin."""
        return create_namespace(self.client(), fresh_namespace_name(prefix))

    def close(self) -> None:
        from app.kube.config import close_api_client

        for api in self._clients:
            close_api_client(api)
        self._clients.clear()


def fresh_namespace_name(prefix: str = "t") -> str:
    return f"{prefix}-{next(_numbers)}"


def create_namespace(api: ApiClient, name: str) -> str:
    try:
        request_json(api, "POST", "/api/v1/namespaces", body={"metadata": {"name": name}})
    except ApiError as exc:
        if exc.code != 409:
            raise
    return name


def grant(
    api: ApiClient, namespace: str | None, user: str, rules: list[dict[str, Any]], name: str | None = None
) -> None:
    """Give `user` a Role of `rules` in `namespace`, or a ClusterRole everywhere when `namespace` is None
    (then `name` must be unique in the session): a role and its binding, as an admin would."""
    rbac = "rbac.authorization.k8s.io"
    name = name or f"{user}-role"
    kind = "Role" if namespace else "ClusterRole"
    base = f"/apis/{rbac}/v1" + (f"/namespaces/{namespace}" if namespace else "")
    meta = {"name": name, **({"namespace": namespace} if namespace else {})}
    binding = {
        "metadata": meta,
        "roleRef": {"apiGroup": rbac, "kind": kind, "name": name},
        "subjects": [{"kind": "User", "name": user, "apiGroup": rbac}],
    }
    request_json(api, "POST", f"{base}/{kind.lower()}s", body={"metadata": meta, "rules": rules})
    request_json(api, "POST", f"{base}/{kind.lower()}bindings", body=binding)


def backend_on_sim(sim: Any, folder: Path) -> Backend:
    """A Backend on a simulated cluster that knows every test user by a token, as the real one does."""
    for user in USERS:
        # The real control plane's token file gives each user the uid `uid-<name>`.
        sim.add_token(f"{user}-token", user, USER_GROUPS.get(user, ()), uid=f"uid-{user}")

    def write(path: Path, user: str) -> Path:
        written: Path = sim.write_kubeconfig(path, token=f"{user}-token", user=user)
        return written

    return Backend("sim", folder, write, sim=sim)


def backend_on_real(cluster: Any, folder: Path) -> Backend:
    """A Backend on a real control plane (tests.realcluster.controlplane.RealCluster)."""
    return Backend("real", folder, lambda path, user: cluster.write_kubeconfig(path, user))

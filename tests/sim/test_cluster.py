"""SimCluster's own API: controllers, tokens, kubeconfig, concurrency and fault switch arguments."""

from __future__ import annotations

import base64
import socket
import threading
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from app.sim.apiserver.faults import Faults
from app.sim.client import Client
from app.sim.cluster import CONTEXT, SimCluster
from tests.sim.helpers import ksvc_body


class Recorder:
    """A controller that records its lifecycle and watches every kind while it runs."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def start(self, client: Client) -> None:
        self.calls.append(f"start:{client.resource_version > 0}")

    def stop(self) -> None:
        self.calls.append("stop")


def test_controllers_follow_the_cluster() -> None:
    cluster = SimCluster()
    early, late = Recorder(), Recorder()
    cluster.add_controller(early)
    with cluster:
        cluster.add_controller(late)
        cluster.restart()
    assert early.calls == ["start:True", "stop", "start:True", "stop"]
    assert late.calls == ["start:True", "stop", "start:True", "stop"]


def test_kubeconfig_names_the_server_its_ca_and_a_token(sim_cluster: SimCluster) -> None:
    config = sim_cluster.kubeconfig(token="secret", user="viv")
    cluster = config["clusters"][0]["cluster"]
    assert cluster["server"] == sim_cluster.url == f"https://127.0.0.1:{sim_cluster.port}"
    assert base64.b64decode(cluster["certificate-authority-data"]) == sim_cluster.certificates.ca
    assert config["users"] == [{"name": "viv", "user": {"token": "secret"}}]
    assert config["contexts"][0]["context"]["user"] == "viv"
    admin = sim_cluster.kubeconfig()
    assert admin["users"] == [{"name": "admin", "user": {"token": sim_cluster.admin_token}}]


def test_kubeconfig_can_name_every_known_user_in_a_context_of_its_own(sim_cluster: SimCluster) -> None:
    sim_cluster.add_token("viv-token", "viv")
    config = sim_cluster.kubeconfig(others=True)
    contexts = {c["name"]: c["context"]["user"] for c in config["contexts"]}
    assert contexts == {CONTEXT: "admin", f"{CONTEXT}-viv": "viv"}
    assert {"name": "viv", "user": {"token": "viv-token"}} in config["users"]
    assert sim_cluster.kubeconfig(user="viv")["users"] == [{"name": "viv", "user": {"token": "viv-token"}}]


def fetch(cluster: SimCluster, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(cluster.url + path, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5, context=cluster.client_context()) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read()


def test_unknown_token_is_unauthorized_and_only_admins_impersonate(sim_cluster: SimCluster) -> None:
    path = "/api/v1/namespaces"
    code, body = fetch(sim_cluster, path, {"Authorization": "Bearer nope"})
    assert code == 401 and b'"reason":"Unauthorized"' in body
    sim_cluster.add_token("viv-token", "viv")
    code, body = fetch(sim_cluster, path, {"Authorization": "Bearer viv-token", "Impersonate-User": "root"})
    assert code == 403 and b'User \\"viv\\" cannot impersonate resource \\"users\\"' in body
    assert fetch(sim_cluster, path, {"Impersonate-User": "viv"})[0] == 403
    assert fetch(sim_cluster, path, {**sim_cluster.admin_headers, "Impersonate-User": "viv"})[0] == 403
    assert fetch(sim_cluster, path, sim_cluster.admin_headers)[0] == 200


def test_health_and_discovery_routes(sim_cluster: SimCluster) -> None:
    admin = sim_cluster.admin_headers
    for path in ("/healthz", "/livez", "/readyz"):
        assert fetch(sim_cluster, path, admin) == (200, b"ok")
    for path in ("/version", "/api", "/api/v1", "/apis", "/apis/serving.knative.dev", "/openapi/v3"):
        assert fetch(sim_cluster, path, admin)[0] == 200, path
    assert fetch(sim_cluster, "/apis/serving.knative.dev/v9", admin)[0] == 404


def test_concurrent_writers_get_distinct_versions_and_watchers_see_all(sim_cluster: SimCluster) -> None:
    store = sim_cluster.store
    ksvc = store.registry.get("services.serving.knative.dev")
    watcher = store.watch(ksvc, "default")
    versions: list[str] = []
    lock = threading.Lock()

    def writer(prefix: str) -> None:
        for i in range(50):
            created = store.create(ksvc, "default", ksvc_body(f"{prefix}-{i}"))
            with lock:
                versions.append(created["metadata"]["resourceVersion"])

    threads = [threading.Thread(target=writer, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seen: list[int] = []
    while (event := watcher.next(0.5)) is not None:
        seen.append(event.resource_version)
        if len(seen) == 200:
            break
    watcher.close()
    assert len(set(versions)) == 200
    assert seen == sorted(seen) and len(seen) == 200


@pytest.mark.parametrize(
    ("call", "args"),
    [
        ("drop_next_watch_events", (-1,)),
        ("fail_next", (1, 200)),
        ("set_latency", (-0.5,)),
        ("delay_next_answers", (-1.0,)),
        ("drop_next_answers", (-1,)),
    ],
)
def test_fault_switches_refuse_nonsense(call: str, args: tuple[Any, ...]) -> None:
    faults = Faults(end_watches=lambda: None, compact=lambda: None)
    with pytest.raises(ValueError):
        getattr(faults, call)(*args)


def test_server_side_apply_creates_then_merges(sim_cluster: SimCluster) -> None:
    ksvc = sim_cluster.store.registry.get("services.serving.knative.dev")
    applied = sim_cluster.store.patch(ksvc, "default", "customer", ksvc_body(), "apply")
    assert applied["metadata"]["generation"] == 1
    again = sim_cluster.store.patch(ksvc, "default", "customer", {"spec": {"traffic": []}}, "apply")
    assert again["spec"]["traffic"] == [] and again["metadata"]["generation"] == 2


def test_a_hung_up_watch_frees_its_watcher(sim_cluster: SimCluster) -> None:
    path = "/apis/serving.knative.dev/v1/services?watch=1&timeoutSeconds=60"
    raw = socket.create_connection(("127.0.0.1", sim_cluster.port), timeout=5)
    with sim_cluster.client_context().wrap_socket(raw, server_hostname="127.0.0.1") as connection:
        request = (
            f"GET {path} HTTP/1.1\r\nHost: sim\r\nAuthorization: Bearer {sim_cluster.admin_token}\r\n\r\n"
        )
        connection.sendall(request.encode())
        assert connection.recv(100).startswith(b"HTTP/1.1 200")
    deadline = time.monotonic() + 5
    while sim_cluster.store.watcher_count() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sim_cluster.store.watcher_count() == 0

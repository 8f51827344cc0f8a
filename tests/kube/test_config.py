"""Client construction from kubeconfig files: contexts, $KUBECONFIG, independence, clear errors."""

from __future__ import annotations

import contextlib
import gc
import socket
import struct
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import urllib3
import yaml
from kubernetes.client import Configuration, VersionApi

from app.kube.config import ConfigError, close_api_client, list_contexts, load_api_client


def write_kubeconfig(path: Path, current: str = "one") -> Path:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": current,
        "clusters": [
            {"name": "c1", "cluster": {"server": "http://127.0.0.1:10001"}},
            {"name": "c2", "cluster": {"server": "http://127.0.0.1:10002"}},
        ],
        "users": [{"name": "u", "user": {"token": "secret-token"}}],
        "contexts": [
            {"name": "one", "context": {"cluster": "c1", "user": "u", "namespace": "labs-1"}},
            {"name": "two", "context": {"cluster": "c2", "user": "u"}},
        ],
    }
    path.write_text(yaml.safe_dump(config))
    return path


def test_explicit_path_and_context_choose_the_server(tmp_path: Path) -> None:
    kubeconfig = write_kubeconfig(tmp_path / "config")
    with load_api_client(kubeconfig) as one, load_api_client(kubeconfig, "two") as two:
        assert one.configuration.host == "http://127.0.0.1:10001"
        assert two.configuration.host == "http://127.0.0.1:10002"
        assert one.configuration.auth_settings()["BearerToken"]["value"] == "Bearer secret-token"
        assert one.configuration is not two.configuration
        assert one.rest_client.pool_manager.connection_pool_kw["maxsize"] == 100  # one per open watch
    assert getattr(Configuration, "_default", None) is None  # the library's global default is untouched


def test_kubeconfig_environment_variable_is_read_at_call_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(write_kubeconfig(tmp_path / "env-config", current="two")))
    with load_api_client() as client:
        assert client.configuration.host == "http://127.0.0.1:10002"
    assert list_contexts() == (["one", "two"], "two")


def test_list_contexts_of_an_explicit_file(tmp_path: Path) -> None:
    assert list_contexts(write_kubeconfig(tmp_path / "config")) == (["one", "two"], "one")


def test_errors_are_clear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="missing"):
        load_api_client(tmp_path / "missing")
    with pytest.raises(ConfigError, match="three"):
        load_api_client(write_kubeconfig(tmp_path / "config"), "three")
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with pytest.raises(ConfigError, match="in-cluster"):
        load_api_client(in_cluster=True)


@contextlib.contextmanager
def resetting_server() -> Iterator[int]:
    """A TCP server that accepts each connection and resets it at once, before any TLS, as an API
    server that closes its listener with connections queued does to them; yields its port."""
    listener = socket.create_server(("127.0.0.1", 0))
    stopped = threading.Event()

    def serve() -> None:
        while not stopped.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stopped.set()
        listener.close()
        thread.join(5.0)


def test_connections_reset_before_the_tls_handshake_leave_no_socket_open(tmp_path: Path) -> None:
    # CPython's ssl module loses the socket when the reset comes before its connected check; a plain
    # urllib3 pool leaks one on nearly every attempt against this server.
    with resetting_server() as port:
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": "reset",
            "clusters": [
                {
                    "name": "reset",
                    "cluster": {"server": f"https://127.0.0.1:{port}", "insecure-skip-tls-verify": True},
                }
            ],
            "users": [{"name": "u", "user": {"token": "secret-token"}}],
            "contexts": [{"name": "reset", "context": {"cluster": "reset", "user": "u"}}],
        }
        path = tmp_path / "kubeconfig"
        path.write_text(yaml.safe_dump(config))
        api = load_api_client(path)
        api.configuration.retries = False  # each call one connection, so the attempts are counted
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ResourceWarning)
                failures = 0
                for _ in range(50):
                    try:
                        VersionApi(api).get_code(_request_timeout=5)
                    except (urllib3.exceptions.HTTPError, OSError):
                        failures += 1
                gc.collect()
        finally:
            close_api_client(api)
    assert failures == 50
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []

"""Client construction from kubeconfig files: contexts, $KUBECONFIG, independence, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from kubernetes.client import Configuration

from app.kube.config import ConfigError, list_contexts, load_api_client


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

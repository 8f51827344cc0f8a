"""Building API clients from a kubeconfig or the in-cluster service account.

Every call returns a fresh, independent `ApiClient`: the client library's global default
configuration is never read or changed, so several clusters can be used side by side.
"""

from __future__ import annotations

import os
from pathlib import Path

from kubernetes.client import ApiClient, Configuration
from kubernetes.config import ConfigException, list_kube_config_contexts, load_incluster_config
from kubernetes.config import load_kube_config as _load_kube_config

DEFAULT_KUBECONFIG = "~/.kube/config"
CONNECTION_POOL_SIZE = 100
"""Pooled HTTP connections per client: every open watch holds one (HTTP/1.1 cannot multiplex), and the
cache runs about ten watches per namespace in view."""


class ConfigError(Exception):
    """The kubeconfig (or in-cluster environment) cannot give a usable client."""


def kubeconfig_location(kubeconfig: Path | None = None) -> str:
    """The kubeconfig to read: the explicit path, else $KUBECONFIG (read at call time; may list
    several files), else ~/.kube/config."""
    if kubeconfig is not None:
        return str(kubeconfig)
    return os.environ.get("KUBECONFIG") or DEFAULT_KUBECONFIG


def load_api_client(
    kubeconfig: Path | None = None, context: str | None = None, in_cluster: bool = False
) -> ApiClient:
    """A new ApiClient for the cluster: in-cluster service account, or a kubeconfig and context.

    The caller owns the client and must release it with `close_api_client()` when done.
    """
    configuration = Configuration()
    try:
        if in_cluster:
            load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
        else:
            _load_kube_config(  # type: ignore[no-untyped-call]
                config_file=kubeconfig_location(kubeconfig),
                context=context,
                client_configuration=configuration,
                persist_config=False,
            )
    except (ConfigException, OSError, ValueError, KeyError) as exc:
        source = "in-cluster service account" if in_cluster else kubeconfig_location(kubeconfig)
        raise ConfigError(f"cannot load {source}: {exc}") from exc
    configuration.connection_pool_maxsize = CONNECTION_POOL_SIZE
    return ApiClient(configuration)


def close_api_client(api_client: ApiClient) -> None:
    """Release a client: its thread pool and its pooled connections (ApiClient.close() keeps those)."""
    api_client.close()  # type: ignore[no-untyped-call]
    api_client.rest_client.pool_manager.clear()


def list_contexts(kubeconfig: Path | None = None) -> tuple[list[str], str | None]:
    """The context names in the kubeconfig, and the current one (None if unset)."""
    try:
        contexts, current = list_kube_config_contexts(  # type: ignore[no-untyped-call]
            config_file=kubeconfig_location(kubeconfig)
        )
    except (ConfigException, OSError, ValueError, KeyError) as exc:
        raise ConfigError(f"cannot read {kubeconfig_location(kubeconfig)}: {exc}") from exc
    names = [str(c["name"]) for c in contexts]
    return names, (str(current["name"]) if current else None)

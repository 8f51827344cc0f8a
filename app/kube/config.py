"""Building API clients from a kubeconfig or the in-cluster service account.

Every call returns a fresh, independent `ApiClient`: the client library's global default
configuration is never read or changed, so several clusters can be used side by side.
"""

from __future__ import annotations

import errno
import os
import ssl
from pathlib import Path
from typing import Any

from kubernetes.client import ApiClient, Configuration
from kubernetes.config import ConfigException, list_kube_config_contexts, load_incluster_config
from kubernetes.config import load_kube_config as _load_kube_config
from urllib3.util.ssl_ import create_urllib3_context

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
    api_client = ApiClient(configuration)
    # One context for the client's connections; urllib3 still loads the CA and client certificate
    # into it per connection, as it does into the context it would otherwise make each time.
    api_client.rest_client.pool_manager.connection_pool_kw["ssl_context"] = _tls_context(configuration)
    return api_client


class _ClosingSSLSocket(ssl.SSLSocket):
    """A TLS socket that closes itself when it fails before its handshake.

    CPython's SSLSocket creation takes the plain socket's descriptor over, then checks that the peer
    is still there; when the peer has already reset the connection (an API server closing its
    listener with connections queued, as it does when it restarts) the check raises without closing
    what it took over, and nobody holds the socket to close it: one descriptor lost per reconnect
    until the garbage collector finds it. The check is a getpeername() and, on Linux, where a reset
    socket reads as not connected, a one-byte recv()."""

    def getpeername(self) -> Any:
        try:
            return super().getpeername()
        except OSError as exc:
            if exc.errno != errno.ENOTCONN:
                self.close()
            raise

    def recv(self, buflen: int = 1024, flags: int = 0) -> bytes:
        try:
            return super().recv(buflen, flags)
        except OSError as exc:
            if not self._handshaken() and exc.errno not in (errno.ENOTCONN, errno.EINVAL):
                self.close()
            raise

    def _handshaken(self) -> bool:
        return getattr(self, "_sslobj", None) is not None


def _tls_context(configuration: Configuration) -> ssl.SSLContext:
    """The context urllib3 would make for the configuration, handing out self-closing sockets."""
    verify = bool(configuration.verify_ssl)
    context = create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED if verify else ssl.CERT_NONE)
    if verify and not (configuration.ssl_ca_cert or configuration.ca_cert_data):
        context.load_default_certs()  # urllib3 does this only for contexts of its own making
    context.sslsocket_class = _ClosingSSLSocket
    return context


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

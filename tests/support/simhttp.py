"""Raw HTTPS to the simulated API server, for tests of its wire answers: a connection that trusts the
cluster's own CA, and the admin's bearer token to send unless a test speaks as someone else."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

from app.sim.cluster import SimCluster


def connect(cluster: SimCluster, timeout: float = 10) -> http.client.HTTPSConnection:
    address = urlsplit(cluster.url)
    return http.client.HTTPSConnection(
        address.hostname or "", address.port, timeout=timeout, context=cluster.client_context()
    )


def as_admin(cluster: SimCluster, headers: dict[str, str]) -> dict[str, str]:
    return {**cluster.admin_headers, **headers}
